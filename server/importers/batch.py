"""Importing a batch of files into the collector through the same ingest as reports from agents, so
classification, events and totals treat imported hosts like any other.

Files are stored several to a transaction (fewer commits), each file inside its own savepoint: a file the
database refuses is rolled back alone, and a file is counted only once its transaction has committed.
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Deque, Dict, Iterable, List, Optional, Tuple, Union

import orjson
from pydantic import ValidationError
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import InterfaceError, OperationalError, StatementError

from server.importers.files import Bundle, Candidate, read_file
from server.importers.inventory import read_bundle, read_inventory, units
from server.importers.limits import DEFAULT_MAX_BYTES, InventoryFileError
from server.store.credentials import HostRemoved, add_host, set_host_tags
from server.store.db import utcnow, widen_cache, write_transaction
from server.store.ingest import IngestResult, ParsedReport, UnstorableText, hostname_of, ingest_into, parse_document

# A transaction holds SQLite's write lock: it ends after this many files or seconds, whichever comes first.
BATCH_FILES = 50
BATCH_SECONDS = 0.5


@dataclass
class ImportSummary:
    """What an import did: hosts added and updated, reports already known or older than the stored one,
    each rejected file with its reason, and what was skipped without being opened (links in directories)."""

    files: int = 0
    files_rejected: int = 0  # a rejected bundle is one reason for all its files
    added: List[str] = field(default_factory=list)
    updated: List[str] = field(default_factory=list)
    unchanged: List[str] = field(default_factory=list)  # the same report imported before
    older: List[str] = field(default_factory=list)  # an export older than the one already stored
    rejected: List[Tuple[str, str]] = field(default_factory=list)
    skipped: List[Tuple[str, str]] = field(default_factory=list)
    formats: Dict[str, int] = field(default_factory=dict)
    notes: List[Tuple[str, str]] = field(default_factory=list)  # what an imported file held and was left out


class FileRejected(Exception):
    """A file that cannot be imported; nothing of it was written."""


class ImportAborted(Exception):
    """The database failed in a way no file is to blame for; `summary` holds what was committed before."""

    def __init__(self, reason: str, summary: ImportSummary, not_stored: List[str]):
        super().__init__(reason)
        self.summary = summary
        self.not_stored = not_stored


@dataclass
class _Outcome:
    """One file's result inside an open transaction, counted only after it commits."""

    path: str
    format: str = ""
    hosts: List[Tuple[str, bool, IngestResult]] = field(default_factory=list)
    rejected: Optional[str] = None
    notes: List[str] = field(default_factory=list)
    files: int = 1


class _ConnectionLost(Exception):
    """The connection broke while a file was being stored."""


def _first_line(exc: Exception) -> str:
    """The database's own message without the lines that may quote the values (DETAIL, parameters)."""
    orig = getattr(exc, "orig", None)
    return (str(orig if orig is not None else exc).splitlines() or [""])[0][:200]


def _validation_reason(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def read_reports(
    path: Union[Path, Candidate, Bundle], max_bytes: int = DEFAULT_MAX_BYTES
) -> Tuple[str, List[ParsedReport], List[str]]:
    """The file's (or bundle's) format, its reports validated by the collector's schema and what it left out;
    FileRejected says why not."""
    candidate = path if isinstance(path, (Candidate, Bundle)) else Candidate(Path(path))
    try:
        if isinstance(candidate, Bundle):
            fmt, reports, notes = read_bundle(candidate, max_bytes)
        else:
            (fmt, reports), notes = read_inventory(read_file(candidate, max_bytes), max_bytes), []
        return fmt, [parse_document(r, _dumped(r)) for r in reports], notes
    except (InventoryFileError, UnstorableText) as exc:
        raise FileRejected(str(exc)) from None
    except ValidationError as exc:
        raise FileRejected(f"not a valid report: {_validation_reason(exc)}") from None
    except UnicodeEncodeError:  # "\ud800" in the file's JSON: text no database column can hold
        raise FileRejected("a string has a lone UTF-16 surrogate (an escape such as \\ud800)") from None
    except RecursionError:
        raise FileRejected("nested too deeply to be read") from None
    except MemoryError:
        raise FileRejected("too large for the memory available (lower --max-size)") from None


def _dumped(report: dict) -> bytes:
    """The mapped report as JSON, only searched for the escapes no column can hold: orjson where it can (a
    fifth of json.dumps' time), json.dumps for what orjson refuses (a lone surrogate, an integer past 64 bits),
    so a file is accepted or rejected exactly as before."""
    try:
        return orjson.dumps(report)
    except orjson.JSONEncodeError:
        return json.dumps(report, ensure_ascii=False).encode("utf-8")


def _register_host(conn: Connection, host_id: str, hostname: str, tags: Dict[str, str]) -> bool:
    """The imported host's row (it has no agent key to enroll with) and the import's tags; True when it is new."""
    try:
        new = add_host(conn, host_id, hostname, utcnow())
    except HostRemoved:
        raise FileRejected(f"host {host_id} was removed from the collector (footprint hosts remove)") from None
    set_host_tags(conn, host_id, tags)
    return new


def _store_file(
    conn: Connection, candidate: Union[Candidate, Bundle], tags: Dict[str, str], max_bytes: int
) -> _Outcome:
    """Read one file (or bundle) and store its reports in a savepoint of the open transaction."""
    outcome = _Outcome(candidate.label, files=len(candidate.members)) if isinstance(candidate, Bundle) else (
        _Outcome(str(candidate.path)))
    try:
        outcome.format, parsed, outcome.notes = read_reports(candidate, max_bytes)
        with conn.begin_nested():
            for report in parsed:
                host = report.report.host
                new = _register_host(conn, host.id, hostname_of(report.report), tags)
                outcome.hosts.append((host.id, new, ingest_into(conn, report, host.id)))
    except FileRejected as exc:
        outcome.rejected = str(exc)
    except (OperationalError, InterfaceError):
        raise  # the database itself failed: not this file's fault
    except StatementError as exc:  # a value this database cannot hold; only the statement's own error
        if conn.invalidated:
            raise
        outcome.rejected = f"the database refused it: {_first_line(exc)}"
    except Exception as exc:  # noqa: BLE001 - one file's surprise must not cost the rest of the batch
        if conn.invalidated:
            raise _ConnectionLost(f"{type(exc).__name__}: the connection was lost") from None
        outcome.rejected = f"unexpected {type(exc).__name__} while importing it (please report this file's shape)"
    if outcome.rejected:  # printable whatever the file held (a lone surrogate cannot be written out)
        outcome.rejected = outcome.rejected.encode("utf-8", "backslashreplace").decode("utf-8")
        outcome.hosts = []
    return outcome


def _record(summary: ImportSummary, outcome: _Outcome) -> None:
    summary.files += outcome.files
    if outcome.rejected is not None:
        summary.files_rejected += outcome.files
        summary.rejected.append((outcome.path, outcome.rejected))
        return
    summary.formats[outcome.format] = summary.formats.get(outcome.format, 0) + 1
    summary.notes.extend((outcome.path, note) for note in outcome.notes)
    for host_id, new, result in outcome.hosts:
        if result.duplicate:
            summary.unchanged.append(host_id)
        elif not result.applied:
            summary.older.append(host_id)
        else:
            (summary.added if new else summary.updated).append(host_id)


def _store_batch(
    engine: Engine, pending: Deque[Union[Candidate, Bundle]], tags: Dict[str, str], max_bytes: int,
    summary: ImportSummary, on_file: Optional[Callable[[Path], None]],
) -> None:
    outcomes: List[_Outcome] = []
    taken: List[Union[Candidate, Bundle]] = []
    started = time.monotonic()
    try:
        with write_transaction(engine) as conn:
            widen_cache(conn)
            while pending and len(taken) < BATCH_FILES and time.monotonic() - started < BATCH_SECONDS:
                candidate = pending.popleft()
                taken.append(candidate)
                outcomes.append(_store_file(conn, candidate, tags, max_bytes))
                for member in candidate.members if isinstance(candidate, Bundle) else [candidate]:
                    if on_file:
                        on_file(member.path)
    except (OperationalError, InterfaceError, StatementError, _ConnectionLost) as exc:
        reason = _first_line(exc)
        lost = [c.label if isinstance(c, Bundle) else str(c.path) for c in [*taken, *pending]]
        raise ImportAborted(f"the database failed: {reason}", summary, lost) from None
    for outcome in outcomes:
        _record(summary, outcome)


def import_files(
    engine: Engine,
    paths: Iterable[Union[Path, Candidate]],
    tags: Optional[Dict[str, str]] = None,
    on_file: Optional[Callable[[Path], None]] = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImportSummary:
    """Import every file; a bad one is rejected with its reason and the rest of the batch goes on. Intune exports
    are read together as one bundle (a device list needs its discovered apps). A plain Path is a file named by the
    person importing (a symbolic link is followed)."""
    summary = ImportSummary()
    pending = deque(units([p if isinstance(p, Candidate) else Candidate(Path(p)) for p in paths]))
    while pending:
        _store_batch(engine, pending, tags or {}, max_bytes, summary, on_file)
    return summary
