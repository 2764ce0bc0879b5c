"""Regedit export files (.reg) as a RegistryReader: how air-gapped machines are inventoried and
how the Windows sources are tested on Linux.

Both formats regedit writes are read: "Windows Registry Editor Version 5.00" (UTF-16LE with BOM;
UTF-8 with or without BOM is accepted too) and "REGEDIT4" (the machine's ANSI code page). An ANSI
file carries no code page, so unless the caller names one, cp1251 is chosen when non-ASCII letters
come in whole words (Cyrillic) and cp1252 when they sit inside Latin words ("Société").
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

from agent.windows_registry.reader import (
    REG_BINARY,
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_MULTI_SZ,
    REG_SZ,
    KeyNotFound,
    RegistryReader,
    RegValue,
    join_path,
    split_path,
    typed_data,
)

HEADER_V5 = "Windows Registry Editor Version 5.00"
HEADER_V4 = "REGEDIT4"
ROOTS = {
    "HKEY_LOCAL_MACHINE",
    "HKEY_CURRENT_USER",
    "HKEY_USERS",
    "HKEY_CLASSES_ROOT",
    "HKEY_CURRENT_CONFIG",
}
_DWORD = re.compile(r"dword:([0-9a-fA-F]{1,8})$")
_HEX = re.compile(r"hex(?:\(([0-9a-fA-F]{1,8})\))?:(.*)$", re.DOTALL)
_WORD = re.compile(rb"[A-Za-z\xa8\xb8\xc0-\xff]+")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(.)")
_HEX_LIST = re.compile(r"(?:[0-9a-fA-F]{2}(?:,[0-9a-fA-F]{2})*,?)?")


class RegFileError(ValueError):
    """A malformed export: names the file, the line and what is wrong, for the admin to fix."""

    def __init__(self, path: str, line: Optional[int], problem: str) -> None:
        super().__init__(f"{path}, line {line}: {problem}" if line else f"{path}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


def guess_ansi_codepage(raw: bytes) -> str:
    """cp1251 if non-ASCII letters mostly form whole words (Cyrillic), else cp1252."""
    cyrillic = latin = 0
    for word in _WORD.findall(raw):
        high = sum(1 for byte in word if byte >= 0x80)
        if high == 0 or len(word) < 2:
            continue
        if high == len(word):
            cyrillic += 1
        else:
            latin += 1
    return "cp1251" if cyrillic > latin else "cp1252"


def decode_export(raw: bytes, path: str, encoding: Optional[str] = None) -> str:
    """Export text: a BOM decides; else the caller's encoding, UTF-8, or a guessed code page."""
    for bom, codec in (
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
        (b"\xef\xbb\xbf", "utf-8"),
    ):
        if raw.startswith(bom):
            return _decode(raw[len(bom) :], codec, path)
    if encoding:
        return _decode(raw, encoding, path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return _decode(raw, guess_ansi_codepage(raw), path, hint="; name the code page (--reg-encoding)")


def _decode(raw: bytes, codec: str, path: str, hint: str = "") -> str:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].decode(codec, errors="replace").count("\n") + 1
        raise RegFileError(path, line, f"not valid {codec} text (byte offset {exc.start}){hint}") from None
    except LookupError:
        raise RegFileError(path, None, f"unknown encoding {codec!r}") from None


class _Key:
    __slots__ = ("name", "values", "children")

    def __init__(self, name: str) -> None:
        self.name = name
        self.values: Dict[str, RegValue] = {}
        self.children: Dict[str, _Key] = {}


# One parsed line's effect: ("key", path, None), ("delete-key", path, None),
# ("value", path, RegValue) or ("delete-value", path, name).
_Op = Tuple[str, str, object]


class _Parser:
    """Turns one export's text into operations; raises RegFileError at the first malformed line."""

    def __init__(self, text: str, path: str, ansi: Optional[str]) -> None:
        self.lines = text.splitlines()
        self.path = path
        self.ansi = ansi
        self.unicode = True
        self.index = 0
        self.value_start: Optional[int] = None  # a value spanning lines is reported where it starts

    def error(self, problem: str, line: Optional[int] = None) -> RegFileError:
        line = line or self.value_start or self.index + 1
        return RegFileError(self.path, line, problem)

    def parse(self) -> List[_Op]:
        self._header()
        ops: List[_Op] = []
        key: Optional[str] = None
        deleting = False
        while self.index < len(self.lines):
            line = self.lines[self.index].strip()
            if not line or line.startswith(";"):
                pass
            elif line.startswith("["):
                key, deleting = self._key_line(line)
                ops.append(("delete-key" if deleting else "key", key, None))
            elif line[0] in '"@':
                if key is None:
                    raise self.error("value outside any [key] section")
                if deleting:
                    raise self.error("value under a [-key] deletion")
                ops.append(self._value_line(key, line))
            else:
                raise self.error(f"unexpected line {_shorten(line)!r}")
            self.index += 1
        return ops

    def _header(self) -> None:
        while self.index < len(self.lines) and not self.lines[self.index].strip("\ufeff \t"):
            self.index += 1
        first = self.lines[self.index].strip("\ufeff \t") if self.index < len(self.lines) else ""
        if first == HEADER_V4:
            self.unicode = False
        elif first != HEADER_V5:
            raise self.error(
                f"not a regedit export: first line is {_shorten(first)!r}, expected {HEADER_V5!r} or {HEADER_V4!r}"
            )
        self.index += 1

    def _key_line(self, line: str) -> Tuple[str, bool]:
        if not line.endswith("]"):
            raise self.error("key line does not end with ']'")
        inner = line[1:-1].strip()
        deleting = inner.startswith("-")
        path = inner[1:] if deleting else inner
        root, _ = split_path(path)
        if root not in ROOTS:
            raise self.error(f"unknown root key {root!r}")
        return path, deleting

    def _value_line(self, key: str, line: str) -> _Op:
        start = self.value_start = self.index + 1
        if line.startswith("@"):
            name, pos = "", 1
        else:
            name, pos = self._quoted(line, 0)
        rest = line[pos:].lstrip()
        if not rest.startswith("="):
            raise self.error("expected '=' after the value name")
        data = rest[1:].strip()
        if data.startswith("hex"):
            data = self._continued(data, start)
        elif data.startswith('"'):
            data = self._multiline(data, start)
        if data == "-":
            op: _Op = ("delete-value", key, name)
        else:
            op = ("value", key, RegValue(name, *self._data(data)))
        self.value_start = None
        return op

    def _continued(self, data: str, start: int) -> str:
        """Join hex data wrapped over lines that end in a backslash."""
        parts = []
        while data.endswith("\\"):
            parts.append(data[:-1])
            self.index += 1
            if self.index >= len(self.lines):
                raise self.error("line continuation runs past the end of the file", start)
            data = self.lines[self.index].strip()
        parts.append(data)
        return "".join(parts)

    def _multiline(self, data: str, start: int) -> str:
        """A string value with line breaks in it is written by regedit as it is, over several lines."""
        while _QUOTED.match(data) is None:
            self.index += 1
            if self.index >= len(self.lines):
                raise self.error("unterminated string (missing closing '\"')", start)
            data += "\n" + self.lines[self.index]
        return data

    def _quoted(self, line: str, pos: int) -> Tuple[str, int]:
        """Parse a "..." string at `pos` (escapes \\\\ and \\"); returns it and the next index."""
        match = _QUOTED.match(line, pos)
        if match is None:
            if line[pos : pos + 1] == '"':
                raise self.error("unterminated string (missing closing '\"')")
            raise self.error("expected a quoted string")
        text = match.group(1)
        if "\\" in text:  # other backslashes are kept as written
            text = _ESCAPE.sub(lambda m: m.group(1) if m.group(1) in '\\"' else m.group(0), text)
        return text, match.end()

    def _data(self, data: str) -> Tuple[int, object]:
        if data.startswith('"'):
            text, end = self._quoted(data, 0)
            trailing = data[end:].strip()
            if trailing and not trailing.startswith(";"):
                raise self.error(f"unexpected text after the string: {_shorten(trailing)!r}")
            return REG_SZ, text
        match = _DWORD.match(data)
        if match:
            return REG_DWORD, int(match.group(1), 16)
        match = _HEX.match(data)
        if match:
            kind = int(match.group(1), 16) if match.group(1) else REG_BINARY
            return kind, self._typed(kind, self._bytes(match.group(2)))
        raise self.error(f"unrecognised value data {_shorten(data)!r}")

    def _bytes(self, text: str) -> bytes:
        if _HEX_LIST.fullmatch(text):  # what regedit writes: two digits per byte
            return bytes.fromhex(text.replace(",", "").replace(" ", ""))
        items = [item.strip() for item in text.split(",")]
        if items and items[-1] == "":
            items.pop()
        try:
            if any(len(item) not in (1, 2) for item in items):
                raise ValueError
            return bytes(int(item, 16) for item in items)
        except ValueError:
            raise self.error(f"bad hex byte list {_shorten(text)!r}") from None

    def _typed(self, kind: int, raw: bytes) -> object:
        """hex(2)/hex(7) bytes are UTF-16LE in version 5 exports and ANSI in REGEDIT4 ones."""
        codec = "utf-16-le"
        if not self.unicode:
            codec = self.ansi or guess_ansi_codepage(raw)
        elif kind in (REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ) and len(raw) % 2:
            raise self.error(f"odd number of bytes ({len(raw)}) in a UTF-16 string")
        try:
            return typed_data(kind, raw, codec)
        except ValueError as exc:
            raise self.error(str(exc)) from None


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


class RegFileReader(RegistryReader):
    """The registry described by one or more exports, applied in order as regedit imports them."""

    def __init__(self) -> None:
        self._root = _Key("")

    @classmethod
    def from_files(cls, paths: Iterable[str], encoding: Optional[str] = None) -> RegFileReader:
        reader = cls()
        for path in paths:
            reader.load(path, encoding)
        return reader

    def load(self, path: str, encoding: Optional[str] = None) -> None:
        """Parse a whole file first, then apply it: a malformed file changes nothing."""
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError as exc:
            raise RegFileError(path, None, f"cannot read the file: {exc.strerror or exc}") from None
        self.loads(decode_export(raw, path, encoding), path, encoding)

    def loads(self, text: str, path: str = "<text>", encoding: Optional[str] = None) -> None:
        current: Tuple[str, Optional[_Key]] = ("", None)  # values follow their key: look it up once
        for op, key, arg in _Parser(text, path, encoding).parse():
            if op == "delete-key":
                self._delete(key)
                current = ("", None)
                continue
            if current[0] != key or current[1] is None:
                current = (key, self._node(key, create=True))
            node = current[1]
            if op == "delete-value":
                node.values.pop(str(arg).lower(), None)
            elif isinstance(arg, RegValue):
                node.values[arg.name.lower()] = arg

    def _parts(self, path: str) -> List[str]:
        root, rest = split_path(path)
        return [root] + [p for p in rest.split("\\") if p]

    def _node(self, path: str, create: bool = False) -> _Key:
        node = self._root
        for part in self._parts(path):
            child = node.children.get(part.lower())
            if child is None:
                if not create:
                    raise KeyNotFound(path)
                child = node.children[part.lower()] = _Key(part)
            node = child
        return node

    def _delete(self, path: str) -> None:
        *parents, last = self._parts(path)
        try:
            self._node("\\".join(parents)).children.pop(last.lower(), None)
        except KeyNotFound:
            pass

    def subkeys(self, path: str) -> List[str]:
        return [child.name for child in self._node(path).children.values()]

    def values(self, path: str) -> Dict[str, RegValue]:
        return dict(self._node(path).values)

    def walk(self) -> Iterator[str]:
        """Every key path present, parents before children."""
        stack = [(child, child.name) for child in reversed(list(self._root.children.values()))]
        while stack:
            node, path = stack.pop()
            yield path
            for child in reversed(list(node.children.values())):
                stack.append((child, join_path(path, child.name)))
