"""Which files an import reads, and reading them safely: directories walked without following symbolic
links, regular files only, and a size cap checked before a byte is read."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Tuple

from server.importers.limits import InventoryFileError, MiB, size_text, too_large

_NOT_FOLLOWED = "a symbolic link: not followed inside a directory"


@dataclass(frozen=True)
class Candidate:
    """A file to import; `follow` when the person named it on the command line (a link is then followed)."""

    path: Path
    follow: bool = True


@dataclass(frozen=True)
class Bundle:
    """Files read together as one import unit (an Intune device list and its discovered-apps exports): stored
    or rejected as a whole, since no member makes complete reports alone."""

    members: Tuple[Candidate, ...]

    @property
    def path(self) -> Path:
        return self.members[0].path

    @property
    def label(self) -> str:
        return " + ".join(str(m.path) for m in self.members)


def find(arguments: Iterable[Path]) -> Tuple[List[Candidate], List[Tuple[str, str]]]:
    """The files named, and those inside the directories named (sorted, subdirectories after the files);
    symbolic links, devices and FIFOs inside directories are skipped with the reason, never opened."""
    found: List[Candidate] = []
    skipped: List[Tuple[str, str]] = []
    for argument in arguments:
        if argument.is_dir():
            _walk(argument, found, skipped)
        else:
            found.append(Candidate(argument, follow=True))
    return found, skipped


def _walk(top: Path, found: List[Candidate], skipped: List[Tuple[str, str]]) -> None:
    pending = [top]
    while pending:  # iterative: a deep tree cannot exhaust the stack
        directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            skipped.append((str(directory), f"cannot list the directory: {exc.strerror or exc}"))
            continue
        subdirectories = []
        for entry in entries:
            path = directory / entry.name
            try:
                if entry.is_symlink():
                    skipped.append((str(path), _NOT_FOLLOWED))
                elif entry.is_dir(follow_symlinks=False):
                    subdirectories.append(path)
                elif entry.is_file(follow_symlinks=False):
                    found.append(Candidate(path, follow=False))
                else:
                    skipped.append((str(path), "not a regular file (FIFO, socket or device)"))
            except OSError as exc:
                skipped.append((str(path), exc.strerror or str(exc)))
        pending.extend(reversed(subdirectories))


def read_head(candidate: Candidate, size: int = 4096) -> bytes:
    """The first bytes of a file, opened as read_file opens it; empty when it cannot be read (read_file says why)."""
    try:
        return read_file(candidate, size, whole=False)
    except InventoryFileError:
        return b""


def read_file(candidate: Candidate, max_bytes: int, whole: bool = True) -> bytes:
    """The file's bytes, at most `max_bytes` (`whole=False`: its first `max_bytes`, however large it is); a link
    found in a directory is refused even if it appeared after the walk (O_NOFOLLOW), and a FIFO or device is
    refused without blocking on it."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not candidate.follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(candidate.path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not candidate.follow:
            raise InventoryFileError(_NOT_FOLLOWED) from None
        raise InventoryFileError(exc.strerror or str(exc)) from None
    with open(descriptor, "rb", buffering=0) as handle:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise InventoryFileError("a directory that could not be walked")
        if not stat.S_ISREG(info.st_mode):
            raise InventoryFileError("not a regular file (FIFO, socket or device)")
        if whole and info.st_size > max_bytes:
            raise too_large(f"the file is {size_text(info.st_size)}, larger than", max_bytes)
        chunks, total = [], 0
        while total <= max_bytes:  # the file may grow after fstat: never read past the cap
            chunk = handle.read(min(1 * MiB, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    if total > max_bytes and whole:
        raise too_large("the file grew past", max_bytes)
    return b"".join(chunks)[:max_bytes]
