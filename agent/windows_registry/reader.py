"""One registry reader interface: Windows sources read the live registry and .reg exports alike."""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional, Tuple

# Value types, numbered as winreg numbers them.
REG_NONE = 0
REG_SZ = 1
REG_EXPAND_SZ = 2
REG_BINARY = 3
REG_DWORD = 4
REG_DWORD_BIG_ENDIAN = 5
REG_LINK = 6
REG_MULTI_SZ = 7
REG_QWORD = 11

ROOT_ALIASES = {
    "HKLM": "HKEY_LOCAL_MACHINE",
    "HKCU": "HKEY_CURRENT_USER",
    "HKU": "HKEY_USERS",
    "HKCR": "HKEY_CLASSES_ROOT",
    "HKCC": "HKEY_CURRENT_CONFIG",
}


class RegValue:
    """A typed value: str (SZ, EXPAND_SZ), str list (MULTI_SZ), int (DWORD, QWORD), else bytes.

    A slotted class, not a dataclass: exports hold tens of thousands of values, and the agent
    keeps `dataclasses` off its start-up path (see agent/sources/base.py).
    """

    __slots__ = ("name", "type", "data")

    def __init__(self, name: str, type: int, data: Any) -> None:
        self.name = name
        self.type = type
        self.data = data

    def __repr__(self) -> str:
        return f"RegValue({self.name!r}, {self.type}, {self.data!r})"


_SIZED = {REG_DWORD: 4, REG_DWORD_BIG_ENDIAN: 4, REG_QWORD: 8}
_TYPE_NAMES = {REG_DWORD: "REG_DWORD", REG_DWORD_BIG_ENDIAN: "REG_DWORD_BIG_ENDIAN", REG_QWORD: "REG_QWORD"}


def typed_data(kind: int, raw: bytes, codec: str = "utf-16-le") -> Any:
    """Raw value bytes as winreg gives them; ValueError when a number has the wrong size."""
    if kind in (REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ):
        if codec == "utf-16-le" and len(raw) % 2:
            raw = raw[:-1]  # a stray byte some writers leave after the terminator
        text = raw.decode(codec, errors="replace")
        return [s for s in text.split("\x00") if s] if kind == REG_MULTI_SZ else text.split("\x00", 1)[0]
    size = _SIZED.get(kind)
    if size is not None:
        if len(raw) != size:
            raise ValueError(f"{_TYPE_NAMES[kind]} needs {size} bytes, got {len(raw)}")
        return int.from_bytes(raw, "big" if kind == REG_DWORD_BIG_ENDIAN else "little")
    return raw


class KeyNotFound(KeyError):
    """The key does not exist (a normal outcome: the source is simply absent)."""


class RegistryAccessError(OSError):
    """The key exists but cannot be read, e.g. a user hive the agent has no right to."""


def split_path(path: str) -> Tuple[str, str]:
    """`HKLM\\Software\\X` -> (`HKEY_LOCAL_MACHINE`, `Software\\X`): the root spelled out."""
    root, _, rest = path.strip("\\").partition("\\")
    root = root.upper()
    return ROOT_ALIASES.get(root, root), rest


def join_path(*parts: str) -> str:
    return "\\".join(p.strip("\\") for p in parts if p)


class RegistryReader:
    """Read-only view of a registry; paths start with a root key and ignore case."""

    def subkeys(self, path: str) -> List[str]:
        """The key's direct subkeys; KeyNotFound if absent, RegistryAccessError if unreadable."""
        raise NotImplementedError

    def values(self, path: str) -> Dict[str, RegValue]:
        """The key's values by lower-cased name (the registry ignores case); `@` is the name ''."""
        raise NotImplementedError

    def exists(self, path: str) -> bool:
        try:
            self.subkeys(path)
        except KeyNotFound:
            return False
        except RegistryAccessError:
            return True
        return True


def values_or_empty(reader: RegistryReader, path: str) -> Dict[str, RegValue]:
    """The key's values, or none when it is missing or unreadable (optional facts)."""
    try:
        return reader.values(path)
    except (KeyNotFound, RegistryAccessError):
        return {}


def subkeys_or_empty(reader: RegistryReader, path: str) -> List[str]:
    """The key's subkeys, or none when it is missing or unreadable (optional facts)."""
    try:
        return reader.subkeys(path)
    except (KeyNotFound, RegistryAccessError):
        return []


def value_str(values: Dict[str, RegValue], name: str) -> Optional[str]:
    """A value as a stripped string whatever its type (installers vary); None if empty."""
    value = values.get(name.lower())
    if value is None or value.data is None:
        return None
    data = value.data
    if isinstance(data, list):
        data = " ".join(data)
    elif isinstance(data, bytes):
        return None
    text = str(data).strip().strip("\x00").strip()
    return text or None


def value_int(values: Dict[str, RegValue], name: str) -> Optional[int]:
    """A DWORD, or a string holding a number (some installers write "1" as REG_SZ)."""
    value = values.get(name.lower())
    if value is None:
        return None
    if isinstance(value.data, int):
        return value.data
    text = value_str(values, name)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


class WinregReader(RegistryReader):
    """The live registry via winreg; `view` "64"/"32" selects KEY_WOW64_64KEY/KEY_WOW64_32KEY."""

    def __init__(self, view: Optional[str] = None) -> None:
        import winreg  # only exists on Windows; imported here so this module imports everywhere

        self._winreg = winreg
        flags = {"64": winreg.KEY_WOW64_64KEY, "32": winreg.KEY_WOW64_32KEY, None: 0}
        self._access = winreg.KEY_READ | flags[view]

    def _open(self, path: str) -> Any:
        root, sub = split_path(path)
        handle = getattr(self._winreg, root, None)
        if handle is None:
            raise KeyNotFound(path)
        try:
            return self._winreg.OpenKey(handle, sub, 0, self._access)
        except FileNotFoundError:
            raise KeyNotFound(path) from None
        except OSError as exc:
            raise RegistryAccessError(f"{path}: {exc.strerror or exc}") from None

    def subkeys(self, path: str) -> List[str]:
        names = []
        with self._open(path) as key:
            for index in range(self._winreg.QueryInfoKey(key)[0]):
                try:
                    names.append(self._winreg.EnumKey(key, index))
                except OSError:  # a key deleted while we enumerate
                    break
        return names

    def values(self, path: str) -> Dict[str, RegValue]:
        found = {}
        with self._open(path) as key:
            for index in range(self._winreg.QueryInfoKey(key)[1]):
                try:
                    name, data, kind = self._winreg.EnumValue(key, index)
                except OSError:
                    break
                found[name.lower()] = RegValue(name, kind, data)
        return found


def is_windows() -> bool:
    return sys.platform == "win32"
