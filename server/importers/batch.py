"""Importing a batch of files into the collector: each file in its own transaction, through the same ingest
as reports from agents, so classification, events and totals treat imported hosts like any other."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, select

from server.importers import InventoryFileError, read_inventory
from server.store.db import utcnow, write_transaction
from server.store.ingest import UnstorableText, ingest_into, parse_report
from server.store.tables import host_tags, hosts
from server.store.upsert import insert_for, upsert


@dataclass
class ImportSummary:
    """What a batch did: hosts added and updated, reports already known or older than the stored one,
    and each rejected file with its reason."""

    files: int = 0
    added: List[str] = field(default_factory=list)
    updated: List[str] = field(default_factory=list)
    unchanged: List[str] = field(default_factory=list)  # the same report imported before
    older: List[str] = field(default_factory=list)  # an export older than the one already stored
    rejected: List[Tuple[str, str]] = field(default_factory=list)
    formats: Dict[str, int] = field(default_factory=dict)


class FileRejected(Exception):
    """A file that cannot be imported; nothing of it was written."""


def _validation_reason(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def read_reports(path: Path):
    """The file's format and its reports, validated by the collector's schema; FileRejected says why not."""
    try:
        fmt, reports = read_inventory(path.read_bytes())
        return fmt, [parse_report(json.dumps(r, ensure_ascii=False).encode("utf-8")) for r in reports]
    except OSError as exc:
        raise FileRejected(exc.strerror or str(exc)) from None
    except (InventoryFileError, UnstorableText) as exc:
        raise FileRejected(str(exc)) from None
    except ValidationError as exc:
        raise FileRejected(f"not a valid report: {_validation_reason(exc)}") from None


def _register_host(conn: Connection, host_id: str, hostname: str, tags: Dict[str, str]) -> bool:
    """Create the imported host's row (it has no agent key to enroll with); True when it is new."""
    existing = conn.execute(select(hosts.c.revoked).where(hosts.c.id == host_id)).first()
    if existing is not None and existing.revoked:
        raise FileRejected(f"host {host_id} was removed from the collector (footprint hosts remove)")
    now = utcnow()
    if existing is None:
        conn.execute(
            insert_for(conn, hosts).on_conflict_do_nothing(index_elements=["id"]),
            {"id": host_id, "hostname": hostname, "first_seen": now, "last_seen": now},
        )
    rows = [{"host_id": host_id, "key": key, "value": value} for key, value in tags.items()]
    upsert(conn, host_tags, rows, keys=["host_id", "key"], update=["value"])
    return existing is None


def import_file(engine: Engine, path: Path, tags: Dict[str, str], summary: ImportSummary) -> None:
    """Import one file in one transaction, recording the outcome in `summary`."""
    summary.files += 1
    try:
        fmt, parsed = read_reports(path)
        outcomes = []
        with write_transaction(engine) as conn:
            for report in parsed:
                host = report.report.host
                new = _register_host(conn, host.id, host.hostname, tags)
                outcomes.append((host.id, new, ingest_into(conn, report, host.id)))
    except FileRejected as exc:
        summary.rejected.append((str(path), str(exc)))
        return
    summary.formats[fmt] = summary.formats.get(fmt, 0) + 1
    for host_id, new, result in outcomes:
        if result.duplicate:
            summary.unchanged.append(host_id)
        elif not result.applied:
            summary.older.append(host_id)
        else:
            (summary.added if new else summary.updated).append(host_id)


def import_files(
    engine: Engine,
    paths: Iterable[Path],
    tags: Optional[Dict[str, str]] = None,
    on_file: Optional[Callable[[Path], None]] = None,
) -> ImportSummary:
    """Import every file; a bad one is rejected with its reason and the rest of the batch goes on."""
    summary = ImportSummary()
    for path in paths:
        import_file(engine, path, tags or {}, summary)
        if on_file:
            on_file(path)
    return summary
