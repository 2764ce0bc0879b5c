"""Windows software sources and the registry readers they share."""
