"""Deb provenance from apt's list files: fixture roots in every compression apt writes, and this machine."""

from __future__ import annotations

import gzip
import lzma
import os
import shutil
import subprocess

import pytest

from agent.sources.linux import apt_lists
from agent.sources.linux.dpkg import DpkgSource

LISTS = "var/lib/apt/lists"

STATUS = """Package: dpkg
Status: install ok installed
Maintainer: Dpkg Developers <debian-dpkg@lists.debian.org>
Architecture: amd64
Version: 1.21.22

Package: libc6
Status: install ok installed
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u10

Package: libc6
Status: install ok installed
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: i386
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u10

Package: openssl
Status: install ok installed
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Version: 3.0.15-1~deb12u1

Package: google-chrome-stable
Status: install ok installed
Maintainer: Chrome Linux Team <chromium-dev@chromium.org>
Architecture: amd64
Version: 131.0.6778.85-1

Package: zoom
Status: install ok installed
Maintainer: Zoom Video Communications, Inc. <support@zoom.us>
Architecture: amd64
Version: 6.2.5.3010

Package: bash
Status: install ok installed
Maintainer: Matthias Klose <doko@debian.org>
Architecture: amd64
Version: 5.2.15-2+b7
"""


def _stanza(package, version, arch, **fields):
    lines = [f"Package: {package}", f"Version: {version}", "Installed-Size: 1024"]
    lines += [f"{key.replace('_', '-')}: {value}" for key, value in fields.items()]
    lines += [f"Architecture: {arch}", "Description: a package", " with a long description",
              " .", " Package: not-a-field (a continuation line)"]
    return "\n".join(lines) + "\n"


def _packages(*stanzas, filler=0):
    """A Packages index: the given stanzas between `filler` unrelated ones, as the archive has them."""
    others = [_stanza(f"unrelated-{n}", f"1.{n}-1", "amd64", Maintainer="Someone <a@example.org>")
              for n in range(filler)]
    half = len(others) // 2
    return "\n".join(others[:half] + list(stanzas) + others[half:])


def _release(origin, label, suite, codename, signed=True):
    body = (
        f"Origin: {origin}\nLabel: {label}\nSuite: {suite}\nVersion: 12.8\nCodename: {codename}\n"
        "Date: Sat, 09 Nov 2024 10:05:32 UTC\nAcquire-By-Hash: yes\nArchitectures: amd64 i386\n"
        "Components: main contrib\nDescription: an archive\nMD5Sum:\n"
        " 0d5f1f6e6b0d4ef3a7e0b5e1f1b2c3d4 1234 main/binary-amd64/Packages\nSHA256:\n"
        " Origin: not-a-header 1234 main/binary-amd64/Packages\n"
    )
    if not signed:
        return body
    return ("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n" + body
            + "-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCgAdFiEE\n-----END PGP SIGNATURE-----\n")


def _lz4(data: bytes, *options: str) -> bytes:
    return subprocess.run(["lz4", "-c", "-q", *options], input=data, capture_output=True, check=True).stdout


needs_lz4 = pytest.mark.skipif(shutil.which("lz4") is None, reason="needs the lz4 tool")


def _root(make_root, lists: dict, name: str = "root"):
    root = make_root({"var/lib/dpkg/status": STATUS}, name=name)
    directory = root / LISTS
    directory.mkdir(parents=True)
    for name, content in lists.items():
        (directory / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


def _debian_lists():
    main = _packages(
        _stanza("dpkg", "1.21.22", "amd64"),
        _stanza("libc6", "2.36-9+deb12u10", "amd64", Multi_Arch="same"),
        _stanza("libc6", "2.36-9+deb12u10", "i386", Multi_Arch="same"),
        _stanza("bash", "5.2.15-2+b8", "amd64"),  # the archive moved on: bash 5.2.15-2+b7 is local
        filler=3000,
    )
    security = _packages(_stanza("openssl", "3.0.15-1~deb12u1", "amd64"), filler=50)
    google = _packages(_stanza("google-chrome-stable", "131.0.6778.85-1", "amd64",
                               Maintainer="Chrome Linux Team <chromium-dev@chromium.org>"))
    return {
        "deb.debian.org_debian_dists_bookworm_InRelease": _release("Debian", "Debian", "stable", "bookworm"),
        "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages": main,
        "deb.debian.org_debian_dists_bookworm_main_binary-i386_Packages.gz": gzip.compress(
            _packages(_stanza("libc6", "2.36-9+deb12u10", "i386", Multi_Arch="same")).encode()),
        # the old security layout: suite "bookworm/updates" nested, so the file name has one more part
        "security.debian.org_debian-security_dists_bookworm_updates_Release": _release(
            "Debian", "Debian-Security", "stable-security", "bookworm-security", signed=False),
        "security.debian.org_debian-security_dists_bookworm_updates_main_binary-amd64_Packages.xz":
            lzma.compress(security.encode()),
        "dl.google.com_linux_chrome_deb_dists_stable_InRelease": _release("Google LLC", "Google", "stable",
                                                                          "stable"),
        "dl.google.com_linux_chrome_deb_dists_stable_main_binary-amd64_Packages": google,
        "deb.debian.org_debian_dists_bookworm_main_i18n_Translation-en": "Package: zoom\n",
        "lock": "",
    }


def _provenance(root):
    result = DpkgSource(str(root)).collect()
    return result, {(item.name, item.arch): item.provenance for item in result.items}


def test_each_package_gets_the_archive_that_carries_its_installed_version(make_root):
    result, found = _provenance(_root(make_root, _debian_lists()))
    assert result.errors == []
    debian = {"origin": "Debian", "label": "Debian", "suite": "stable", "site": "deb.debian.org",
              "component": "main"}
    assert found[("dpkg", "amd64")] == debian
    assert found[("libc6", "amd64")] == debian
    assert found[("libc6", "i386")] == debian  # from the gzip-compressed i386 index
    assert found[("openssl", "amd64")] == {
        "origin": "Debian", "label": "Debian-Security", "suite": "stable-security",
        "site": "security.debian.org", "component": "main",
    }
    assert found[("google-chrome-stable", "amd64")] == {
        "origin": "Google LLC", "label": "Google", "suite": "stable", "site": "dl.google.com",
        "component": "main",
    }
    # no archive carries zoom at all; Debian carries bash, but not the installed version
    assert found[("zoom", "amd64")] == {"origin": "local"}
    assert found[("bash", "amd64")] == {"origin": "local", "name_origin": "Debian"}


@needs_lz4
@pytest.mark.parametrize("decoder", ["lz4 tool", "apt-helper", "pure Python"])
def test_lz4_lists_as_apt_writes_them_whatever_decodes_them(make_root, monkeypatch, decoder):
    lists = _debian_lists()
    name = "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"
    lists[name + ".lz4"] = _lz4(lists.pop(name).encode(), "-BD")  # linked blocks, as liblz4 streams them
    expected = _provenance(_root(make_root, _debian_lists()))[1]
    if decoder != "lz4 tool":
        monkeypatch.setenv("PATH", "/nonexistent")
    if decoder == "pure Python":
        monkeypatch.setattr(apt_lists, "APT_HELPER", "/nonexistent/apt-helper")
    elif decoder == "apt-helper" and not os.access(apt_lists.APT_HELPER, os.X_OK):
        pytest.skip("needs apt-helper")
    result, found = _provenance(_root(make_root, lists, name="lz4"))
    assert result.errors == []
    assert found == expected


def test_a_list_that_cannot_be_read_is_an_error_and_nothing_is_called_local(make_root):
    lists = _debian_lists()
    lists["dl.google.com_linux_chrome_deb_dists_stable_main_binary-amd64_Packages.gz"] = b"\x1f\x8b\x08broken"
    root = _root(make_root, lists)
    result, found = _provenance(root)
    assert [(e.source, e.path) for e in result.errors] == [
        ("deb", str(root / LISTS / "dl.google.com_linux_chrome_deb_dists_stable_main_binary-amd64_Packages.gz"))
    ]
    assert result.errors[0].message.startswith("cannot read apt list: ")
    assert found[("dpkg", "amd64")]["origin"] == "Debian"  # what the readable lists tell still holds
    assert found[("zoom", "amd64")] == {}  # perhaps in the unreadable list: not claimed local


def test_no_lists_no_provenance(make_root):
    root = make_root({"var/lib/dpkg/status": STATUS})
    result, found = _provenance(root)
    assert result.errors == []
    assert all(p == {} for p in found.values())
    (root / LISTS).mkdir(parents=True)
    (root / LISTS / "lock").write_text("")
    assert all(p == {} for p in _provenance(root)[1].values())  # apt lists cleaned, as in images


def test_flat_repository_and_missing_release(make_root):
    lists = {
        "repo.example.org_debian_._Release": _release("Example Corp", "Example", "", "", signed=False)
        .replace("Suite: \n", "").replace("Codename: \n", ""),
        "repo.example.org_debian_._Packages": _packages(_stanza("zoom", "6.2.5.3010", "amd64")),
        "mirror.example.org%3a8080_debian_dists_bookworm_main_binary-amd64_Packages": _packages(
            _stanza("dpkg", "1.21.22", "amd64")),
    }
    _result, found = _provenance(_root(make_root, lists))
    assert found[("zoom", "amd64")] == {"origin": "Example Corp", "label": "Example", "site": "repo.example.org"}
    # no Release beside it (removed or never fetched): the site and component are still known
    assert found[("dpkg", "amd64")] == {"site": "mirror.example.org", "component": "main"}


def test_stanzas_split_across_read_chunks_are_still_found(monkeypatch):
    text = _packages(_stanza("openssl", "3.0.15-1~deb12u1", "amd64"), filler=400).encode()
    wanted = {b"openssl": {("openssl", "3.0.15-1~deb12u1", "amd64"): None}}
    for size in (1, 7, 64, 4096):
        chunks = [text[i:i + size] for i in range(0, len(text), size)]
        assert list(apt_lists.carried(chunks, wanted)) == [(("openssl", "3.0.15-1~deb12u1", "amd64"), True)]
    unterminated = b"Package: openssl\nVersion: 3.0.15-1~deb12u1\nArchitecture: amd64"
    assert list(apt_lists.carried([unterminated], wanted)) == [(("openssl", "3.0.15-1~deb12u1", "amd64"), True)]


@pytest.mark.skipif(
    not (os.path.isdir("/" + LISTS) and shutil.which("apt") and os.path.isfile("/var/lib/dpkg/status")),
    reason="needs a Debian-family machine with apt lists",
)
def test_this_machine_agrees_with_apt_list_installed():
    """apt's own answer for every installed package: the suites carrying its version, or only `now` (local)."""
    result = DpkgSource("/").collect()
    if not any(apt_lists._INDEX.search(name) for name in os.listdir("/" + LISTS)):
        pytest.skip("apt lists are empty on this machine")
    assert result.errors == []
    ours = {(item.name, item.arch, item.version): item.provenance for item in result.items}
    listed = subprocess.run(["apt", "list", "--installed"], capture_output=True, text=True, check=True).stdout
    compared = 0
    for line in listed.splitlines():
        if "/" not in line:
            continue
        head, version, arch = line.split()[:3]
        name, suites = head.split("/", 1)
        suites = [suite for suite in suites.split(",") if suite != "now"]
        provenance = ours.get((name, arch, version))
        if provenance is None:  # installed or upgraded between the two reads (a shared machine)
            continue
        if suites:
            assert provenance.get("suite") in suites, (name, provenance, suites)
        else:
            assert provenance.get("origin") == "local", (name, provenance)
        compared += 1
    assert compared >= len(result.items) * 0.9
    for provenance in ours.values():
        if provenance.get("site") == "deb.debian.org":
            assert provenance["origin"] == "Debian"


def test_an_unchanged_machine_reads_no_index_the_second_time(make_root, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    root = _root(make_root, _debian_lists())
    first = _provenance(root)[1]
    cache = state / apt_lists.CACHE_FILE
    assert cache.stat().st_mode & 0o777 == 0o600
    # the index is now garbage of the same size and mtime: only a cache hit can still answer
    index = root / LISTS / "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"
    before = index.stat()
    index.write_bytes(b"\0" * before.st_size)
    os.utime(index, ns=(before.st_atime_ns, before.st_mtime_ns))
    result, second = _provenance(root)
    assert result.errors == [] and second == first
    # apt update rewrote the list: the cache no longer applies
    os.utime(index, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert _provenance(root)[1][("dpkg", "amd64")] == {"origin": "local"}  # read again: now all zeros


def test_a_package_installed_since_the_last_collect_is_looked_up(make_root, tmp_path):
    (tmp_path / "state").mkdir()
    lists = _debian_lists()
    name = "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"
    lists[name] += "\n" + _stanza("jq", "1.6-2.1", "amd64")
    root = _root(make_root, lists)
    _provenance(root)
    status = root / "var/lib/dpkg/status"
    status.write_text(STATUS + "\nPackage: jq\nStatus: install ok installed\nMaintainer: ChangZhuo Chen "
                      "<czchen@debian.org>\nArchitecture: amd64\nVersion: 1.6-2.1\n", encoding="utf-8")
    result, found = _provenance(root)
    assert result.errors == []
    assert found[("jq", "amd64")]["origin"] == "Debian"


def test_no_state_directory_no_cache(make_root, tmp_path):
    root = _root(make_root, _debian_lists())
    assert _provenance(root)[1][("dpkg", "amd64")]["origin"] == "Debian"
    assert not (tmp_path / "state").exists()  # collect creates no directory
