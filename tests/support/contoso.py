"""A local catalog naming the synthetic fleets' Contoso line-of-business tools (unknown without it) a Russian
vendor's product: the catalog update the reclassification tests and bench/reclassify.py apply."""

from __future__ import annotations

from pathlib import Path

ALL_PUBLISHERS = r"^contoso department \d+$"
ALL_TOOLS = r"contoso line-of-business tool \d+"
CATALOG = """[[vendor]]
id = "contoso"
name = "Contoso"
country = "RU"
aliases = ["Contoso Department 1"]
publisher_patterns = ['{publisher}']
source = "https://intranet.example/contoso"
checked = "2026-11-23"

[[product]]
id = "contoso-lob"
vendor = "contoso"
name = "Contoso line-of-business tools"
category = "other"
license = "proprietary"
[product.match]
windows = ['{tools}']
"""


def write_catalog(folder: Path, publisher: str = ALL_PUBLISHERS, tools: str = ALL_TOOLS) -> Path:
    """The catalog as `folder`/contoso.toml (the folder made), naming the publishers and tool names matched."""
    folder.mkdir()
    (folder / "contoso.toml").write_text(CATALOG.format(publisher=publisher, tools=tools), encoding="utf-8")
    return folder
