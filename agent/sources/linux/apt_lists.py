"""Which configured apt archive carries each installed deb's version: apt's own list files, read directly.

`<root>/var/lib/apt/lists` holds one `*_Packages` index per archive, component and architecture (plain
or compressed the way apt was told to keep it) beside the archive's `*_InRelease`/`*_Release`. Each
index is streamed once and only the stanzas of installed (package, version, architecture) triples are
looked at, so memory stays at a few blocks whatever the archive's size. A version no index carries is
`local` (installed from a downloaded .deb, its archive was removed, or the archive has moved on to
another version since) — said only when every index was read; with no index at all (lists cleaned, as
in container images) nothing is said. A `local` item whose package name an archive carries at another
version gets that archive's Origin as `name_origin`: evidence of lineage, not of where it came from.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from typing import Dict, Iterable, Iterator, List, Optional, Tuple
from urllib.parse import unquote

from agent.paths import state_dir
from agent.sources.base import SoftwareItem, SourceError

LISTS_DIR = "var/lib/apt/lists"
# apt's own decompressor for any list file (libapt: gz, xz, lz4, zstd, bz2); present wherever apt is.
APT_HELPER = "/usr/lib/apt/apt-helper"
LOCAL = "local"
CACHE_FILE = "apt-provenance.json"
CHUNK = 1 << 20
BUFSIZE = -1
MAX_VALUE = 255
_INDEX = re.compile(r"_Packages(\.gz|\.xz|\.lzma|\.bz2|\.lz4|\.zst)?$")
_RELEASE_FIELDS = {"Origin": "origin", "Label": "label", "Suite": "suite", "Codename": "codename"}
_PACKAGE = re.compile(rb"\nPackage:[ \t]*([^\n]*)")
_VERSION = re.compile(rb"\nVersion:[ \t]*([^\n]*)")
_ARCH = re.compile(rb"\nArchitecture:[ \t]*([^\n]*)")

Key = Tuple[str, str, str]  # (package, version, architecture)


def add_provenance(root: str, items: List[SoftwareItem]) -> List[SourceError]:
    """Set `item.provenance` on every deb item whose archive the lists tell; returns the lists' problems.

    The answers are kept in the state directory beside the lists' names, sizes and mtimes, so a collect
    whose lists and packages have not changed since the last one (the usual case) reads no index.
    """
    directory = os.path.join(root, LISTS_DIR)
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []  # no apt lists: nothing known, nothing wrong
    indexes = [name for name in names if _INDEX.search(name)]
    if not indexes:
        return []
    by_key = {"\t".join((item.name, item.version, item.arch or "")): item for item in items}
    fingerprint = _fingerprint(directory, names)
    cached = _cached(fingerprint)
    if cached is not None and all(key in cached for key in by_key):
        for key, item in by_key.items():
            item.provenance = dict(cached[key])
        return []
    errors = _scan_lists(directory, names, indexes, items)
    if not errors:
        _save(fingerprint, {key: item.provenance for key, item in by_key.items()})
    return errors


def _scan_lists(directory: str, names: List[str], indexes: List[str], items: List[SoftwareItem]) -> List[SourceError]:
    """Stream every index once and set each item's provenance from the first archive carrying it."""
    wanted: Dict[bytes, Dict[Key, SoftwareItem]] = {}
    for item in items:
        key = (item.name, item.version, item.arch or "")
        wanted.setdefault(item.name.encode("utf-8"), {})[key] = item
    found: Dict[Key, dict] = {}
    origin_of_name: Dict[str, str] = {}
    errors: List[SourceError] = []
    present = set(names)
    for name in indexes:
        path = os.path.join(directory, name)
        archive = _archive(directory, name, present)
        try:
            for key, exact in carried(_chunks(path), wanted):
                if exact:
                    found.setdefault(key, archive)
                elif archive.get("origin"):
                    origin_of_name.setdefault(key[0], archive["origin"])
        except (OSError, ValueError, EOFError) as err:
            errors.append(SourceError("deb", f"cannot read apt list: {_reason(err)}", path))
    for by_key in wanted.values():
        for key, item in by_key.items():
            archive = found.get(key)
            if archive is not None:
                item.provenance = dict(archive)
            elif not errors:
                item.provenance = {"origin": LOCAL}
                if key[0] in origin_of_name:
                    item.provenance["name_origin"] = origin_of_name[key[0]]
    return errors


def _fingerprint(directory: str, names: List[str]) -> list:
    """The lists directory and the name, size and mtime of each index and Release file (apt rewrites them)."""
    files = []
    for name in names:
        if _INDEX.search(name) or name.endswith(("_InRelease", "_Release")):
            try:
                status = os.stat(os.path.join(directory, name))
            except OSError:
                continue
            files.append([name, status.st_size, status.st_mtime_ns])
    return [os.path.abspath(directory), files]


def _cached(fingerprint: list) -> Optional[Dict[str, dict]]:
    """What the previous collect found for these very lists, or None (no cache, other lists, damage)."""
    try:
        with open(os.path.join(state_dir(), CACHE_FILE), encoding="utf-8") as cache:
            stored = json.load(cache)
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("lists") != fingerprint:
        return None
    found = stored.get("provenance")
    if not isinstance(found, dict) or not all(isinstance(value, dict) for value in found.values()):
        return None
    return found


def _save(fingerprint: list, found: Dict[str, dict]) -> None:
    """Keep the answers in the agent's state directory; an absent or read-only one keeps nothing."""
    directory = state_dir()
    if not os.path.isdir(directory):
        return  # collect creates no directory: the installed agent's package does
    path = os.path.join(directory, CACHE_FILE)
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as cache:
            # dumps, not dump: json.dump feeds the file through the pure-Python encoder (10x slower here)
            cache.write(json.dumps({"lists": fingerprint, "provenance": found}, separators=(",", ":")))
        os.replace(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass


def carried(
    chunks: Iterable[bytes], wanted: Dict[bytes, Dict[Key, object]]
) -> Iterator[Tuple[Key, bool]]:
    """(package, version, arch) of each index stanza for a wanted package name, and whether that exact
    triple is wanted (False: the archive carries the name at another version or architecture)."""
    carry = b""
    for chunk in chunks:
        data = b"\n" + carry + chunk
        end = data.rfind(b"\n\n")
        if end < 0:
            carry = data[1:]
            continue
        carry = data[end + 2 :]
        yield from _scan(data, end + 1, wanted)
    if carry.strip():
        data = b"\n" + carry + b"\n"
        yield from _scan(data, len(data), wanted)


def _scan(
    data: bytes, end: int, wanted: Dict[bytes, Dict[Key, object]]
) -> Iterator[Tuple[Key, bool]]:
    for match in _PACKAGE.finditer(data, 0, end):
        name = match.group(1).strip()
        by_key = wanted.get(name)
        if by_key is None:
            continue
        stop = data.find(b"\n\n", match.end(), end + 1)
        stanza = data[match.end() - 1 : stop if stop >= 0 else end]
        version, arch = _VERSION.search(stanza), _ARCH.search(stanza)
        if version is None or arch is None:
            continue
        key = (
            name.decode("utf-8", "replace"),
            version.group(1).strip().decode("utf-8", "replace"),
            arch.group(1).strip().decode("utf-8", "replace"),
        )
        yield key, key in by_key


def _archive(directory: str, index: str, present: set) -> dict:
    """Origin, label, suite, site and component of the archive an index file belongs to."""
    stem = _INDEX.sub("", index)
    base, component = _release_base(stem, present)
    out = {}
    site = _site(index)
    if site:
        out["site"] = site
    if base is not None:
        fields = read_release(os.path.join(directory, base + "_InRelease"))
        if not fields:
            fields = read_release(os.path.join(directory, base + "_Release"))
        for key in ("origin", "label"):
            if fields.get(key):
                out[key] = fields[key]
        suite = fields.get("suite") or fields.get("codename")
        if suite:
            out["suite"] = suite
    if component:
        out["component"] = component
    return {key: value[:MAX_VALUE] for key, value in out.items()}


def _release_base(stem: str, present: set) -> Tuple[Optional[str], str]:
    """The Release file's name prefix for an index stem, and the component between the two.

    `deb.debian.org_debian_dists_bookworm_main_binary-amd64` → (`…_dists_bookworm`, `main`); the longest
    prefix that has an InRelease/Release beside it wins, so nested suites ("stable/updates") resolve too.
    A flat repository ("deb URI ./") keeps its Release next to the index itself.
    """
    head, _, _arch = stem.rpartition("_binary-")
    if not head:  # flat repository: `host_path_._Packages` beside `host_path_._Release`
        return (stem if _has_release(stem, present) else None), ""
    parts = head.split("_")
    for cut in range(len(parts) - 1, 0, -1):
        base = "_".join(parts[:cut])
        if _has_release(base, present):
            return base, unquote("/".join(parts[cut:]))
    _suite, _, component = head.rpartition("_dists_")[2].partition("_")  # no Release: guess the layout
    return None, unquote(component.replace("_", "/"))


def _has_release(base: str, present: set) -> bool:
    return base + "_InRelease" in present or base + "_Release" in present


def _site(index: str) -> str:
    """Host of the archive URL: the list name's first part (apt quotes '_' inside it), without port."""
    host = unquote(index.split("_", 1)[0]).rsplit("@", 1)[-1]
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.split(":", 1)[0].lower()


def read_release(path: str) -> Dict[str, str]:
    """Origin, Label, Suite and Codename of an (In)Release file ({} when it is missing or unreadable)."""
    try:
        with open(path, "rb") as release:
            head = release.read(16384).decode("utf-8", "replace")
    except OSError:
        return {}
    fields: Dict[str, str] = {}
    for line in head.splitlines():
        if line.startswith("-----BEGIN PGP SIGNATURE") or line in ("MD5Sum:", "SHA1:", "SHA256:", "SHA512:"):
            break
        key, sep, value = line.partition(":")
        if sep and key in _RELEASE_FIELDS and value.strip():
            fields[_RELEASE_FIELDS[key]] = value.strip()
    return fields


def _chunks(path: str) -> Iterator[bytes]:
    """The decompressed content of an index file, CHUNK bytes at a time."""
    extension = os.path.splitext(path)[1]
    if extension in (".lz4", ".zst"):
        tool = shutil.which("lz4" if extension == ".lz4" else "zstd")
        if tool is not None:
            return _command([tool, "-dcq", path], path)
        if os.access(APT_HELPER, os.X_OK):
            return _command([APT_HELPER, "cat-file", path], path)
        if extension == ".zst":
            raise ValueError("zstd-compressed, and neither zstd nor apt-helper is installed")
        return _lz4_python(path)
    opener = _stdlib_opener(extension)
    return _file_chunks(opener, path)


def _stdlib_opener(extension: str):
    if extension == ".gz":
        import gzip

        return gzip.open
    if extension in (".xz", ".lzma"):
        import lzma

        return lzma.open
    if extension == ".bz2":
        import bz2

        return bz2.open
    return open


def _file_chunks(opener, path: str) -> Iterator[bytes]:
    with opener(path, "rb") as stream:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                return
            yield chunk


def _lz4_python(path: str) -> Iterator[bytes]:
    from agent.sources.linux.lz4frame import decompress_stream

    with open(path, "rb") as stream:
        yield from decompress_stream(stream)


def _command(command: List[str], path: str) -> Iterator[bytes]:
    """Stream a decompressor's stdout; its failure is raised once its output ended."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=BUFSIZE)
    try:
        assert process.stdout is not None
        while True:
            chunk = process.stdout.read(CHUNK)
            if not chunk:
                break
            yield chunk
        stderr = process.stderr.read() if process.stderr else b""
        if process.wait() != 0:
            detail = stderr.decode("utf-8", "replace").strip().splitlines()
            raise ValueError(
                f"{os.path.basename(command[0])} failed: {detail[-1] if detail else process.returncode}"
            )
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


def _reason(err: Exception) -> str:
    return err.strerror if isinstance(err, OSError) and err.strerror else str(err)
