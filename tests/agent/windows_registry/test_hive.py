"""Hive files (regf) of logged-off users: built here by a small writer that follows the format."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from agent.sources.windows import uninstall
from agent.windows_registry.hive import HiveReader
from agent.windows_registry.reader import (
    REG_BINARY,
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_MULTI_SZ,
    REG_QWORD,
    REG_SZ,
    KeyNotFound,
    RegistryAccessError,
)

SID = "S-1-5-21-3623811015-3361044348-30300820-1015"
MOUNT = rf"HKEY_USERS\{SID}"
UNINSTALL = MOUNT + r"\Software\Microsoft\Windows\CurrentVersion\Uninstall"


def sz(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


class HiveWriter:
    """Key tree -> regf bytes: base block, one hive bin, nk/lh/li/ri/vk/db cells."""

    def __init__(self) -> None:
        self.body = bytearray()

    def alloc(self, data: bytes) -> int:
        offset = 0x20 + len(self.body)  # cell offsets count from the hive bins, after the bin header
        size = (4 + len(data) + 7) // 8 * 8
        self.body += struct.pack("<i", -size) + data + b"\0" * (size - 4 - len(data))
        return offset

    @staticmethod
    def name_bytes(name: str):
        try:
            return name.encode("ascii"), True
        except UnicodeEncodeError:
            return name.encode("utf-16-le"), False

    def value(self, name: str, kind: int, raw: bytes) -> int:
        size = len(raw)
        if size <= 4:
            size_field, data = size | 0x80000000, struct.unpack("<I", raw.ljust(4, b"\0"))[0]
        elif size > 16344:
            segments = [self.alloc(raw[i : i + 16344]) for i in range(0, size, 16344)]
            listing = self.alloc(b"".join(struct.pack("<I", s) for s in segments))
            size_field, data = size, self.alloc(b"db" + struct.pack("<HI", len(segments), listing))
        else:
            size_field, data = size, self.alloc(raw)
        encoded, compressed = self.name_bytes(name)
        cell = b"vk" + struct.pack("<HIIIHH", len(encoded), size_field, data, kind, int(compressed), 0)
        return self.alloc(cell + encoded)

    def key(self, name: str, values=(), children=(), list_kind: str = "lh") -> int:
        child_offsets = [self.key(*child) for child in children]
        subkeys = 0xFFFFFFFF
        if child_offsets and list_kind == "ri":
            half = len(child_offsets) // 2
            leaves = [
                self.alloc(b"li" + struct.pack("<H", len(part)) + b"".join(struct.pack("<I", o) for o in part))
                for part in (child_offsets[:half], child_offsets[half:])
            ]
            subkeys = self.alloc(b"ri" + struct.pack("<H", 2) + b"".join(struct.pack("<I", o) for o in leaves))
        elif child_offsets:
            entries = b"".join(struct.pack("<II", o, 0) for o in child_offsets)
            subkeys = self.alloc(b"lh" + struct.pack("<H", len(child_offsets)) + entries)
        value_offsets = [self.value(*v) for v in values]
        value_list = self.alloc(b"".join(struct.pack("<I", o) for o in value_offsets)) if values else 0xFFFFFFFF
        encoded, compressed = self.name_bytes(name)
        header = b"nk" + struct.pack("<HQI", 0x0020 if compressed else 0, 0, 0)
        header += struct.pack(
            "<IIIIIIIII", 0, len(child_offsets), 0, subkeys, 0xFFFFFFFF, len(values), value_list, 0xFFFFFFFF, 0xFFFFFFFF
        )
        header += struct.pack("<IIIII", 0, 0, 0, 0, 0) + struct.pack("<HH", len(encoded), 0)
        assert len(header) == 0x4C
        return self.alloc(header + encoded)

    def build(self, root: tuple) -> bytes:
        root_offset = self.key(*root)
        bins = b"hbin" + struct.pack("<II", 0, 0) + b"\0" * 20 + bytes(self.body)
        bins = bins.ljust((len(bins) + 4095) // 4096 * 4096, b"\0")
        bins = bins[:8] + struct.pack("<I", len(bins)) + bins[12:]
        base = bytearray(4096)
        base[0:4] = b"regf"
        struct.pack_into("<IIQIIIIIII", base, 4, 1, 1, 0, 1, 5, 0, 1, root_offset, len(bins), 1)
        base[0x30 : 0x30 + 22] = "\\??\\C:\\Users\\kozlov".encode("utf-16-le")[:22]
        checksum = 0
        for (word,) in struct.iter_unpack("<I", bytes(base[:508])):
            checksum ^= word
        struct.pack_into("<I", base, 0x1FC, checksum)
        return bytes(base) + bins


BIG = bytes(range(256)) * 80  # 20,480 bytes: stored through a "db" cell


def user_hive() -> tuple:
    entries = (
        (
            "ZoomUMX",
            [
                ("DisplayName", REG_SZ, sz("Zoom Workplace (64-bit)")),
                ("DisplayVersion", REG_SZ, sz("6.2.5 (48301)")),
                ("Publisher", REG_SZ, sz("Zoom Video Communications, Inc.")),
                ("EstimatedSize", REG_DWORD, struct.pack("<I", 453420)),
                ("InstallDate", REG_SZ, sz("20241021")),
            ],
        ),
        (
            "Яндекс.Телемост",
            [
                ("DisplayName", REG_SZ, sz("Яндекс Телемост")),
                ("DisplayVersion", REG_SZ, sz("1.12.0")),
                ("Publisher", REG_SZ, sz("ООО «ЯНДЕКС»")),
                ("DisplayIcon", REG_EXPAND_SZ, sz("%LOCALAPPDATA%\\Telemost\\telemost.exe")),
                ("Languages", REG_MULTI_SZ, "ru-RU\0en-US\0\0".encode("utf-16-le")),
                ("Blob", REG_BINARY, BIG),
                ("Installed", REG_QWORD, struct.pack("<Q", 133744512000000000)),
            ],
        ),
        (
            "Hidden Helper",
            [("DisplayName", REG_SZ, sz("Hidden Helper")), ("SystemComponent", REG_DWORD, struct.pack("<I", 1))],
        ),
    )
    uninstall_key = ("Uninstall", [], entries, "ri")
    tree = ("Software", [], [("Microsoft", [], [("Windows", [], [("CurrentVersion", [], [uninstall_key])])])])
    return (
        "ROOT",
        [],
        [("AppEvents", []), ("Environment", [("TEMP", REG_EXPAND_SZ, sz("%USERPROFILE%\\Temp"))]), tree],
    )


@pytest.fixture
def hive_file(tmp_path) -> Path:
    path = tmp_path / "kozlov" / "NTUSER.DAT"
    path.parent.mkdir()
    path.write_bytes(HiveWriter().build(user_hive()))
    return path


def test_keys_and_every_value_type(hive_file):
    with HiveReader(str(hive_file), MOUNT) as hive:
        check_hive(hive)


def check_hive(hive: HiveReader) -> None:
    assert hive.subkeys(MOUNT) == ["AppEvents", "Environment", "Software"]
    assert hive.subkeys(UNINSTALL.lower()) == ["ZoomUMX", "Яндекс.Телемост", "Hidden Helper"]  # via "ri"
    zoom = hive.values(UNINSTALL + r"\ZoomUMX")
    assert zoom["displayname"].data == "Zoom Workplace (64-bit)"
    assert (zoom["estimatedsize"].type, zoom["estimatedsize"].data) == (REG_DWORD, 453420)  # inline data
    telemost = hive.values(UNINSTALL + r"\Яндекс.Телемост")
    assert telemost["publisher"].data == "ООО «ЯНДЕКС»"
    assert telemost["displayicon"].data == "%LOCALAPPDATA%\\Telemost\\telemost.exe"
    assert telemost["languages"].data == ["ru-RU", "en-US"]
    assert telemost["blob"].data == BIG
    assert telemost["installed"].data == 133744512000000000
    with pytest.raises(KeyNotFound):
        hive.values(UNINSTALL + r"\Skype")
    with pytest.raises(KeyNotFound):
        hive.subkeys(r"HKEY_USERS\S-1-5-21-1-2-3-4\Software")  # another hive's path


def test_damaged_hives_are_named(tmp_path, hive_file):
    with pytest.raises(FileNotFoundError):
        HiveReader(str(tmp_path / "absent" / "NTUSER.DAT"), MOUNT)
    text = tmp_path / "text.dat"
    text.write_text("Windows Registry Editor Version 5.00\r\n")
    with pytest.raises(RegistryAccessError, match=r"text\.dat: not a registry hive"):
        HiveReader(str(text), MOUNT)
    truncated = tmp_path / "truncated.dat"
    truncated.write_bytes(hive_file.read_bytes()[:6000])
    with pytest.raises(RegistryAccessError, match=r"truncated\.dat: "):
        with HiveReader(str(truncated), MOUNT) as hive:
            hive.subkeys(UNINSTALL)


def test_logged_off_users_are_read_from_their_hive_files(monkeypatch, fake_winreg, hive_file, tmp_path):
    """The live source: kozlov is not logged on, so his NTUSER.DAT is read as a file."""
    profile_list = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList"
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "NTUSER.DAT").write_bytes(b"regf" + b"\0" * 100)
    fake_winreg(
        {
            profile_list + "\\" + SID: [("ProfileImagePath", str(hive_file.parent), REG_EXPAND_SZ)],
            profile_list + r"\S-1-5-21-1-2-3-1016": [("ProfileImagePath", str(broken), REG_EXPAND_SZ)],
            profile_list + r"\S-1-5-21-1-2-3-1017": [("ProfileImagePath", str(tmp_path / "never"), 2)],
            "HKEY_USERS": [],
        }
    )
    monkeypatch.setattr(uninstall, "os_is_64bit", lambda: True)
    result = uninstall.UninstallSource().collect()
    got = sorted((i.name, i.version, i.user, i.scope) for i in result.items)
    assert got == [
        ("Zoom Workplace (64-bit)", "6.2.5 (48301)", "kozlov", "user"),
        ("Яндекс Телемост", "1.12.0", "kozlov", "user"),
    ]
    [error] = result.errors
    assert error.path == str(broken / "NTUSER.DAT") and "not a registry hive" in error.message
