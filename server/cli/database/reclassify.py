"""`footprint catalog reclassify`: re-apply the catalog and home countries to every stored title, on the database."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

import typer

from server.cli.catalog import CatalogDirOption
from server.cli.database.collector import DataDirOption, DbOption, _engine
from server.cli.remote.client import fail
from server.render import render_table

SHOWN_CHANGES = 10


def _snapshot(engine) -> tuple[Dict[int, str], Dict[str, int]]:
    """Each title's classification (status and product), and installs by status over the current hosts."""
    from sqlalchemy import select

    from server import totals
    from server.store.tables import classes, title_classes

    query = (select(title_classes.c.title_id, classes.c.grp, classes.c.product_name)
             .join(classes, classes.c.id == title_classes.c.class_id))
    with engine.connect() as conn:
        labels = {title: f"{grp}: {name}" if name else grp for title, grp, name in conn.execute(query)}
        counts = totals.host_counts(conn, totals.HostFilter())
    return labels, {g["status"]: g["installs"] for g in counts["installs_by_status"]}


def _moves(engine, before: Dict[int, str], after: Dict[int, str]) -> List[dict]:
    """Titles whose classification changed, grouped by old and new one, most installed first."""
    from sqlalchemy import func, select

    from server.store.tables import host_software

    changed = [t for t, label in after.items() if before.get(t) != label]
    installs: Dict[int, int] = {}
    with engine.connect() as conn:
        for start in range(0, len(changed), 2000):
            query = (select(host_software.c.title_id, func.count())
                     .where(host_software.c.title_id.in_(changed[start:start + 2000]))
                     .group_by(host_software.c.title_id))
            installs.update(dict(conn.execute(query).all()))
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
    engine, _ = _engine(db, data_dir)
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
