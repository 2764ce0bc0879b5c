"""macOS sources over temp trees: app bundles (binary and XML Info.plist), receipts, Homebrew."""

from __future__ import annotations

import datetime
import json
import plistlib
from pathlib import Path

import pytest

from agent.sources.homebrew import HomebrewSource
from agent.sources.macos import apps as macos_apps
from agent.sources.macos.apps import MacAppsSource, parse_codesign
from agent.sources.macos.pkgutil import PkgutilSource

CODESIGN_ZOOM = """\
Executable=/Applications/zoom.us.app/Contents/MacOS/zoom.us
Identifier=us.zoom.xos
Format=app bundle with Mach-O universal (x86_64 arm64)
CodeDirectory v=20500 size=1841 flags=0x10000(runtime) hashes=46+7 location=embedded
Signature size=9036
Timestamp=21 Oct 2024 at 10:15:32
Info.plist entries=38
TeamIdentifier=BJ4HAAB9B3
Runtime Version=14.0.0
Sealed Resources version=2 rules=13 files=1120
Internal requirements count=1 size=204
"""
CODESIGN_APPLE = """\
Executable=/System/Applications/Calculator.app/Contents/MacOS/Calculator
Identifier=com.apple.calculator
Format=app bundle with Mach-O universal (x86_64 arm64e)
CodeDirectory v=20400 size=1190 flags=0x0(none) hashes=26+7 location=embedded
Platform identifier=15
Signature size=4442
Authority=Software Signing
Info.plist entries=32
TeamIdentifier=not set
Sealed Resources version=2 rules=2 files=0
"""


def make_bundle(folder: Path, file_name: str, info: dict, binary: bool = False) -> Path:
    contents = folder / file_name / "Contents"
    (contents / "MacOS").mkdir(parents=True)
    fmt = plistlib.FMT_BINARY if binary else plistlib.FMT_XML
    (contents / "Info.plist").write_bytes(plistlib.dumps(info, fmt=fmt))
    return folder / file_name


def info(name, version, bundle_id, short=True, **more):
    data = {
        "CFBundleName": name,
        "CFBundleIdentifier": bundle_id,
        "CFBundleVersion": version + ".4012" if short else version,
        "CFBundlePackageType": "APPL",
        "LSMinimumSystemVersion": "11.0",
    }
    if short:
        data["CFBundleShortVersionString"] = version
    data.update(more)
    return data


@pytest.fixture
def mac_root(tmp_path):
    root = tmp_path / "mac"
    apps = root / "Applications"
    make_bundle(apps, "zoom.us.app", info("zoom.us", "6.2.5", "us.zoom.xos"), binary=True)
    teams = make_bundle(
        apps,
        "Microsoft Teams.app",
        info("Microsoft Teams", "24295.605.3225", "com.microsoft.teams2", CFBundleDisplayName="Microsoft Teams"),
    )
    make_bundle(
        teams / "Contents" / "Helpers",
        "Microsoft Teams WebView.app",
        info("Teams WebView", "1.0", "com.microsoft.teams2.helper"),
    )
    make_bundle(
        apps / "Utilities", "Яндекс Телемост.app", info("Телемост", "1.12.0", "ru.yandex.telemost"), binary=True
    )
    make_bundle(apps / "Utilities" / "Deeper", "TooDeep.app", info("TooDeep", "1", "x.deep"))
    make_bundle(apps, "NoShortVersion.app", info("", "2024.1", "com.example.nsv", short=False))
    broken = apps / "Broken.app" / "Contents"
    broken.mkdir(parents=True)
    (broken / "Info.plist").write_bytes(b"<?xml version='1.0'?><plist><dict><key>")
    (apps / "Empty.app").mkdir()  # no Info.plist: a half-deleted bundle, silently skipped
    make_bundle(
        root / "System" / "Applications",
        "Calculator.app",
        info("Calculator", "11.0", "com.apple.calculator"),
        binary=True,
    )
    make_bundle(
        root / "Users" / "ivanov" / "Applications", "Telegram.app", info("Telegram", "11.3", "ru.keepcoder.Telegram")
    )
    make_bundle(root / "Users" / "Shared" / "Applications", "Ignored.app", info("I", "1", "x.i"))
    return root


def test_bundles_in_system_and_user_folders(mac_root, monkeypatch):
    monkeypatch.setattr(macos_apps.shutil, "which", lambda tool: None)
    source = MacAppsSource(str(mac_root))
    assert source.available()
    result = source.collect()
    got = sorted((i.name, i.version, i.id, i.scope, i.user, i.location) for i in result.items)
    assert got == [
        ("Calculator", "11.0", "com.apple.calculator", "system", None, "/System/Applications/Calculator.app"),
        (
            "Microsoft Teams",
            "24295.605.3225",
            "com.microsoft.teams2",
            "system",
            None,
            "/Applications/Microsoft Teams.app",
        ),
        ("NoShortVersion", "2024.1", "com.example.nsv", "system", None, "/Applications/NoShortVersion.app"),
        ("Telegram", "11.3", "ru.keepcoder.Telegram", "user", "ivanov", "/Users/ivanov/Applications/Telegram.app"),
        ("zoom.us", "6.2.5", "us.zoom.xos", "system", None, "/Applications/zoom.us.app"),
        ("Телемост", "1.12.0", "ru.yandex.telemost", "system", None, "/Applications/Utilities/Яндекс Телемост.app"),
    ]
    [error] = result.errors
    assert error.path == str(mac_root / "Applications" / "Broken.app" / "Contents" / "Info.plist")
    assert error.message.startswith("unreadable Info.plist")


def test_team_ids_from_codesign(mac_root, monkeypatch):
    outputs = {"zoom.us.app": CODESIGN_ZOOM, "Telegram.app": CODESIGN_APPLE.replace("not set", "6N38VWS5BX")}
    monkeypatch.setattr(macos_apps.shutil, "which", lambda tool: "/usr/bin/" + tool)
    asked = []
    monkeypatch.setattr(
        macos_apps,
        "codesign_team_id",
        lambda bundle: asked.append(Path(bundle).name) or parse_codesign(outputs.get(Path(bundle).name, "")),
    )
    items = {i.id: i for i in MacAppsSource(str(mac_root)).collect().items}
    assert "Calculator.app" not in asked and "zoom.us.app" in asked  # /System apps are Apple's
    assert items["us.zoom.xos"].extra == {"team_id": "BJ4HAAB9B3"}
    assert items["com.apple.calculator"].extra == {}
    assert items["ru.keepcoder.Telegram"].extra == {"team_id": "6N38VWS5BX"}  # in ~/Applications
    assert items["ru.yandex.telemost"].extra == {}


def test_parse_codesign():
    assert parse_codesign(CODESIGN_ZOOM) == "BJ4HAAB9B3"
    assert parse_codesign(CODESIGN_APPLE) is None
    assert parse_codesign("code object is not signed at all\n") is None


def test_no_application_folders(tmp_path):
    assert not MacAppsSource(str(tmp_path)).available()


def receipt(identifier, version, installed, prefix="/"):
    return {
        "PackageIdentifier": identifier,
        "PackageVersion": version,
        "InstallDate": installed,
        "InstallPrefixPath": prefix,
        "InstallProcessName": "installer",
        "PackageFileName": identifier + ".pkg",
    }


def test_pkgutil_receipts(tmp_path):
    receipts = tmp_path / "var" / "db" / "receipts"
    receipts.mkdir(parents=True)
    when = datetime.datetime(2024, 10, 21, 7, 14, 9)
    (receipts / "com.microsoft.teams2.plist").write_bytes(
        plistlib.dumps(
            receipt("com.microsoft.teams2", "24295.605.3225.8804", when, "Applications"), fmt=plistlib.FMT_BINARY
        )
    )
    (receipts / "com.microsoft.teams2.bom").write_bytes(b"BOMStore")
    (receipts / "ru.cryptopro.csp.plist").write_bytes(plistlib.dumps(receipt("ru.cryptopro.csp", "5.0.12500", when)))
    (receipts / "broken.plist").write_bytes(b"bplist00\x00")
    (receipts / "anonymous.plist").write_bytes(plistlib.dumps({"PackageVersion": "1"}))
    source = PkgutilSource(str(tmp_path))
    assert source.available()
    result = source.collect()
    assert [i.to_dict() for i in result.items] == [
        {
            "name": "com.microsoft.teams2",
            "version": "24295.605.3225.8804",
            "source": "pkgutil",
            "install_date": "2024-10-21T07:14:09Z",
            "id": "com.microsoft.teams2",
            "scope": "system",
            "location": "/Applications",
        },
        {
            "name": "ru.cryptopro.csp",
            "version": "5.0.12500",
            "source": "pkgutil",
            "install_date": "2024-10-21T07:14:09Z",
            "id": "ru.cryptopro.csp",
            "scope": "system",
            "location": "/",
        },
    ]
    assert sorted(Path(e.path).name for e in result.errors) == ["anonymous.plist", "broken.plist"]


RECEIPT = {
    "homebrew_version": "4.4.2",
    "used_options": [],
    "unused_options": [],
    "built_as_bottle": True,
    "poured_from_bottle": True,
    "loaded_from_api": True,
    "installed_as_dependency": False,
    "installed_on_request": True,
    "changed_files": ["INSTALL_RECEIPT.json", "bin/wget"],
    "time": 1729494849,
    "source_modified_time": 1728400000,
    "compiler": "clang",
    "aliases": [],
    "runtime_dependencies": [{"full_name": "openssl@3", "version": "3.3.2", "revision": 0}],
    "source": {
        "path": "/opt/homebrew/Library/Taps/homebrew/homebrew-core/Formula/w/wget.rb",
        "tap": "homebrew/core",
        "tap_git_head": "4a1b2c3d",
        "spec": "stable",
        "versions": {"stable": "1.24.5", "head": None, "version_scheme": 0, "compatibility_version": None},
    },
    "arch": "arm64",
    "built_on": {"os": "Macintosh", "os_version": "macOS 14", "cpu_family": "dunno", "xcode": "15.4"},
}


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_homebrew_formulae_and_casks(tmp_path):
    prefix = tmp_path / "opt" / "homebrew"
    write_json(prefix / "Cellar" / "wget" / "1.24.5" / "INSTALL_RECEIPT.json", RECEIPT)
    dependency = dict(RECEIPT, installed_as_dependency=True, installed_on_request=False, time=1729000000)
    write_json(prefix / "Cellar" / "openssl@3" / "3.3.2" / "INSTALL_RECEIPT.json", dependency)
    (prefix / "Cellar" / "legacy" / "0.9_1").mkdir(parents=True)  # an old keg without a receipt
    cask = prefix / "Caskroom" / "zoom"
    (cask / "6.2.5.43613").mkdir(parents=True)
    write_json(
        cask / ".metadata" / "6.2.5.43613" / "20241021101530.123" / "Casks" / "zoom.json",
        {"token": "zoom", "name": ["Zoom"], "homepage": "https://www.zoom.us/", "version": "6.2.5.43613"},
    )
    (prefix / "Caskroom" / "telegram" / "11.3").mkdir(parents=True)
    (tmp_path / "usr" / "local" / "Cellar" / "jq" / "1.7.1").mkdir(parents=True)
    (tmp_path / "usr" / "local" / "Cellar" / "jq" / "1.7.1" / "INSTALL_RECEIPT.json").write_text(
        "{truncated", encoding="utf-8"
    )

    source = HomebrewSource(str(tmp_path))
    assert source.available()
    result = source.collect()
    items = {i.name: i for i in result.items}
    assert set(items) == {"wget", "openssl@3", "legacy", "zoom", "telegram", "jq"}
    assert items["wget"].to_dict() == {
        "name": "wget",
        "version": "1.24.5",
        "source": "homebrew",
        "arch": "arm64",
        "install_date": "2024-10-21T07:14:09Z",
        "id": "wget",
        "scope": "system",
        "location": "/opt/homebrew/Cellar/wget/1.24.5",
        "extra": {"formula": "wget", "tap": "homebrew/core"},
    }
    assert items["openssl@3"].extra["dependency"] == "true"
    assert items["legacy"].version == "0.9_1" and items["legacy"].install_date is None
    assert items["zoom"].extra == {"cask": "zoom", "title": "Zoom", "homepage": "https://www.zoom.us/"}
    assert items["zoom"].version == "6.2.5.43613"
    assert items["telegram"].extra == {"cask": "telegram"}
    [error] = result.errors
    assert error.path.endswith("usr/local/Cellar/jq/1.7.1/INSTALL_RECEIPT.json")


def test_linuxbrew_prefix_and_nothing_installed(tmp_path):
    assert not HomebrewSource(str(tmp_path)).available()
    keg = tmp_path / "home" / "linuxbrew" / ".linuxbrew" / "Cellar" / "gh" / "2.60.1"
    write_json(keg / "INSTALL_RECEIPT.json", dict(RECEIPT, arch="x86_64"))
    items = HomebrewSource(str(tmp_path)).collect().items
    assert [(i.name, i.arch, i.location) for i in items] == [
        ("gh", "x86_64", "/home/linuxbrew/.linuxbrew/Cellar/gh/2.60.1")
    ]


def fake_mdls(monkeypatch, dates: dict, stop_at: str = None):
    """`mdls -raw -name kMDItemLastUsedDate PATH...` as macOS prints it: one value per path, NUL between them,
    `(null)` where Spotlight has no date; with `stop_at`, a batch naming that bundle ends there (an unreadable
    path ends mdls' output). Returns the commands run."""
    import subprocess

    calls = []

    def run(command, **kwargs):
        if command[0] != "mdls":
            raise OSError("no such tool here")
        calls.append(command)
        paths = command[4:]
        if stop_at and len(paths) > 1 and any(Path(p).name == stop_at for p in paths):
            paths = paths[:[Path(p).name for p in paths].index(stop_at)]
        values = [dates.get(Path(p).name, "(null)") for p in paths]
        return subprocess.CompletedProcess(command, 0, "\0".join(values).encode("utf-8"), b"")

    monkeypatch.setattr(macos_apps.shutil, "which", lambda tool: "/usr/bin/" + tool)
    monkeypatch.setattr(macos_apps, "codesign_team_id", lambda bundle: None)
    monkeypatch.setattr(macos_apps.subprocess, "run", run)
    return calls


DATES = {"zoom.us.app": "2026-11-20 09:15:02 +0000", "Telegram.app": "2026-03-01 23:30:00 -0300",
         "Calculator.app": "2025-12-31 08:00:00 +0000"}


def test_last_use_from_spotlight_in_one_mdls_call(mac_root, monkeypatch):
    calls = fake_mdls(monkeypatch, DATES)
    items = {i.id: i for i in MacAppsSource(str(mac_root)).collect().items}
    assert len(calls) == 1 and calls[0][:4] == ["mdls", "-raw", "-name", "kMDItemLastUsedDate"]
    assert len(calls[0]) == 4 + len(items)
    assert {bundle_id: item.last_used for bundle_id, item in items.items()} == {
        "us.zoom.xos": "2026-11-20T00:00:00Z",
        "ru.keepcoder.Telegram": "2026-03-02T00:00:00Z",  # 23:30 at -03:00 is the next day in UTC
        "com.apple.calculator": "2025-12-31T00:00:00Z",
        "com.microsoft.teams2": None,  # (null): never opened, or not indexed
        "com.example.nsv": None,
        "ru.yandex.telemost": None,
    }


def test_a_batch_mdls_cannot_answer_whole_is_asked_bundle_by_bundle(mac_root, monkeypatch):
    calls = fake_mdls(monkeypatch, DATES, stop_at="Microsoft Teams.app")
    items = {i.id: i for i in MacAppsSource(str(mac_root)).collect().items}
    assert len(calls) == 1 + len(items)
    assert items["us.zoom.xos"].last_used == "2026-11-20T00:00:00Z"
    assert items["com.microsoft.teams2"].last_used is None
