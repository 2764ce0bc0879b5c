"""The rpm source: parsing `rpm -qa --queryformat` output, and a real rpm database built here."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from agent.sources.linux.rpm import RpmSource, parse_query_output


def test_query_output_with_epochs_none_values_and_key_pseudo_packages(fixtures):
    text = (fixtures / "rpm" / "redos-qa.txt").read_text(encoding="utf-8")
    items, errors = parse_query_output(text, "/var/lib/rpm")
    assert errors == []
    found = {(item.name, item.version, item.arch) for item in items}
    assert found == {
        ("bash", "4.4.20-4.el7", "x86_64"),
        ("openssl-libs", "1:1.1.1w-1.el7", "x86_64"),
        ("glibc", "2.28-18.el7", "x86_64"),
        ("glibc", "2.28-18.el7", "i686"),
        ("zoom", "6.2.5-3010", "x86_64"),
        ("r7-office", "2024.3.1-586.el7", "x86_64"),
        ("kaspersky-endpoint-security", "12.1.0-1297", "x86_64"),
    }  # gpg-pubkey (an imported signing key) is not software
    by_name = {item.name: item.to_dict() for item in items}
    assert by_name["openssl-libs"]["extra"] == {
        "epoch": "1",
        "release": "1.el7",
        "packager": "RED SOFT <support@red-soft.ru>",
        "homepage": "http://www.openssl.org/",
        "source_package": "openssl",
    }
    assert by_name["zoom"]["publisher"] == "Zoom Video Communications, Inc."
    assert by_name["zoom"]["install_date"] == "2024-10-02T11:00:00Z"
    assert by_name["r7-office"]["publisher"] == "ООО «Р7»"  # no Vendor: the packager's name
    assert "source_package" not in by_name["r7-office"]["extra"]
    assert by_name["kaspersky-endpoint-security"]["extra"]["source_package"] == "kesl"


def test_bad_output_line_is_reported_and_skipped():
    items, errors = parse_query_output("bash\t(none)\t4.4\n", "/var/lib/rpm")
    assert items == []
    assert errors[0].message.startswith("output line 1: expected 10 fields, got 3")


def test_no_database_means_not_available(tmp_path):
    assert not RpmSource(str(tmp_path)).available()


def test_database_without_rpm_tool_is_an_error(make_root, monkeypatch):
    root = make_root({"var/lib/rpm/rpmdb.sqlite": ""})
    monkeypatch.setenv("PATH", "/nonexistent")
    source = RpmSource(str(root))
    assert source.available()
    result = source.collect()
    assert result.items == []
    assert (
        result.errors[0].message == "an rpm database is present but the rpm tool is not installed"
    )
    assert result.errors[0].path == str(root / "var/lib/rpm")


SPEC = """Name: yandex-browser-stable
Epoch: 1
Version: 24.10.1.669
Release: 1.red80
Summary: Yandex Browser
License: Proprietary
Vendor: YANDEX LLC
Packager: Yandex Browser Team <browser@support.yandex.ru>
URL: https://browser.yandex.ru
BuildArch: noarch
%description
A package with no files, only metadata.
%files
"""


@pytest.mark.skipif(
    not (shutil.which("rpm") and shutil.which("rpmbuild")), reason="needs rpm, rpmbuild"
)
def test_real_rpm_database_under_a_root(tmp_path):
    (tmp_path / "tiny.spec").write_text(SPEC)
    subprocess.run(
        [
            "rpmbuild",
            "-bb",
            "--quiet",
            "--define",
            f"_topdir {tmp_path / 'top'}",
            str(tmp_path / "tiny.spec"),
        ],
        check=True,
        capture_output=True,
    )
    package = next((tmp_path / "top" / "RPMS").glob("*/*.rpm"))
    root = tmp_path / "root"
    root.mkdir()
    rpm = ["rpm", "--root", str(root), "--dbpath", "/var/lib/rpm"]
    subprocess.run([*rpm, "--initdb"], check=True, capture_output=True)
    subprocess.run(
        [*rpm, "-i", "--justdb", "--nodeps", "--noscripts", str(package)],
        check=True,
        capture_output=True,
    )
    source = RpmSource(str(root))
    assert source.available()
    result = source.collect()
    assert result.errors == []
    assert [(i.name, i.version, i.arch, i.publisher) for i in result.items] == [
        ("yandex-browser-stable", "1:24.10.1.669-1.red80", "noarch", "YANDEX LLC")
    ]
