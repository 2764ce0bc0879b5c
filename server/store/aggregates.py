"""Totals maintained as reports arrive, so the admin's questions never scan every install.

Per host: installs per class (`host_classes`) and per group (`host_totals`), and per day the change in its
installs of each class (`host_class_daily`, which a migration target's scope sums). Over the fleet: the sum per
class (`class_totals`), the hosts per vendor (`vendor_totals`), the hosts and installs per name of the unknown
titles (`unknown_names`), the installs of the hosts that record last use per class and day of last use
(`usage_totals`), and per
day the change in installs and in hosts having each class (`class_daily`) or any foreign software
(`flag_daily`), from which a trend is a running sum. `rebuild` derives the same tables from the stored
links and events (after a reclassification); a test holds the two paths equal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Dict, Iterable, Optional, Tuple

from sqlalchemy import Connection, and_, bindparam, case, delete, func, select, union_all

from server.store.tables import (
    class_daily,
    class_totals,
    classes,
    flag_daily,
    host_class_daily,
    host_classes,
    host_os,
    host_software,
    host_totals,
    hosts,
    os_events,
    software_events,
    software_titles,
    title_classes,
    unknown_names,
    usage_totals,
    vendor_totals,
)
from server.store.upsert import insert_for

CHUNK = 500  # ids per IN (…) list
REBUILD_WORK_MEM = "256MB"  # PostgreSQL's memory per sort or hash of a rebuild (the default 4MB spills to disk)

GROUP_COLUMNS = {
    "domestic": "domestic",
    "foreign-proprietary": "foreign_proprietary",
    "foreign-open-source": "foreign_open_source",
    "unknown": "unknown",
}
FLAGS = ("hosts", "foreign", "foreign-proprietary")
VENDOR_MODES = ("hosts", "program_hosts", "extension_hosts")  # vendor_totals' columns: any class, programs, extensions


def day_of(at: datetime) -> str:
    """The UTC day of a timestamp (naive ones, as SQLite returns them, are already UTC)."""
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc)
    return at.strftime("%Y-%m-%d")


def _links():
    """Every install: the software links plus the operating system links."""
    return union_all(select(host_software.c.host_id, host_software.c.title_id),
                     select(host_os.c.host_id, host_os.c.title_id)).subquery()


def _events():
    """Every change: software events plus operating system events."""
    columns = ("host_id", "title_id", "kind", "at")
    return union_all(
        select(*(software_events.c[c] for c in columns)), select(*(os_events.c[c] for c in columns))
    ).subquery()


def _flags(totals: dict | None) -> Dict[str, int]:
    if totals is None:
        return dict.fromkeys(FLAGS, 0)
    return {
        "hosts": 1,
        "foreign": int(totals["foreign_proprietary"] + totals["foreign_open_source"] > 0),
        "foreign-proprietary": int(totals["foreign_proprietary"] > 0),
    }


@dataclass
class Changes:
    """What one report changed on one host: links per class, links per unknown name, and its OS class."""

    first: bool  # the host's first applied report
    classes: Dict[int, int] = field(default_factory=lambda: defaultdict(int))
    unknown: Dict[str, list] = field(default_factory=dict)  # name_key → [name, source, publisher, links]
    os_class: Optional[int] = None

    usage: Dict[tuple, int] = field(default_factory=lambda: defaultdict(int))  # (class_id, day) → installs
    recording: Tuple[bool, bool] = (False, False)  # whether the host recorded last use before and after

    def link(self, class_id: int, delta: int, name: Optional[tuple] = None) -> None:
        """`delta` links of a title of `class_id`; `name` (name_key, name, source, publisher) when it is unknown."""
        self.classes[class_id] += delta
        if name is not None:
            self.unknown.setdefault(name[0], [*name[1:], 0])[3] += delta

    def use(self, before: Iterable[tuple], after: Iterable[tuple]) -> None:
        """The host's software installs as (class_id, last-use day or None) before and after the report: what
        it adds to usage_totals, where a host counts only while any of its installs carries a last use."""
        before, after = list(before), list(after)
        self.recording = (any(day for _, day in before), any(day for _, day in after))
        for sign, installs, counted in ((-1, before, self.recording[0]), (1, after, self.recording[1])):
            for class_id, day in installs if counted else ():
                self.usage[(class_id, use_day(day))] += sign


def use_day(day: Optional[date]) -> str:
    """usage_totals' day of a last use: ISO text, '' for none recorded."""
    return day.isoformat() if day else ""


def apply_changes(conn: Connection, host_id: str, changes: Changes, at: datetime) -> None:
    """After a report changed a host's links: its maintained rows, the fleet sums and the day's deltas, from
    the changes alone (the host's links are not read again)."""
    _bump_usage(conn, changes.usage)
    if not changes.first and not any(changes.classes.values()):
        if changes.recording[0] != changes.recording[1]:
            conn.execute(host_totals.update().where(host_totals.c.host_id == host_id)
                         .values(recording=changes.recording[1]))
        return
    old = dict(conn.execute(
        select(host_classes.c.class_id, host_classes.c.installs).where(host_classes.c.host_id == host_id)
    ).all())
    new = dict(old)
    for class_id, delta in changes.classes.items():
        new[class_id] = new.get(class_id, 0) + delta
    new = {class_id: n for class_id, n in new.items() if n}
    totals = dict.fromkeys(("installs", *GROUP_COLUMNS.values()), 0)
    totals.update(host_id=host_id, os_class_id=changes.os_class, recording=changes.recording[1])
    ids = sorted(set(new) | set(old))
    vendor_of: Dict[int, tuple] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(classes.c.id, classes.c.grp, classes.c.os_component, classes.c.extension,
                       classes.c.vendor).where(classes.c.id.in_(ids[start:start + CHUNK]))
        for class_id, grp, os_component, extension, vendor in conn.execute(query):
            if not os_component:
                vendor_of[class_id] = (vendor, extension)
            if class_id in new and not os_component and not extension:  # extensions counted apart from programs
                totals["installs"] += new[class_id]
                totals[GROUP_COLUMNS.get(grp, "unknown")] += new[class_id]
    old_totals = conn.execute(select(host_totals).where(host_totals.c.host_id == host_id)).mappings().first()
    _apply(conn, host_id, old, new, dict(old_totals) if old_totals else None, totals, day_of(at))
    _bump_vendors(conn, _vendor_deltas(_vendor_modes(old, vendor_of), _vendor_modes(new, vendor_of)))
    _count_unknown(conn, host_id, changes)


def _vendor_modes(installs: Dict[int, int], vendor_of: Dict[int, tuple]) -> Dict[str, set]:
    """The vendor_totals columns one host counts in, per vendor, from its installs per class."""
    found: Dict[str, set] = defaultdict(set)
    for class_id, n in installs.items():
        if n and class_id in vendor_of:
            vendor, extension = vendor_of[class_id]
            found[vendor].update(("hosts", "extension_hosts" if extension else "program_hosts"))
    return found


def _vendor_deltas(before: Dict[str, set], after: Dict[str, set]) -> Dict[str, Dict[str, int]]:
    """Per vendor whose columns changed for one host: +1 or -1 per column."""
    deltas = {}
    for vendor in set(before) | set(after):
        old, new = before.get(vendor, set()), after.get(vendor, set())
        if old != new:
            deltas[vendor] = {m: int(m in new) - int(m in old) for m in VENDOR_MODES}
    return deltas


def _bump_vendors(conn: Connection, deltas: Dict[str, Dict[str, int]]) -> None:
    """Add to the hosts per vendor, in vendor order (concurrent ingests lock rows in the same order)."""
    rows = [{"vendor": v, **d} for v, d in sorted(deltas.items())]
    if rows:
        stmt = insert_for(conn, vendor_totals)
        conn.execute(stmt.on_conflict_do_update(index_elements=["vendor"], set_={
            m: vendor_totals.c[m] + stmt.excluded[m] for m in VENDOR_MODES}), rows)


def _bump_usage(conn: Connection, deltas: Dict[tuple, int]) -> None:
    """Add to the installs per class and last-use day of the hosts that record last use, in key order."""
    rows = [{"class_id": c, "day": day, "installs": n} for (c, day), n in sorted(deltas.items()) if n]
    if rows:
        stmt = insert_for(conn, usage_totals)
        conn.execute(stmt.on_conflict_do_update(index_elements=["class_id", "day"], set_={
            "installs": usage_totals.c.installs + stmt.excluded.installs}), rows)


def usage_rows(host_ids=None):
    """Software installs per class and last use (a day or NULL) of the hosts that record last use (or of those
    of them in `host_ids`), as usage_totals counts them."""
    hs = host_software.c
    recording = select(host_totals.c.host_id).where(host_totals.c.recording)
    if host_ids is not None:
        recording = recording.where(host_totals.c.host_id.in_(host_ids))
    return (select(title_classes.c.class_id, hs.last_used, func.count())
            .join(title_classes, title_classes.c.title_id == hs.title_id)
            .where(hs.host_id.in_(recording)).group_by(title_classes.c.class_id, hs.last_used))


def unknown_links(host_id=None):
    """host_software rows whose title is classified unknown (not an OS component nor an extension), with the
    title's name_key."""
    query = (
        select(host_software.c.host_id, host_software.c.title_id, software_titles.c.name_key)
        .join(software_titles, software_titles.c.id == host_software.c.title_id)
        .join(title_classes, title_classes.c.title_id == host_software.c.title_id)
        .join(classes, classes.c.id == title_classes.c.class_id)
        .where(classes.c.grp == "unknown", classes.c.os_component.is_(False), classes.c.extension.is_(False))
    )
    return query if host_id is None else query.where(host_software.c.host_id == host_id)


def _count_unknown(conn: Connection, host_id: str, changes: Changes) -> None:
    """The hosts and installs of the unknown names the report touched."""
    keys = sorted(k for k, v in changes.unknown.items() if v[3])
    if not keys:
        return
    after = {k: changes.unknown[k][3] for k in keys}
    if not changes.first:
        after = dict.fromkeys(keys, 0)
        links = unknown_links(host_id).subquery()
        for start in range(0, len(keys), CHUNK):
            query = (select(links.c.name_key, func.count()).where(links.c.name_key.in_(keys[start:start + CHUNK]))
                     .group_by(links.c.name_key))
            after.update(conn.execute(query).all())
    rows = []
    for key in keys:
        name, source, publisher, d_installs = changes.unknown[key]
        d_hosts = int(after[key] > 0) - int(after[key] - d_installs > 0)
        rows.append({"name_key": key, "name": name, "source": source, "publisher": publisher,
                     "hosts": d_hosts, "installs": d_installs})
    stmt = insert_for(conn, unknown_names)
    conn.execute(stmt.on_conflict_do_update(index_elements=["name_key"], set_={
        "hosts": unknown_names.c.hosts + stmt.excluded.hosts,
        "installs": unknown_names.c.installs + stmt.excluded.installs}), rows)


def forget_host(conn: Connection, host_id: str) -> None:
    """Before a host is deleted: take it out of the fleet sums and out of every day it changed."""
    links = unknown_links(host_id).subquery()
    own = conn.execute(select(links.c.name_key, func.count()).group_by(links.c.name_key)).all()
    if own:
        stmt = (unknown_names.update().where(unknown_names.c.name_key == bindparam("key"))
                .values(hosts=unknown_names.c.hosts - 1, installs=unknown_names.c.installs - bindparam("n")))
        conn.execute(stmt, [{"key": k, "n": n} for k, n in sorted(own)])
    old, vendor_of = {}, {}
    query = (select(host_classes.c.class_id, host_classes.c.installs, classes.c.os_component, classes.c.vendor,
                    classes.c.extension)
             .join(classes, classes.c.id == host_classes.c.class_id).where(host_classes.c.host_id == host_id))
    for class_id, installs, os_component, vendor, extension in conn.execute(query):
        old[class_id] = installs
        if not os_component:
            vendor_of[class_id] = (vendor, extension)
    _bump_totals(conn, {class_id: (-installs, -1) for class_id, installs in old.items()})
    _bump_vendors(conn, _vendor_deltas(_vendor_modes(old, vendor_of), {}))
    _bump_usage(conn, {(c, use_day(day)): -n for c, day, n in conn.execute(usage_rows([host_id]))})
    history = daily_from_events(conn, host_id)
    _bump_daily(conn, {k: (-a, -b) for k, (a, b) in history[0].items()},
                {k: -v for k, v in history[1].items()})
    conn.execute(delete(host_class_daily).where(host_class_daily.c.host_id == host_id))


def _apply(conn, host_id, old, new, old_totals, totals, day) -> None:
    class_deltas = {}
    for class_id in sorted(set(old) | set(new)):
        before, after = old.get(class_id, 0), new.get(class_id, 0)
        if before != after:
            class_deltas[class_id] = (after - before, int(after > 0) - int(before > 0))
    gone = [c for c in old if c not in new]
    if gone:
        conn.execute(delete(host_classes).where(host_classes.c.host_id == host_id,
                                                host_classes.c.class_id.in_(gone)))
    changed = [{"host_id": host_id, "class_id": c, "installs": n} for c, n in new.items() if old.get(c) != n]
    if changed:
        stmt = insert_for(conn, host_classes)
        conn.execute(stmt.on_conflict_do_update(index_elements=["host_id", "class_id"],
                                                set_={"installs": stmt.excluded.installs}), changed)
    _bump_totals(conn, class_deltas)
    stmt = insert_for(conn, host_totals)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["host_id"], set_={k: stmt.excluded[k] for k in totals if k != "host_id"}), [totals])
    before = _flags(old_totals if old else None)
    after = _flags(totals if new else None)
    flag_deltas = {(day, f): after[f] - before[f] for f in FLAGS if after[f] != before[f]}
    _bump_daily(conn, {(day, c): d for c, d in class_deltas.items()}, flag_deltas)
    _bump_host_daily(conn, {(c, host_id, day): d[0] for c, d in class_deltas.items()})


def _bump_totals(conn: Connection, deltas: Dict[int, tuple]) -> None:
    """Add to the fleet sums per class, in class order (concurrent ingests lock rows in the same order)."""
    rows = [{"class_id": c, "installs": d[0], "hosts": d[1]} for c, d in sorted(deltas.items())]
    if rows:
        stmt = insert_for(conn, class_totals)
        conn.execute(stmt.on_conflict_do_update(index_elements=["class_id"], set_={
            "installs": class_totals.c.installs + stmt.excluded.installs,
            "hosts": class_totals.c.hosts + stmt.excluded.hosts}), rows)


def _bump_daily(conn: Connection, class_deltas: Dict[tuple, tuple], flag_deltas: Dict[tuple, int]) -> None:
    rows = [{"day": day, "class_id": c, "d_installs": d[0], "d_hosts": d[1]}
            for (day, c), d in sorted(class_deltas.items())]
    if rows:
        stmt = insert_for(conn, class_daily)
        conn.execute(stmt.on_conflict_do_update(index_elements=["day", "class_id"], set_={
            "d_installs": class_daily.c.d_installs + stmt.excluded.d_installs,
            "d_hosts": class_daily.c.d_hosts + stmt.excluded.d_hosts}), rows)
    rows = [{"day": day, "flag": flag, "d_hosts": d} for (day, flag), d in sorted(flag_deltas.items())]
    if rows:
        stmt = insert_for(conn, flag_daily)
        conn.execute(stmt.on_conflict_do_update(index_elements=["day", "flag"], set_={
            "d_hosts": flag_daily.c.d_hosts + stmt.excluded.d_hosts}), rows)


def _bump_host_daily(conn: Connection, deltas: Dict[tuple, int]) -> None:
    """Add to one host's day rows per class, keyed (class_id, host_id, day), in class order."""
    rows = [{"class_id": c, "host_id": h, "day": day, "d_installs": d}
            for (c, h, day), d in sorted(deltas.items()) if d]
    if rows:
        stmt = insert_for(conn, host_class_daily)
        conn.execute(stmt.on_conflict_do_update(index_elements=["class_id", "host_id", "day"], set_={
            "d_installs": host_class_daily.c.d_installs + stmt.excluded.d_installs}), rows)


def daily_from_events(conn: Connection, host_id: str | None = None, host_ids=None):
    """Per-day class and flag changes, and each host's per-day class changes keyed (class_id, host_id, day),
    replayed from the stored events (one host, some, or every host)."""
    events = _events()
    delta = case((events.c.kind == "install", 1), else_=-1)
    where = []
    if host_id is not None:
        where.append(events.c.host_id == host_id)
    if host_ids is not None:
        where.append(events.c.host_id.in_(host_ids))
    per_report = (
        select(events.c.host_id, title_classes.c.class_id, events.c.at, func.sum(delta).label("d"))
        .join(title_classes, title_classes.c.title_id == events.c.title_id)
        .where(and_(True, *where))
        .group_by(events.c.host_id, title_classes.c.class_id, events.c.at)
        .subquery()
    )
    running = select(
        per_report.c.host_id, per_report.c.class_id, per_report.c.at, per_report.c.d,
        func.sum(per_report.c.d).over(partition_by=(per_report.c.host_id, per_report.c.class_id),
                                      order_by=per_report.c.at).label("after"),
    ).subquery()
    query = (
        select(running.c.host_id, running.c.class_id, running.c.at, running.c.d, running.c.after,
               classes.c.grp, classes.c.os_component, classes.c.extension)
        .join(classes, classes.c.id == running.c.class_id)
        .order_by(running.c.host_id, running.c.at)
    )
    class_deltas: Dict[tuple, list] = defaultdict(lambda: [0, 0])
    flag_deltas: Dict[tuple, int] = defaultdict(int)
    host_deltas: Dict[tuple, int] = defaultdict(int)
    host, counts, state = None, None, None
    for row in conn.execute(query):
        day = day_of(row.at) if isinstance(row.at, datetime) else str(row.at)[:10]
        entry = class_deltas[(day, row.class_id)]
        entry[0] += row.d
        entry[1] += int(row.after > 0) - int(row.after - row.d > 0)
        host_deltas[(row.class_id, row.host_id, day)] += row.d
        if row.host_id != host:
            host, counts, state = row.host_id, defaultdict(int), _flags(None)
            flag_deltas[(day, "hosts")] += 1
            state["hosts"] = 1
        if not row.os_component and not row.extension and row.grp.startswith("foreign"):
            counts[row.grp] += row.d
            now = {"foreign": int(sum(counts.values()) > 0),
                   "foreign-proprietary": int(counts["foreign-proprietary"] > 0)}
            for flag, value in now.items():
                if value != state[flag]:
                    flag_deltas[(day, flag)] += value - state[flag]
                    state[flag] = value
    return ({k: tuple(v) for k, v in class_deltas.items() if v != [0, 0]},
            {k: v for k, v in flag_deltas.items() if v}, {k: v for k, v in host_deltas.items() if v})


def rebuild(conn: Connection) -> None:
    """Derive every maintained table again from host_software, software_events and title_classes."""
    if conn.dialect.name == "postgresql":  # a one-off over every install: sorts and hashes in memory, and the
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{REBUILD_WORK_MEM}'")  # planner told the rewritten classes
        conn.exec_driver_sql("ANALYZE title_classes, classes")
    for table in (class_daily, flag_daily, host_class_daily, class_totals, vendor_totals, usage_totals, host_classes,
                  host_totals, unknown_names):
        conn.execute(delete(table))
    links = _links()
    per_host = (
        select(links.c.host_id, title_classes.c.class_id, func.count().label("installs"))
        .join(title_classes, title_classes.c.title_id == links.c.title_id)
        .group_by(links.c.host_id, title_classes.c.class_id)
    )
    conn.execute(host_classes.insert().from_select(["host_id", "class_id", "installs"], per_host))
    conn.execute(class_totals.insert().from_select(
        ["class_id", "installs", "hosts"],
        select(host_classes.c.class_id, func.sum(host_classes.c.installs), func.count())
        .group_by(host_classes.c.class_id),
    ))
    conn.execute(vendor_totals.insert().from_select(["vendor", *VENDOR_MODES], vendor_hosts(
        select(host_classes.c.host_id, host_classes.c.class_id).subquery())))
    _rebuild_host_totals(conn)
    usage = defaultdict(int)
    for class_id, day, n in conn.execute(usage_rows()):
        usage[(class_id, use_day(day))] += n
    _bump_usage(conn, usage)
    _rebuild_unknown_names(conn)
    class_deltas, flag_deltas, host_deltas = daily_from_events(conn)
    rows = [{"day": d, "class_id": c, "d_installs": a, "d_hosts": b} for (d, c), (a, b) in class_deltas.items()]
    if rows:
        conn.execute(class_daily.insert(), rows)
    rows = [{"day": d, "flag": f, "d_hosts": v} for (d, f), v in flag_deltas.items()]
    if rows:
        conn.execute(flag_daily.insert(), rows)
    rows = [{"class_id": c, "host_id": h, "day": d, "d_installs": v} for (c, h, d), v in host_deltas.items()]
    for start in range(0, len(rows), 10_000):
        conn.execute(host_class_daily.insert(), rows[start:start + 10_000])
    if conn.dialect.name == "postgresql":  # rewritten whole: without fresh statistics the planner took host_classes
        conn.exec_driver_sql(  # for its old size (100,000 hosts: a vendor's host count 2.8 s instead of 0.6 s)
            "ANALYZE host_classes, host_totals, class_totals, vendor_totals, usage_totals, unknown_names, class_daily, "
            "flag_daily, host_class_daily")


def vendor_hosts(rows):
    """Per vendor, the distinct hosts of `rows` (host_id, class_id; host_classes or some of them) in each of
    VENDOR_MODES: any of its classes, its programs, its extensions (OS components left out)."""
    host = rows.c.host_id
    return (
        select(classes.c.vendor, func.count(func.distinct(host)),
               func.count(func.distinct(case((~classes.c.extension, host)))),
               func.count(func.distinct(case((classes.c.extension, host)))))
        .join(classes, classes.c.id == rows.c.class_id)
        .where(~classes.c.os_component)
        .group_by(classes.c.vendor)
    )


def _rebuild_unknown_names(conn: Connection, only=None) -> None:
    """Each unknown name's hosts and installs. The unknown titles with links are numbered by name first, so the
    sort that counts each name's distinct hosts carries a number and a host id (compared bytewise on
    PostgreSQL: the same equality) instead of every name's text (10,000 hosts: 10.3 → 2.3 s at load 6). `only`,
    a SELECT of name keys, limits it to those names."""
    t, tc, c, links = software_titles.c, title_classes.c, classes.c, host_software.c
    linked = select(links.title_id).where(links.title_id == t.id).exists()
    unknown = (
        select(t.id, func.dense_rank().over(order_by=t.name_key).label("nid"))
        .join(title_classes, tc.title_id == t.id).join(classes, c.id == tc.class_id)
        .where(c.grp == "unknown", c.os_component.is_(False), c.extension.is_(False), linked,
               True if only is None else t.name_key.in_(only))
        .cte("unknown_titles")
    )
    host = links.host_id.collate("C") if conn.dialect.name == "postgresql" else links.host_id
    counts = (select(unknown.c.nid, func.count(func.distinct(host)).label("hosts"), func.count().label("installs"))
              .join(unknown, unknown.c.id == links.title_id).group_by(unknown.c.nid).subquery())
    names = (select(unknown.c.nid, func.max(t.name_key).label("name_key"), func.max(t.name).label("name"),
                    func.max(t.source).label("source"), func.max(t.publisher).label("publisher"))
             .join(unknown, unknown.c.id == t.id).group_by(unknown.c.nid).subquery())
    query = (select(names.c.name_key, names.c.name, names.c.source, names.c.publisher, counts.c.hosts,
                    counts.c.installs).join(counts, counts.c.nid == names.c.nid))
    conn.execute(unknown_names.insert().from_select(
        ["name_key", "name", "source", "publisher", "hosts", "installs"], query))


def _rebuild_host_totals(conn: Connection, only=None) -> None:
    """Each host's totals from its host_classes rows (`only`, a SELECT of host ids: those hosts' rows)."""
    counted = and_(~classes.c.os_component, ~classes.c.extension)
    columns = {"installs": func.sum(case((counted, host_classes.c.installs), else_=0))}
    for grp, column in GROUP_COLUMNS.items():
        columns[column] = func.sum(case((and_(counted, classes.c.grp == grp), host_classes.c.installs), else_=0))
    os_class = (
        select(title_classes.c.class_id)
        .join(host_os, host_os.c.title_id == title_classes.c.title_id)
        .where(host_os.c.host_id == host_classes.c.host_id)
        .scalar_subquery()
    )
    recording = (select(host_software.c.host_id)  # a probe of the partial index on recorded uses per host
                 .where(host_software.c.host_id == host_classes.c.host_id, host_software.c.last_used.is_not(None))
                 .exists())
    query = (
        select(host_classes.c.host_id, *[v.label(k) for k, v in columns.items()], os_class.label("os_class_id"),
               recording.label("recording"))
        .join(classes, classes.c.id == host_classes.c.class_id)
        .where(True if only is None else host_classes.c.host_id.in_(only))
        .group_by(host_classes.c.host_id)
    )
    conn.execute(host_totals.insert().from_select(["host_id", *columns, "os_class_id", "recording"], query))
    # hosts that reported nothing classifiable still count as reporting hosts
    conn.execute(host_totals.insert().from_select(
        ["host_id"],
        select(hosts.c.id).where(~hosts.c.id.in_(select(host_totals.c.host_id)),
                                 hosts.c.collected_at.is_not(None), True if only is None else hosts.c.id.in_(only)),
    ))


