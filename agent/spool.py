"""Durable spool of reports waiting for delivery: one gzip file per report in the state directory.

A report is spooled before it is sent and removed only once the collector has acknowledged it, so
an agent stopped mid-send resends it later and the collector, idempotent by report_id, counts it
once. Writes are atomic (temp file, fsync, rename, fsync of the directory): a power cut leaves all
or nothing.
"""

from __future__ import annotations

import errno
import gzip
import json
import logging
import os
import time
from dataclasses import dataclass
from typing import Iterator, List, Optional

log = logging.getLogger("footprint.spool")

SUFFIX = ".json.gz"
BAD_SUFFIX = ".bad"
KEEP_SET_ASIDE = 10  # set-aside files kept for inspection; older ones are deleted
_TEMP_PREFIX = ".tmp-"


@dataclass
class SpooledReport:
    """One report on disk, its id, and its body as sent (gzip-compressed JSON)."""

    path: str
    report_id: str
    body: bytes


class Spool:
    """Reports in `directory`, delivered oldest first, bounded by count and total bytes; files set
    aside (.bad) count against the same bounds and are the first to go."""

    def __init__(self, directory: str, max_reports: int = 100, max_bytes: int = 64 << 20) -> None:
        self.directory = directory
        self.max_reports = max_reports
        self.max_bytes = max_bytes

    def put(self, report_id: str, body: bytes) -> Optional[str]:
        """Store a gzip body atomically; its path, or None when the disk is full (spool kept)."""
        name = f"{time.time_ns():020d}-{report_id}{SUFFIX}"
        final = os.path.join(self.directory, name)
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            write_atomically(final, body)
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                log.warning("spool: disk full in %s, report %s not spooled; the %d reports "
                            "already spooled are kept", self.directory, report_id,
                            len(self.paths()))
                return None
            raise
        self._enforce_bounds()
        return final

    def paths(self) -> List[str]:
        """Spooled report files, oldest first (names start with a nanosecond timestamp)."""
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        return [os.path.join(self.directory, n) for n in sorted(names)
                if n.endswith(SUFFIX) and not n.startswith(_TEMP_PREFIX)]

    def pending(self) -> Iterator[SpooledReport]:
        """Readable reports oldest first; a corrupted file is renamed *.bad and skipped."""
        for path in self.paths():
            report = self._read(path)
            if report is not None:
                yield report

    def remove(self, report: SpooledReport) -> None:
        """Forget a delivered report (durably, so a restart does not send it again)."""
        _remove_quietly(report.path)
        _fsync_directory(self.directory)

    def set_aside(self, path: str, reason: str) -> None:
        """Keep a file the agent cannot deliver for inspection, out of the delivery queue."""
        log.warning("spool: %s set aside as %s%s: %s", path, os.path.basename(path), BAD_SUFFIX,
                    reason)
        try:
            os.replace(path, path + BAD_SUFFIX)
        except OSError as error:
            log.warning("spool: cannot rename %s: %s", path, error.strerror)
        self._enforce_bounds()

    def clean_temporaries(self) -> None:
        """Remove temp files left by a write that was interrupted (power cut, SIGKILL)."""
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return
        for name in names:
            if name.startswith(_TEMP_PREFIX):
                _remove_quietly(os.path.join(self.directory, name))

    def set_aside_paths(self) -> List[str]:
        """Files set aside, oldest first."""
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        return [os.path.join(self.directory, n) for n in sorted(names) if n.endswith(BAD_SUFFIX)]

    def count_set_aside(self) -> int:
        return len(self.set_aside_paths())

    def total_bytes(self) -> int:
        """Bytes the spool takes: reports waiting and files set aside."""
        return sum(_size(p) for p in self.paths() + self.set_aside_paths())

    def _read(self, path: str) -> Optional[SpooledReport]:
        try:
            with open(path, "rb") as handle:
                body = handle.read()
            report = json.loads(gzip.decompress(body))
            report_id = report["report_id"]
            if not isinstance(report_id, str) or not report_id:
                raise ValueError("report_id is not a string")
        except FileNotFoundError:
            return None
        except (OSError, EOFError, ValueError, KeyError, TypeError) as error:
            self.set_aside(path, f"not a readable gzip JSON report ({error})")
            return None
        return SpooledReport(path=path, report_id=report_id, body=body)

    def _enforce_bounds(self) -> None:
        """Within count and bytes, set-aside files first, then the oldest reports; at most
        KEEP_SET_ASIDE set-aside files at all."""
        bad, reports = self.set_aside_paths(), self.paths()
        files = bad + reports  # the order in which they go
        sizes = [_size(p) for p in files]
        total, removed = sum(sizes), 0
        while files and (len(files) > self.max_reports or total > self.max_bytes
                         or len(bad) - removed > KEEP_SET_ASIDE):
            oldest, size = files.pop(0), sizes.pop(0)
            total -= size
            if removed < len(bad):
                log.warning("spool: deleting %s, set aside earlier (the spool keeps %d set-aside "
                            "files within its limits)", os.path.basename(oldest), KEEP_SET_ASIDE)
            else:
                log.warning("spool: limit reached (%d reports / %d bytes max), dropping the oldest "
                            "report %s", self.max_reports, self.max_bytes, os.path.basename(oldest))
            removed += 1
            _remove_quietly(oldest)
        _fsync_directory(self.directory)


def write_atomically(path: str, data: bytes, mode: int = 0o600) -> None:
    """Replace `path` with `data` so that readers see the old or the new content, never a mix, and a power
    cut leaves one of them (temp file, fsync, rename, fsync of the directory). The agent's one file writer."""
    directory = os.path.dirname(os.path.abspath(path))
    temp = os.path.join(directory, _TEMP_PREFIX + os.path.basename(path))
    try:
        _write_durably(temp, data, mode)
        os.replace(temp, path)
    except OSError:
        _remove_quietly(temp)
        raise
    _fsync_directory(directory)


def _write_durably(path: str, data: bytes, mode: int = 0o600) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(directory: str) -> None:
    """Make a rename durable; Windows cannot open directories, and NTFS journals renames itself."""
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
