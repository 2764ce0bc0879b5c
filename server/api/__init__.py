"""HTTP routers of the collector, one module per resource, and their shared dependencies."""
