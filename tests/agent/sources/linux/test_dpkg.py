"""The dpkg source: fixture status files, damaged ones, and the real database of this machine."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from agent.sources.linux.dpkg import INSTALLED_STATES, DpkgSource, parse_status


def _collect(make_root, status):
    root = make_root({"var/lib/dpkg/status": status})
    return root, DpkgSource(str(root)).collect()


def test_only_installed_packages_with_multiarch_ids(make_root, fixtures):
    _root, result = _collect(make_root, fixtures / "dpkg" / "status")
    assert result.errors == []
    found = {(item.id, item.version, item.arch) for item in result.items}
    assert found == {
        ("adduser", "3.134", "all"),
        ("dpkg", "1.21.22", "amd64"),
        ("libc6:amd64", "2.36-9+deb12u10", "amd64"),  # Multi-Arch: same is always qualified
        ("libc6:i386", "2.36-9+deb12u10", "i386"),
        ("wine32:i386", "8.0~repack-4", "i386"),  # a foreign architecture is qualified
        ("zoom", "6.2.5.3010", "amd64"),  # on hold, still installed
        ("r7-office", "2024.3.1-586~astra-signed", "amd64"),
        ("yandex-browser-stable", "24.10.1.669-1", "amd64"),  # triggers pending: configured
    }
    # half-installed, config-files only, unpacked and not-installed packages are not on disk
    names = {item.name for item in result.items}
    assert not names & {"teams", "skypeforlinux", "google-chrome-stable", "anydesk"}


def test_report_fields_from_stanza(make_root, fixtures):
    _root, result = _collect(make_root, fixtures / "dpkg" / "status")
    by_id = {item.id: item.to_dict() for item in result.items}
    assert by_id["zoom"]["publisher"] == "Zoom Video Communications, Inc."
    assert by_id["zoom"]["extra"] == {"homepage": "https://www.zoom.us", "section": "default",
                                      "maintainer": "Zoom Video Communications, Inc. <support@zoom.us>"}
    assert by_id["r7-office"]["publisher"] == "ООО «Р7»"
    assert by_id["libc6:i386"]["name"] == "libc6"
    assert by_id["libc6:i386"]["extra"]["source_package"] == "glibc"
    assert by_id["adduser"]["scope"] == "system"
    assert "install_date" not in by_id["adduser"]  # no info/*.list in the fixture root


def test_install_date_from_file_list(make_root, fixtures):
    root, _ = _collect(make_root, fixtures / "dpkg" / "status")
    info = root / "var/lib/dpkg/info"
    info.mkdir()
    (info / "zoom.list").write_text("/opt/zoom\n")
    (info / "libc6:i386.list").write_text("/lib/i386-linux-gnu\n")
    import os

    os.utime(info / "zoom.list", (1727866800, 1727866800))
    items = {item.id: item for item in DpkgSource(str(root)).collect().items}
    assert items["zoom"].install_date == "2024-10-02T11:00:00Z"
    assert items["libc6:i386"].install_date is not None
    assert items["adduser"].install_date is None


def test_truncated_status_names_file_and_line_and_keeps_the_rest(make_root, fixtures):
    root, result = _collect(make_root, fixtures / "dpkg" / "status-truncated")
    assert [item.name for item in result.items] == ["kaspersky"]
    messages = [(error.path, error.message) for error in result.errors]
    path = str(root / "var/lib/dpkg/status")
    assert (path, "line 10: file ends in the middle of a line (truncated?)") in messages
    assert (
        path,
        "line 7: package stanza 'cut-short' has no Version, Architecture field",
    ) in messages


def test_malformed_line_is_reported_with_its_number():
    text = (
        "Package: a\nStatus: install ok installed\nArchitecture: all\nVersion: 1\nGARBAGE LINE\n\n"
        "Package: b\nStatus: install ok installed\nArchitecture: all\nVersion: 2\n"
    )
    stanzas, errors = parse_status(text, "/x/status")
    assert [s["Package"] for s in stanzas] == ["a", "b"]
    assert [(e.path, e.message) for e in errors] == [
        ("/x/status", "line 5: expected 'Field: value', got 'GARBAGE LINE'")
    ]


def test_missing_database_is_not_available(tmp_path):
    assert not DpkgSource(str(tmp_path)).available()


def test_unreadable_status_is_an_error_not_a_crash(make_root, fixtures):
    root = make_root({"var/lib/dpkg/status": fixtures / "dpkg" / "status"})
    status = root / "var/lib/dpkg/status"
    status.unlink()
    status.mkdir()  # a directory where the file should be: open() fails even for root
    result = DpkgSource(str(root)).collect()
    assert result.items == []
    assert result.errors[0].path == str(status)
    assert result.errors[0].message.startswith("cannot read:")


def _dpkg_query(*args):
    output = subprocess.run(
        [
            "dpkg-query",
            *args,
            "-W",
            "-f",
            "${db:Status-Status}\t${binary:Package}\t${Version}\t${Architecture}\n",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    states = {state.strip() for state in INSTALLED_STATES}
    return {
        tuple(line.split("\t")[1:]) for line in output.splitlines() if line.split("\t")[0] in states
    }


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs dpkg-query")
def test_fixture_matches_dpkg_query_on_the_same_file(make_root, fixtures):
    """dpkg itself decides binary:Package for the fixture, multiarch included."""
    native = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True
    ).stdout.strip()
    if native != "amd64":
        pytest.skip("the fixture's native architecture is amd64")
    root, result = _collect(make_root, fixtures / "dpkg" / "status")
    expected = _dpkg_query(f"--admindir={root / 'var/lib/dpkg'}")
    assert {(item.id, item.version, item.arch) for item in result.items} == expected


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs dpkg-query")
def test_this_machine_equals_dpkg_query():
    # Other jobs may install packages meanwhile: compare a read bracketed by two equal dpkg answers.
    for _attempt in range(5):
        before = _dpkg_query()
        result = DpkgSource("/").collect()
        if _dpkg_query() == before:
            break
    assert result.errors == []
    assert {(item.id, item.version, item.arch) for item in result.items} == before
