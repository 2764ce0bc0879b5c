"""`footprint catalog reclassify`: re-apply the catalog and home countries to every stored title, on the database."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

import typer

from server.cli.database.collector import open_database
from server.cli.options import CatalogDirOption, DataDirOption, DbOption
from server.cli.remote.client import fail
from server.render import render_table

SHOWN_CHANGES = 10


def _snapshot(engine) -> tuple[Dict[int, str], Dict[str, int]]:
    """Each title's classification (status and product), and installs by status over the current hosts."""
    from server import totals
    from server.store.classify import title_labels

    with engine.connect() as conn:
        labels = title_labels(conn)
        counts = totals.host_counts(conn, totals.HostFilter())
    return labels, {g["status"]: g["installs"] for g in counts["installs_by_status"]}


def _moves(engine, before: Dict[int, str], after: Dict[int, str]) -> List[dict]:
    """Titles whose classification changed, grouped by old and new one, most installed first."""
    from server.store.classify import installs_of_titles

    changed = [t for t, label in after.items() if before.get(t) != label]
    with engine.connect() as conn:
        installs = installs_of_titles(conn, changed)
    moves: Dict[tuple, dict] = {}
    for title in changed:
        key = (before.get(title, "(new)"), after[title])
        move = moves.setdefault(key, {"from": key[0], "to": key[1], "titles": 0, "installs": 0})
        move["titles"] += 1
        move["installs"] += installs.get(title, 0)
    return sorted(moves.values(), key=lambda m: (-m["installs"], -m["titles"], m["to"]))


def reclassify(
    home: Optional[str] = typer.Option(None, "--home", help="Home countries, e.g. RU or RU,BY (default: as stored)."),
    catalog_dir: Optional[List[Path]] = CatalogDirOption,
    db: Optional[str] = DbOption,
    data_dir: Optional[str] = DataDirOption,
) -> None:
    """Re-apply the catalog (and home countries) to every title, rebuild the totals, and print what changed."""
    from server.catalog.cache import InvalidCatalog
    from server.catalog.loader import local_dirs_from_env
    from server.catalog.policy import home_countries
    from server.store import classify

    try:
        countries = home_countries(home) if home else None  # none given: the stored ones
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--home") from None
    engine, _ = open_database(db, data_dir)
    before_titles, before = _snapshot(engine)
    try:
        result = classify.reclassify(engine, countries, local_dirs_from_env() + list(catalog_dir or []))
    except InvalidCatalog as exc:
        raise fail(f"catalog is invalid, nothing changed:\n{exc}") from None
    after_titles, after = _snapshot(engine)
    moves = _moves(engine, before_titles, after_titles)
    typer.echo(f"reclassified {result['titles']} titles (home {','.join(result['home'])}): "
               f"{sum(m['titles'] for m in moves)} changed classification")
    rows = [{"status": s, "before": before.get(s, 0), "after": after.get(s, 0),
             "change": f"{after.get(s, 0) - before.get(s, 0):+d}"} for s in after]
    typer.echo("\ninstalls on current hosts\n" + render_table(rows, ["status", "before", "after", "change"]))
    if moves:
        more = f"\n(+{len(moves) - SHOWN_CHANGES} more)" if len(moves) > SHOWN_CHANGES else ""
        table = render_table(moves[:SHOWN_CHANGES], ["from", "to", "titles", "installs"])
        typer.echo(f"\nwhat moved, most installed first\n{table}{more}")


def register(catalog_app: typer.Typer) -> None:
    catalog_app.command("reclassify")(reclassify)
