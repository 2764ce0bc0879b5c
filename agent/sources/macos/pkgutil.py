"""macOS installer receipts: every .pkg installed, read from /var/db/receipts/*.plist directly.

The receipts are what `pkgutil --pkg-info-plist` prints, so reading them spares a process per
package. The OS's own receipts live in /System/Library/Receipts and are left out: the OS entry
counts them.
"""

from __future__ import annotations

import datetime
import os
from typing import Optional

from agent.sources.base import SoftwareItem, Source, SourceError, SourceResult
from agent.sources.macos.plist import PlistError, load_plist_dict

SOURCE = "pkgutil"
RECEIPTS = "var/db/receipts"


def receipt_item(receipt: dict) -> Optional[SoftwareItem]:
    """A receipt plist (PackageIdentifier, PackageVersion, InstallDate, InstallPrefixPath)."""
    identifier = receipt.get("PackageIdentifier")
    if not isinstance(identifier, str) or not identifier:
        return None
    installed = receipt.get("InstallDate")
    prefix = receipt.get("InstallPrefixPath")
    return SoftwareItem(
        name=identifier,
        version=str(receipt.get("PackageVersion") or ""),
        source=SOURCE,
        id=identifier,
        install_date=_utc(installed) if isinstance(installed, datetime.datetime) else None,
        scope="system",
        location="/" + prefix.strip("/") if isinstance(prefix, str) and prefix else None,
    )


def _utc(moment: datetime.datetime) -> str:
    """plistlib gives naive datetimes that are UTC."""
    return moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


class PkgutilSource(Source):
    name = SOURCE

    def _folder(self) -> str:
        return os.path.join(self.root, RECEIPTS)

    def available(self) -> bool:
        return os.path.isdir(self._folder())

    def collect(self) -> SourceResult:
        result = SourceResult()
        folder = self._folder()
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".plist"))
        except OSError as exc:
            result.errors.append(SourceError(SOURCE, f"cannot list receipts: {exc.strerror}", folder))
            return result
        for name in names:
            path = os.path.join(folder, name)
            try:
                item = receipt_item(load_plist_dict(path))
            except (OSError, PlistError) as exc:
                result.errors.append(SourceError(SOURCE, f"unreadable receipt: {exc}", path))
                continue
            if item is None:
                result.errors.append(SourceError(SOURCE, "receipt has no PackageIdentifier", path))
                continue
            result.items.append(item)
        return result
