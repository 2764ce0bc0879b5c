"""`footprint report`: the management report (HTML with inline SVG charts, optionally PDF)."""
