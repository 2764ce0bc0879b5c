"""The software catalog (data files under data/), its validating loader, the matcher and the home-country policy."""
