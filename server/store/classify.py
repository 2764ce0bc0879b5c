"""Classification stored per distinct title, and re-applied to everything when the catalog or policy changes.

Every collector process classifies the titles it inserts with the same catalog and home countries; both
are pinned in `catalog_state` (a fingerprint of the catalog files' contents and the home list), so
processes started with another catalog reclassify everything once instead of mixing two rule sets.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

from sqlalchemy import Connection, Engine, delete, func, select, text

from agent.contract import EXTENSION_SOURCES
from server.catalog.cache import classifier_for
from server.catalog.loader import local_dirs_from_env
from server.catalog.matcher import Item
from server.catalog.policy import Classification, Classifier, home_countries
from server.store.db import write_transaction
from server.store.tables import catalog_state, classes, host_software, software_titles, title_classes
from server.store.upsert import insert_for, upsert

log = logging.getLogger("footprint")

BATCH = 2000
CLASS_COLUMNS = (
    "vendor", "vendor_name", "product", "product_name", "category", "country", "status", "license", "grp",
    "register", "os_component",
)


@dataclass
class CurrentClassifier:
    """The classifier this process uses and the fingerprint stored beside what it classified."""

    classifier: Classifier
    fingerprint: str
    home: tuple


_loaded: Dict[tuple, CurrentClassifier] = {}


def current_classifier(home: Optional[Sequence[str]] = None,
                       local_dirs: Optional[List[Path]] = None) -> CurrentClassifier:
    """The process-wide classifier for these home countries and catalog directories (loaded once);
    InvalidCatalog if the catalog has problems."""
    dirs = local_dirs_from_env() if local_dirs is None else local_dirs
    home = tuple(home or home_countries())
    key = (home, tuple(str(d) for d in dirs))
    found = _loaded.get(key)
    if found is None:
        classifier = classifier_for(dirs, home)
        found = _loaded[key] = CurrentClassifier(classifier, classifier.fingerprint, home)
    return found


def stored_state(conn: Connection) -> Dict[str, str]:
    return dict(conn.execute(select(catalog_state.c.key, catalog_state.c.value)).all())


def stored_home(conn: Connection) -> Optional[tuple]:
    """The home countries the database was classified with, which every process then follows."""
    value = stored_state(conn).get("home")
    return tuple(value.split(",")) if value else None


def class_key(c: Classification, extension: bool = False) -> str:
    """A class per outcome; an extension's apart from a program's ("|e"), so totals can count them apart."""
    return f"{c.vendor}|{c.product}|{int(c.os_component)}" + ("|e" if extension else "")


def class_row(c: Classification, extension: bool = False) -> dict:
    row = {name: getattr(c, name) for name in CLASS_COLUMNS if name != "grp"}
    row.update(class_key=class_key(c, extension), grp=c.group, extension=extension)
    return row


def title_item(row) -> Item:
    """The classifier's view of a stored title: the OS pseudo-title carries its distribution id, a package its
    host's distribution and provenance."""
    return Item.from_dict({
        "name": row.name, "publisher": row.publisher or "", "source": row.source, "id": row.package_id or "",
        "upgrade_code": row.upgrade_code or "", "team_id": row.team_id or "", "packager": row.packager or "",
        "os_id": (row.package_id or "") if row.source == "os" else (row.os_id or ""),
        "provenance": json.loads(row.provenance) if row.provenance else {},
    })


_TITLE_COLUMNS = (
    software_titles.c.id, software_titles.c.name, software_titles.c.publisher, software_titles.c.source,
    software_titles.c.package_id, software_titles.c.upgrade_code, software_titles.c.team_id,
    software_titles.c.packager, software_titles.c.os_id, software_titles.c.provenance,
)


def classify_titles(conn: Connection, title_ids: Iterable[int], current: CurrentClassifier) -> int:
    """Classify those of `title_ids` that have no classification yet; returns how many were added."""
    ids = list(title_ids)
    added = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        query = (
            select(*_TITLE_COLUMNS)
            .outerjoin(title_classes, title_classes.c.title_id == software_titles.c.id)
            .where(software_titles.c.id.in_(chunk), title_classes.c.title_id.is_(None))
        )
        rows = conn.execute(query).all()
        added += _store(conn, rows, current)
    return added


def _results(rows, current: CurrentClassifier) -> list:
    return [(current.classifier.classify(title_item(r)), r.source in EXTENSION_SOURCES) for r in rows]


def _links(rows, results, class_ids: Dict[str, int]) -> List[dict]:
    return [{"title_id": r.id, "class_id": class_ids[class_key(c, ext)], "rule": c.rule[:512], "level": c.level}
            for r, (c, ext) in zip(rows, results)]


def _store(conn: Connection, rows, current: CurrentClassifier) -> int:
    if not rows:
        return 0
    results = _results(rows, current)
    by_key = {class_key(c, ext): class_row(c, ext) for c, ext in results}
    links = _links(rows, results, _class_ids(conn, by_key, update=False))
    conn.execute(insert_for(conn, title_classes).on_conflict_do_nothing(index_elements=["title_id"]), links)
    return len(links)


def _class_ids(conn: Connection, rows_by_key: Dict[str, dict], update: bool) -> Dict[str, int]:
    """Ids of these classes, inserting new ones (and refreshing their attributes when reclassifying)."""
    if not rows_by_key:
        return {}
    rows = sorted(rows_by_key.values(), key=lambda r: r["class_key"])
    if update:
        upsert(conn, classes, rows, ["class_key"], [c for c in CLASS_COLUMNS])
    else:
        conn.execute(insert_for(conn, classes).on_conflict_do_nothing(index_elements=["class_key"]), rows)
    ids: Dict[str, int] = {}
    keys = list(rows_by_key)
    for start in range(0, len(keys), BATCH):
        query = select(classes.c.class_key, classes.c.id).where(classes.c.class_key.in_(keys[start:start + BATCH]))
        ids.update(conn.execute(query).all())
    return ids


def _counted_unknown(row) -> bool:
    """Whether a class's titles are listed by `footprint unknown` (unknown_names counts them)."""
    return row["grp"] == "unknown" and not row["os_component"] and not row["extension"]


def reclassify(engine: Engine, home: Optional[Sequence[str]] = None, local_dirs: Optional[List[Path]] = None,
               if_changed: bool = False, full: bool = False) -> dict:
    """Re-apply the catalog (and home countries) to every title and bring every maintained total up to date:
    from what changed (`reaggregate`), or derived again from every link and event (`full`, or titles had no
    classification yet: a fleet loaded in bulk). `if_changed`: nothing if the stored classification already
    used this catalog (another collector process reclassified while this one waited for the lock)."""
    from server.store import aggregates, daily, reaggregate

    with write_transaction(engine) as conn:
        _lock(conn)
        current = current_classifier(home or stored_home(conn), local_dirs)
        if if_changed and stored_state(conn).get("fingerprint") == current.fingerprint:
            return {"titles": 0, "moved": 0, "home": list(current.home), "fingerprint": current.fingerprint}
        rows = conn.execute(select(*_TITLE_COLUMNS, software_titles.c.name_key).order_by(software_titles.c.id)).all()
        before = {r.title_id: r for r in conn.execute(select(title_classes))}
        old_classes = {r["id"]: r for r in conn.execute(select(classes)).mappings()}
        results = _results(rows, current)
        by_key = {class_key(c, ext): class_row(c, ext) for c, ext in results}
        if full or any(r.id not in before for r in rows):  # loaded in bulk: nothing to compare with
            links = _links(rows, results, _class_ids(conn, by_key, update=True))
            for start in range(0, len(links), BATCH):
                upsert(conn, title_classes, links[start:start + BATCH], ["title_id"], ["class_id", "rule", "level"])
            moved = links
            _forget_gone(conn)
            aggregates.rebuild(conn)
        else:
            class_ids = _class_ids(conn, by_key, update=False)
            new_classes = {**old_classes, **{class_ids[k]: row for k, row in by_key.items()}}
            links = _links(rows, results, class_ids)
            changed = [link for link in links if tuple(before[link["title_id"]][1:]) !=
                       (link["class_id"], link["rule"], link["level"])]
            moved = [link for link in changed if before[link["title_id"]].class_id != link["class_id"]]
            regrouped = [cid for cid, row in old_classes.items() if new_classes[cid]["grp"] != row["grp"]]
            names = [r.name_key for r, link in zip(rows, links) if _counted_unknown(
                old_classes[before[r.id].class_id]) != _counted_unknown(new_classes[link["class_id"]])]
            pairs = {m["title_id"]: (before[m["title_id"]].class_id, m["class_id"]) for m in moved}
            flags = any(daily.foreign_group(old_classes[a]) != daily.foreign_group(new_classes[b])
                        for a, b in [*pairs.values(), *((c, c) for c in regrouped)])
            delta = reaggregate.prepare(conn, pairs, regrouped, names, flags)
            upsert(conn, classes, sorted(by_key.values(), key=lambda r: r["class_key"]), ["class_key"],
                   list(CLASS_COLUMNS))
            for start in range(0, len(changed), BATCH):
                upsert(conn, title_classes, changed[start:start + BATCH], ["title_id"], ["class_id", "rule", "level"])
            _forget_gone(conn)
            reaggregate.apply(conn, delta)
        _remember(conn, current)
    return {"titles": len(rows), "moved": len(moved), "home": list(current.home),
            "fingerprint": current.fingerprint}


def _forget_gone(conn: Connection) -> None:
    """The classification of titles no longer stored."""
    conn.execute(delete(title_classes).where(~title_classes.c.title_id.in_(select(software_titles.c.id))))


def ensure_current(engine: Engine, local_dirs: Optional[List[Path]] = None) -> CurrentClassifier:
    """At collector start: reclassify once if the stored classification used another catalog or policy."""
    with engine.connect() as conn:
        state = stored_state(conn)
    home = tuple(state["home"].split(",")) if state.get("home") else None
    current = current_classifier(home, local_dirs)
    if state.get("fingerprint") != current.fingerprint:
        log.info("catalog or policy changed since the last classification: reclassifying what it changes")
        result = reclassify(engine, current.home, local_dirs, if_changed=True)
        log.info("reclassified: %d of %d titles moved to another class", result["moved"], result["titles"])
    return current


def _remember(conn: Connection, current: CurrentClassifier) -> None:
    rows = [{"key": "fingerprint", "value": current.fingerprint}, {"key": "home", "value": ",".join(current.home)}]
    upsert(conn, catalog_state, rows, ["key"], ["value"])


def _lock(conn: Connection) -> None:
    """One reclassification at a time across collector processes (SQLite's write lock already is one)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(4242)"))


def alternatives_lookup(engine: Engine):
    """A function product id → the catalog's alternatives (name, country, status under the stored policy)."""
    with engine.connect() as conn:
        current = current_classifier(stored_home(conn))
    classifier = current.classifier
    cache: Dict[str, list] = {}

    def lookup(product_id: str) -> list:
        if product_id not in cache:
            cache[product_id] = [
                {"id": a.id, "name": a.name, "country": a.country, "status": a.status, "license": a.license,
                 "register": a.register}
                for a in classifier.alternatives_of(product_id)
            ]
        return cache[product_id]

    return lookup


def title_labels(conn: Connection) -> Dict[int, str]:
    """Each classified title's `group: product` (or group), to compare classifications before and after."""
    query = (select(title_classes.c.title_id, classes.c.grp, classes.c.product_name)
             .join(classes, classes.c.id == title_classes.c.class_id))
    return {title: f"{grp}: {name}" if name else grp for title, grp, name in conn.execute(query)}


def installs_of_titles(conn: Connection, title_ids: Sequence[int]) -> Dict[int, int]:
    """How many hosts have each of these titles installed (titles no host has are left out)."""
    ids = list(title_ids)
    installs: Dict[int, int] = {}
    for start in range(0, len(ids), BATCH):
        query = (select(host_software.c.title_id, func.count())
                 .where(host_software.c.title_id.in_(ids[start:start + BATCH]))
                 .group_by(host_software.c.title_id))
        installs.update(dict(conn.execute(query).all()))
    return installs
