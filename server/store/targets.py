"""Migration targets in the database: their definitions, the history of every change, and the counts a target's
figures are made of (hosts in scope, violating hosts and installs, the install changes per day).

The host filter comes in as `f`, a server.totals.HostFilter (its `current()` and `matching()` clauses), so a
target's scope is the one host filter every query takes."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy import Connection, Engine, and_, delete, false, func, insert, select, update

from server.store.db import as_utc, write_transaction
from server.store.tables import (
    class_daily,
    classes,
    host_class_daily,
    host_classes,
    host_tags,
    host_totals,
    hosts,
    target_changes,
    target_milestones,
    targets,
    tokens,
)
from server.target_model import Milestone, Target, target_dict

FOREIGN = ("foreign-proprietary", "foreign-open-source")
OS_CATEGORY = "operating-system"
# removals whose offending installs are a group sum host_totals keeps per host (the classes offending_classes picks)
GROUP_SUMS = {"foreign": lambda t: t.foreign_proprietary + t.foreign_open_source,
              "foreign-proprietary": lambda t: t.foreign_proprietary}


class TargetExists(Exception):
    """A target of that name is kept already (add refuses; edit replaces)."""


def _pairs(text: str) -> Tuple[Tuple[str, str], ...]:
    return tuple(tuple(t.split("=", 1)) for t in json.loads(text))  # type: ignore[misc]


def _tag_text(pairs: Sequence[Tuple[str, str]]) -> str:
    return json.dumps([f"{k}={v}" for k, v in pairs], ensure_ascii=False)


def _load(conn: Connection, where) -> List[Target]:
    rows = conn.execute(select(targets).where(where).order_by(targets.c.due, targets.c.name)).mappings().all()
    steps: Dict[int, List[Milestone]] = defaultdict(list)
    if rows:
        query = (select(target_milestones).where(target_milestones.c.target_id.in_([r["id"] for r in rows]))
                 .order_by(target_milestones.c.target_id, target_milestones.c.position))
        for m in conn.execute(query).mappings():
            steps[m["target_id"]].append(Milestone(m["due"], m["share"], _pairs(m["tags"])))
    return [Target(name=r["name"], remove=r["remove_kind"], value=r["remove_value"], due=r["due"],
                   description=r["description"], tags=_pairs(r["tags"]), os=r["os"], kind=r["kind"],
                   stale_days=r["stale_days"], milestones=tuple(steps[r["id"]])) for r in rows]


def list_targets(conn: Connection) -> List[Target]:
    """Every target, soonest due first."""
    return _load(conn, True)


def get_target(conn: Connection, name: str) -> Optional[Target]:
    found = _load(conn, targets.c.name == name)
    return found[0] if found else None


def _who(conn: Connection, token_id: Optional[int]) -> str:
    if token_id is None:
        return "local"
    name = conn.execute(select(tokens.c.name).where(tokens.c.id == token_id)).scalar()
    return f"admin token {token_id}" + (f" ({name})" if name else "")


def _record(conn: Connection, name: str, action: str, token_id: Optional[int], now: datetime,
            before: Optional[Target], after: Optional[Target]) -> None:
    conn.execute(insert(target_changes).values(
        target=name, action=action, token_id=token_id, who=_who(conn, token_id), at=now,
        before=before and json.dumps(target_dict(before), ensure_ascii=False),
        after=after and json.dumps(target_dict(after), ensure_ascii=False)))


def save_target(engine: Engine, target: Target, token_id: Optional[int], now: datetime,
                create_only: bool = False) -> str:
    """Add or replace a target and record the change; "add", "edit" or "unchanged". TargetExists if
    `create_only` and the name is taken."""
    with write_transaction(engine) as conn:
        before = _load(conn, targets.c.name == target.name)
        if before and create_only:
            raise TargetExists(target.name)
        if before and before[0] == target:
            return "unchanged"
        values = {"description": target.description, "remove_kind": target.remove, "remove_value": target.value,
                  "due": target.due, "tags": _tag_text(target.tags), "os": target.os, "kind": target.kind,
                  "stale_days": target.stale_days, "updated_at": now}
        if before:
            target_id = conn.execute(select(targets.c.id).where(targets.c.name == target.name)).scalar_one()
            conn.execute(update(targets).where(targets.c.id == target_id).values(**values))
            conn.execute(delete(target_milestones).where(target_milestones.c.target_id == target_id))
        else:
            target_id = conn.execute(insert(targets).values(name=target.name, **values)).inserted_primary_key[0]
        if target.milestones:
            conn.execute(insert(target_milestones), [
                {"target_id": target_id, "position": i, "due": m.date, "share": m.share, "tags": _tag_text(m.tags)}
                for i, m in enumerate(target.milestones)])
        action = "edit" if before else "add"
        _record(conn, target.name, action, token_id, now, before[0] if before else None, target)
        return action


def remove_target(engine: Engine, name: str, token_id: Optional[int], now: datetime) -> bool:
    """Delete a target (its milestones go with it) and record the removal; False if there is none."""
    with write_transaction(engine) as conn:
        before = _load(conn, targets.c.name == name)
        if not before:
            return False
        conn.execute(delete(targets).where(targets.c.name == name))
        _record(conn, name, "remove", token_id, now, before[0], None)
        return True


def changes(conn: Connection, name: Optional[str] = None, limit: int = 1000) -> List[dict]:
    """The recorded changes, newest first: who, when, the action and the definition before and after."""
    c = target_changes.c
    query = select(c.id, c.target, c.action, c.who, c.at, c.before, c.after).order_by(c.id.desc()).limit(limit)
    if name is not None:
        query = query.where(c.target == name)
    return [{**r, "at": as_utc(r["at"]), "before": r["before"] and json.loads(r["before"]),
             "after": r["after"] and json.loads(r["after"])} for r in conn.execute(query).mappings()]


# --- the counts a target's figures are made of ---

def offending_classes(conn: Connection, remove: str, value: str) -> Dict[int, dict]:
    """The classes whose installs must be gone, with their product, vendor and category (OS components and
    browser or IDE extensions never: they are counted apart, as in every total)."""
    c = classes.c
    wanted = {
        "foreign": c.grp.in_(FOREIGN),
        "foreign-proprietary": c.grp == "foreign-proprietary",
        "foreign-os": and_(c.grp.in_(FOREIGN), c.category == OS_CATEGORY),
        "category": and_(c.grp.in_(FOREIGN), c.category == value),
        "vendor": func.lower(c.vendor) == value.lower(),
        "product": func.lower(c.product) == value.lower(),
    }[remove]
    query = select(c.id, c.product, c.product_name, c.vendor_name, c.category, c.country, c.grp).where(
        wanted, c.os_component.is_(False), c.extension.is_(False))
    return {r["id"]: dict(r) for r in conn.execute(query).mappings()}


def scope_counts(conn: Connection, f, remove: str, class_ids: Sequence[int]) -> Tuple[int, int, int]:
    """Current hosts in scope, those with an offending install, and the offending installs. Foreign and foreign
    proprietary installs are the per-host group sums kept in `host_totals` (its rows are the current hosts, as
    `footprint summary` counts them); any other removal sums the hosts' rows of the offending classes."""
    if remove in GROUP_SUMS:
        n = GROUP_SUMS[remove](host_totals.c)
        row = conn.execute(select(func.count(), func.count().filter(n > 0), func.coalesce(func.sum(n), 0))
                           .select_from(hosts).join(host_totals, host_totals.c.host_id == hosts.c.id)
                           .where(f.current())).one()
        return row[0], row[1], int(row[2])
    rows = host_classes.c
    per_host = (select(rows.host_id, func.sum(rows.installs).label("n")).where(rows.class_id.in_(class_ids))
                .group_by(rows.host_id).subquery())
    # the hosts in scope joined to their offending sums: one pass over each (100,000 hosts on PostgreSQL: the
    # hosts an IN list probed host_classes once per host, its OS filter estimated at 1,500 of 70,000: 0.53 s)
    row = conn.execute(select(func.count(), func.count(per_host.c.n), func.coalesce(func.sum(per_host.c.n), 0))
                       .select_from(hosts).outerjoin(per_host, per_host.c.host_id == hosts.c.id)
                       .where(f.current())).one()
    return row[0], row[1], int(row[2])


def hosts_per_tag(conn: Connection, f, key: str, class_ids: Sequence[int]) -> Dict[str, Tuple[int, int, int]]:
    """Per value of tag `key` ("" for hosts without it): hosts in scope, violating hosts, offending installs."""
    value = func.coalesce(host_tags.c.value, "")
    tagged = and_(host_tags.c.host_id == hosts.c.id, host_tags.c.key == key)
    found: Dict[str, List[int]] = defaultdict(lambda: [0, 0, 0])
    query = select(value, func.count()).select_from(hosts).outerjoin(host_tags, tagged).where(
        f.current()).group_by(value)
    for tag, n in conn.execute(query):
        found[tag][0] = n
    per_host = (select(host_classes.c.host_id, func.sum(host_classes.c.installs).label("n"))
                .where(host_classes.c.class_id.in_(class_ids)).group_by(host_classes.c.host_id).subquery())
    query = (select(value, func.count(), func.sum(per_host.c.n)).select_from(hosts)
             .join(per_host, per_host.c.host_id == hosts.c.id).outerjoin(host_tags, tagged)
             .where(f.current()).group_by(value))
    for tag, n, installs in conn.execute(query):
        found[tag][1], found[tag][2] = n, int(installs)
    return {k: (v[0], v[1], v[2]) for k, v in found.items()}


def install_changes(conn: Connection, f, class_ids: Sequence[int]) -> Dict[str, int]:
    """Per UTC day, the change in offending installs on the hosts the filter matches (stale ones by their last
    inventory, as `footprint trend`; removed ones never): the maintained day rows of the matching hosts, or, when
    fewer are left out, the whole fleet's day rows minus the left-out hosts' rows."""
    if not class_ids:
        return {}
    kept, known = conn.execute(select(func.count().filter(f.matching()), func.count()).select_from(hosts)).one()
    rows = host_class_daily.c

    def per_day(host_ids) -> list:
        return conn.execute(select(rows.day, func.sum(rows.d_installs))
                            .where(rows.class_id.in_(class_ids), rows.host_id.in_(host_ids))
                            .group_by(rows.day)).all()

    found: Dict[str, int] = defaultdict(int)
    if kept <= known - kept:
        for day, n in per_day(select(hosts.c.id).where(f.matching())):
            found[day] += n
    else:
        fleet = (select(class_daily.c.day, func.sum(class_daily.c.d_installs))
                 .where(class_daily.c.class_id.in_(class_ids)).group_by(class_daily.c.day))
        for day, n in conn.execute(fleet):
            found[day] += n
        left_out = select(hosts.c.id).where(~func.coalesce(f.matching(), false()))
        for day, n in per_day(left_out) if kept < known else ():
            found[day] -= n
    return {day: int(n) for day, n in found.items() if n}


def violating_hosts(conn: Connection, f, class_ids: Sequence[int], key: str, limit: int) -> List[dict]:
    """The current hosts in scope with offending installs: id, hostname, OS, last seen, the `key` tag's value
    and their offending classes with installs; most offending installs first."""
    per_host = (select(host_classes.c.host_id, func.sum(host_classes.c.installs).label("n"))
                .join(hosts, hosts.c.id == host_classes.c.host_id)
                .where(f.current(), host_classes.c.class_id.in_(class_ids))
                .group_by(host_classes.c.host_id).subquery())
    tag = (select(host_tags.c.value).where(host_tags.c.host_id == hosts.c.id, host_tags.c.key == key)
           .scalar_subquery())
    query = (select(hosts.c.id, hosts.c.hostname, hosts.c.os_name, hosts.c.last_seen,
                    func.coalesce(tag, "").label("group"), per_host.c.n)
             .join(per_host, per_host.c.host_id == hosts.c.id)
             .order_by(per_host.c.n.desc(), hosts.c.hostname, hosts.c.id).limit(limit))
    rows = {r["id"]: {**r, "last_seen": as_utc(r["last_seen"]), "installs": int(r["n"]), "items": []}
            for r in conn.execute(query).mappings()}
    ids = list(rows)
    for start in range(0, len(ids), 500):
        items = (select(host_classes.c.host_id, host_classes.c.class_id, host_classes.c.installs)
                 .where(host_classes.c.host_id.in_(ids[start:start + 500]), host_classes.c.class_id.in_(class_ids))
                 .order_by(host_classes.c.host_id, host_classes.c.class_id))
        for host_id, class_id, installs in conn.execute(items):
            rows[host_id]["items"].append((class_id, installs))
    for row in rows.values():
        del row["n"]
    return list(rows.values())
