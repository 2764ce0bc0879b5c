"""The repository each installed rpm came from, as dnf or yum recorded it when installing it.

rpm itself does not know; the package manager's history does: dnf 5's and dnf 4's SQLite history
(libdnf5 and libdnf "swdb" schemas: `trans_item.repo_id` → `repo.repoid` for the item's `rpm` row), or
yum's yumdb (`<letter>/<pkgid>-<name>-<version>-<release>-<arch>/from_repo`). The newest transaction
that brought a version in wins, so a reinstall from another repository counts.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple
from urllib.parse import quote

from agent.sources.base import SoftwareItem, SourceError

DNF5_HISTORY = "usr/lib/sysimage/libdnf5/transaction_history.sqlite"
DNF4_HISTORY = "var/lib/dnf/history.sqlite"
YUMDB = "var/lib/yum/yumdb"
MAX_VALUE = 255
# dnf's pseudo-repository of what it found already installed: no repository is known.
_NOT_A_REPOSITORY = "@System"

Nevra = Tuple[str, int, str, str, str]

# libdnf5: trans_item_action 1 Install, 2 Upgrade, 3 Downgrade, 4 Reinstall; trans_item_state 2 Ok.
DNF5_QUERY = """
SELECT pkg_name.name, rpm.epoch, rpm.version, rpm.release, arch.name, repo.repoid
FROM trans_item
JOIN rpm ON rpm.item_id = trans_item.item_id
JOIN pkg_name ON pkg_name.id = rpm.name_id
JOIN arch ON arch.id = rpm.arch_id
JOIN repo ON repo.id = trans_item.repo_id
WHERE trans_item.action_id IN (1, 2, 3, 4) AND trans_item.state_id = 2
ORDER BY trans_item.id
"""
# libdnf (dnf 4): TransactionItemAction 1 Install, 2 Downgrade, 4 Obsolete, 6 Upgrade, 9 Reinstall;
# TransactionItemState 1 Done.
DNF4_QUERY = """
SELECT rpm.name, rpm.epoch, rpm.version, rpm.release, rpm.arch, repo.repoid
FROM trans_item
JOIN rpm ON rpm.item_id = trans_item.item_id
JOIN repo ON repo.id = trans_item.repo_id
WHERE trans_item.action IN (1, 2, 4, 6, 9) AND trans_item.state = 1
ORDER BY trans_item.id
"""


def add_repositories(root: str, items: List[SoftwareItem]) -> List[SourceError]:
    """Set `provenance["repository"]` on the rpm items a history records; returns its problems."""
    errors: List[SourceError] = []
    for relative, query in ((DNF5_HISTORY, DNF5_QUERY), (DNF4_HISTORY, DNF4_QUERY)):
        path = os.path.join(root, relative)
        if not os.path.isfile(path):
            continue
        import sqlite3  # only where a history exists: start-up time is part of the agent's footprint

        try:
            found = dnf_repositories(path, query)
        except sqlite3.Error as err:
            errors.append(SourceError("rpm", f"cannot read dnf history: {err}", path))
            continue
        for item in items:
            repository = found.get(_nevra(item))
            if repository and "repository" not in item.provenance:
                item.provenance["repository"] = repository[:MAX_VALUE]
    yumdb = os.path.join(root, YUMDB)
    if os.path.isdir(yumdb):
        found_yum = yum_repositories(yumdb)
        for item in items:
            nevra = _nevra(item)
            repository = found_yum.get((nevra[0], nevra[2], nevra[3], nevra[4]))
            if repository and "repository" not in item.provenance:
                item.provenance["repository"] = repository[:MAX_VALUE]
    return errors


def dnf_repositories(path: str, query: str) -> Dict[Nevra, str]:
    """(name, epoch, version, release, arch) → repo id of the newest transaction that installed it."""
    import sqlite3

    connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True)
    try:
        found: Dict[Nevra, str] = {}
        for name, epoch, version, release, arch, repoid in connection.execute(query):
            if repoid and repoid != _NOT_A_REPOSITORY:
                found[(name, int(epoch or 0), version, release, arch)] = repoid
            else:
                found.pop((name, int(epoch or 0), version, release, arch), None)
        return found
    finally:
        connection.close()


def yum_repositories(yumdb: str) -> Dict[Tuple[str, str, str, str], str]:
    """(name, version, release, arch) → yumdb's `from_repo` (yumdb records no epoch)."""
    found: Dict[Tuple[str, str, str, str], str] = {}
    for letter in _listdir(yumdb):
        directory = os.path.join(yumdb, letter)
        for entry in _listdir(directory):
            parts = entry.split("-", 1)[-1].rsplit("-", 3)  # drop the pkgid checksum
            if len(parts) != 4:
                continue
            repository = _read_small(os.path.join(directory, entry, "from_repo"))
            if repository and repository != _NOT_A_REPOSITORY:
                found[(parts[0], parts[1], parts[2], parts[3])] = repository
    return found


def _nevra(item: SoftwareItem) -> Nevra:
    epoch = item.extra.get("epoch")
    release = item.extra.get("release", "")
    version = item.version.split(":", 1)[-1] if epoch else item.version
    if release and version.endswith("-" + release):
        version = version[: -len(release) - 1]
    return (item.name, int(epoch) if epoch and epoch.isdigit() else 0, version, release, item.arch or "")


def _listdir(path: str) -> List[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def _read_small(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(MAX_VALUE + 1).strip() or None
    except OSError:
        return None
