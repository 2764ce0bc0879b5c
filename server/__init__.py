"""Footprint collector: ingest, storage, classification and totals of the foreign-software footprint."""

__version__ = "0.1.0"
