"""Footprint agent: inventories one machine and delivers the report to the collector."""

__version__ = "0.1.0"
