"""Flatpak apps and runtimes, read from the on-disk installations (system and every user's)."""

from __future__ import annotations

import os
from typing import Iterator, List, Optional, Tuple

from agent.sources.base import SoftwareItem, Source, SourceError, SourceResult, rfc3339
from agent.sources.user_homes import user_homes

SYSTEM_DIR = "var/lib/flatpak"
USER_DIR = ".local/share/flatpak"
KINDS = ("app", "runtime")
METAINFO_DIRS = ("files/share/metainfo", "files/share/appdata")


class FlatpakSource(Source):
    """Deployed refs of `<root>/var/lib/flatpak` and of `~/.local/share/flatpak` for every user."""

    name = "flatpak"

    def installations(self) -> List[Tuple[str, Optional[str]]]:
        """(directory, user) of each installation under the root; user None for the system one."""
        found = []
        system = os.path.join(self.root, SYSTEM_DIR)
        if os.path.isdir(system):
            found.append((system, None))
        for home in user_homes(self.root, "linux"):
            directory = os.path.join(home.path, USER_DIR)
            if os.path.isdir(directory):
                found.append((directory, home.user))
        return found

    def available(self) -> bool:
        return bool(self.installations())

    def collect(self) -> SourceResult:
        result = SourceResult()
        for directory, user in self.installations():
            for kind, ref_dir, ref in _deployed_refs(directory, result.errors):
                try:
                    result.items.append(_item(kind, ref_dir, ref, user))
                except OSError as err:
                    message = f"cannot read deployment: {err.strerror}"
                    result.errors.append(SourceError(self.name, message, ref_dir))
        return result


def _deployed_refs(directory: str, errors: List[SourceError]) -> Iterator[Tuple[str, str, str]]:
    """(kind, deployment dir, "id/arch/branch") for every ref with an active deployment."""
    for kind in KINDS:
        base = os.path.join(directory, kind)
        for ref_id in _listdir(base):
            for arch in _listdir(os.path.join(base, ref_id)):
                for branch in _listdir(os.path.join(base, ref_id, arch)):
                    active = os.path.join(base, ref_id, arch, branch, "active")
                    if os.path.isdir(active):
                        yield kind, active, f"{ref_id}/{arch}/{branch}"
                    elif os.path.lexists(active):
                        errors.append(
                            SourceError("flatpak", "broken active deployment link", active)
                        )


def _listdir(path: str) -> List[str]:
    try:
        return sorted(entry for entry in os.listdir(path) if not entry.startswith("."))
    except OSError:
        return []


def _item(kind: str, active: str, ref: str, user: Optional[str]) -> SoftwareItem:
    ref_id, arch, branch = ref.split("/")
    metainfo = _metainfo(active, ref_id)
    extra = {"branch": branch}
    origin = _origin(active)
    if origin:
        extra["origin"] = origin
    if kind == "runtime":
        extra["kind"] = "runtime"
    return SoftwareItem(
        name=metainfo.get("name") or ref_id,
        version=metainfo.get("version") or branch,
        source="flatpak",
        publisher=metainfo.get("developer"),
        arch=arch,
        install_date=rfc3339(os.stat(active).st_mtime),
        id=ref_id,
        scope="user" if user else "system",
        user=user,
        location=os.path.realpath(active),
        extra=extra,
    )


def _origin(active: str) -> Optional[str]:
    """The remote a deployment came from: the first string of its `deploy` GVariant."""
    try:
        with open(os.path.join(active, "deploy"), "rb") as deploy:
            head = deploy.read(256)
    except OSError:
        return None
    name = head.split(b"\0", 1)[0]
    if not name or len(name) == len(head) or not all(32 < byte < 127 for byte in name):
        return None
    return name.decode("ascii")


def _metainfo(active: str, ref_id: str) -> dict:
    """Name, newest release version and developer from the app's AppStream file, if it ships one."""
    for directory in METAINFO_DIRS:
        for suffix in (".metainfo.xml", ".appdata.xml"):
            path = os.path.join(active, directory, ref_id + suffix)
            if os.path.isfile(path):
                return parse_metainfo(path)
    return {}


def parse_metainfo(path: str) -> dict:
    """{"name", "version", "developer"} from an AppStream metainfo/appdata file; {} when unreadable."""
    from xml.etree import ElementTree

    try:
        component = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError):
        return {}
    facts = {}
    for child in component:
        if child.tag == "name" and not child.attrib and child.text:
            facts["name"] = child.text.strip()
        elif child.tag == "developer_name" and not child.attrib and child.text:
            facts.setdefault("developer", child.text.strip())
        elif child.tag == "developer":
            name = child.find("name")
            if name is not None and name.text:
                facts["developer"] = name.text.strip()
    release = component.find("releases/release")
    if release is not None and release.get("version"):
        facts["version"] = release.get("version")
    return facts
