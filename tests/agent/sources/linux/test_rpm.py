"""The rpm source: parsing `rpm -qa --queryformat` output, and a real rpm database built here."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess

import pytest

from agent.sources.linux.rpm import RpmSource, parse_query_output
from agent.sources.linux.rpm_history import DNF4_HISTORY, DNF5_HISTORY, add_repositories


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
    assert by_name["openssl-libs"]["provenance"] == {
        "vendor": "RED SOFT",
        "packager": "RED SOFT <support@red-soft.ru>",
        "distribution": "RED OS",
        "signing_key": "1f3b5a7cb8462e4b",
    }
    assert by_name["kaspersky-endpoint-security"]["provenance"]["signing_key"] == "9a8c3b2d1e0f4a5b"  # DSA
    assert "signing_key" not in by_name["r7-office"]["provenance"]  # unsigned


def test_bad_output_line_is_reported_and_skipped():
    items, errors = parse_query_output("bash\t(none)\t4.4\n", "/var/lib/rpm")
    assert items == []
    assert errors[0].message.startswith("output line 1: expected 12 fields, got 3")


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


def _signed_package(tmp_path) -> tuple:
    """A real rpm built and signed here with a fresh key; returns (package path, key id)."""
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    env = dict(os.environ, GNUPGHOME=str(home))
    subprocess.run(
        ["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "Footprint Test <test@example.org>",
         "rsa2048", "sign", "never"], check=True, capture_output=True, env=env,
    )
    listing = subprocess.run(["gpg", "--list-keys", "--with-colons"], check=True, capture_output=True,
                             text=True, env=env).stdout
    key_id = next(line.split(":")[4] for line in listing.splitlines() if line.startswith("pub:"))
    (tmp_path / "tiny.spec").write_text(SPEC.replace("Vendor: YANDEX LLC", "Vendor: YANDEX LLC\nDistribution: RED OS"))
    subprocess.run(["rpmbuild", "-bb", "--quiet", "--define", f"_topdir {tmp_path / 'top'}",
                    str(tmp_path / "tiny.spec")], check=True, capture_output=True)
    package = next((tmp_path / "top" / "RPMS").glob("*/*.rpm"))
    subprocess.run(["rpmsign", "--addsign", "--define", f"_gpg_name {key_id}",
                    "--define", f"__gpg {shutil.which('gpg')}", str(package)],
                   check=True, capture_output=True, env=env, stdin=subprocess.DEVNULL)
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], check=True, capture_output=True, env=env)  # no daemon left
    return package, key_id.lower()


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("rpm", "rpmbuild", "rpmsign", "gpg")),
    reason="needs rpm, rpmbuild, rpmsign, gpg",
)
def test_real_signed_rpm_with_its_dnf_repository(tmp_path, fixtures):
    package, key_id = _signed_package(tmp_path)
    root = tmp_path / "root"
    root.mkdir()
    rpm = ["rpm", "--root", str(root), "--dbpath", "/var/lib/rpm"]
    subprocess.run([*rpm, "--initdb"], check=True, capture_output=True)
    subprocess.run([*rpm, "-i", "--justdb", "--nodeps", "--noscripts", "--nosignature", str(package)],
                   check=True, capture_output=True)
    history = root / "var/lib/dnf/history.sqlite"
    history.parent.mkdir(parents=True)
    _history(history, fixtures / "rpm" / "dnf4-history.sql",
             "INSERT INTO repo VALUES (7, 'yandex-browser');"
             "INSERT INTO item VALUES (9, 1);"
             "INSERT INTO rpm VALUES (9, 'yandex-browser-stable', 1, '24.10.1.669', '1.red80', 'noarch');"
             "INSERT INTO trans_item (trans_id, item_id, repo_id, action, reason, state) VALUES (4, 9, 7, 1, 2, 1);")
    result = RpmSource(str(root)).collect()
    assert result.errors == []
    assert [item.provenance for item in result.items] == [{
        "vendor": "YANDEX LLC",
        "packager": "Yandex Browser Team <browser@support.yandex.ru>",
        "distribution": "RED OS",
        "signing_key": key_id,  # what gpg calls the key that signed it, as rpm printed it
        "repository": "yandex-browser",
    }]


def _history(path, schema, more: str = "") -> None:
    connection = sqlite3.connect(path)
    connection.executescript(schema.read_text(encoding="utf-8") + more)
    connection.commit()
    connection.close()


def _items(*nevras):
    lines = [
        "\t".join((name, epoch, version, release, arch, "Fedora Project", "Fedora Project", "1730000000",
                   f"{name}-{version}-{release}.src.rpm", "(none)", "Fedora Project", "(none)"))
        for name, epoch, version, release, arch in nevras
    ]
    items, errors = parse_query_output("\n".join(lines) + "\n", "/var/lib/rpm")
    assert errors == []
    return items


@pytest.mark.parametrize("relative, schema", [(DNF4_HISTORY, "dnf4-history.sql"), (DNF5_HISTORY, "dnf5-history.sql")])
def test_repository_from_dnf_history(tmp_path, fixtures, relative, schema):
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    _history(path, fixtures / "rpm" / schema)
    dnf5 = relative == DNF5_HISTORY
    items = _items(
        ("bash", "(none)", "5.2.32" if dnf5 else "5.2.15", "1.fc41" if dnf5 else "5.fc39", "x86_64"),
        ("openssl-libs", "1", "3.2.4" if dnf5 else "3.1.4", "1.fc41" if dnf5 else "1.fc39", "x86_64"),
        ("vlc", "1", "3.0.21" if dnf5 else "3.0.20", "11.fc41" if dnf5 else "6.fc39", "x86_64"),
        ("zoom", "(none)", "6.2.5", "3010", "x86_64"),
        # installed by rpm -i after a failed dnf transaction; dnf 4 found glibc already there (@System)
        ("pycharm-community" if dnf5 else "ffmpeg-libs", "1" if dnf5 else "(none)",
         "2024.3" if dnf5 else "6.1.1", "1.fc41" if dnf5 else "3.fc39", "noarch" if dnf5 else "x86_64"),
        ("glibc", "(none)", "2.38", "14.fc39", "x86_64"),
    )
    assert add_repositories(str(tmp_path), items) == []
    assert {item.name: item.provenance.get("repository") for item in items} == {
        "bash": "anaconda",
        "openssl-libs": "updates",  # the upgrade, not the version it replaced
        "vlc": "rpmfusion-free-updates",
        "zoom": "@commandline",
        "pycharm-community" if dnf5 else "ffmpeg-libs": None,  # its transaction failed
        "glibc": None,
    }


def test_repository_from_yumdb(make_root):
    root = make_root({
        "var/lib/yum/yumdb/b/0f2c6e8f9a1b2c3d4e5f60718293a4b5c6d7e8f9-bash-4.2.46-35.el7_9-x86_64/from_repo": "updates",
        "var/lib/yum/yumdb/b/0f2c6e8f9a1b2c3d4e5f60718293a4b5c6d7e8f9-bash-4.2.46-35.el7_9-x86_64/reason": "dep",
        "var/lib/yum/yumdb/k/968518e3d5082f089e4eb2dd2f9690546e1b2a84-keepalived-1.3.5-19.el7-x86_64/from_repo":
            "base\n",
        "var/lib/yum/yumdb/h/1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c-htop-2.2.0-3.el7-x86_64/from_repo": "epel",
    })
    items = _items(("bash", "(none)", "4.2.46", "35.el7_9", "x86_64"), ("keepalived", "(none)", "1.3.5", "19.el7",
                   "x86_64"), ("htop", "(none)", "2.2.0", "3.el7", "x86_64"), ("glibc", "(none)", "2.17", "326.el7_9",
                   "x86_64"))
    assert add_repositories(str(root), items) == []
    assert [item.provenance.get("repository") for item in items] == ["updates", "base", "epel", None]


def test_unreadable_dnf_history_is_an_error(make_root):
    root = make_root({DNF4_HISTORY: "not a database, just text that is long enough to be a file header"})
    items = _items(("bash", "(none)", "5.2.15", "5.fc39", "x86_64"))
    errors = add_repositories(str(root), items)
    assert [(e.source, e.path) for e in errors] == [("rpm", str(root / DNF4_HISTORY))]
    assert errors[0].message.startswith("cannot read dnf history: ")
    assert "repository" not in items[0].provenance
