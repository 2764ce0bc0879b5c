"""Installed programs from the Uninstall keys, filtered as Windows' "Apps & features" shows them.

Read from HKLM in both registry views (64-bit and WOW6432Node) and from every user profile (the
hives loaded under HKEY_USERS, the NTUSER.DAT files of users not logged on), or from regedit exports
of those keys (`footprint-agent collect --reg-export`).
"""

from __future__ import annotations

import datetime
import os
import platform
import re
from typing import Dict, Iterable, List, Optional, Tuple

from agent.sources.base import SoftwareItem, Source, SourceError, SourceResult
from agent.sources.windows.last_use import LastUse, bam_runs, user_assist_runs
from agent.windows_registry.reader import (
    KeyNotFound,
    RegistryAccessError,
    RegistryReader,
    is_windows,
    join_path,
    subkeys_or_empty,
    value_int,
    value_str,
    values_or_empty,
)

SOURCE = "windows"
UNINSTALL = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall"
# As regedit spells them in user hives; a few 32-bit installers write the WOW6432Node one.
USER_UNINSTALLS = (
    r"Software\Microsoft\Windows\CurrentVersion\Uninstall",
    r"Software\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall",
)
# A UserAssist key in an export: the hive it belongs to.
_EXPORTED_USER_ASSIST = re.compile(
    r"(HKEY_CURRENT_USER|HKEY_USERS\\[^\\]+)\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer"
    r"\\UserAssist\\\{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA\}\\Count",
    re.IGNORECASE,
)
HKLM = "HKEY_LOCAL_MACHINE"
UPGRADE_CODES = r"HKEY_LOCAL_MACHINE\SOFTWARE\Classes\Installer\UpgradeCodes"
PROFILE_LIST = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList"
WELL_KNOWN_SIDS = {"S-1-5-18": "SYSTEM", "S-1-5-19": "LOCAL SERVICE", "S-1-5-20": "NETWORK SERVICE"}
HIDDEN_RELEASE_TYPES = {"update", "hotfix", "security update"}

_GUID = re.compile(r"\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}")
_PACKED = re.compile(r"[0-9A-Fa-f]{32}")
_CONTROL = re.compile(r"[\x00-\x1f]")
# An Uninstall key in an export: HKLM or a user hive, native or WOW6432Node.
_EXPORTED_UNINSTALL = re.compile(
    r"(HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER|HKEY_USERS\\([^\\]+))\\SOFTWARE\\(WOW6432Node\\)?"
    r"Microsoft\\Windows\\CurrentVersion\\Uninstall",
    re.IGNORECASE,
)


def pack_guid(guid: str) -> str:
    """The "packed" (compressed) GUID Windows Installer uses as key and value names.

    The first three groups are reversed whole, every byte of the last two is nibble-swapped:
    {23170F69-40C1-2702-1604-000001000000} -> 96F071321C0420726140000010000000.
    """
    plain = guid.strip("{}").replace("-", "").upper()
    if not _PACKED.fullmatch(plain):
        raise ValueError(f"not a GUID: {guid!r}")
    tail = "".join(plain[i + 1] + plain[i] for i in range(16, 32, 2))
    return plain[7::-1] + plain[11:7:-1] + plain[15:11:-1] + tail


def unpack_guid(packed: str) -> str:
    """Inverse of `pack_guid`: 32 hex digits -> "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}"."""
    if not _PACKED.fullmatch(packed):
        raise ValueError(f"not a packed GUID: {packed!r}")
    plain = pack_guid(packed)  # the transform is its own inverse
    return f"{{{plain[:8]}-{plain[8:12]}-{plain[12:16]}-{plain[16:20]}-{plain[20:]}}}"


def upgrade_codes(reader: RegistryReader) -> Dict[str, str]:
    """ProductCode -> UpgradeCode, from the packed GUIDs under Classes\\Installer\\UpgradeCodes."""
    found: Dict[str, str] = {}
    for packed_upgrade in subkeys_or_empty(reader, UPGRADE_CODES):
        if not _PACKED.fullmatch(packed_upgrade):
            continue
        for value in values_or_empty(reader, join_path(UPGRADE_CODES, packed_upgrade)).values():
            if _PACKED.fullmatch(value.name):
                found[unpack_guid(value.name)] = unpack_guid(packed_upgrade)
    return found


def profiles(reader: RegistryReader) -> Dict[str, str]:
    """SID (upper-case) -> profile folder, from ProfileList (well-known service SIDs left out)."""
    found = {}
    for sid in subkeys_or_empty(reader, PROFILE_LIST):
        folder = value_str(values_or_empty(reader, join_path(PROFILE_LIST, sid)), "ProfileImagePath")
        if folder and sid.upper() not in WELL_KNOWN_SIDS:
            found[sid.upper()] = folder
    return found


def user_names(reader: RegistryReader) -> Dict[str, str]:
    """SID (upper-case) -> account name: the profile folder's name, as Windows derives it."""
    names = dict(WELL_KNOWN_SIDS)
    for sid, folder in profiles(reader).items():
        names[sid] = re.split(r"[\\/]", folder.rstrip("\\/"))[-1]
    return names


def install_date(text: Optional[str]) -> Optional[str]:
    """InstallDate as YYYY-MM-DD: installers write YYYYMMDD (the rule), YYYY-MM-DD or DD.MM.YYYY."""
    if not text:
        return None
    for layout in ("%Y%m%d", "%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text.strip(), layout).date().isoformat()
        except ValueError:
            continue
    return None


def display_version(values: Dict) -> str:
    """DisplayVersion; else the MSI-style Version DWORD (major << 24 | minor << 16 | build)."""
    text = _CONTROL.split(value_str(values, "DisplayVersion") or "", 1)[0].strip()
    if text:
        return text  # some installers leave garbage after a control character
    packed = value_int(values, "Version")
    if packed:
        return f"{packed >> 24}.{(packed >> 16) & 0xFF}.{packed & 0xFFFF}"
    major, minor = value_int(values, "VersionMajor"), value_int(values, "VersionMinor")
    return f"{major}.{minor}" if major is not None and minor is not None else ""


def is_listed(values: Dict) -> bool:
    """What "Apps & features" lists: a DisplayName, no system component, no update of another."""
    if not value_str(values, "DisplayName"):
        return False
    if value_int(values, "SystemComponent") == 1:
        return False
    if value_str(values, "ParentKeyName"):
        return False
    release = value_str(values, "ReleaseType")
    return not (release and release.lower() in HIDDEN_RELEASE_TYPES)


def entry_item(
    key_name: str,
    values: Dict,
    arch: Optional[str],
    user: Optional[str],
    user_scope: bool,
    codes: Dict[str, str],
) -> Optional[SoftwareItem]:
    """One Uninstall subkey as a SoftwareItem, or None when Windows would not list it."""
    name = value_str(values, "DisplayName")
    if name is None or not is_listed(values):
        return None
    product_code = key_name.upper() if _GUID.fullmatch(key_name) else None
    item = SoftwareItem(
        name=name,
        version=display_version(values),
        source=SOURCE,
        publisher=value_str(values, "Publisher"),
        arch=arch,
        install_date=install_date(value_str(values, "InstallDate")),
        id=product_code,
        scope="user" if user_scope else "system",
        user=user,
        location=value_str(values, "InstallLocation"),
    )
    if product_code and product_code in codes:
        item.extra["upgrade_code"] = codes[product_code]
    return item


def read_uninstall_key(
    reader: RegistryReader,
    path: str,
    arch: Optional[str],
    user: Optional[str],
    user_scope: bool,
    codes: Dict[str, str],
    result: SourceResult,
    last_use: Optional[LastUse] = None,
) -> List[Tuple[str, SoftwareItem]]:
    """(key name, item) for each listed entry under one Uninstall key; a missing key is no error. Each item is noted
    in `last_use` to be dated once every user's runs are known."""
    found: List[Tuple[str, SoftwareItem]] = []
    try:
        names = reader.subkeys(path)
    except KeyNotFound:
        return found
    except RegistryAccessError as exc:
        result.errors.append(SourceError(SOURCE, f"cannot read the key: {exc}", path))
        return found
    for name in names:
        try:
            values = reader.values(join_path(path, name))
        except (KeyNotFound, RegistryAccessError) as exc:
            result.errors.append(SourceError(SOURCE, f"cannot read the key: {exc}", join_path(path, name)))
            continue
        item = entry_item(name, values, arch, user, user_scope, codes)
        if item is not None:
            found.append((name, item))
            if last_use is not None:
                last_use.note(item, values)
    return found


def dedupe(entries: Iterable[Tuple[str, SoftwareItem]]) -> List[SoftwareItem]:
    """Drop an entry seen again: same key name, name, version, publisher and owner.

    32-bit Windows shows one registry through both views, and one key in several exports of a
    machine is one program; the first sighting (the native view) wins.
    """
    seen = set()
    items = []
    for key_name, item in entries:
        identity = (
            key_name.lower(),
            item.name,
            item.version,
            item.publisher,
            item.scope,
            item.user,
        )
        if identity not in seen:
            seen.add(identity)
            items.append(item)
    return items


def os_is_64bit() -> bool:
    """True on 64-bit Windows, also under a 32-bit Python (WOW64 sets PROCESSOR_ARCHITEW6432)."""
    machine = os.environ.get("PROCESSOR_ARCHITEW6432") or platform.machine()
    return machine.upper() in ("AMD64", "ARM64", "X86_64", "IA64")


class UninstallSource(Source):
    """The live registry: HKLM in both views, then every user hive loaded under HKEY_USERS."""

    name = SOURCE

    def available(self) -> bool:
        return is_windows()

    def collect(self) -> SourceResult:
        from agent.windows_registry.reader import WinregReader

        result = SourceResult()
        native = WinregReader("64")
        codes = upgrade_codes(native)
        names = user_names(native)
        last_use = LastUse()
        for user, runs in bam_runs(native, names).items():
            last_use.add(user, runs)
        entries: List[Tuple[str, SoftwareItem]] = []
        views = [("64", "x64"), ("32", "x86")] if os_is_64bit() else [("32", "x86")]
        for view, arch in views:
            reader = native if view == "64" else WinregReader(view)
            entries += read_uninstall_key(reader, join_path(HKLM, UNINSTALL), arch, None, False, codes, result,
                                          last_use)
        try:
            hives = native.subkeys("HKEY_USERS")
        except (KeyNotFound, RegistryAccessError) as exc:
            result.errors.append(SourceError(SOURCE, f"cannot list user hives: {exc}", "HKEY_USERS"))
            hives = []
        folders = profiles(native)
        for sid in hives:
            if sid.lower().endswith("_classes") or sid.startswith("."):
                continue  # *_Classes: the same users' class hives; .DEFAULT: the logon screen's
            folder = folders.get(sid.upper())
            entries += user_entries(native, sid, names.get(sid.upper(), sid), folder, codes, result, last_use)
        loaded = {sid.upper() for sid in hives}
        for sid, folder in folders.items():
            if sid not in loaded:
                entries += self._logged_off_user(sid, folder, names[sid], codes, result, last_use)
        result.items = dedupe(entries)
        last_use.apply()
        return result

    @staticmethod
    def _logged_off_user(
        sid: str, folder: str, user: str, codes: Dict[str, str], result: SourceResult, last_use: LastUse
    ) -> List[Tuple[str, SoftwareItem]]:
        """A user who is not logged on: their NTUSER.DAT is read as a file, never loaded."""
        from agent.windows_registry.hive import HiveReader

        path = os.path.join(os.path.expandvars(folder), "NTUSER.DAT")
        try:
            hive = HiveReader(path, join_path("HKEY_USERS", sid))
        except FileNotFoundError:
            return []  # a profile that was never used, or a roaming one not on this disk
        except OSError as exc:
            result.errors.append(SourceError(SOURCE, f"cannot read the user hive: {exc}", path))
            return []
        with hive:
            return user_entries(hive, sid, user, folder, codes, result, last_use)


def user_entries(
    reader: RegistryReader, sid: str, user: str, folder: Optional[str], codes: Dict[str, str],
    result: SourceResult, last_use: LastUse,
) -> List[Tuple[str, SoftwareItem]]:
    """The per-user Uninstall keys of one hive mounted at HKEY_USERS\\<SID>, and the user's UserAssist runs
    (`folder`: the profile folder, which places the per-user known folders)."""
    hive = join_path("HKEY_USERS", sid)
    last_use.add(user, user_assist_runs(reader, hive, folder))
    entries: List[Tuple[str, SoftwareItem]] = []
    for uninstall in USER_UNINSTALLS:
        entries += read_uninstall_key(reader, join_path(hive, uninstall), None, user, True, codes, result, last_use)
    return entries


def collect_from_exports(paths: Iterable[str], encoding: Optional[str] = None) -> SourceResult:
    """Software from regedit exports of Uninstall keys (HKLM, WOW6432Node, HKEY_USERS\\<SID>, HKCU).

    Scope and architecture follow from each key's path: WOW6432Node is x86, HKLM's native view is
    x64 only when the exports show a WOW6432Node (proof of 64-bit Windows). A malformed file is
    reported in `errors` with its line, and the other files are still read.
    """
    from agent.windows_registry.regfile import RegFileError, RegFileReader

    result = SourceResult()
    reader = RegFileReader()
    for path in paths:
        try:
            reader.load(path, encoding)
        except RegFileError as exc:
            where = f"line {exc.line}: " if exc.line else ""
            result.errors.append(SourceError(SOURCE, where + exc.problem, exc.path))
    keys = list(reader.walk())
    is_64bit = any(re.search(r"\\WOW6432Node(\\|$)", key, re.IGNORECASE) for key in keys)
    codes = upgrade_codes(reader)
    names = user_names(reader)
    last_use = exported_runs(reader, keys, names)
    matches = [m for m in map(_EXPORTED_UNINSTALL.fullmatch, keys) if m]
    matches.sort(key=lambda m: bool(m.group(3)))  # native view first, so it wins in dedupe
    entries: List[Tuple[str, SoftwareItem]] = []
    for match in matches:
        key = match.group(0)
        root, sid, wow = match.groups()
        user_scope = not root.upper().startswith(HKLM)
        user = names.get(sid.upper(), sid) if sid else None
        arch = None
        if not user_scope:
            arch = "x86" if wow else ("x64" if is_64bit else None)
        entries += read_uninstall_key(reader, key, arch, user, user_scope, codes, result, last_use)
    result.items = dedupe(entries)
    last_use.apply()
    return result


def exported_runs(reader: RegistryReader, keys: List[str], names: Dict[str, str]) -> LastUse:
    """The BAM and UserAssist runs an export holds: HKEY_USERS\\<SID> hives by their user, HKEY_CURRENT_USER's as
    the unnamed user that the export's HKCU Uninstall entries have too."""
    last_use = LastUse()
    for user, runs in bam_runs(reader, names).items():
        last_use.add(user, runs)
    folders = profiles(reader)
    hives = {m.group(1) for m in map(_EXPORTED_USER_ASSIST.fullmatch, keys) if m}
    for hive in sorted(hives):
        sid = hive.split("\\", 1)[1] if "\\" in hive else None
        user = names.get(sid.upper(), sid) if sid else None
        last_use.add(user, user_assist_runs(reader, hive, folders.get(sid.upper()) if sid else None))
    return last_use
