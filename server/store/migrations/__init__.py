"""Alembic migrations of the collector's schema, run by `footprint db upgrade`."""
