"""The .reg parser: both formats, every value type regedit writes, errors that name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.windows_registry.reader import (
    REG_BINARY,
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_MULTI_SZ,
    REG_NONE,
    REG_QWORD,
    REG_SZ,
    KeyNotFound,
)
from agent.windows_registry.regfile import (
    RegFileError,
    RegFileReader,
    decode_export,
    guess_ansi_codepage,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "windows"
SAMPLES = Path("/work/shared/samples/windows")
UNINSTALL = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall"
WOW = r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall"


def load(text: str, name: str = "test.reg") -> RegFileReader:
    reader = RegFileReader()
    reader.loads(text, name)
    return reader


def v5(*lines: str) -> str:
    return "\r\n".join(["Windows Registry Editor Version 5.00", "", *lines, ""])


def test_utf16_export_with_cyrillic_and_every_value_type():
    reader = RegFileReader.from_files([FIXTURES / "ru-win11-uninstall.reg"])
    office = reader.values(UNINSTALL + r"\O365ProPlusRetail - ru-ru")
    assert office["displayname"].data == "Microsoft 365 Apps для предприятий - ru-ru"
    assert office["displayname"].type == REG_SZ
    assert office["uninstallstring"].data.startswith('"C:\\Program Files\\Common Files\\')

    seven_zip = reader.values(UNINSTALL + r"\{23170F69-40C1-2702-2201-000001000000}")
    assert seven_zip["helplink"].type == REG_EXPAND_SZ
    assert seven_zip["helplink"].data == "https://www.7-zip.org/support.html"  # spans 4 wrapped lines
    assert seven_zip["language"].type == REG_DWORD and seven_zip["language"].data == 0x419
    assert seven_zip["installlocation"].data == "C:\\Program Files\\7-Zip\\"

    yandex = reader.values(WOW + r"\{C22D4C2B-5D59-4C29-8FCF-5E1BA12A4C52}")
    assert yandex["features"].type == REG_MULTI_SZ
    assert yandex["features"].data == [
        "Основные компоненты",
        "Поиск по умолчанию",
        "Ярлык на рабочем столе",
    ]
    assert yandex["producticon"].data == "%ProgramFiles(x86)%\\Yandex\\YandexBrowser\\Application\\browser.exe"
    assert yandex["installercache"].type == REG_BINARY
    assert yandex["installercache"].data == b"\x01\x00\x00\x00\xff\x7a"
    assert yandex["placeholder"].type == REG_NONE and yandex["placeholder"].data == b""

    messenger = reader.values(UNINSTALL + r"\Яндекс.Мессенджер")
    assert messenger["estimatedsize"].type == REG_QWORD
    assert messenger["estimatedsize"].data == 0x1F4C3A0B8
    assert reader.values(UNINSTALL)[""].data == ""  # the @ default value


def test_key_deletion_removes_the_key_and_lookups_ignore_case():
    reader = RegFileReader.from_files([FIXTURES / "ru-win11-uninstall.reg"])
    names = reader.subkeys(UNINSTALL.lower())
    assert "Obsolete Tool" not in names
    assert "KB5005112" in names and "AddressBook" in names
    with pytest.raises(KeyNotFound):
        reader.values(UNINSTALL + r"\Obsolete Tool")


def test_regedit4_cp1251_file_is_detected_and_decoded():
    reader = RegFileReader.from_files([FIXTURES / "regedit4-cp1251.reg"])
    kes = reader.values(UNINSTALL + r"\Kaspersky Endpoint Security")
    assert kes["publisher"].data == "АО «Лаборатория Касперского»"
    assert kes["comments"].data == ["Защита рабочих станций", "Управление через KSC"]  # ANSI hex(7)
    consultant = reader.values(UNINSTALL + r"\ConsultantPlus")
    assert consultant["displayname"].data == "КонсультантПлюс"
    assert consultant["installlocation"].data == "C:\\Consultant Plus\\"  # ANSI hex(2)


def test_ansi_code_page_guess_and_caller_choice():
    assert guess_ansi_codepage("Консультант Плюс".encode("cp1251")) == "cp1251"
    assert guess_ansi_codepage("Société Générale Müller".encode("cp1252")) == "cp1252"
    raw = 'REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\X]\r\n"N"="Zoë"\r\n'.encode("cp1252")
    assert "Zoë" in decode_export(raw, "x.reg")
    assert "Zoл" in decode_export(raw, "x.reg", encoding="cp1251")  # the caller's code page wins


def test_utf8_with_and_without_bom():
    text = v5("[HKEY_CURRENT_USER\\Software\\Тест]", '"Имя"="Значение"')
    for raw in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        reader = RegFileReader()
        reader.loads(decode_export(raw, "u.reg"), "u.reg")
        assert reader.values("HKCU\\Software\\Тест")["имя"].data == "Значение"


def test_string_escapes_and_value_deletion():
    reader = load(
        v5(
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor]",
            '"Quoted"="say \\"hi\\" to C:\\\\Temp\\\\"',
            '"Gone"="x"',
            "; a comment between values",
            '"Gone"=-',
            '"Big"=hex(b):00,00,00,00,01,00,00,00',
        )
    )
    values = reader.values("HKLM\\SOFTWARE\\Vendor")
    assert values["quoted"].data == 'say "hi" to C:\\Temp\\'
    assert "gone" not in values
    assert values["big"].data == 1 << 32


def test_string_with_line_breaks_spans_lines():
    reader = load(
        v5(
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor]",
            '"Comments"="first line',
            "second line",
            '  indented \\"third\\""',
            '"After"=dword:00000002',
        )
    )
    values = reader.values("HKLM\\SOFTWARE\\Vendor")
    assert values["comments"].data == 'first line\nsecond line\n  indented "third"'
    assert values["after"].data == 2


def test_parents_exist_for_a_key_exported_alone():
    reader = load(v5("[HKEY_USERS\\S-1-5-21-1\\Software\\App]", '"A"=dword:00000001'))
    assert reader.subkeys("HKEY_USERS") == ["S-1-5-21-1"]
    assert list(reader.walk()) == [
        "HKEY_USERS",
        "HKEY_USERS\\S-1-5-21-1",
        "HKEY_USERS\\S-1-5-21-1\\Software",
        "HKEY_USERS\\S-1-5-21-1\\Software\\App",
    ]


def test_malformed_fixture_names_file_and_line_and_changes_nothing():
    reader = RegFileReader()
    path = FIXTURES / "malformed.reg"
    with pytest.raises(RegFileError) as caught:
        reader.load(str(path))
    assert caught.value.line == 9
    assert str(caught.value).startswith(f"{path}, line 9: bad hex byte list")
    assert list(reader.walk()) == []  # the good key before the error was not applied


@pytest.mark.parametrize(
    "lines, line, problem",
    [
        (["[HKEY_LOCAL_MACHINE\\X"], 3, "key line does not end with ']'"),
        (["[HKEY_NOWHERE\\X]"], 3, "unknown root key 'HKEY_NOWHERE'"),
        (['"A"="b"'], 3, "value outside any [key] section"),
        (["[HKEY_CURRENT_USER\\X]", '"A"="unterminated'], 4, "unterminated string"),
        (["[HKEY_CURRENT_USER\\X]", '"A" "b"'], 4, "expected '=' after the value name"),
        (["[HKEY_CURRENT_USER\\X]", '"A"=dword:123456789'], 4, "unrecognised value data"),
        (["[HKEY_CURRENT_USER\\X]", '"A"=hex(b):01,02'], 4, "REG_QWORD needs 8 bytes, got 2"),
        (["[HKEY_CURRENT_USER\\X]", '"A"=hex(2):41,00,\\'], 4, "line continuation runs past"),
        (["[HKEY_CURRENT_USER\\X]", "garbage"], 4, "unexpected line 'garbage'"),
        (["[-HKEY_CURRENT_USER\\X]", '"A"="b"'], 4, "value under a [-key] deletion"),
        (["[HKEY_CURRENT_USER\\X]", '"A"=hex:01,\\', "  zz"], 4, "bad hex byte list"),
        (["[HKEY_CURRENT_USER\\X]", '"A"="open', '"B"="x"'], 4, "unexpected text after the string"),
    ],
)
def test_malformed_lines(lines, line, problem):
    with pytest.raises(RegFileError) as caught:
        load(v5(*lines), "bad.reg")
    assert caught.value.line == line
    assert caught.value.problem.startswith(problem)


def test_not_an_export_and_unreadable_file(tmp_path):
    with pytest.raises(RegFileError, match=r"x\.reg, line 1: not a regedit export"):
        load("Name,Version\r\nZoom,6.2\r\n", "x.reg")
    with pytest.raises(RegFileError, match="cannot read the file"):
        RegFileReader().load(str(tmp_path / "missing.reg"))


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="real regedit exports in /work/shared/samples not present")
def test_real_exports_nobody_here_wrote():
    files = sorted(SAMPLES.glob("*.reg"))
    assert files
    for path in files:
        reader = RegFileReader.from_files([path])
        entries = reader.subkeys(UNINSTALL)
        assert entries, path
        for entry in entries:
            for value in reader.values(UNINSTALL + "\\" + entry).values():
                assert not (isinstance(value.data, str) and "\x00" in value.data)
    russian = RegFileReader.from_files([SAMPLES / "10_russian-Uninstall.reg"])
    names = {russian.values(UNINSTALL + "\\" + key)["displayname"].data for key in russian.subkeys(UNINSTALL)}
    assert "КриптоПро CSP" in names
