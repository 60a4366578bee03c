"""Exam rules as plain Python: assembly, clock and scoring. No Flask here."""
