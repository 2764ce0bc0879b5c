"""Host facts: OS identity of Russian distributions, machine id, generated id, address prefixes."""

from __future__ import annotations

import os
import stat

import pytest

from agent import _host_linux, host


@pytest.mark.parametrize(
    "fixture, expected",
    [
        (
            "astra-1.7",
            {
                "name": "Astra Linux",
                "distro_id": "astra",
                "version": "1.7_x86-64",
                "id_like": ["debian"],
                "codename": "1.7_x86-64",
            },
        ),
        (
            "redos-7.3",
            {
                "name": "RED OS",
                "distro_id": "redos",
                "version": "7.3.6",
                "id_like": ["rhel", "centos", "fedora"],
            },
        ),
        ("alt-server-11", {"name": "ALT Server", "distro_id": "altlinux", "version": "11.0"}),
        (
            "rosa-fresh-12",
            {
                "name": "ROSA Fresh Desktop",
                "distro_id": "rosa",
                "version": "12.5",
                "id_like": ["mandriva", "fedora"],
            },
        ),
        (
            "debian-12",
            {
                "name": "Debian GNU/Linux",
                "distro_id": "debian",
                "version": "12",
                "codename": "bookworm",
            },
        ),
    ],
)
def test_os_identity_from_os_release(make_root, fixtures, fixture, expected):
    root = make_root({"etc/os-release": fixtures / "os-release" / fixture})
    facts = _host_linux.os_facts(str(root))
    assert facts == {
        "family": "linux",
        **expected,
    }  # no kernel/arch: those belong to the live system


def test_astra_update_level_comes_from_astra_version(make_root, fixtures):
    root = make_root(
        {"etc/os-release": fixtures / "os-release" / "astra-1.7", "etc/astra_version": "1.7.5\n"}
    )
    assert _host_linux.os_facts(str(root))["version"] == "1.7.5"


def test_os_release_under_usr_lib_only(make_root, fixtures):
    root = make_root({"usr/lib/os-release": fixtures / "os-release" / "alt-server-11"})
    assert _host_linux.os_facts(str(root))["distro_id"] == "altlinux"


def test_machine_id_and_its_fallbacks(make_root):
    root = make_root({"etc/machine-id": "3D1219C7C4C5404AAA1F6D2A48ADFDA4\n"})
    assert _host_linux.host_id(str(root)) == ("3d1219c7c4c5404aaa1f6d2a48adfda4", "machine-id")
    root = make_root(
        {
            "etc/machine-id": "uninitialized\n",
            "var/lib/dbus/machine-id": "0f5d3e7b9c2a4e6f8a1b3c5d7e9f1a2b\n",
        },
        "second",
    )
    assert _host_linux.host_id(str(root)) == ("0f5d3e7b9c2a4e6f8a1b3c5d7e9f1a2b", "machine-id")
    root = make_root({"etc/machine-id": ""}, "third")
    assert _host_linux.host_id(str(root)) is None


def test_generated_id_is_persisted_0600(tmp_path, monkeypatch):
    monkeypatch.setenv("FOOTPRINT_STATE_DIR", str(tmp_path / "state"))
    errors = []
    first = host._generated_id("/", True, errors)
    second = host._generated_id("/", True, errors)
    assert first == second and first[1] == "generated" and errors == []
    mode = stat.S_IMODE(os.stat(tmp_path / "state" / host.GENERATED_ID_FILE).st_mode)
    assert mode == 0o600


def test_unwritable_state_dir_is_reported(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("FOOTPRINT_STATE_DIR", str(blocker / "state"))
    errors = []
    value, source = host._generated_id("/", True, errors)
    assert source == "generated" and value
    assert errors and errors[0].message.startswith("cannot persist generated host id")


def test_collect_host_for_a_mounted_root(make_root, fixtures):
    root = make_root(
        {
            "etc/os-release": fixtures / "os-release" / "redos-7.3",
            "etc/hostname": "arm-07\n",
            "etc/machine-id": "0f5d3e7b9c2a4e6f8a1b3c5d7e9f1a2b\n",
        }
    )
    facts, hardware, network, errors = host.collect_host(str(root), platform="linux")
    assert errors == []
    assert facts == {
        "id": "0f5d3e7b9c2a4e6f8a1b3c5d7e9f1a2b",
        "id_source": "machine-id",
        "hostname": "arm-07",
        "os": {
            "family": "linux",
            "name": "RED OS",
            "version": "7.3.6",
            "distro_id": "redos",
            "id_like": ["rhel", "centos", "fedora"],
        },
    }
    assert hardware == {} and network == {"interfaces": []}


def test_collect_host_live_has_hardware_and_network():
    facts, hardware, network, _errors = host.collect_host("/")
    assert facts["os"]["family"] == "linux" and facts["os"]["kernel"]
    assert facts["boot_time"].endswith("Z")
    assert hardware["memory_bytes"] > 0 and hardware["cpu_threads"] >= 1
    assert all("/" in address for entry in network["interfaces"] for address in entry["addresses"])


def test_unknown_platform_degrades_to_a_generated_id(tmp_path, monkeypatch):
    monkeypatch.setenv("FOOTPRINT_STATE_DIR", str(tmp_path / "state"))
    facts, _hardware, _network, errors = host.collect_host("/", platform="sunos5")
    assert facts["os"] == {"family": "sunos5"}
    assert facts["id_source"] == "generated"
    assert [error.message for error in errors] == [
        "unsupported platform 'sunos5': OS facts left out"
    ]


@pytest.mark.parametrize(
    "address, netmask, expected",
    [
        ("10.0.0.5", "255.255.255.0", "10.0.0.5/24"),
        ("fe80::1%eth0", "ffff:ffff:ffff:ffff::", "fe80::1/64"),
        ("192.0.2.1", None, "192.0.2.1"),
    ],
)
def test_address_prefix(address, netmask, expected):
    assert host._with_prefix(address, netmask) == expected


def test_dmi_identity_skips_firmware_placeholders(tmp_path, monkeypatch):
    for name, value in (
        ("sys_vendor", "LENOVO\n"),
        ("product_name", "20L5CTO1WW\n"),
        ("product_serial", "To be filled by O.E.M.\n"),
    ):
        (tmp_path / name).write_text(value)
    monkeypatch.setattr(_host_linux, "DMI_DIR", str(tmp_path))
    facts = _host_linux.hardware_facts()
    assert facts["vendor"] == "LENOVO" and facts["model"] == "20L5CTO1WW"
    assert "serial" not in facts  # a placeholder would merge unrelated machines
