"""The collector's storage: tables, engines, migrations, ingest and named queries."""
