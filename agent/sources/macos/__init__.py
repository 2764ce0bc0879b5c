"""macOS software: application bundles, pkgutil receipts, and the plist reader they share."""
