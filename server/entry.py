"""The `footprint` console entry: one-item `classify --name ...` answered without loading the CLI framework.

Typer (which imports pydantic to coerce parameters) and the other command groups cost more than the 0.3 s a
one-off classification may take: `bench/classify_speed.py` prints both in the same run (load ~4: 0.27 s
through this entry, 0.54 s through the Typer app alone). So the plain form is read here, its flags being the
ones `footprint classify` declares; every other form, `--help`, and any problem (an invalid catalog, an
unknown flag) goes to the one CLI in server/cli, which gives the same answer or the proper error.
"""

from __future__ import annotations

import sys
from typing import List, Optional

_FLAGS = {"--name": "name", "--publisher": "publisher", "--source": "source", "--id": "id", "--home": "home",
          "--catalog-dir": "catalog_dir"}


def _plain_classify(argv: List[str]) -> Optional[dict]:
    """The flag values of `classify --name N [--publisher P] [--source S] [--id I] [--home H] [--catalog-dir D]`."""
    if not argv or argv[0] != "classify":
        return None
    values: dict = {"catalog_dir": []}
    rest = list(argv[1:])
    while rest:
        flag = rest.pop(0)
        if "=" in flag:
            flag, value = flag.split("=", 1)
        elif rest:
            value = rest.pop(0)
        else:
            return None
        key = _FLAGS.get(flag)
        if key is None:
            return None
        if key == "catalog_dir":
            values[key].append(value)
        else:
            values[key] = value
    return values if "name" in values else None


def main() -> None:
    values = _plain_classify(sys.argv[1:])
    if values is not None and _answer(values):
        return
    from server.cli import main as full_cli

    full_cli()


def _answer(values: dict) -> bool:
    """Print the classification; False (nothing printed) on a problem (bad --home, invalid catalog) to report."""
    from pathlib import Path

    from server.catalog.cache import InvalidCatalog, load_classifier
    from server.catalog.describe import describe

    try:
        classifier = load_classifier(values.get("home"), [Path(d) for d in values["catalog_dir"]])
    except (ValueError, InvalidCatalog):
        return False
    item = {k: values.get(k, "") for k in ("name", "publisher", "source", "id")}
    print(describe(values["name"], classifier.classify(item).as_dict()))
    return True
