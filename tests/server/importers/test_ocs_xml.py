"""OCS Inventory XML (plain or zlib `.ocs`): Windows and Unix agents' field names."""

from __future__ import annotations

import zlib

from server.importers.inventory import read_inventory


def test_compressed_windows_ocs_file(inventory_bytes, software_by_name):
    fmt, [report] = read_inventory(zlib.compress(inventory_bytes("ocs-windows-ru.xml")))
    assert fmt == "ocs-xml"
    software = software_by_name(report)
    kes = software["Kaspersky Endpoint Security для Windows"]
    assert kes == {
        "name": "Kaspersky Endpoint Security для Windows",
        "version": "12.3.0.493",
        "source": "windows",
        "publisher": "АО «Лаборатория Касперского»",
        "arch": "i586",
        "install_date": "2025-01-17",
        "id": "{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}",
        "location": "C:\\Program Files (x86)\\Kaspersky Lab\\KES.12.3.0",
        "scope": "system",
    }
    assert software["Google Chrome"]["arch"] == "x86_64"
    assert "install_date" not in software["TeamViewer"]  # 0000/00/00 is no date

    host = report["host"]
    assert host["id"] == "ocs:uuid:2a6d1c0e-7f11-11eb-8129-9f3a52b8c4d1"
    assert host["id_source"] == "import:ocs"
    assert host["os"]["family"] == "windows"
    assert host["os"]["name"] == "Microsoft Windows 10 Корпоративная"
    assert host["os"]["build"] == "19045"
    assert report["agent"] == {"name": "OCS-NG_WINDOWS_AGENT", "version": "2.10.1.0"}
    assert report["hardware"]["cpu_threads"] == 8
    assert report["collected_at"] == "2026-11-19T10:22:31Z"


def test_unix_ocs_file_moves_homepage_out_of_publisher(inventory_bytes, software_by_name):
    _, [report] = read_inventory(inventory_bytes("ocs-unix-alt.xml"))
    gost = software_by_name(report)["chromium-gost"]
    assert "publisher" not in gost
    assert gost["extra"] == {"homepage": "https://github.com/deemru/chromium-gost"}
    assert gost["install_date"] == "2025-06-11"
    assert gost["arch"] == "x86_64"
    host = report["host"]
    assert host["id"] == "ocs:deviceid:kiosk-01"
    assert host["os"] == {
        "family": "linux", "name": "ALT Workstation", "version": "10.2", "arch": "x86_64",
        "distro_id": "altlinux",
    }
    [nic] = report["network"]["interfaces"]
    assert nic["addresses"] == ["192.168.77.5/24", "fe80::5054:ff:fe6b:3c19/64"]
    assert report["collected_at"] == "2026-11-18T07:30:00Z"  # from the device id's stamp


def test_multiarch_deb_names_lose_their_arch_suffix(inventory_bytes):
    # `ocsinventory-agent` on Debian lists multi-arch packages by dpkg's binary:Package, "libc6:amd64".
    deb = inventory_bytes("ocs-unix-alt.xml").replace(b"<FROM>rpm</FROM>", b"<FROM>deb</FROM>").replace(
        b"<NAME>chromium-gost</NAME>", b"<NAME>chromium-gost:amd64</NAME>"
    )
    _, [report] = read_inventory(deb)
    assert {s["name"] for s in report["software"]} == {"chromium-gost", "alt-os-release"}
