"""IDE extensions of every user: VS Code and its forks from their extensions folders, JetBrains IDE plugins.

An IDE extension (an AI assistant, a cloud toolkit) runs with the developer's rights on their code and keys,
so each is an item of its own (source `ide-extension`) with the IDE, user and install source
(docs/report-format.md, "Extensions"). Only files are read; no IDE is started.
"""

from __future__ import annotations

import os
import re
import sys
import zipfile
from typing import Dict, Iterator, List, Optional, Tuple
from xml.etree import ElementTree

from agent.sources.base import SoftwareItem, Source, SourceError, SourceResult, rfc3339
from agent.sources.user_homes import (
    Home,
    UserFileRefused,
    listdir,
    open_user_file,
    read_user_json,
    shown,
    text,
    user_homes,
)

SOURCE = "ide-extension"
# VS Code and the forks sharing its extension layout: the extensions folder under a home (same on every OS).
VSCODE = (
    ("Visual Studio Code", ".vscode/extensions"),
    ("Visual Studio Code - Insiders", ".vscode-insiders/extensions"),
    ("VSCodium", ".vscode-oss/extensions"),
    ("Cursor", ".cursor/extensions"),
    ("VS Code Server", ".vscode-server/extensions"),
)
# metadata.source of an extensions.json entry: the Marketplace (or Open VSX), a .vsix file, a local folder.
VSCODE_SOURCES = {"gallery": "store", "vsix": "sideloaded", "resource": "sideloaded"}
# JetBrains per-version folders holding user-installed plugins (Linux keeps them in the folder itself).
JETBRAINS = {
    "linux": (".local/share/JetBrains", ""),
    "win32": ("AppData/Roaming/JetBrains", "plugins"),
    "darwin": ("Library/Application Support/JetBrains", "plugins"),
}
JETBRAINS_FOLDER = re.compile(r"^([A-Za-z]+)(\d{4}\.\d+)$")
JETBRAINS_PRODUCTS = {
    "IntelliJIdea": "IntelliJ IDEA Ultimate", "IdeaIC": "IntelliJ IDEA Community", "PyCharm": "PyCharm Professional",
    "PyCharmCE": "PyCharm Community", "WebStorm": "WebStorm", "PhpStorm": "PhpStorm", "GoLand": "GoLand",
    "CLion": "CLion", "Rider": "Rider", "RubyMine": "RubyMine", "DataGrip": "DataGrip", "DataSpell": "DataSpell",
    "RustRover": "RustRover", "AppCode": "AppCode", "Aqua": "Aqua", "Writerside": "Writerside",
}
MAX_PLUGIN_XML = 1 << 20


class IdeExtensionSource(Source):
    """Extensions of VS Code, VSCodium, Cursor and JetBrains IDEs in every user's home under the root."""

    name = SOURCE

    def __init__(self, root: str = "/", platform: str = sys.platform) -> None:
        super().__init__(root)
        self.platform = "linux" if platform.startswith("linux") else platform

    def folders(self) -> Iterator[Tuple[Home, str, str, bool]]:
        """(home, IDE, extensions folder, is JetBrains) of each IDE some user has extended."""
        for home in user_homes(self.root, self.platform):
            for ide, relative in VSCODE:
                folder = os.path.join(home.path, *relative.split("/"))
                if os.path.isdir(folder):
                    yield home, ide, folder, False
            base, plugins = JETBRAINS.get(self.platform, ("", ""))
            if not base:
                continue
            config = os.path.join(home.path, *base.split("/"))
            for entry in listdir(config):
                found = JETBRAINS_FOLDER.match(entry)
                folder = os.path.join(config, entry, plugins) if plugins else os.path.join(config, entry)
                if found and os.path.isdir(folder):
                    ide = f"{JETBRAINS_PRODUCTS.get(found.group(1), found.group(1))} {found.group(2)}"
                    yield home, ide, folder, True

    def available(self) -> bool:
        return next(iter(self.folders()), None) is not None

    def collect(self) -> SourceResult:
        result = SourceResult()
        for home, ide, folder, jetbrains in self.folders():
            reader = _jetbrains_plugins if jetbrains else _vscode_extensions
            try:
                for item in reader(home, ide, folder, result.errors):
                    item.location = shown(self.root, item.location)
                    result.items.append(item)
            except (OSError, ValueError) as err:
                result.errors.append(SourceError(SOURCE, f"{ide}: {err}", shown(self.root, folder)))
        return result


def _vscode_extensions(home: Home, ide: str, folder: str, errors: List[SourceError]) -> Iterator[SoftwareItem]:
    """extensions.json's entries (every folder with a package.json where there is none), less `.obsolete`."""
    obsolete = read_user_json(home, os.path.join(folder, ".obsolete"))
    gone = {key for key, value in obsolete.items() if value} if isinstance(obsolete, dict) else set()
    listed = read_user_json(home, os.path.join(folder, "extensions.json"))
    if isinstance(listed, list):
        entries = [entry for entry in listed if isinstance(entry, dict)]
    else:  # before VS Code 1.74 the folders were the only record
        entries = [{"relativeLocation": name} for name in listdir(folder) if not name.startswith(".")]
    for entry in entries:
        relative = _relative(entry)
        if not relative or relative in gone or "/" in relative or "\\" in relative or relative in (".", ".."):
            continue
        path = os.path.join(folder, relative)
        try:
            package = read_user_json(home, os.path.join(path, "package.json"))
            if not isinstance(package, dict):
                continue  # listed but not (or no longer) on disk
            nls = read_user_json(home, os.path.join(path, "package.nls.json")) if _placeholder(package) else None
        except (OSError, ValueError) as err:
            errors.append(SourceError(SOURCE, f"{ide}: {err}"))
            continue
        yield _vscode_item(home, ide, path, entry, package, nls if isinstance(nls, dict) else {})


def _relative(entry: dict) -> Optional[str]:
    """The extension's folder name: `relativeLocation`, else the last part of `location.path`."""
    if isinstance(entry.get("relativeLocation"), str):
        return entry["relativeLocation"]
    location = entry.get("location")
    path = location.get("path") or location.get("fsPath") if isinstance(location, dict) else location
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] if isinstance(path, str) and path else None


def _placeholder(package: dict) -> bool:
    name = package.get("displayName")
    return isinstance(name, str) and name.startswith("%") and name.endswith("%")


def _vscode_item(home: Home, ide: str, path: str, entry: dict, package: dict, nls: Dict[str, object]) -> SoftwareItem:
    identifier = entry.get("identifier") if isinstance(entry.get("identifier"), dict) else {}
    publisher, name = text(package.get("publisher")), text(package.get("name"))
    ext_id = text(identifier.get("id")) or (f"{publisher}.{name}" if publisher and name else None)
    metadata = entry.get("metadata") if isinstance(entry.get("metadata"), dict) else {}
    display = package.get("displayName")
    if _placeholder(package):
        resolved = nls.get(display[1:-1])
        display = resolved.get("message") if isinstance(resolved, dict) else resolved
    installed = metadata.get("installedTimestamp")
    extra = {}
    if publisher:
        extra["publisher_id"] = publisher  # the Marketplace publisher, the id's first part
    if metadata.get("isPreReleaseVersion") is True:
        extra["pre_release"] = "true"
    return SoftwareItem(
        name=(text(display) or name or ext_id or os.path.basename(path))[:512],
        version=text(package.get("version")) or text(entry.get("version")), source=SOURCE,
        publisher=text(metadata.get("publisherDisplayName")) or publisher,
        install_date=rfc3339(installed / 1000) if isinstance(installed, (int, float)) and installed > 0 else None,
        id=ext_id.lower() if ext_id else None, scope="user", user=home.user, location=path, extra=extra,
        application=ide, install_source=VSCODE_SOURCES.get(metadata.get("source")),
    )


def _jetbrains_plugins(home: Home, ide: str, folder: str, errors: List[SourceError]) -> Iterator[SoftwareItem]:
    """Each plugin folder (its lib/*.jar) or plugin jar, described by the META-INF/plugin.xml inside."""
    for entry in listdir(folder):
        path = os.path.join(folder, entry)
        if entry.endswith(".jar"):
            jars = [path]
        elif os.path.isdir(os.path.join(path, "lib")) and not os.path.islink(path):
            lib = os.path.join(path, "lib")
            jars = sorted((os.path.join(lib, j) for j in listdir(lib) if j.endswith(".jar")),
                          key=lambda jar: (not os.path.basename(jar).startswith(entry), jar))
        else:
            continue
        try:
            plugin = _plugin_xml(home, jars)
        except (OSError, ValueError, zipfile.BadZipFile, ElementTree.ParseError) as err:
            errors.append(SourceError(SOURCE, f"{ide}: {entry}: {type(err).__name__}: {err}"))
            continue
        if plugin is not None:
            yield _jetbrains_item(home, ide, path, plugin)


def _plugin_xml(home: Home, jars: List[str]) -> Optional[ElementTree.Element]:
    """The root of the first META-INF/plugin.xml found in `jars` (zip directories only are read)."""
    for jar in jars:
        handle = open_user_file(home, jar)
        if handle is None:
            continue
        with handle, zipfile.ZipFile(handle) as archive:
            try:
                info = archive.getinfo("META-INF/plugin.xml")
            except KeyError:
                continue
            if info.file_size > MAX_PLUGIN_XML:
                raise UserFileRefused(f"{jar}: plugin.xml of {info.file_size} bytes")
            return ElementTree.fromstring(archive.read(info))
    return None


def _jetbrains_item(home: Home, ide: str, path: str, plugin: ElementTree.Element) -> SoftwareItem:
    name = text(plugin.findtext("name")) or os.path.basename(path)
    return SoftwareItem(
        name=name[:512], version=text(plugin.findtext("version")), source=SOURCE,
        publisher=text(plugin.findtext("vendor")), id=text(plugin.findtext("id")) or name, scope="user",
        user=home.user, location=path, application=ide,
    )
