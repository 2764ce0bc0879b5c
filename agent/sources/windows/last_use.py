"""When Windows last ran each installed program, from the two per-user execution records it keeps.

- BAM, the Background Activity Moderator (Windows 10 1709 on):
  `HKLM\\SYSTEM\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\<SID>` (`bam\\UserSettings` before 1809),
  one REG_BINARY value per executable the user ran, named by its NT device path
  (`\\Device\\HarddiskVolume3\\Program Files\\7-Zip\\7zFM.exe`), whose first 8 bytes are the FILETIME of the last
  run; the key also holds the DWORDs `Version` and `SequenceNumber`. Windows drops entries older than a week at boot,
  so BAM is the recent record. Sources: winreg-kb, "Background activity moderator (BAM)"
  (https://winreg-kb.readthedocs.io/en/latest/sources/system-keys/Background-activity-moderator.html);
  artefacts.help, "BAM / DAM" (https://artefacts.help/windows_registry_bam_dam.html).
- UserAssist, programs the user started from the shell (Start menu, desktop, Explorer), kept indefinitely:
  `HKEY_USERS\\<SID>\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist\\{CEBFF5CD-ACE2-4F4F-9178-
  9926F41749EA}\\Count`, value names ROT13-encoded paths that begin with a known folder GUID
  (`{6D809377-6AF0-444B-8957-A3773F02200E}\\7-Zip\\7zFM.exe` for Program Files), data 72 bytes from Windows 7 on
  with the run count at byte 4 and the FILETIME of the last run at byte 60. Sources: Didier Stevens, "New Format for
  UserAssist Registry Keys" (https://blog.didierstevens.com/2010/01/04/new-format-for-userassist-registry-keys/);
  artefacts.help, "UserAssist" (https://artefacts.help/windows_registry_userassist.html); the known folder GUIDs
  as KNOWNFOLDERID lists them (FOLDERID_ProgramFilesX64 and the others below).

A Store (MSIX) app's BAM value is named by its PackageFamilyName, which dates the msix item of that id.
An executable counts for the program whose InstallLocation holds it, or whose DisplayIcon names it or its folder
(Uninstall keys). The volume is not compared: BAM names it `\\Device\\HarddiskVolumeN`, which only the running
system maps to a drive letter. Both records are read, the later run wins: a program started last month from the
Start menu is in UserAssist though BAM forgot it.
"""

from __future__ import annotations

import codecs
import re
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Optional, Tuple

from agent.sources.base import SoftwareItem, utc_day
from agent.windows_registry.reader import (
    REG_BINARY,
    RegistryReader,
    RegValue,
    join_path,
    subkeys_or_empty,
    value_str,
    values_or_empty,
)

BAM_KEYS = (
    r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\bam\State\UserSettings",  # Windows 10 1809 on
    r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\bam\UserSettings",  # 1709, 1803
)
USER_ASSIST = (r"Software\Microsoft\Windows\CurrentVersion\Explorer\UserAssist"
               r"\{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}\Count")  # executables (not the shortcuts' GUID)
USER_ASSIST_SIZE = 72  # Windows 7 on; XP and Vista kept 16 bytes under other GUIDs
USER_ASSIST_LAST_RUN = 60
# Known folders UserAssist writes as GUIDs: machine-wide ones as drive-less paths, per-user ones under the profile.
MACHINE_FOLDERS = {
    "{6D809377-6AF0-444B-8957-A3773F02200E}": r"\program files",  # FOLDERID_ProgramFilesX64
    "{905E63B6-C1BF-494E-B29C-65B732D3D21A}": r"\program files",  # FOLDERID_ProgramFiles (a 64-bit process)
    "{7C5A40EF-A0FB-4BFC-874A-C0F2E0B9FA8E}": r"\program files (x86)",  # FOLDERID_ProgramFilesX86
    "{62AB5D82-FDC1-4DC3-A9DD-070D1D495D97}": r"\programdata",  # FOLDERID_ProgramData
    "{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}": r"\windows\system32",  # FOLDERID_System
    "{D65231B0-B2F1-4857-A4CE-A8E7C6EA7D27}": r"\windows\syswow64",  # FOLDERID_SystemX86
    "{F38BF404-1D43-42F2-9305-67DE0B28FC23}": r"\windows",  # FOLDERID_Windows
}
USER_FOLDERS = {
    "{5CD7AEE2-2219-4A67-B85D-6C9CE15660CB}": r"\appdata\local\programs",  # FOLDERID_UserProgramFiles
    "{F1B32785-6FBA-4FCF-9D55-7B8E7F157091}": r"\appdata\local",  # FOLDERID_LocalAppData
    "{3EB685DB-65F9-4CF6-A03A-E3EF65729F3D}": r"\appdata\roaming",  # FOLDERID_RoamingAppData
}
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)
_VOLUME = re.compile(r"^(\\\\\?\\)?([a-z]:|\\device\\[^\\]+|%systemdrive%)", re.IGNORECASE)
_GUID_PREFIX = re.compile(r"^(\{[0-9A-Fa-f-]{36}\})(.*)$")
# Folders many programs share: an InstallLocation naming one of them says nothing about which program ran.
_SHARED = re.compile(r"^\\(windows(\\.*)?|program files( \(x86\))?|programdata|users(\\[^\\]+(\\appdata"
                     r"(\\(local|roaming|locallow)(\\programs)?)?)?)?)?$")

Runs = Dict[str, datetime]  # drive-less lower-case executable path -> last run


def filetime(raw: bytes, offset: int = 0) -> Optional[datetime]:
    """The FILETIME (100 ns since 1601, UTC) at `offset`; None for zero, a short value or a time before 1971."""
    if len(raw) < offset + 8:
        return None
    ticks = int.from_bytes(raw[offset:offset + 8], "little")
    try:
        moment = _FILETIME_EPOCH + timedelta(microseconds=ticks // 10)
    except OverflowError:
        return None
    return moment if 1970 < moment.year < 2999 else None


def path_key(path: str) -> str:
    """A path as both records and the Uninstall keys can be compared: lower case, no volume, no trailing slash."""
    text = path.strip().strip('"').replace("/", "\\").lower()
    text = _VOLUME.sub("", text)
    return "\\" + "\\".join(part for part in text.split("\\") if part)


def bam_runs(reader: RegistryReader, names: Dict[str, str]) -> Dict[str, Runs]:
    """Each user's BAM runs, by account name (`names`: SID -> name, as the Uninstall items carry it): executables
    by drive-less path, Store apps (a value named by its PackageFamilyName) by that name in lower case."""
    found: Dict[str, Runs] = {}
    for base in BAM_KEYS:
        for sid in subkeys_or_empty(reader, base):
            runs = found.setdefault(names.get(sid.upper(), sid), {})
            for value in values_or_empty(reader, join_path(base, sid)).values():
                moment = filetime(value.data) if _binary(value) else None
                if moment is not None:
                    name = path_key(value.name) if value.name.startswith("\\") else value.name.lower()
                    _keep(runs, name, moment)
    return found


def date_packages(items: List[SoftwareItem], runs: Dict[str, Runs]) -> None:
    """Store (MSIX) packages dated by the BAM value of their PackageFamilyName: a user's package by their runs,
    a machine-wide one by every user's."""
    for item in items:
        family = (item.id or "").lower()
        pools = [runs.get(item.user or "", {})] if item.user else list(runs.values())
        latest = max((pool[family] for pool in pools if family in pool), default=None)
        if latest is not None:
            item.last_used = utc_day(latest)


def user_assist_runs(reader: RegistryReader, hive: str, profile: Optional[str]) -> Runs:
    """The UserAssist runs of the user hive mounted at `hive` (HKEY_USERS\\<SID>, HKEY_CURRENT_USER);
    `profile`, the user's profile folder, places their per-user known folders (unplaced without it)."""
    runs: Runs = {}
    home = path_key(profile) if profile else None
    for value in values_or_empty(reader, join_path(hive, USER_ASSIST)).values():
        if not _binary(value) or len(value.data) != USER_ASSIST_SIZE:
            continue
        moment = filetime(value.data, USER_ASSIST_LAST_RUN)
        path = _placed(codecs.decode(value.name, "rot13"), home)
        if moment is not None and path is not None:
            _keep(runs, path, moment)
    return runs


def _placed(name: str, home: Optional[str]) -> Optional[str]:
    """A decoded UserAssist name as a drive-less path; None for a counter (UEME_CTLSESSION) or an unplaced folder."""
    guid = _GUID_PREFIX.match(name)
    if guid is None:
        return path_key(name) if _VOLUME.match(name) else None
    folder, rest = guid.group(1).upper(), guid.group(2)
    if folder in MACHINE_FOLDERS:
        return path_key(MACHINE_FOLDERS[folder] + "\\" + rest)
    if folder in USER_FOLDERS and home:
        return path_key(home + USER_FOLDERS[folder] + "\\" + rest)
    return None


def program_folders(values: Dict[str, RegValue]) -> List[str]:
    """Where an Uninstall entry's program lives: InstallLocation, and DisplayIcon's file and folder."""
    found = []
    location = value_str(values, "InstallLocation")
    if location:
        found.append(path_key(location))
    icon = value_str(values, "DisplayIcon")
    if icon:
        icon = re.sub(r",\s*-?\d+$", "", icon.strip()).strip('"')
        if icon.lower().endswith(".exe"):
            exe = path_key(icon)
            found += [exe, exe.rsplit("\\", 1)[0]]
    return [folder for folder in dict.fromkeys(found) if not _SHARED.match(folder)]


class LastUse:
    """Runs gathered per user while the Uninstall keys are read; `apply` then dates each program's last run."""

    def __init__(self) -> None:
        self._runs: Dict[Optional[str], Runs] = {}
        self._pending: List[Tuple[SoftwareItem, List[str]]] = []

    def add(self, user: Optional[str], runs: Runs) -> None:
        mine = self._runs.setdefault(user, {})
        for path, moment in runs.items():
            _keep(mine, path, moment)

    def note(self, item: SoftwareItem, values: Dict[str, RegValue]) -> None:
        folders = program_folders(values)
        if folders:
            self._pending.append((item, folders))

    def apply(self) -> None:
        """A per-user program takes its user's runs; a machine-wide one the latest of every user's."""
        for item, folders in self._pending:
            pools = [self._runs.get(item.user, {})] if item.scope == "user" else list(self._runs.values())
            latest = max((moment for runs in pools for path, moment in runs.items()
                          if any(path == folder or path.startswith(folder + "\\") for folder in folders)),
                         default=None)
            if latest is not None:
                item.last_used = utc_day(latest)


def _binary(value: RegValue) -> bool:
    return value.type == REG_BINARY and isinstance(value.data, bytes)


def _keep(runs: Runs, path: str, moment: datetime) -> None:
    if path not in runs or runs[path] < moment:
        runs[path] = moment
