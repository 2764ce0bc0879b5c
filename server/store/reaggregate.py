"""The maintained aggregates brought up to date after a reclassification from what it changed: the titles that
moved to another class and the classes whose group changed. A catalog update moves a few titles, so a collector
started with it must not derive every table again from every link and event (`aggregates.rebuild`: 100,000
hosts, 30 million links and events, minutes during which no check-in is taken).

Per class and host (`host_classes`, `host_class_daily`) only the moved titles' links and events are counted
again, from the old class to the new; the fleet sums of the classes they left or joined (`class_totals`,
`class_daily`) are summed again from those per-host rows; the hosts that have a moved title or a regrouped class
get their `host_totals` again and their share of `flag_daily` exchanged (old flags out, new flags in), the
vendors of those classes their `vendor_totals`, the moved installs of hosts that record last use move in
`usage_totals`, and the unknown names whose titles entered or left the unknown group are counted again. A test
holds the result equal to a full rebuild.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, Iterable, List, Tuple

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    Table,
    case,
    delete,
    func,
    or_,
    select,
    union_all,
)

from server.store import aggregates, daily
from server.store.tables import (
    HASH_KEY,
    HOST_ID,
    class_daily,
    class_totals,
    classes,
    host_class_daily,
    host_classes,
    host_os,
    host_software,
    host_totals,
    os_events,
    software_events,
    unknown_names,
    usage_totals,
    vendor_totals,
)
from server.store.upsert import insert_for

_scratch = MetaData()
MOVED = Table("reclassified_titles", _scratch, Column("title_id", Integer, primary_key=True),
              Column("old_class", Integer, nullable=False), Column("new_class", Integer, nullable=False),
              prefixes=["TEMPORARY"])
HOSTS = Table("reclassified_hosts", _scratch, Column("host_id", HOST_ID, primary_key=True),
              prefixes=["TEMPORARY"])
CLASSES = Table("reclassified_classes", _scratch, Column("class_id", Integer, primary_key=True),
                prefixes=["TEMPORARY"])
NAMES = Table("reclassified_names", _scratch, Column("name_key", HASH_KEY, primary_key=True),
              prefixes=["TEMPORARY"])
ROWS = 10_000  # rows per executemany


@dataclass
class Delta:
    """What a reclassification changed, and the flags its hosts had before (taken before anything is written)."""

    moved: Dict[int, Tuple[int, int]]  # title → (old class, new class)
    regrouped: List[int]  # classes whose group changed
    names: List[str]  # name keys whose titles entered or left the unknown group
    flags: bool  # whether a host's foreign flags can change (a title or class entered or left a foreign group)
    old_flags: Dict[tuple, int]

    @property
    def empty(self) -> bool:
        return not (self.moved or self.regrouped or self.names)


def _fill(conn: Connection, table: Table, rows: List[dict]) -> None:
    for start in range(0, len(rows), ROWS):
        conn.execute(table.insert(), rows[start:start + ROWS])


def prepare(conn: Connection, moved: Dict[int, Tuple[int, int]], regrouped: Iterable[int],
            names: Iterable[str], flags: bool) -> Delta:
    """Before the new classification is written: the scratch tables of what changes and the hosts' old flags."""
    delta = Delta(moved, sorted(regrouped), sorted(set(names)), flags, {})
    if delta.empty:
        return delta
    for table in (MOVED, HOSTS, CLASSES, NAMES):
        table.create(conn)
    _fill(conn, MOVED, [{"title_id": t, "old_class": a, "new_class": b} for t, (a, b) in sorted(moved.items())])
    _fill(conn, CLASSES, [{"class_id": c} for c in sorted({c for pair in moved.values() for c in pair})])
    _fill(conn, NAMES, [{"name_key": k} for k in delta.names])
    # the hosts with a day row of a class that loses or gains titles or changes group: every host with a moved
    # title's install or removal (a day row of its old class), read from the day rows' key instead of every link
    affected = select(host_class_daily.c.host_id).where(or_(
        host_class_daily.c.class_id.in_(select(CLASSES.c.class_id)),
        host_class_daily.c.class_id.in_(delta.regrouped))).distinct()
    conn.execute(HOSTS.insert().from_select(["host_id"], affected))
    if conn.dialect.name == "postgresql":  # the planner told their sizes (a few moved titles' links are looked up
        conn.exec_driver_sql(f"ANALYZE {', '.join(t.name for t in (MOVED, HOSTS, CLASSES, NAMES))}")  # by title),
        conn.exec_driver_sql("SET LOCAL jit = off")  # no JIT compiling (0.65 s) for statements this size, and
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{aggregates.REBUILD_WORK_MEM}'")  # sorts kept in memory
    if flags:
        delta.old_flags = daily.flag_days(conn, select(HOSTS.c.host_id), with_hosts=False)
    return delta


def _day(conn: Connection, at):
    """The UTC day of a stored timestamp, as the day rows key it (SQLite keeps UTC text)."""
    if conn.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", at), "YYYY-MM-DD")
    return func.substr(at, 1, 10)


def _moved_counts(per_title, keys: List[str]):
    """Rows (…keys, class_id, n) that take each moved title's count `n` from its old class to its new one."""
    out = union_all(
        select(*(per_title.c[k] for k in keys), per_title.c.new_class.label("class_id"), per_title.c.n),
        select(*(per_title.c[k] for k in keys), per_title.c.old_class.label("class_id"), -per_title.c.n),
    ).subquery()
    group = [out.c[k] for k in keys] + [out.c.class_id]
    total = func.sum(out.c.n)
    return select(*group, total.label("n")).group_by(*group).having(total != 0)


def _add(conn: Connection, table: Table, keys: List[str], column: str, query) -> None:
    """Add the query's last column to `column` of the rows keyed by `keys` (inserting missing rows)."""
    stmt = insert_for(conn, table).from_select([*keys, column], query)
    added = {column: table.c[column] + stmt.excluded[column]}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=added))


def _move_usage(conn: Connection) -> None:
    """usage_totals: the moved titles' installs on the hosts that record last use, from the old class to the new."""
    hs = host_software.c
    recording = select(host_totals.c.host_id).where(host_totals.c.recording)
    query = (select(MOVED.c.old_class, MOVED.c.new_class, hs.last_used, func.count())
             .join(MOVED, MOVED.c.title_id == hs.title_id).where(hs.host_id.in_(recording))
             .group_by(MOVED.c.old_class, MOVED.c.new_class, hs.last_used))
    usage: Dict[tuple, int] = defaultdict(int)
    for old, new, day, n in conn.execute(query):
        usage[(old, aggregates.use_day(day))] -= n
        usage[(new, aggregates.use_day(day))] += n
    aggregates._bump_usage(conn, usage)
    conn.execute(delete(usage_totals).where(usage_totals.c.installs == 0))


def apply(conn: Connection, delta: Delta) -> None:
    """After the new classification is written: every maintained table as a full rebuild would leave it."""
    if delta.empty:
        return
    moved_classes = select(CLASSES.c.class_id)
    links = union_all(*(select(t.c.host_id, MOVED.c.old_class, MOVED.c.new_class).join(
        MOVED, MOVED.c.title_id == t.c.title_id) for t in (host_software, host_os))).subquery()
    keys = (links.c.host_id, links.c.old_class, links.c.new_class)
    per_title = select(*keys, func.count().label("n")).group_by(*keys).cte("moved_links")
    _add(conn, host_classes, ["host_id", "class_id"], "installs", _moved_counts(per_title, ["host_id"]))
    conn.execute(delete(host_classes).where(host_classes.c.class_id.in_(moved_classes), host_classes.c.installs == 0))

    events = union_all(*(
        select(t.c.host_id, t.c.at, MOVED.c.old_class, MOVED.c.new_class,
               case((t.c.kind == "install", 1), else_=-1).label("n")).join(MOVED, MOVED.c.title_id == t.c.title_id)
        for t in (software_events, os_events))).subquery()
    keys = (events.c.host_id, events.c.at, events.c.old_class, events.c.new_class)
    per_report = select(*keys, func.sum(events.c.n).label("n")).group_by(*keys).subquery()
    day = _day(conn, per_report.c.at)  # a host's events share a few report times: the day's text per group
    keys = (per_report.c.host_id, day, per_report.c.old_class, per_report.c.new_class)
    per_day = select(keys[0], day.label("day"), *keys[2:], func.sum(per_report.c.n).label("n")).group_by(
        *keys).cte("moved_events")
    hcd = host_class_daily.c
    _add(conn, host_class_daily, ["host_id", "day", "class_id"], "d_installs",
         _moved_counts(per_day, ["host_id", "day"]))
    conn.execute(delete(host_class_daily).where(hcd.class_id.in_(moved_classes), hcd.d_installs == 0))

    conn.execute(delete(class_totals).where(class_totals.c.class_id.in_(moved_classes)))
    conn.execute(class_totals.insert().from_select(
        ["class_id", "installs", "hosts"],
        select(host_classes.c.class_id, func.sum(host_classes.c.installs), func.count())
        .where(host_classes.c.class_id.in_(moved_classes)).group_by(host_classes.c.class_id)))
    days = daily.class_days(conn, class_ids=moved_classes)
    conn.execute(delete(class_daily).where(class_daily.c.class_id.in_(moved_classes)))
    _fill(conn, class_daily, [{"day": d, "class_id": c, "d_installs": a, "d_hosts": b}
                              for (d, c), (a, b) in sorted(days.items())])

    vendors = select(classes.c.vendor).where(classes.c.id.in_(moved_classes))
    conn.execute(delete(vendor_totals).where(vendor_totals.c.vendor.in_(vendors)))
    of_vendors = select(host_classes.c.host_id, host_classes.c.class_id).where(host_classes.c.class_id.in_(
        select(classes.c.id).where(classes.c.vendor.in_(vendors)))).subquery()
    conn.execute(vendor_totals.insert().from_select(["vendor", *aggregates.VENDOR_MODES],
                                                    aggregates.vendor_hosts(of_vendors)))
    _move_usage(conn)

    affected = select(HOSTS.c.host_id)
    conn.execute(delete(host_totals).where(host_totals.c.host_id.in_(affected)))
    aggregates._rebuild_host_totals(conn, only=affected)
    if delta.flags:
        new_flags = daily.flag_days(conn, affected, with_hosts=False)
        flags = {k: new_flags.get(k, 0) - delta.old_flags.get(k, 0) for k in set(new_flags) | set(delta.old_flags)}
        aggregates._bump_daily(conn, {}, {k: v for k, v in flags.items() if v})

    names = select(NAMES.c.name_key)
    conn.execute(delete(unknown_names).where(unknown_names.c.name_key.in_(names)))
    aggregates._rebuild_unknown_names(conn, only=names)
    for table in (MOVED, HOSTS, CLASSES, NAMES):
        table.drop(conn)
