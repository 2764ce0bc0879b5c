"""Storing reports: one transaction each, idempotent by report_id, diffed into events.

Two reports of one host never interleave: the host row is locked first (SELECT … FOR UPDATE on
PostgreSQL; on SQLite the transaction holds the write lock from its first statement).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Dict, List, NamedTuple, Optional, Tuple

import orjson
from sqlalchemy import Connection, Engine, and_, delete, select, tuple_, update

from agent.contract import DEFAULT_KIND, MAX_JSON_VALUES, inventory_hash, known_fields
from server.schemas import Report, SoftwareItem
from server.store import aggregates, classify, validation
from server.store.db import as_utc, utcnow, write_transaction
from server.store.tables import (
    classes,
    host_disks,
    host_errors,
    host_interfaces,
    host_os,
    host_software,
    hosts,
    name_key,
    os_events,
    raw_reports,
    reports_seen,
    software_events,
    software_titles,
    title_classes,
    title_key,
)
from server.store.upsert import COUNTER_SHARDS, bulk_insert, bump, insert_for, upsert

CHUNK = 500  # keys per IN (…) list, well under SQLite's bound-parameter limit


class HostGone(Exception):
    """The host was removed (or never enrolled) while its report was on the way."""


@dataclass
class ParsedReport:
    """A validated report with what the collector derives from its raw form."""

    report: Report
    body: str
    inventory_hash: str


@dataclass
class IngestResult:
    duplicate: bool = False
    applied: bool = False
    installed: int = 0
    removed: int = 0


def parse_report(body: bytes) -> ParsedReport:
    """Validate a report body; its hash is recomputed from the raw document, as the agent does. A body holding
    more JSON values than any report of the contract is refused before a single object is built; a bytearray
    body is emptied once parsed, so the text and the objects made from it are not held together."""
    if json_values(body) > MAX_JSON_VALUES:
        raise TooManyValues(f"the body holds more than {MAX_JSON_VALUES:,} JSON values (objects, lists, strings, "
                            f"numbers), the most a report of the contract can hold")
    raw = _loads(body)
    suspect = _SUSPECT_ESCAPE.search(body) is not None
    if isinstance(body, bytearray):
        del body[:]
    if suspect:  # escapes can carry what no database column may hold
        _refuse_unstorable_text(raw)
    if not validation.consumable(raw):
        return _validated(raw, False)
    # the audit copy and the hash first, from the document, which validation then takes apart item by item;
    # the audit text is made before any model exists, so its transient bytes are never beside them
    audit = orjson.dumps(known_fields(raw)).decode("utf-8")
    digest = inventory_hash(raw)
    return ParsedReport(validation.validate_consuming(raw), audit, digest)


def parse_document(raw: dict, body: bytes) -> ParsedReport:
    """The same for a document already in hand with the JSON `body` it was parsed from or dumped to
    (importers build the document themselves: no second parse)."""
    return _validated(raw, _SUSPECT_ESCAPE.search(body) is not None)


def _validated(raw: dict, suspect: bool) -> ParsedReport:
    if suspect:  # escapes can carry what no database column may hold
        _refuse_unstorable_text(raw)
    report = Report.model_validate(raw)
    digest = inventory_hash(raw)
    audit = orjson.dumps(known_fields(raw)).decode("utf-8")  # the audit copy keeps no unknown field
    return ParsedReport(report, audit, digest)


class TooManyValues(ValueError):
    """A body with more JSON values than the largest report: parsing it would cost memory per `{}`."""


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_WINDOW = 1 << 20


def json_values(body: bytes) -> int:
    """An upper bound on the values a JSON text holds, counted in C without parsing: every value but a
    container's first follows a comma, so commas plus containers (an empty one counts twice). Counted over the
    whole text first; only past the limit again without the strings' contents, so commas inside names never
    refuse a report."""
    rough = _structural(body) + 1
    if rough <= MAX_JSON_VALUES:
        return rough
    return _outside_strings(memoryview(body)) + 1


def _structural(text) -> int:
    return text.count(b",") + text.count(b"{") + text.count(b"[")


def _outside_strings(view: memoryview) -> int:
    """The same count with every string's content left out, a window at a time (memory: a window, not a copy).
    A string still open at a window's end is carried into the next; one longer than a window is counted as if
    it were outside, which can only overcount."""
    count, carry, start = 0, b"", 0
    while start < len(view):
        window = carry + bytes(view[start:start + _WINDOW])
        start += _WINDOW
        bare = _STRING.sub(b"0", window)  # complete strings become a quote-free 0
        opened = bare.find(b'"')  # so the first quote left opens a string this window does not close
        carry = b""
        if opened >= 0 and start < len(view) and len(bare) - opened <= _WINDOW:
            carry = window[len(window) - (len(bare) - opened):]
            bare = bare[:opened]
        count += _structural(bare)
    return count


ORJSON_MAX_BYTES = 4 << 20  # past this the standard parser: orjson's tree costs about 9x the text while it builds


def _loads(body: bytes):
    """orjson where it can (faster); what it refuses (integers past 64 bits, NaN, lone surrogates) goes to the
    standard parser, so every body is accepted or refused exactly as by json.loads. A body past ORJSON_MAX_BYTES
    goes there at once: orjson first builds a document tree of its own, which for a 16 MiB report lifted the
    collector's peak by about 100 MiB; json.loads builds the objects straight from the text (and shares repeated
    keys), at about 1.4x the time."""
    if len(body) <= ORJSON_MAX_BYTES:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    return json.loads(body)


class UnstorableText(ValueError):
    """A string with a NUL character or a lone UTF-16 surrogate."""


_SUSPECT_ESCAPE = re.compile(rb"\\u(0000|[dD][89a-fA-F])")


def _refuse_unstorable_text(value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_unstorable_text(key)
            _refuse_unstorable_text(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_unstorable_text(item)
    elif isinstance(value, str):
        if "\x00" in value:
            raise UnstorableText(f"a string contains a NUL character (\\u0000): {value[:60]!r}")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise UnstorableText(f"a string has a lone UTF-16 surrogate: {value[:60]!r}") from None


def ingest_report(
    engine: Engine, parsed: ParsedReport, host_id: str, now: Optional[datetime] = None
) -> IngestResult:
    """Store `parsed` for `host_id` (the host its key belongs to) in one transaction; `now` lets tests set the clock."""
    with write_transaction(engine) as conn:
        return _ingest(conn, parsed, host_id, now or utcnow())


def ingest_into(conn: Connection, parsed: ParsedReport, host_id: str) -> IngestResult:
    """The same, inside the caller's transaction: importers register the host in it first."""
    return _ingest(conn, parsed, host_id, utcnow())


def _ingest(conn: Connection, parsed: ParsedReport, host_id: str, now: datetime) -> IngestResult:
    report = parsed.report
    host = _lock_host(conn, host_id)
    if host is None:
        raise HostGone(host_id)
    stale = host.collected_at is not None and report.collected_at < as_utc(host.collected_at)
    seen = insert_for(conn, reports_seen).on_conflict_do_nothing(index_elements=["host_id", "report_id"])
    row = {"report_id": report.report_id, "host_id": host_id, "received_at": now}
    seen = seen.returning(reports_seen.c.report_id)
    if conn.execute(seen, {**row, "applied": not stale}).first() is None:
        return IngestResult(duplicate=True)
    bump(conn, "footprint_reports_total")
    if stale:  # an older report overtaken by a newer one: counted, not applied
        conn.execute(update(hosts).where(hosts.c.id == host_id).values(last_seen=now))
        return IngestResult()
    first = host.collected_at is None
    software, system = _keyed(report.software), _keyed(os_titles(report))
    titles = _title_ids(conn, software + system, report.collected_at, report.host.os.distro_id)
    changes = aggregates.Changes(first=first)
    installed, removed, count = _apply_software(conn, host_id, report, software, titles, changes)
    _apply_facts(conn, host_id, parsed, count, now)
    _apply_os(conn, host_id, report, system, titles, changes)
    aggregates.apply_changes(conn, host_id, changes, report.collected_at)
    upsert(
        conn,
        raw_reports,
        [
            {
                "host_id": host_id,
                "report_id": report.report_id,
                "received_at": now,
                "body": parsed.body,
            }
        ],
        keys=["host_id"],
        update=["report_id", "received_at", "body"],
    )
    return IngestResult(applied=True, installed=installed, removed=removed)


def _lock_host(conn: Connection, host_id: str):
    query = select(hosts.c.id, hosts.c.collected_at).where(
        hosts.c.id == host_id, hosts.c.revoked.is_(False)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


ItemKey = Tuple[int, str, str, str]  # (title id, user, application, profile): one install


class Title(NamedTuple):
    id: int
    class_id: Optional[int]  # None until classified
    unknown: bool  # classified unknown, not an OS component nor an extension: counted in unknown_names


Titles = Dict[str, Title]  # by title_key


def _keyed(items: List[SoftwareItem]) -> List[Tuple[str, SoftwareItem]]:
    """Each item with its title_key, computed once per report."""
    return [(title_key(i.name, i.version or "", i.source, i.publisher, i.arch, i.id, _provenance(i)), i)
            for i in items]


def _provenance(item: SoftwareItem) -> Optional[str]:
    """The item's provenance as the title stores and hashes it: compact JSON, keys sorted."""
    fields = item.provenance.model_dump(exclude_none=True) if item.provenance else None
    return json.dumps(fields, separators=(",", ":"), sort_keys=True) if fields else None


def _apply_software(
    conn: Connection, host_id: str, report: Report, software: List[Tuple[str, SoftwareItem]], titles: Titles,
    changes: aggregates.Changes,
) -> Tuple[int, int, int]:
    """Bring host_software to the report's list; write an event per difference, note it in `changes`."""
    wanted: Dict[ItemKey, dict] = {}
    items: Dict[int, Tuple[Title, SoftwareItem]] = {}
    for key, item in software:
        title = titles[key]
        title_id = title.id
        link = (title_id, item.user or "", item.application or "", item.profile or "")
        items[title_id] = (title, item)
        wanted[link] = {
            "host_id": host_id,
            "title_id": title_id,
            "username": link[1],
            "application": link[2],
            "profile": link[3],
            "scope": item.scope,
            "install_date": item.install_date,
            "location": item.location,
            "install_source": item.install_source,
            "last_used": _day(item.last_used, wanted.get(link)),
        }
    first = changes.first
    stored = {} if first else _stored_links(conn, host_id)
    added = [row for key, row in wanted.items() if key not in stored]
    gone = [key for key in stored if key not in wanted]
    changed = [row for key, row in wanted.items() if key in stored and stored[key] != _attrs(row)]
    if gone:
        for start in range(0, len(gone), CHUNK):
            conn.execute(
                delete(host_software).where(
                    host_software.c.host_id == host_id,
                    tuple_(*(host_software.c[k] for k in _LINK[1:])).in_(
                        gone[start : start + CHUNK]
                    ),
                )
            )
    if added:
        bulk_insert(conn, host_software, added)
    if changed:
        upsert(conn, host_software, changed, list(_LINK), _ATTRS)
    events = [_event(host_id, tuple(r[k] for k in _LINK[1:]), "install", report, first) for r in added]
    events += [_event(host_id, link, "remove", report, False) for link in gone]
    if events:
        bulk_insert(conn, software_events, events)
    for row in added:
        title, item = items[row["title_id"]]
        name = (name_key(item.name, item.source, item.publisher), item.name, item.source, item.publisher)
        changes.link(title.class_id, 1, name if title.unknown else None)
    gone_titles = _gone_titles(conn, [link[0] for link in gone])
    for class_id, unknown, *name in gone_titles:
        changes.link(class_id, -1, tuple(name) if unknown else None)
    class_of = {title_id: title.class_id for title_id, (title, _) in items.items()}
    class_of.update((link[0], found[0]) for link, found in zip(gone, gone_titles))
    changes.use(((class_of[link[0]], attrs[_USED]) for link, attrs in stored.items()),
                ((class_of[row["title_id"]], row["last_used"]) for row in wanted.values()))
    return len(added), len(gone), len(wanted)


def _gone_titles(conn: Connection, title_ids: List[int]) -> List[tuple]:
    """(class id, unknown, name_key, name, source, publisher) of each id, repeated as often as it is given."""
    t, found = software_titles.c, {}
    distinct = sorted(set(title_ids))
    for start in range(0, len(distinct), CHUNK):
        query = (select(t.id, title_classes.c.class_id, _UNKNOWN, t.name_key, t.name, t.source, t.publisher)
                 .join(title_classes, title_classes.c.title_id == t.id)
                 .join(classes, classes.c.id == title_classes.c.class_id)
                 .where(t.id.in_(distinct[start : start + CHUNK])))
        found.update((row[0], tuple(row[1:])) for row in conn.execute(query))
    return [found[i] for i in title_ids]


_UNKNOWN = and_(classes.c.grp == "unknown", classes.c.os_component.is_(False), classes.c.extension.is_(False)
               ).label("unknown")


_LINK = ("host_id", "title_id", "username", "application", "profile")  # host_software's primary key
_ATTRS = ("scope", "install_date", "location", "install_source", "last_used")
_USED = _ATTRS.index("last_used")


def _day(moment: Optional[datetime], earlier: Optional[dict]) -> Optional[date]:
    """The UTC day of an item's last use; of two items of one install, the later use."""
    day = moment.date() if moment is not None else None  # validated times are in UTC already
    before = earlier["last_used"] if earlier else None
    return max(day, before) if day and before else day or before


def _attrs(row: dict) -> tuple:
    return tuple(row[a] for a in _ATTRS)


def _stored_links(conn: Connection, host_id: str) -> Dict[ItemKey, tuple]:
    cols = host_software.c
    rows = conn.execute(
        select(*(cols[k] for k in _LINK[1:]), *(cols[a] for a in _ATTRS)).where(
            cols.host_id == host_id
        )
    )
    return {tuple(r[:4]): tuple(r[4:]) for r in rows}


def _event(host_id: str, link: ItemKey, kind: str, report: Report, first: bool) -> dict:
    title_id, user, application, profile = link
    return {
        "host_id": host_id,
        "title_id": title_id,
        "username": user,
        "application": application,
        "profile": profile,
        "kind": kind,
        "at": report.collected_at,
        "initial": first,
        "report_id": report.report_id,
    }


def _title_ids(conn: Connection, keyed: List[Tuple[str, SoftwareItem]], seen_at: datetime,
               os_id: Optional[str]) -> Titles:
    """The id and class of every distinct title in `keyed`, inserting and classifying the ones never seen."""
    by_key = dict(keyed)
    found = _existing_titles(conn, list(by_key))
    missing = [k for k in by_key if k not in found]
    if missing:
        stmt = insert_for(conn, software_titles).on_conflict_do_nothing(
            index_elements=["title_key"]
        )
        for start in range(0, len(missing), CHUNK):  # rows built a chunk at a time: a big report's are not all held
            conn.execute(stmt, [_title_row(k, by_key[k], seen_at, os_id) for k in missing[start:start + CHUNK]])
        found.update(_existing_titles(conn, missing))  # also those a concurrent report inserted
    unclassified = [k for k, title in found.items() if title.class_id is None]
    if unclassified:
        current = classify.current_classifier(classify.stored_home(conn))
        classify.classify_titles(conn, [found[k].id for k in unclassified], current)
        found.update(_existing_titles(conn, unclassified))
    return found


def _apply_os(
    conn: Connection, host_id: str, report: Report, system: List[Tuple[str, SoftwareItem]], titles: Titles,
    changes: aggregates.Changes,
) -> None:
    """The host's operating system as a classified title of its own, with an event when it changes."""
    title_id, class_id = titles[system[0][0]][:2] if system else (None, None)
    stored = None
    if not changes.first:
        query = (select(host_os.c.title_id, title_classes.c.class_id)
                 .join(title_classes, title_classes.c.title_id == host_os.c.title_id)
                 .where(host_os.c.host_id == host_id))
        stored = conn.execute(query).first()
    changes.os_class = class_id
    if (stored[0] if stored else None) == title_id:
        return
    events = []
    if stored is not None:
        conn.execute(delete(host_os).where(host_os.c.host_id == host_id))
        events.append({"title_id": stored[0], "kind": "remove", "initial": False})
        changes.link(stored[1], -1)
    if title_id is not None:
        conn.execute(host_os.insert(), {"host_id": host_id, "title_id": title_id})
        events.append({"title_id": title_id, "kind": "install", "initial": changes.first})
        changes.link(class_id, 1)
    conn.execute(os_events.insert(), [{**e, "host_id": host_id, "at": report.collected_at} for e in events])


def hostname_of(report: Report) -> str:
    """The name a new host is listed under: the report's hostname, else its id (docs/report-format.md)."""
    return report.host.hostname or report.host.id


def os_titles(report: Report) -> List[SoftwareItem]:
    """The operating system as one more title (source `os`), so it is classified and totalled like software."""
    os_ = report.host.os
    if not os_.name:
        return []
    # Windows names its edition; an Android phone its vendor's build (One UI, Xiaomi HyperOS, EMUI), which decides
    # who owns what it runs (docs/report-format.md, "Phones")
    name = os_.product_name if os_.family in ("windows", "android") and os_.product_name else os_.name
    version = os_.display_version or os_.version or os_.build or ""
    return [SoftwareItem(name=name, version=version or "-", source="os", arch=os_.arch, id=os_.distro_id)]


def _existing_titles(conn: Connection, keys: List[str]) -> Titles:
    """Stored titles by key, with their class, straight from the driver (a report looks up ~1,500 keys)."""
    found: Titles = {}
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cursor = conn.connection.driver_connection.cursor()
    try:
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            cursor.execute(
                "SELECT t.title_key, t.id, tc.class_id, c.grp, c.os_component, c.extension FROM software_titles t "
                "LEFT JOIN title_classes tc ON tc.title_id = t.id LEFT JOIN classes c ON c.id = tc.class_id "
                f"WHERE t.title_key IN ({', '.join([mark] * len(chunk))})",
                chunk,
            )
            for key, title_id, class_id, grp, os_component, extension in cursor.fetchall():
                found[key] = Title(title_id, class_id, grp == "unknown" and not os_component and not extension)
    finally:
        cursor.close()
    return found


def _title_row(key: str, item: SoftwareItem, seen_at: datetime, os_id: Optional[str]) -> dict:
    return {
        "title_key": key,
        "name_key": name_key(item.name, item.source, item.publisher),
        "name": item.name,
        "version": item.version or "",  # no version and an empty one are the same title
        "source": item.source,
        "publisher": item.publisher,
        "arch": item.arch,
        "package_id": item.id,
        "upgrade_code": item.extra.get("upgrade_code"),
        "team_id": item.extra.get("team_id"),
        "packager": item.extra.get("packager") or item.extra.get("maintainer"),
        "os_id": os_id if item.source in ("deb", "rpm") else None,
        "provenance": _provenance(item),
        "first_seen": seen_at,
    }


def _apply_facts(
    conn: Connection, host_id: str, parsed: ParsedReport, software_count: int, now: datetime
) -> None:
    """Host, OS and hardware columns, interfaces, disks and source errors as the report states them."""
    report = parsed.report
    host, os_, hw = report.host, report.host.os, report.hardware
    values = {
        "id_source": host.id_source,
        "kind": host.kind or DEFAULT_KIND,
        "fqdn": host.fqdn,
        "boot_time": host.boot_time,
        "os_family": os_.family,
        "os_name": os_.name,
        "os_version": os_.version,
        "os_distro_id": os_.distro_id,
        "os_id_like": " ".join(os_.id_like) or None,
        "os_codename": os_.codename,
        "os_kernel": os_.kernel,
        "os_arch": os_.arch,
        "os_build": os_.build if os_.ubr is None else f"{os_.build}.{os_.ubr}",
        "os_product_name": os_.product_name,
        "os_display_version": os_.display_version,
        "os_security_patch": os_.security_patch,
        "cpu_model": hw.cpu_model,
        "cpu_cores": hw.cpu_cores,
        "cpu_threads": hw.cpu_threads,
        "memory_bytes": hw.memory_bytes,
        "hw_vendor": hw.vendor,
        "hw_model": hw.model,
        "hw_serial": hw.serial,
        "agent_version": report.agent.version if report.agent else None,
        "last_seen": now,
        "last_report_at": now,
        "collected_at": report.collected_at,
        "inventory_hash": parsed.inventory_hash,
        "software_count": software_count,
    }
    if host.hostname:  # a report without one (a .reg export without ComputerName) keeps the stored name
        values["hostname"] = host.hostname
    conn.execute(update(hosts).where(hosts.c.id == host_id).values(**values))
    conn.execute(delete(host_interfaces).where(host_interfaces.c.host_id == host_id))
    conn.execute(delete(host_disks).where(host_disks.c.host_id == host_id))
    interfaces = [
        {
            "host_id": host_id,
            "position": i,
            "name": nic.name,
            "mac": nic.mac,
            "addresses": " ".join(nic.addresses) or None,
        }
        for i, nic in enumerate(report.network.interfaces)
    ]
    disks = [
        {"host_id": host_id, "position": i, **disk.model_dump(include=set(_DISK_COLS))}
        for i, disk in enumerate(hw.disks)
    ]
    if interfaces:
        conn.execute(host_interfaces.insert(), interfaces)
    if disks:
        conn.execute(host_disks.insert(), disks)
    conn.execute(delete(host_errors).where(host_errors.c.host_id == host_id))
    if report.errors:  # what the agent could not inventory: the host counts as incomplete until a clean report
        conn.execute(host_errors.insert(), [
            {"host_id": host_id, "position": i, "source": e.source, "path": e.path, "message": e.message}
            for i, e in enumerate(report.errors)])


_DISK_COLS = ("device", "mount", "fstype", "size_bytes")


def checkin(
    engine: Engine, key_hash: str, host_id: str, inventory_hash_: str, agent_version: Optional[str]
) -> bool:
    """Record that the host is alive; True when the collector needs a full report from it.

    The commonest call of all, so it is two prepared statements through the driver (no statement building):
    the UPDATE checks the key itself and returns the stored hash; HostGone when the key is not a live key of
    this listed host. The check-in counter is bumped in the same transaction.
    """
    update_sql, bump_sql = _checkin_sql(engine.dialect)
    seen = _bind_time(engine.dialect, utcnow())
    with write_transaction(engine) as conn:
        stored = conn.exec_driver_sql(update_sql, (seen, agent_version or None, host_id, key_hash)).first()
        if stored is None:
            raise HostGone(host_id)
        conn.exec_driver_sql(bump_sql, ("footprint_checkins_total", random.randrange(COUNTER_SHARDS)))
    return stored[0] != inventory_hash_


@lru_cache(maxsize=4)
def _checkin_sql(dialect) -> Tuple[str, str]:
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    update_sql = (
        f"UPDATE hosts SET last_seen = {mark}, agent_version = COALESCE({mark}, agent_version) "
        f"WHERE id = {mark} AND NOT revoked AND EXISTS (SELECT 1 FROM host_keys WHERE host_keys.host_id = hosts.id "
        f"AND host_keys.key_hash = {mark} AND host_keys.revoked_at IS NULL) RETURNING inventory_hash"
    )
    bump_sql = (
        f"INSERT INTO counters (name, shard, value) VALUES ({mark}, {mark}, 1) "
        "ON CONFLICT (name, shard) DO UPDATE SET value = counters.value + 1"
    )
    return update_sql, bump_sql


def _bind_time(dialect, moment: datetime):
    """A timestamp as the column type itself would bind it (SQLite stores text, psycopg takes the datetime)."""
    processor = hosts.c.last_seen.type.bind_processor(dialect)
    return processor(moment) if processor else moment
