"""Registry hive files (regf, e.g. a logged-off user's NTUSER.DAT) read as a RegistryReader.

A user who is not logged on has no hive under HKEY_USERS; loading it (RegLoadKey) could leave the
user locked out of their profile if the agent failed to unload it, so the file is read instead,
read-only. Layout: a 4 KiB base block ("regf", root cell offset at 0x24), then hive bins whose
cells start with a signed size (negative = in use). Keys are "nk" cells, subkey lists "lf"/"lh"/
"li"/"ri", values "vk" cells, and data over 16,344 bytes is split through a "db" cell.
"""

from __future__ import annotations

import os
import struct
from typing import Dict, Iterator, List, Tuple

from agent.windows_registry.reader import (
    KeyNotFound,
    RegistryAccessError,
    RegistryReader,
    RegValue,
    split_path,
    typed_data,
)

BASE_BLOCK = 0x1000
KEY_COMP_NAME = 0x0020  # nk: name is Latin-1, not UTF-16LE
VALUE_COMP_NAME = 0x0001  # vk: likewise
DATA_INLINE = 0x80000000  # vk: data of up to 4 bytes sits in the offset field
BIG_DATA_SEGMENT = 16344


class HiveReader(RegistryReader):
    """One hive file, seen at `mount` (e.g. `HKEY_USERS\\S-1-5-21-...`) as a live hive would be."""

    def __init__(self, path: str, mount: str) -> None:
        self.path = path
        root, rest = split_path(mount)
        self._mount = [root] + [p for p in rest.split("\\") if p]
        # Cells are read where they lie: a profile hive can be large and only a few keys matter.
        # FileNotFoundError passes: a profile without a hive is no error.
        self._handle = open(path, "rb")  # closed by close() or the with block
        try:
            self._size = os.fstat(self._handle.fileno()).st_size
            base = self._handle.read(BASE_BLOCK)
            if self._size < BASE_BLOCK + 32 or base[:4] != b"regf":
                raise self._damaged("not a registry hive (no regf header)")
            self._root = struct.unpack_from("<I", base, 0x24)[0]
            self._minor = struct.unpack_from("<I", base, 0x18)[0]
            self._key(self._root)  # a hive whose root is not a key is unusable
        except BaseException:
            self._handle.close()
            raise

    def close(self) -> None:
        """Let go of the file at once: Windows must be able to load it when the user logs on."""
        self._handle.close()

    def __enter__(self) -> HiveReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _damaged(self, problem: str) -> RegistryAccessError:
        return RegistryAccessError(f"{self.path}: {problem}")

    def _cell(self, offset: int) -> bytes:
        """The data of the cell at a hive-bins offset (its size field skipped)."""
        start = BASE_BLOCK + offset
        if offset == 0xFFFFFFFF or start + 4 > self._size:
            raise self._damaged(f"cell offset {offset:#x} outside the file")
        self._handle.seek(start)
        size = -struct.unpack("<i", self._handle.read(4))[0]
        if size < 8 or start + size > self._size:
            raise self._damaged(f"cell at {offset:#x} has a bad size")
        return self._handle.read(size - 4)

    def _key(self, offset: int) -> bytes:
        cell = self._cell(offset)
        if cell[:2] != b"nk" or len(cell) < 0x4C:
            raise self._damaged(f"cell at {offset:#x} is not a key")
        return cell

    @staticmethod
    def _key_name(cell: bytes) -> str:
        flags, length = struct.unpack_from("<H", cell, 2)[0], struct.unpack_from("<H", cell, 0x48)[0]
        raw = cell[0x4C : 0x4C + length]
        return raw.decode("latin-1" if flags & KEY_COMP_NAME else "utf-16-le", errors="replace")

    def _subkey_offsets(self, offset: int, depth: int = 0) -> Iterator[int]:
        cell = self._cell(offset)
        kind, count = cell[:2], struct.unpack_from("<H", cell, 2)[0]
        if kind in (b"lf", b"lh"):
            for index in range(count):
                yield struct.unpack_from("<I", cell, 4 + 8 * index)[0]
        elif kind in (b"li", b"ri"):
            for index in range(count):
                child = struct.unpack_from("<I", cell, 4 + 4 * index)[0]
                if kind == b"li":
                    yield child
                elif depth < 2:  # an index root points at leaves, never at other roots
                    yield from self._subkey_offsets(child, depth + 1)
        else:
            raise self._damaged(f"cell at {offset:#x} is not a subkey list")

    def _children(self, cell: bytes) -> List[Tuple[str, int]]:
        if struct.unpack_from("<I", cell, 0x14)[0] == 0:
            return []
        children = []
        for offset in self._subkey_offsets(struct.unpack_from("<I", cell, 0x1C)[0]):
            children.append((self._key_name(self._key(offset)), offset))
        return children

    def _find(self, path: str) -> bytes:
        root, rest = split_path(path)
        parts = [root] + [p for p in rest.split("\\") if p]
        mount = [p.lower() for p in self._mount]
        if [p.lower() for p in parts[: len(mount)]] != mount:
            raise KeyNotFound(path)
        cell = self._key(self._root)
        for part in parts[len(mount) :]:
            match = [offset for name, offset in self._children(cell) if name.lower() == part.lower()]
            if not match:
                raise KeyNotFound(path)
            cell = self._key(match[0])
        return cell

    def subkeys(self, path: str) -> List[str]:
        try:
            return [name for name, _ in self._children(self._find(path))]
        except struct.error:
            raise self._damaged(f"truncated cell under {path}") from None

    def values(self, path: str) -> Dict[str, RegValue]:
        try:
            return self._values(self._find(path))
        except struct.error:
            raise self._damaged(f"truncated cell under {path}") from None

    def _values(self, cell: bytes) -> Dict[str, RegValue]:
        count, list_offset = struct.unpack_from("<II", cell, 0x24)
        if count == 0:
            return {}
        offsets = self._cell(list_offset)
        found = {}
        for index in range(min(count, len(offsets) // 4)):
            value = self._value(struct.unpack_from("<I", offsets, 4 * index)[0])
            found[value.name.lower()] = value
        return found

    def _value(self, offset: int) -> RegValue:
        cell = self._cell(offset)
        if cell[:2] != b"vk" or len(cell) < 0x14:
            raise self._damaged(f"cell at {offset:#x} is not a value")
        name_length, size, data_offset, kind, flags = struct.unpack_from("<HIIIH", cell, 2)
        raw_name = cell[0x14 : 0x14 + name_length]
        name = raw_name.decode("latin-1" if flags & VALUE_COMP_NAME else "utf-16-le", errors="replace")
        if size & DATA_INLINE:
            raw = struct.pack("<I", data_offset)[: min(size & ~DATA_INLINE, 4)]
        elif size > BIG_DATA_SEGMENT and self._minor > 3:
            raw = self._big_data(data_offset, size)
        else:
            raw = self._cell(data_offset)[:size] if size else b""
        try:
            return RegValue(name, kind, typed_data(kind, raw))
        except ValueError as exc:
            raise self._damaged(f"value {name!r}: {exc}") from None

    def _big_data(self, offset: int, size: int) -> bytes:
        cell = self._cell(offset)
        if cell[:2] != b"db":
            return self._cell(offset)[:size]
        count, segments = struct.unpack_from("<HI", cell, 2)
        listing = self._cell(segments)
        parts = []
        for index in range(count):
            parts.append(self._cell(struct.unpack_from("<I", listing, 4 * index)[0])[:BIG_DATA_SEGMENT])
        return b"".join(parts)[:size]
