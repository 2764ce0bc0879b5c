"""MSIX/Appx packages: full-name parsing, the Settings-app filter, registry store and PowerShell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.sources.windows.msix import (
    items_from_powershell,
    items_from_store,
    parse_full_name,
    parse_manifest,
    publisher_name,
)
from agent.sources.windows.uninstall import user_names
from agent.windows_registry.regfile import RegFileReader

FIXTURES = Path(__file__).parents[2] / "fixtures" / "windows"
MS_DN = "CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US"
YANDEX_DN = 'CN="YANDEX, LLC", O="YANDEX, LLC", L=Moscow, C=RU'
SPOTIFY_DN = "CN=453637B3-4E12-4CDF-B0D3-2A3C863BF6EF"

MANIFEST = """<?xml version="1.0" encoding="utf-8"?>
<Package xmlns="http://schemas.microsoft.com/appx/manifest/foundation/windows10"
  xmlns:uap="http://schemas.microsoft.com/appx/manifest/uap/windows10"
  IgnorableNamespaces="uap">
  <Identity Name="{name}" Publisher='{publisher}' Version="{version}" ProcessorArchitecture="x64"/>
  <Properties>
    <DisplayName>{display}</DisplayName>
    <PublisherDisplayName>{display_publisher}</PublisherDisplayName>
    <Logo>Assets\\StoreLogo.png</Logo>{flags}
  </Properties>
  <Dependencies>
    <TargetDeviceFamily Name="Windows.Desktop" MinVersion="10.0.17763.0" MaxVersionTested="10.0.22621.0"/>
  </Dependencies>
</Package>
"""


def write_manifest(
    root: Path, full_name: str, publisher: str, flags: str = "", display_publisher: str = "Корпорация Майкрософт"
) -> None:
    name, version = full_name.split("_")[:2]
    folder = root / full_name
    folder.mkdir(parents=True)
    text = MANIFEST.format(
        name=name,
        publisher=publisher,
        version=version,
        display="ms-resource:AppName",
        display_publisher=display_publisher,
        flags=flags,
    )
    (folder / "AppxManifest.xml").write_text(text, encoding="utf-8")


def test_parse_full_name():
    package = parse_full_name("MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe")
    assert (package.name, package.version, package.arch) == ("MSTeams", "24295.605.3225.8804", "x64")
    assert package.family_name == "MSTeams_8wekyb3d8bbwe"
    assert not package.is_resource
    resource = parse_full_name("Microsoft.WindowsCalculator_11.2401.0.0_neutral_split.scale-125_8wekyb3d8bbwe")
    assert resource.is_resource
    bundle = parse_full_name("Microsoft.WindowsStore_22410.1401.5.0_neutral_~_8wekyb3d8bbwe")
    assert not bundle.is_resource
    assert parse_full_name("not a package") is None
    assert parse_full_name("A_1.0_x64__") is None


@pytest.mark.parametrize(
    "dn, expected",
    [
        (MS_DN, "Microsoft Corporation"),
        (YANDEX_DN, "YANDEX, LLC"),
        ("O=Contoso, CN=Contoso Ltd", "Contoso Ltd"),
        ("E=dev@example.org", "E=dev@example.org"),
        (SPOTIFY_DN, None),
        ("", None),
        (None, None),
    ],
)
def test_publisher_name(dn, expected):
    assert publisher_name(dn) == expected


def test_parse_manifest_flags_and_publisher(tmp_path):
    write_manifest(
        tmp_path, "Microsoft.VCLibs.140.00_14.0.33519.0_x64__8wekyb3d8bbwe", MS_DN, "\n    <Framework>true</Framework>"
    )
    manifest = parse_manifest(
        (tmp_path / "Microsoft.VCLibs.140.00_14.0.33519.0_x64__8wekyb3d8bbwe" / "AppxManifest.xml").read_bytes()
    )
    assert manifest.framework and not manifest.resource
    assert manifest.publisher == "Microsoft Corporation"


def test_registry_store_with_manifests(tmp_path):
    apps = tmp_path / "WindowsApps"
    write_manifest(apps, "MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe", MS_DN)
    write_manifest(apps, "MSTeams_24243.1309.3132.617_x64__8wekyb3d8bbwe", MS_DN)
    write_manifest(apps, "Microsoft.WindowsCalculator_11.2401.0.0_x64__8wekyb3d8bbwe", MS_DN)
    write_manifest(
        apps,
        "Microsoft.VCLibs.140.00.UWPDesktop_14.0.33519.0_x64__8wekyb3d8bbwe",
        MS_DN,
        "\n    <Framework>true</Framework>",
    )
    write_manifest(
        apps,
        "Microsoft.LanguageExperiencePackru-RU_22621.30.148.0_neutral__8wekyb3d8bbwe",
        MS_DN,
        "\n    <ResourcePackage>true</ResourcePackage>",
    )
    write_manifest(
        apps, "SpotifyAB.SpotifyMusic_1.248.4.0_x86__zpdnekdrzrea0", SPOTIFY_DN, display_publisher="Spotify AB"
    )
    # Yandex.Music's manifest is missing: listed anyway, and the gap is reported.
    requested = []

    def read_manifest(path: str) -> bytes:
        requested.append(path)
        prefix = "\\Program Files\\WindowsApps\\"
        assert path.startswith(("%SYSTEMDRIVE%" + prefix, "C:" + prefix)), path
        path = path.split(prefix, 1)[1]
        prefix = ""
        return (apps / Path(*path[len(prefix) :].split("\\"))).read_bytes()

    reader = RegFileReader.from_files([FIXTURES / "appx-all-user-store.reg"])
    result = items_from_store(reader, read_manifest, user_names(reader))
    got = sorted((i.id, i.version, i.user, i.publisher) for i in result.items)
    assert got == [
        ("MSTeams_8wekyb3d8bbwe", "24243.1309.3132.617", "smirnova.ea", "Microsoft Corporation"),
        ("MSTeams_8wekyb3d8bbwe", "24295.605.3225.8804", "ivanov", "Microsoft Corporation"),
        ("Microsoft.WindowsCalculator_8wekyb3d8bbwe", "11.2401.0.0", "ivanov", "Microsoft Corporation"),
        # Only in smirnova.ea's own AppModel repository; its CN is a GUID, the manifest names it.
        ("SpotifyAB.SpotifyMusic_zpdnekdrzrea0", "1.248.4.0", "smirnova.ea", "Spotify AB"),
        ("Yandex.Music_vfvw9svesycw6", "5.23.2.0", "smirnova.ea", None),
    ]
    teams = next(i for i in result.items if i.user == "ivanov" and i.name == "MSTeams")
    assert teams.to_dict() == {
        "name": "MSTeams",
        "version": "24295.605.3225.8804",
        "source": "msix",
        "publisher": "Microsoft Corporation",
        "arch": "x64",
        "id": "MSTeams_8wekyb3d8bbwe",
        "scope": "user",
        "user": "ivanov",
        "location": "%SYSTEMDRIVE%\\Program Files\\WindowsApps\\MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe",
    }
    [error] = result.errors
    assert "1 package manifest(s) unreadable" in error.message
    assert error.path.endswith("Yandex.Music_5.23.2.0_x64__vfvw9svesycw6\\AppxManifest.xml")
    assert not any("SystemApps" in path or "split.scale" in path for path in requested)


def powershell_entry(full_name, dn=MS_DN, users=("WS-042\\ivanov",), **flags):
    entry = {
        "PackageFullName": full_name,
        "Publisher": dn,
        "InstallLocation": "C:\\Program Files\\WindowsApps\\" + full_name,
        "IsFramework": False,
        "IsResourcePackage": False,
        "SignatureKind": "Store",
        "Users": users if isinstance(users, str) else list(users),
    }
    entry.update(flags)
    return entry


def test_powershell_output():
    output = json.dumps(
        [
            powershell_entry(
                "MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe", users=["WS-042\\ivanov", "CORP\\smirnova.ea"]
            ),
            powershell_entry("MSTeams_24243.1309.3132.617_x64__8wekyb3d8bbwe"),
            powershell_entry("Microsoft.VCLibs.140.00_14.0.33519.0_x64__8wekyb3d8bbwe", IsFramework=True),
            powershell_entry(
                "Microsoft.WindowsCalculator_11.2401.0.0_neutral_split.scale-125_8wekyb3d8bbwe", IsResourcePackage=True
            ),
            powershell_entry("Microsoft.Windows.SecHealthUI_1000.22621.1.0_x64__8wekyb3d8bbwe", SignatureKind="System"),
            powershell_entry("Yandex.Music_5.23.2.0_x64__vfvw9svesycw6", dn=YANDEX_DN, users=[]),
        ],
        ensure_ascii=False,
    )
    result = items_from_powershell(output)
    got = sorted((i.id, i.version, i.scope, i.user, i.publisher) for i in result.items)
    assert got == [
        ("MSTeams_8wekyb3d8bbwe", "24295.605.3225.8804", "user", "ivanov", "Microsoft Corporation"),
        ("MSTeams_8wekyb3d8bbwe", "24295.605.3225.8804", "user", "smirnova.ea", "Microsoft Corporation"),
        ("Yandex.Music_vfvw9svesycw6", "5.23.2.0", "system", None, "YANDEX, LLC"),
    ]


def test_powershell_single_object_and_bad_output():
    single = json.dumps(powershell_entry("MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe", users="WS-042\\ivanov"))
    assert [i.user for i in items_from_powershell(single).items] == ["ivanov"]
    assert items_from_powershell("").items == []
    broken = items_from_powershell('[{"PackageFullName": ')
    assert broken.items == [] and "invalid JSON" in broken.errors[0].message


def test_live_source_falls_back_to_powershell(monkeypatch, fake_winreg):
    """Without AppxAllUserStore (or with nothing in it), Get-AppxPackage answers."""
    import subprocess

    from agent.sources.windows import msix

    fake_winreg({})
    calls = []

    def fake_run(command, **kwargs):
        calls.append(command)
        entry = powershell_entry("MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe")
        return subprocess.CompletedProcess(command, 0, ("\ufeff" + json.dumps([entry])).encode("utf-8"), b"")

    monkeypatch.setattr(msix.subprocess, "run", fake_run)
    result = msix.MsixSource().collect()
    assert [(i.id, i.user) for i in result.items] == [("MSTeams_8wekyb3d8bbwe", "ivanov")]
    assert calls[0][0] == "powershell.exe" and "Get-AppxPackage -AllUsers" in calls[0][-1]

    monkeypatch.setattr(
        msix.subprocess,
        "run",
        lambda command, **kwargs: subprocess.CompletedProcess(command, 1, b"", b"Access is denied."),
    )
    failed = msix.MsixSource().collect()
    assert failed.items == [] and failed.errors[0].message == "Get-AppxPackage exited 1: Access is denied."
