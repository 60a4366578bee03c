"""Question banks: files on disk -> validated tracks -> database versions. No Flask here."""

from .loader import BankLoad, InvalidBanks, Problem, TrackBank, load_banks

__all__ = ["BankLoad", "InvalidBanks", "Problem", "TrackBank", "load_banks"]
