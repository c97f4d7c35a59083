"""Incident classifier: free text (Indonesian, Javanese, English) -> category and priority."""

from .model import CATEGORIES, DATA_PATH, Classification, classify, load_labelled

__all__ = ["CATEGORIES", "DATA_PATH", "Classification", "classify", "load_labelled"]
