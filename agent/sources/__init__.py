"""Software sources: one module per package database or application store."""
