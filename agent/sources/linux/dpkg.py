"""Debian packages, read straight from dpkg's status database (no dpkg-query: the hot path)."""

from __future__ import annotations

import os
import re
from typing import Dict, List, Optional, Tuple

from agent.sources.base import (
    SoftwareItem,
    Source,
    SourceError,
    SourceResult,
    person_name,
    rfc3339,
)
from agent.sources.linux.apt_lists import add_provenance

STATUS_PATH = "var/lib/dpkg/status"
INFO_DIR = "var/lib/dpkg/info"
_REQUIRED = ("Package", "Status", "Version", "Architecture")
# Status states whose files are on disk and configured (trigger states come after configuration);
# half-installed, unpacked, half-configured and config-files are not installed software.
INSTALLED_STATES = (" installed", " triggers-pending", " triggers-awaited")


class DpkgSource(Source):
    """Installed packages from `<root>/var/lib/dpkg/status`, the same set `dpkg-query -W` lists."""

    name = "deb"

    def available(self) -> bool:
        return os.path.isfile(os.path.join(self.root, STATUS_PATH))

    def collect(self) -> SourceResult:
        path = os.path.join(self.root, STATUS_PATH)
        try:
            with open(path, "rb") as status:
                text = status.read().decode("utf-8", errors="replace")
        except OSError as err:
            return SourceResult(
                errors=[SourceError(self.name, f"cannot read: {err.strerror}", path)]
            )
        stanzas, errors = parse_status(text, path)
        result = SourceResult(errors=errors)
        native_arch = _native_arch(stanzas)
        info_dir = os.path.join(self.root, INFO_DIR) + os.sep
        for fields in stanzas:
            if not fields["Status"].endswith(INSTALLED_STATES):
                continue
            result.items.append(_item(fields, native_arch, info_dir))
        result.errors.extend(add_provenance(self.root, result.items))
        return result


_FIELD = re.compile(
    r"\n(Package|Status|Architecture|Version|Maintainer|Homepage|Source|Section|Multi-Arch):"
    r"[ \t]*([^\n]*)"
)
_BAD_LINE = re.compile(r"\n([^ \t\n:][^:\n]*)(?=\n)")


def parse_status(text: str, path: str) -> Tuple[List[Dict[str, str]], List[SourceError]]:
    """Split a dpkg status file into stanzas holding the fields we use.

    A malformed line or a stanza missing a required field is reported (file, line, what is wrong);
    every well-formed stanza is still returned. Line numbers are only computed for the rare error.
    """
    errors = [
        _error(
            path, _line_of(text, bad.start()), f"expected 'Field: value', got {bad.group(1)[:60]!r}"
        )
        for bad in _BAD_LINE.finditer("\n" + text)
    ]
    if text and not text.endswith("\n"):
        errors.append(
            _error(path, text.count("\n") + 1, "file ends in the middle of a line (truncated?)")
        )
    stanzas: List[Dict[str, str]] = []
    offset = 0
    for paragraph in text.split("\n\n"):
        here, offset = offset, offset + len(paragraph) + 2
        if not paragraph.strip():
            continue
        fields = dict(_FIELD.findall("\n" + paragraph))
        missing = [key for key in _REQUIRED if not fields.get(key)]
        if not missing:
            stanzas.append(fields)
            continue
        # Stanzas of removed packages legitimately lack Version/Architecture; the rest is damage.
        if fields.get("Status", "").endswith(("not-installed", "config-files")):
            continue
        package = fields.get("Package", "?")
        line = _line_of(text, here + len(paragraph) - len(paragraph.lstrip("\n")))
        errors.append(
            _error(path, line, f"package stanza {package!r} has no {', '.join(missing)} field")
        )
    return stanzas, errors


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _error(path: str, line: int, message: str) -> SourceError:
    return SourceError("deb", f"line {line}: {message}", path)


def _native_arch(stanzas: List[Dict[str, str]]) -> Optional[str]:
    """dpkg's own architecture is the native one; it decides which names carry an `:arch` suffix."""
    for fields in stanzas:
        if fields["Package"] == "dpkg" and fields["Status"].endswith(" installed"):
            return fields["Architecture"]
    return None


def _item(fields: Dict[str, str], native_arch: Optional[str], info_dir: str) -> SoftwareItem:
    package, arch = fields["Package"], fields["Architecture"]
    same = fields.get("Multi-Arch") == "same"
    qualified = same or (arch not in ("all", native_arch) and native_arch is not None)
    package_id = f"{package}:{arch}" if qualified else package
    extra = {}
    if "Homepage" in fields:
        extra["homepage"] = fields["Homepage"]
    if "Source" in fields:
        extra["source_package"] = fields["Source"].split(" ", 1)[0]
    if "Section" in fields:
        extra["section"] = fields["Section"]
    if "Maintainer" in fields:
        extra["maintainer"] = fields["Maintainer"]  # with the address: the catalog tells distribution packages by it
    return SoftwareItem(
        name=package,
        version=fields["Version"],
        source="deb",
        publisher=person_name(fields.get("Maintainer")),
        arch=arch,
        install_date=_list_mtime(info_dir, f"{package}:{arch}" if same else package),
        id=package_id,
        scope="system",
        extra=extra,
    )


def _list_mtime(info_dir: str, name: str) -> Optional[str]:
    """When the package was last installed or upgraded: the mtime of its file list."""
    try:
        mtime = os.stat(info_dir + name + ".list").st_mtime
    except OSError:
        return None
    return rfc3339(mtime)
