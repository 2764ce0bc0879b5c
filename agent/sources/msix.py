"""Microsoft Store / MSIX packages: the new Teams (MSTeams_8wekyb3d8bbwe) exists only here.

Live, the machine-wide AppxAllUserStore in the registry is read first (fast: no PowerShell start):
`Applications\\<PackageFullName>` names every installed package and its manifest, `<SID>\\<full
name>` says which users registered it. Its layout is undocumented, so when it is absent or
unreadable the documented API answers instead: `Get-AppxPackage -AllUsers` through PowerShell.
Like the Settings app, frameworks, resource packages and the OS's own system apps are skipped.
"""

from __future__ import annotations

import json
import ntpath
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from agent.sources.base import SoftwareItem, Source, SourceError, SourceResult
from agent.sources.windows.registry import (
    KeyNotFound,
    RegistryAccessError,
    RegistryReader,
    is_windows,
    join_path,
    value_str,
)

SOURCE = "msix"
APPX_STORE = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Appx\AppxAllUserStore"
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


@dataclass
class PackageId:
    """The parts of a PackageFullName: Name_Version_Architecture_ResourceId_PublisherId."""

    name: str
    version: str
    arch: str
    resource_id: str
    publisher_id: str

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
    """The CN of a publisher DN ("CN=Microsoft Corporation, O=..., C=US"), quotes removed."""
    if not dn:
        return None
    for match in _DN_PART.finditer(dn):
        if match.group(1).upper() == "CN":
            value = match.group(2).strip()
            if value.startswith('"') and value.endswith('"'):
                value = value[1:-1].replace('""', '"')
            return value or None
    return dn.strip() or None


@dataclass
class Manifest:
    """What the Settings app's filter needs from AppxManifest.xml."""

    publisher: Optional[str]
    framework: bool
    resource: bool


def parse_manifest(data: bytes) -> Manifest:
    """Namespaces differ between Windows 8 and 10 manifests, so elements are matched by local name."""
    root = ET.fromstring(data)
    found: Dict[str, str] = {}
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        if local == "Identity" and "identity" not in found:
            found["identity"] = element.get("Publisher") or ""
        elif local in ("Framework", "ResourcePackage"):
            found[local] = (element.text or "").strip().lower()
    return Manifest(
        publisher=publisher_name(found.get("identity")),
        framework=found.get("Framework") == "true",
        resource=found.get("ResourcePackage") == "true",
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


def items_from_store(
    reader: RegistryReader,
    read_manifest: Callable[[str], bytes],
    user_names: Dict[str, str],
) -> SourceResult:
    """Packages from AppxAllUserStore; KeyNotFound propagates so the caller can fall back."""
    result = SourceResult()
    applications = join_path(APPX_STORE, "Applications")
    registered: Dict[str, List[str]] = {}
    for sid in reader.subkeys(APPX_STORE):
        if _SID.match(sid):
            for full_name in _subkeys(reader, join_path(APPX_STORE, sid)):
                registered.setdefault(full_name.lower(), []).append(sid)
    unreadable: List[str] = []
    items = []
    for full_name in reader.subkeys(applications):
        package = parse_full_name(full_name)
        if package is None or package.is_resource:
            continue
        manifest_path = value_str(reader.values(join_path(applications, full_name)), "Path")
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
        sids = registered.get(full_name.lower()) or [None]
        for sid in sids:
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


def _subkeys(reader: RegistryReader, path: str) -> List[str]:
    try:
        return reader.subkeys(path)
    except (KeyNotFound, RegistryAccessError):
        return []


def _read_windows_file(path: str) -> bytes:
    with open(ntpath.expandvars(path), "rb") as handle:
        return handle.read()


class MsixSource(Source):
    """Installed MSIX/Appx packages on the live machine."""

    name = SOURCE

    def available(self) -> bool:
        return is_windows()

    def collect(self) -> SourceResult:
        from agent.sources.windows.registry import WinregReader
        from agent.sources.windows.uninstall import user_names

        reader = WinregReader("64")
        try:
            return items_from_store(reader, _read_windows_file, user_names(reader))
        except (KeyNotFound, RegistryAccessError):
            return self._from_powershell()

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
