"""Measurement: the pass forecast, pacing and item statistics. Plain Python, no Flask."""
