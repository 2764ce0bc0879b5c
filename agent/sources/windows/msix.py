"""Microsoft Store / MSIX packages: the new Teams (MSTeams_8wekyb3d8bbwe) exists only here.

Live, the registry is read first (fast: no PowerShell start): AppxAllUserStore's
`Applications\\<PackageFullName>` names the machine's packages and manifests, `<SID>\\<full name>`
the users that registered them, and each loaded user's AppModel repository adds packages installed
for that user alone. The layout is undocumented, so when AppxAllUserStore is absent or unreadable
the documented API answers instead: `Get-AppxPackage -AllUsers` through PowerShell.
Like the Settings app, frameworks, resource packages and the OS's own system apps are skipped.
"""

from __future__ import annotations

import json
import ntpath
import re
import subprocess
import xml.etree.ElementTree as ET
from typing import Callable, Dict, List, Optional, Set, Tuple

from agent.sources.base import SoftwareItem, Source, SourceError, SourceResult
from agent.sources.windows.last_use import bam_runs, date_packages
from agent.windows_registry.reader import (
    KeyNotFound,
    RegistryAccessError,
    RegistryReader,
    is_windows,
    join_path,
    subkeys_or_empty,
    value_str,
    values_or_empty,
)

SOURCE = "msix"
APPX_STORE = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Appx\AppxAllUserStore"
CLASSES_SUFFIX = "_Classes"
USER_REPOSITORY = r"Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages"
_GUID = re.compile(r"\{?[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}?")
_SID = re.compile(r"S-1-5-\d+(-\d+)*$", re.IGNORECASE)
_DN_PART = re.compile(r'\s*([A-Za-z.0-9]+)\s*=\s*("(?:[^"]|"")*"|[^,]*)\s*(?:,|$)')
POWERSHELL_QUERY = (
    "[Console]::OutputEncoding = [Text.Encoding]::UTF8; "
    "Get-AppxPackage -AllUsers | ForEach-Object { [pscustomobject]@{ "
    "PackageFullName = $_.PackageFullName; Publisher = $_.Publisher; "
    "InstallLocation = $_.InstallLocation; IsFramework = $_.IsFramework; "
    "IsResourcePackage = $_.IsResourcePackage; SignatureKind = [string]$_.SignatureKind; "
    "Users = @($_.PackageUserInformation | Where-Object { [string]$_.InstallState -eq 'Installed' }"
    " | ForEach-Object { $_.UserSecurityId.Username }) } } | ConvertTo-Json -Compress -Depth 3"
)


class PackageId:
    """The parts of a PackageFullName: Name_Version_Architecture_ResourceId_PublisherId."""

    __slots__ = ("name", "version", "arch", "resource_id", "publisher_id")

    def __init__(self, name: str, version: str, arch: str, resource_id: str, publisher_id: str) -> None:
        self.name = name
        self.version = version
        self.arch = arch
        self.resource_id = resource_id
        self.publisher_id = publisher_id

    @property
    def family_name(self) -> str:
        return f"{self.name}_{self.publisher_id}"

    @property
    def is_resource(self) -> bool:
        """Resource packages carry a resource id (e.g. "split.scale-125"); "~" marks a bundle."""
        return self.resource_id not in ("", "~")


def parse_full_name(full_name: str) -> Optional[PackageId]:
    parts = full_name.split("_")
    if len(parts) != 5 or not all(parts[i] for i in (0, 1, 2, 4)):
        return None
    return PackageId(*parts)


def publisher_name(dn: Optional[str]) -> Optional[str]:
    """The CN of a publisher DN ("CN=Microsoft Corporation, O=..., C=US"), quotes removed.

    Store-signed packages carry a bare GUID as CN, which names nobody: None then.
    """
    if not dn:
        return None
    for match in _DN_PART.finditer(dn):
        if match.group(1).upper() == "CN":
            value = match.group(2).strip()
            if value.startswith('"') and value.endswith('"'):
                value = value[1:-1].replace('""', '"')
            return value if value and not _GUID.fullmatch(value) else None
    return dn.strip() or None


class Manifest:
    """What the Settings app's filter needs from AppxManifest.xml."""

    __slots__ = ("publisher", "framework", "resource")

    def __init__(self, publisher: Optional[str], framework: bool, resource: bool) -> None:
        self.publisher = publisher
        self.framework = framework
        self.resource = resource


def parse_manifest(data: bytes) -> Manifest:
    """Namespaces differ between Windows 8 and 10 manifests, so elements are matched by local name."""
    root = ET.fromstring(data)
    found: Dict[str, str] = {}
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        if local == "Identity" and "identity" not in found:
            found["identity"] = element.get("Publisher") or ""
        elif local in ("Framework", "ResourcePackage", "PublisherDisplayName"):
            found[local] = (element.text or "").strip()
    display = found.get("PublisherDisplayName", "")
    return Manifest(
        publisher=publisher_name(found.get("identity"))
        or (display if display and not display.startswith("ms-resource:") else None),
        framework=found.get("Framework", "").lower() == "true",
        resource=found.get("ResourcePackage", "").lower() == "true",
    )


def package_item(
    package: PackageId,
    publisher: Optional[str],
    location: Optional[str],
    user: Optional[str],
) -> SoftwareItem:
    return SoftwareItem(
        name=package.name,
        version=package.version,
        source=SOURCE,
        publisher=publisher,
        arch=package.arch,
        id=package.family_name,
        scope="user" if user else "system",
        user=user,
        location=location,
    )


def newest_per_family(items: List[SoftwareItem]) -> List[SoftwareItem]:
    """One item per (family, user): an update leaves the old version staged for a while."""
    best: Dict[Tuple[Optional[str], Optional[str]], SoftwareItem] = {}
    for item in items:
        key = (item.id, item.user)
        if key not in best or _version_key(item.version) > _version_key(best[key].version):
            best[key] = item
    return list(best.values())


def _version_key(version: str) -> Tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def items_from_powershell(output: str) -> SourceResult:
    """Parse POWERSHELL_QUERY's JSON (one object or a list, as ConvertTo-Json prints them)."""
    result = SourceResult()
    try:
        data = json.loads(output) if output.strip() else []
    except ValueError as exc:
        result.errors.append(SourceError(SOURCE, f"Get-AppxPackage printed invalid JSON: {exc}"))
        return result
    items = []
    for entry in data if isinstance(data, list) else [data]:
        package = parse_full_name(str(entry.get("PackageFullName") or ""))
        if package is None or package.is_resource:
            continue
        if entry.get("IsFramework") or entry.get("IsResourcePackage"):
            continue
        if str(entry.get("SignatureKind") or "").lower() == "system":
            continue  # the OS's own apps (C:\Windows\SystemApps): counted with the OS
        users = entry.get("Users") or []
        users = [users] if isinstance(users, str) else users
        publisher = publisher_name(entry.get("Publisher"))
        location = entry.get("InstallLocation") or None
        for user in users or [None]:
            items.append(package_item(package, publisher, location, _account(user)))
    result.items = newest_per_family(items)
    return result


def _account(username: Optional[str]) -> Optional[str]:
    """ "DOMAIN\\ivanov" -> "ivanov", as the Uninstall source names users by profile folder."""
    return username.rsplit("\\", 1)[-1] if username else None


def _store_packages(reader: RegistryReader) -> Tuple[Dict[str, Tuple[str, Optional[str]]], Dict]:
    """({full name lower: (full name, manifest path)}, {full name lower: {SIDs}}) from the registry.

    AppxAllUserStore names the machine's packages and the users that registered them; each loaded
    user's class hive (HKEY_USERS\\<SID>_Classes) adds that user's AppModel repository, which also
    holds packages installed for that user alone.
    """
    applications = join_path(APPX_STORE, "Applications")
    packages: Dict[str, Tuple[str, Optional[str]]] = {}
    for full_name in reader.subkeys(applications):
        path = value_str(reader.values(join_path(applications, full_name)), "Path")
        packages[full_name.lower()] = (full_name, path)
    registered: Dict[str, Set[str]] = {}
    for sid in reader.subkeys(APPX_STORE):
        if _SID.match(sid):
            for full_name in subkeys_or_empty(reader, join_path(APPX_STORE, sid)):
                registered.setdefault(full_name.lower(), set()).add(sid)
    for hive in subkeys_or_empty(reader, "HKEY_USERS"):
        sid = hive[: -len(CLASSES_SUFFIX)]
        if not (hive.lower().endswith(CLASSES_SUFFIX.lower()) and _SID.match(sid)):
            continue
        repository = join_path("HKEY_USERS", hive, USER_REPOSITORY)
        for full_name in subkeys_or_empty(reader, repository):
            registered.setdefault(full_name.lower(), set()).add(sid)
            if full_name.lower() not in packages:
                root = value_str(values_or_empty(reader, join_path(repository, full_name)), "PackageRootFolder")
                packages[full_name.lower()] = (full_name, root and ntpath.join(root, "AppxManifest.xml"))
    return packages, registered


def items_from_store(
    reader: RegistryReader,
    read_manifest: Callable[[str], bytes],
    user_names: Dict[str, str],
) -> SourceResult:
    """Packages from the registry; KeyNotFound for AppxAllUserStore propagates for a fallback."""
    result = SourceResult()
    packages, registered = _store_packages(reader)
    unreadable: List[str] = []
    items = []
    for key, (full_name, manifest_path) in sorted(packages.items()):
        package = parse_full_name(full_name)
        if package is None or package.is_resource:
            continue
        if manifest_path and "\\systemapps\\" in manifest_path.lower():
            continue  # the OS's own apps: counted with the OS
        manifest = None
        if manifest_path:
            try:
                manifest = parse_manifest(read_manifest(manifest_path))
            except (OSError, ET.ParseError):
                unreadable.append(manifest_path)
        if manifest is not None and (manifest.framework or manifest.resource):
            continue
        publisher = manifest.publisher if manifest else None
        location = ntpath.dirname(manifest_path) if manifest_path else None
        for sid in sorted(registered.get(key, ())) or [None]:
            user = user_names.get(sid.upper(), sid) if sid else None
            items.append(package_item(package, publisher, location, user))
    if unreadable:
        result.errors.append(
            SourceError(
                SOURCE,
                f"{len(unreadable)} package manifest(s) unreadable, so frameworks may be listed",
                unreadable[0],
            )
        )
    result.items = newest_per_family(items)
    return result


def _read_windows_file(path: str) -> bytes:
    with open(ntpath.expandvars(path), "rb") as handle:
        return handle.read()


class MsixSource(Source):
    """Installed MSIX/Appx packages on the live machine."""

    name = SOURCE

    def available(self) -> bool:
        return is_windows()

    def collect(self) -> SourceResult:
        from agent.sources.windows.uninstall import user_names
        from agent.windows_registry.reader import WinregReader

        reader = WinregReader("64")
        names = user_names(reader)
        try:
            result = items_from_store(reader, _read_windows_file, names)
        except (KeyNotFound, RegistryAccessError):
            result = SourceResult()
        # Every desktop Windows has some Store app: none means the undocumented layout has moved.
        if not result.items:
            result = self._from_powershell()
        date_packages(result.items, bam_runs(reader, names))
        return result

    def _from_powershell(self) -> SourceResult:
        command = ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", POWERSHELL_QUERY]
        try:
            done = subprocess.run(command, capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return SourceResult(errors=[SourceError(SOURCE, f"Get-AppxPackage failed: {exc}")])
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip()[:300]
            message = f"Get-AppxPackage exited {done.returncode}: {detail}"
            return SourceResult(errors=[SourceError(SOURCE, message)])
        return items_from_powershell(done.stdout.decode("utf-8-sig", "replace"))
