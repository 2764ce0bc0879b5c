"""macOS application bundles: /Applications, /System/Applications and every user's ~/Applications.

Folders inside those are searched one level deep (/Applications/Utilities, "Microsoft Office"),
never into a bundle (an app's helper apps are part of it). The signing Team ID comes from
`codesign -dv` where the tool exists: it is the strongest evidence of who made the app. The last use is Spotlight's
kMDItemLastUsedDate of the bundle (set when the app is opened, not when its files are read), asked of `mdls` for
all bundles at once: with `-raw` it prints one value per path, each ended by a NUL, `(null)` where none is recorded,
dates as "2026-11-20 09:15:02 +0000" (mdls(1)).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Iterator, List, Optional, Sequence, Tuple

from agent.sources.base import SoftwareItem, Source, SourceError, SourceResult, utc_day
from agent.sources.macos.plist import PlistError, load_plist_dict

SOURCE = "macos-app"
SYSTEM_FOLDERS = ("Applications", "System/Applications")
USERS_FOLDER = "Users"
_TEAM_ID = re.compile(r"^TeamIdentifier=(\S+)\s*$", re.MULTILINE)
CODESIGN_WORKERS = 8
MDLS_BATCH = 256  # bundle paths per mdls call, well within the argument list's limit


def parse_codesign(output: str) -> Optional[str]:
    """The TeamIdentifier line of `codesign -dv` output; None for "not set" (ad hoc, Apple's own)."""
    match = _TEAM_ID.search(output)
    if not match or match.group(1).lower() == "not":
        return None
    return match.group(1)


def codesign_team_id(bundle: str) -> Optional[str]:
    """codesign prints its details on stderr."""
    try:
        done = subprocess.run(["codesign", "-dv", bundle], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return parse_codesign(done.stderr.decode("utf-8", "replace"))


def parse_mdls_dates(output: bytes, count: int) -> Optional[List[Optional[str]]]:
    """`mdls -raw -name kMDItemLastUsedDate` output for `count` paths as `last_used` days; None when it does not
    hold one value per path (mdls stopped at a path it could not read)."""
    values = output.decode("utf-8", "replace").split("\0")
    if values and values[-1] == "" and len(values) == count + 1:
        values.pop()  # the last value's NUL
    if len(values) != count:
        return None
    days: List[Optional[str]] = []
    for value in values:
        try:
            days.append(utc_day(datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S %z")))
        except ValueError:  # "(null)": never opened, or not indexed
            days.append(None)
    return days


def spotlight_last_used(bundles: Sequence[str]) -> List[Optional[str]]:
    """The last-used day of each bundle: one mdls call per MDLS_BATCH bundles, one per bundle only for a batch
    that mdls could not answer whole."""
    days: List[Optional[str]] = []
    for start in range(0, len(bundles), MDLS_BATCH):
        batch = list(bundles[start:start + MDLS_BATCH])
        found = _mdls(batch)
        if found is None:
            found = [(_mdls([bundle]) or [None])[0] for bundle in batch]
        days += found
    return days


def _mdls(paths: List[str]) -> Optional[List[Optional[str]]]:
    try:
        done = subprocess.run(["mdls", "-raw", "-name", "kMDItemLastUsedDate", *paths], capture_output=True,
                              timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return parse_mdls_dates(done.stdout, len(paths))


def bundle_item(bundle: str, info: dict, location: str, user: Optional[str]) -> SoftwareItem:
    """An Info.plist as a SoftwareItem: names fall back to the bundle's file name."""
    stem = os.path.basename(bundle.rstrip("/"))[: -len(".app")]
    name = _text(info.get("CFBundleDisplayName")) or _text(info.get("CFBundleName")) or stem
    version = _text(info.get("CFBundleShortVersionString")) or _text(info.get("CFBundleVersion"))
    return SoftwareItem(
        name=name,
        version=version or "",
        source=SOURCE,
        id=_text(info.get("CFBundleIdentifier")),
        scope="user" if user else "system",
        user=user,
        location=location,
    )


def _text(value: object) -> Optional[str]:
    return value.strip() or None if isinstance(value, str) else None


class MacAppsSource(Source):
    name = SOURCE

    def available(self) -> bool:
        return any(os.path.isdir(folder) for folder, _ in self._folders())

    def _folders(self) -> Iterator[Tuple[str, Optional[str]]]:
        """(folder, user) pairs to search: system-wide first, then each home's ~/Applications."""
        for relative in SYSTEM_FOLDERS:
            yield os.path.join(self.root, relative), None
        users = os.path.join(self.root, USERS_FOLDER)
        try:
            homes = sorted(os.listdir(users))
        except OSError:
            homes = []
        for home in homes:
            if home != "Shared" and not home.startswith("."):
                yield os.path.join(users, home, "Applications"), home

    def _location(self, path: str) -> str:
        """The bundle's path as seen on the inventoried system (the --root prefix removed)."""
        return "/" + os.path.relpath(path, self.root) if self.root != "/" else path

    def collect(self) -> SourceResult:
        result = SourceResult()
        found: List[Tuple[str, SoftwareItem]] = []
        for folder, user in self._folders():
            for bundle in find_bundles(folder):
                item = self._read(bundle, user, result)
                if item is not None:
                    found.append((bundle, item))
        # Apple's own apps in /System carry no Team ID ("not set"): no process spent on them.
        signed = [(bundle, item) for bundle, item in found if not (item.location or "").startswith("/System/")]
        if signed and shutil.which("codesign"):
            with ThreadPoolExecutor(max_workers=CODESIGN_WORKERS) as pool:
                teams = pool.map(codesign_team_id, [bundle for bundle, _ in signed])
                for (_, item), team in zip(signed, teams):
                    if team:
                        item.extra["team_id"] = team
        if found and shutil.which("mdls"):
            for (_, item), day in zip(found, spotlight_last_used([bundle for bundle, _ in found])):
                item.last_used = day
        result.items = [item for _, item in found]
        return result

    def _read(self, bundle: str, user: Optional[str], result: SourceResult) -> Optional[SoftwareItem]:
        path = os.path.join(bundle, "Contents", "Info.plist")
        try:
            info = load_plist_dict(path)
        except FileNotFoundError:
            return None  # not an application bundle after all (or a half-deleted one)
        except PlistError as exc:
            result.errors.append(SourceError(SOURCE, f"unreadable Info.plist: {exc}", path))
            return None
        return bundle_item(bundle, info, self._location(bundle), user)


def find_bundles(folder: str) -> Iterator[str]:
    """`*.app` in `folder` and in its plain subfolders, sorted; never inside a bundle."""
    for entry in _sorted_dirs(folder):
        if entry.endswith(".app"):
            yield entry
        else:
            for inner in _sorted_dirs(entry):
                if inner.endswith(".app"):
                    yield inner


def _sorted_dirs(folder: str) -> List[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    paths = [os.path.join(folder, name) for name in names if not name.startswith(".")]
    return [path for path in paths if os.path.isdir(path)]
