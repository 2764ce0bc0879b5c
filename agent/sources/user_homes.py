"""Every user's home under a root, per platform, and a careful reader for the files users control.

Per-user sources (flatpak, browser and IDE extensions) read files any user can shape: a home may hold a
symlink to /etc/shadow, a FIFO named `Preferences` or a 2 GB `extensions.json`. `read_user_file` opens
regular files only, never a symlink as the file itself nor a file whose directory resolves outside the
home, and refuses files past a size guard, so the agent (often root) reads nothing it was not meant to.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from typing import Any, List, Optional

# The largest per-user file read: a Chrome Secure Preferences of a heavy profile is a few MB.
MAX_USER_FILE = 32 << 20
# Folders under C:\Users (Windows) and /Users (macOS) that are no one's home.
NOT_HOMES = {"public", "default", "default user", "all users", "shared", "guest", "desktop.ini"}
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


class Home:
    """One user's home: the name to report and the directory as seen under the root."""

    __slots__ = ("user", "path", "_real")

    def __init__(self, user: str, path: str) -> None:
        self.user = user
        self.path = path
        self._real: Optional[str] = None

    def contains(self, path: str) -> bool:
        """Whether `path`'s directory resolves inside this home (symlinks followed)."""
        if self._real is None:
            self._real = os.path.realpath(self.path)
        directory = os.path.realpath(os.path.dirname(path))
        return directory == self._real or directory.startswith(self._real.rstrip(os.sep) + os.sep)

    def __repr__(self) -> str:
        return f"Home({self.user!r}, {self.path!r})"


def user_homes(root: str, platform: str = sys.platform) -> List[Home]:
    """The homes present under `root`: /etc/passwd and /home/* on Linux, /Users/* on macOS and Windows."""
    if platform.startswith("linux"):
        found = _passwd_homes(root)
    else:
        found = {}
        users = os.path.join(root, "Users")
        for entry in listdir(users):
            if entry.lower() not in NOT_HOMES and not entry.startswith("."):
                found.setdefault(os.path.join(users, entry), entry)
    return [Home(user, path) for path, user in found.items() if os.path.isdir(path)]


def _passwd_homes(root: str) -> dict:
    """{home under root: user} from the root's /etc/passwd, plus /home/* directories it does not list."""
    homes = {}
    try:
        with open(os.path.join(root, "etc", "passwd"), encoding="utf-8", errors="replace") as passwd:
            for line in passwd:
                fields = line.rstrip("\n").split(":")
                if len(fields) >= 6 and fields[5].startswith("/") and fields[5] != "/":
                    homes.setdefault(os.path.join(root, fields[5].lstrip("/")), fields[0])
    except OSError:
        pass
    for entry in listdir(os.path.join(root, "home")):
        homes.setdefault(os.path.join(root, "home", entry), entry)
    return homes


def listdir(path: str) -> List[str]:
    """A folder's entries, sorted; none when it cannot be listed."""
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []



def text(value: object) -> Optional[str]:
    """A JSON or XML value as a stripped string; None when it is not a non-empty string."""
    return value.strip() or None if isinstance(value, str) else None


def shown(root: str, path: Optional[str]) -> Optional[str]:
    """A path under `root` as seen on the inventoried system (the --root prefix removed)."""
    if path is None or root in ("/", ""):
        return path
    return "/" + os.path.relpath(path, root)


class UserFileRefused(OSError):
    """A per-user file the agent will not read: not a regular file, a symlink, outside the home or too large."""


def open_user_file(home: Home, path: str):
    """`path` inside `home` opened for binary reading, checked a regular file; None when it does not exist.

    UserFileRefused for a symlink, a FIFO or device, or a folder resolving outside the home; OSError otherwise.
    """
    if not home.contains(path):
        if not os.path.lexists(os.path.dirname(path)):
            return None
        raise UserFileRefused(f"{path}: its folder resolves outside the home of {home.user}")
    if os.path.islink(path):  # O_NOFOLLOW closes the race where it exists; Windows has no O_NOFOLLOW
        raise UserFileRefused(f"{path}: a symbolic link, not followed")
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except (FileNotFoundError, NotADirectoryError):
        return None
    handle = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        handle.close()
        raise UserFileRefused(f"{path}: not a regular file")
    return handle


def read_user_file(home: Home, path: str, limit: int = MAX_USER_FILE) -> Optional[bytes]:
    """The bytes of `path` inside `home` (see open_user_file), refused past `limit` bytes."""
    handle = open_user_file(home, path)
    if handle is None:
        return None
    with handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise UserFileRefused(f"{path}: {size} bytes, more than the {limit} read")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise UserFileRefused(f"{path}: grew past the {limit} bytes read")
    return data


def read_user_json(home: Home, path: str) -> Optional[Any]:
    """A per-user JSON file parsed; None when absent; ValueError (naming no content) when it is not JSON."""
    data = read_user_file(home, path)
    if data is None:
        return None
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as err:
        raise ValueError(f"{path}: not JSON ({type(err).__name__} at {_where(err)})") from None


def _where(err: Exception) -> str:
    """Where a decode failed, without quoting the file (a profile may hold secrets)."""
    if isinstance(err, json.JSONDecodeError):
        return f"line {err.lineno} column {err.colno}"
    if isinstance(err, UnicodeDecodeError):
        return f"byte {err.start}"
    return "unknown position"
