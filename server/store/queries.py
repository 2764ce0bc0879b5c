"""Named read queries behind the admin API: hosts, one host, software titles with install counts."""

from __future__ import annotations

from datetime import timedelta
from typing import List, Optional, Sequence

from sqlalchemy import Connection, and_, func, or_, select

from agent.contract import KINDS
from server.store import refusals
from server.store.db import as_utc, utcnow
from server.store.tables import (
    host_disks,
    host_errors,
    host_interfaces,
    host_software,
    host_tags,
    hosts,
    software_events,
    software_titles,
)

KIND_PATTERN = f"^({'|'.join(KINDS)})$"  # the --kind / ?kind= values
HOST_COLUMNS = (
    "id",
    "hostname",
    "kind",
    "os_family",
    "os_name",
    "os_version",
    "last_seen",
    "software_count",
)
REFUSAL_COLUMNS = ("last_report_at", *refusals.COLUMNS)
ERRORS_LISTED = 5  # source errors per host in `hosts --incomplete` (`host HOST` shows them all)


def parse_tag_filters(tags: Sequence[str]) -> List[tuple]:
    """`dept=finance` → ("dept", "finance"); ValueError names the malformed one."""
    pairs = []
    for tag in tags:
        key, sep, value = tag.partition("=")
        if not sep or not key:
            raise ValueError(f"tag filter {tag!r}: expected KEY=VALUE, e.g. dept=finance")
        pairs.append((key, value))
    return pairs


def host_conditions(os: Optional[str] = None, tags: Sequence[tuple] = (), kind: Optional[str] = None) -> list:
    """The one host filter, WHERE clauses on `hosts` for every listing and total: `os` is the family, distribution
    id or name (any case), each tag must match, `kind` is computer, phone or tablet; removed hosts never count."""
    clauses = [hosts.c.revoked.is_(False)]
    if kind:
        clauses.append(hosts.c.kind == kind)
    if os:
        wanted = os.lower()
        clauses.append(
            or_(
                func.lower(hosts.c.os_family) == wanted,
                func.lower(hosts.c.os_distro_id) == wanted,
                func.lower(hosts.c.os_name) == wanted,
            )
        )
    for key, value in tags:  # the tagged hosts looked up once by (key, value), not a subquery per host
        clauses.append(hosts.c.id.in_(select(host_tags.c.host_id).where(host_tags.c.key == key,
                                                                        host_tags.c.value == value)))
    return clauses


def host_filters(
    os: Optional[str] = None,
    tags: Sequence[tuple] = (),
    not_seen_days: Optional[float] = None,
    kind: Optional[str] = None,
    incomplete: bool = False,
) -> list:
    """The host filter plus `not_seen_days` (only hosts silent that long) and `incomplete` (only hosts whose last
    report carries source errors), for the host listings."""
    clauses = host_conditions(os, tags, kind)
    if not_seen_days is not None:
        clauses.append(hosts.c.last_seen < utcnow() - timedelta(days=not_seen_days))
    if incomplete:
        clauses.append(incomplete_host())
    return clauses


def incomplete_host():
    """The host's last applied report carries source errors: its inventory is known to miss something."""
    return select(host_errors.c.host_id).where(host_errors.c.host_id == hosts.c.id).exists()


def list_hosts(
    conn: Connection,
    os: Optional[str] = None,
    tags: Sequence[tuple] = (),
    not_seen_days: Optional[float] = None,
    limit: int = 1000,
    offset: int = 0,
    kind: Optional[str] = None,
    incomplete: bool = False,
) -> List[dict]:
    """Hosts by name; each with its tags, last refusal and source error count (with `incomplete`, the first
    ERRORS_LISTED errors too)."""
    errors = select(func.count()).where(host_errors.c.host_id == hosts.c.id).scalar_subquery()
    query = (
        select(*(hosts.c[c] for c in HOST_COLUMNS + REFUSAL_COLUMNS), errors.label("error_count"))
        .where(*host_filters(os, tags, not_seen_days, kind, incomplete))
        .order_by(hosts.c.hostname, hosts.c.id)
        .limit(limit)
        .offset(offset)
    )
    rows = [dict(r._mapping) for r in conn.execute(query)]
    tags_by_host = _tags(conn, [r["id"] for r in rows])
    for row in rows:
        row["last_seen"] = as_utc(row["last_seen"])
        row["last_refusal"] = refusals.last_refusal(row)
        for column in refusals.COLUMNS:
            del row[column]
        row["tags"] = tags_by_host.get(row["id"], {})
    if incomplete:
        listed = _errors(conn, [r["id"] for r in rows], ERRORS_LISTED)
        for row in rows:
            row["errors"] = listed.get(row["id"], [])
    return rows


def _errors(conn: Connection, host_ids: List[str], first: Optional[int] = None) -> dict:
    """Each host's source errors in report order (only the `first` few of each when given)."""
    found: dict = {}
    e = host_errors.c
    for start in range(0, len(host_ids), 500):
        query = select(e.host_id, e.source, e.path, e.message).where(e.host_id.in_(host_ids[start:start + 500]))
        if first is not None:
            query = query.where(e.position < first)
        for row in conn.execute(query.order_by(e.host_id, e.position)):
            found.setdefault(row.host_id, []).append({"source": row.source, "path": row.path, "message": row.message})
    return found


def _tags(conn: Connection, host_ids: List[str]) -> dict:
    found: dict = {}
    for start in range(0, len(host_ids), 500):
        chunk = host_ids[start : start + 500]
        for host_id, key, value in conn.execute(
            select(host_tags.c.host_id, host_tags.c.key, host_tags.c.value).where(
                host_tags.c.host_id.in_(chunk)
            )
        ):
            found.setdefault(host_id, {})[key] = value
    return found


def resolve_host(conn: Connection, ref: str) -> Optional[str]:
    """The id of the one listed host whose id is `ref`, whose hostname is `ref`, or whose id starts
    with `ref` (as `footprint hosts` shows it); None when there is no such host or several."""
    listed = hosts.c.revoked.is_(False)
    for clause in (
        hosts.c.id == ref,
        func.lower(hosts.c.hostname) == ref.lower(),
        hosts.c.id.startswith(ref, autoescape=True),
    ):
        found = conn.execute(select(hosts.c.id).where(listed, clause).limit(2)).scalars().all()
        if len(found) == 1:
            return found[0]
        if found:
            return None
    return None


def get_host(conn: Connection, ref: str, events: int = 50) -> Optional[dict]:
    """One host's facts, tags, interfaces, disks, software and latest events; None if unknown.

    `ref` is its id, its hostname, or a unique id prefix."""
    host_id = resolve_host(conn, ref)
    row = host_id and conn.execute(select(hosts).where(hosts.c.id == host_id)).first()
    if not row:
        return None
    host = {k: (as_utc(v) if k in _TIMES else v) for k, v in row._mapping.items()}
    host.pop("revoked")
    host["last_refusal"] = refusals.last_refusal(host)
    for column in refusals.COLUMNS:
        del host[column]
    host["tags"] = _tags(conn, [host_id]).get(host_id, {})
    host["interfaces"] = _rows(conn, host_interfaces, host_id, ("name", "mac", "addresses"))
    host["disks"] = _rows(conn, host_disks, host_id, ("device", "mount", "fstype", "size_bytes"))
    host["errors"] = _errors(conn, [host_id]).get(host_id, [])
    host["software"] = host_software_list(conn, host_id)
    host["events"] = host_events(conn, host_id, events)
    return host


_TIMES = ("boot_time", "first_seen", "last_seen", "last_report_at", "collected_at", "refused_at")


def _rows(conn: Connection, table, host_id: str, columns: Sequence[str]) -> List[dict]:
    query = select(*(table.c[c] for c in columns)).where(table.c.host_id == host_id)
    return [dict(r._mapping) for r in conn.execute(query.order_by(table.c.position))]


def host_software_list(conn: Connection, host_id: str) -> List[dict]:
    t, hs = software_titles.c, host_software.c
    query = (
        select(
            t.id.label("title_id"),
            t.name,
            t.version,
            t.source,
            t.publisher,
            t.arch,
            t.package_id,
            hs.scope,
            hs.username.label("user"),
            hs.application,
            hs.profile,
            hs.install_source,
            hs.install_date,
            hs.location,
            hs.last_used,
        )
        .join(host_software, hs.title_id == t.id)
        .where(hs.host_id == host_id)
        .order_by(func.lower(t.name), t.version, hs.username, hs.application, hs.profile)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def host_events(conn: Connection, host_id: str, limit: int) -> List[dict]:
    e, t = software_events.c, software_titles.c
    query = (
        select(e.at, e.kind, e.initial, t.name, t.version, t.source, e.username.label("user"))
        .join(software_titles, t.id == e.title_id)
        .where(e.host_id == host_id, e.initial.is_(False))
        .order_by(e.at.desc(), e.id.desc())
        .limit(limit)
    )
    return [{**r._mapping, "at": as_utc(r.at)} for r in conn.execute(query)]


def software_titles_with_counts(
    conn: Connection,
    name: Optional[str] = None,
    source: Optional[str] = None,
    os: Optional[str] = None,
    tags: Sequence[tuple] = (),
    limit: int = 1000,
    kind: Optional[str] = None,
) -> List[dict]:
    """Distinct titles on listed hosts with how many hosts have each, most common first."""
    t, hs = software_titles.c, host_software.c
    hosts_count = func.count(func.distinct(hs.host_id)).label("hosts")
    query = (
        select(t.id, t.name, t.version, t.source, t.publisher, t.arch, hosts_count)
        .join(host_software, hs.title_id == t.id)
        .join(hosts, and_(hosts.c.id == hs.host_id, *host_filters(os, tags, kind=kind)))
        .group_by(t.id, t.name, t.version, t.source, t.publisher, t.arch)
        .order_by(hosts_count.desc(), t.name, t.version)
        .limit(limit)
    )
    if name:
        query = query.where(func.lower(t.name).contains(name.lower(), autoescape=True))
    if source:
        query = query.where(t.source == source)
    return [dict(r._mapping) for r in conn.execute(query)]
