"""Per-day changes of some hosts or classes, summed in the database from the maintained `host_class_daily` rows
(one per host, class and day) instead of replaying every stored event in Python.

A host's installs of a class after each day are the running sum of its day rows, so the day it gains or loses
the class is where that sum leaves or returns to zero, and its foreign flags follow the running sums of its
foreign classes: the same figures `aggregates.daily_from_events` replays report by report (the changes within
one day add up to the day's), which a test holds equal. A filtered trend and a reclassification's delta read
these instead of the events (100,000 hosts: the events are ~30 million rows, the day rows ~1.3 million).
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple

from sqlalchemy import Connection, and_, case, func, select

from server.store.tables import classes, host_class_daily

FOREIGN = ("foreign-proprietary", "foreign-open-source")


def foreign_group(row) -> Optional[str]:
    """The foreign group a class's installs count in for the foreign flags (OS components and extensions: none)."""
    counted = row["grp"] in FOREIGN and not row["os_component"] and not row["extension"]
    return row["grp"] if counted else None


def _crossings(after, change):
    """+1 where a running sum rises above zero, -1 where it falls back to zero, else 0."""
    return case((after > 0, 1), else_=0) - case((after - change > 0, 1), else_=0)


def _where(hosts_select=None, class_ids=None) -> list:
    rows = host_class_daily.c
    where = []
    if hosts_select is not None:
        where.append(rows.host_id.in_(hosts_select))
    if class_ids is not None:
        where.append(rows.class_id.in_(class_ids))
    return where


def class_days(conn: Connection, hosts_select=None, class_ids=None,
               with_hosts: bool = True) -> Dict[Tuple[str, int], Tuple[int, int]]:
    """Per (day, class): the change in installs and in hosts having the class (0 unless `with_hosts`: that one
    needs each host's running sum), over the hosts `hosts_select` selects (a SELECT of host ids) and the
    classes `class_ids` lists (None: every one)."""
    rows = host_class_daily.c
    where = and_(True, *_where(hosts_select, class_ids))
    if with_hosts:
        running = (
            select(rows.class_id, rows.day, rows.d_installs.label("d"),
                   func.sum(rows.d_installs).over(partition_by=(rows.class_id, rows.host_id),
                                                  order_by=rows.day).label("after"))
            .where(where).subquery()
        )
        query = (select(running.c.day, running.c.class_id, func.sum(running.c.d),
                        func.sum(_crossings(running.c.after, running.c.d)))
                 .group_by(running.c.day, running.c.class_id))
    else:
        query = select(rows.day, rows.class_id, func.sum(rows.d_installs), 0).where(where).group_by(
            rows.day, rows.class_id)
    found = {}
    for day, class_id, installs, hosts in conn.execute(query):
        if installs or hosts:
            found[(day, class_id)] = (int(installs), int(hosts))
    return found


def flag_days(conn: Connection, hosts_select=None, with_hosts: bool = True) -> Dict[Tuple[str, str], int]:
    """Per (day, flag): the change in hosts known ("hosts": a host counts from its first day), with any foreign
    program ("foreign") and with a foreign proprietary one ("foreign-proprietary"), over `hosts_select`."""
    rows, c = host_class_daily.c, classes.c
    counted = and_(c.os_component.is_(False), c.extension.is_(False))
    proprietary = case((and_(counted, c.grp == "foreign-proprietary"), rows.d_installs), else_=0)
    foreign = case((and_(counted, c.grp.in_(FOREIGN)), rows.d_installs), else_=0)
    per_day = (
        select(rows.host_id, rows.day, func.sum(foreign).label("f"), func.sum(proprietary).label("p"))
        .join(classes, c.id == rows.class_id)
        .where(and_(True, *_where(hosts_select)))
        .group_by(rows.host_id, rows.day)
        .subquery()
    )
    window = {"partition_by": per_day.c.host_id, "order_by": per_day.c.day}
    running = select(
        per_day.c.day, per_day.c.f, per_day.c.p,
        func.sum(per_day.c.f).over(**window).label("f_after"),
        func.sum(per_day.c.p).over(**window).label("p_after"),
        func.row_number().over(**window).label("n"),
    ).subquery()
    query = select(
        running.c.day,
        func.sum(case((running.c.n == 1, 1), else_=0)),
        func.sum(_crossings(running.c.f_after, running.c.f)),
        func.sum(_crossings(running.c.p_after, running.c.p)),
    ).group_by(running.c.day)
    found: Dict[Tuple[str, str], int] = {}
    for day, known, any_foreign, proprietary in conn.execute(query):
        for flag, n in (("hosts", known if with_hosts else 0), ("foreign", any_foreign),
                        ("foreign-proprietary", proprietary)):
            if n:
                found[(day, flag)] = int(n)
    return found

