"""Homebrew formulae and casks, read from the Cellar and Caskroom without running `brew`.

`brew` is slow to start and may not run as root, but its layout is plain: a formula is
Cellar/<name>/<version>/ with an INSTALL_RECEIPT.json, a cask is Caskroom/<token>/<version>/ with
its definition under Caskroom/<token>/.metadata/<version>/<timestamp>/Casks/.
"""

from __future__ import annotations

import datetime
import json
import os
from typing import Dict, List, Optional

from agent.sources.base import SoftwareItem, Source, SourceError, SourceResult

SOURCE = "homebrew"
PREFIXES = ("opt/homebrew", "usr/local", "home/linuxbrew/.linuxbrew")


def _dirs(folder: str) -> List[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [n for n in names if not n.startswith(".") and os.path.isdir(os.path.join(folder, n))]


def _epoch_date(value: object) -> Optional[str]:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        return None
    moment = datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def formula_item(name: str, version: str, receipt: Dict, keg: str) -> SoftwareItem:
    """One keg; the receipt adds the tap, the install time and the architecture."""
    source = receipt.get("source") if isinstance(receipt.get("source"), dict) else {}
    item = SoftwareItem(
        name=name,
        version=version,
        source=SOURCE,
        arch=receipt.get("arch") if isinstance(receipt.get("arch"), str) else None,
        install_date=_epoch_date(receipt.get("time")),
        id=name,
        scope="system",
        location=keg,
    )
    item.extra["formula"] = name
    if isinstance(source.get("tap"), str):
        item.extra["tap"] = source["tap"]
    if receipt.get("installed_as_dependency") is True:
        item.extra["dependency"] = "true"
    return item


def cask_item(token: str, version: str, metadata: Dict, location: str) -> SoftwareItem:
    """One cask; its JSON definition (newer brew) names the app and its homepage."""
    names = metadata.get("name")
    item = SoftwareItem(
        name=token,
        version=version,
        source=SOURCE,
        id=token,
        scope="system",
        location=location,
    )
    item.extra["cask"] = token
    if isinstance(names, list) and names and isinstance(names[0], str):
        item.extra["title"] = names[0]
    if isinstance(metadata.get("homepage"), str):
        item.extra["homepage"] = metadata["homepage"]
    return item


class HomebrewSource(Source):
    name = SOURCE

    def _prefixes(self) -> List[str]:
        found = []
        for relative in PREFIXES:
            prefix = os.path.join(self.root, relative)
            if any(os.path.isdir(os.path.join(prefix, k)) for k in ("Cellar", "Caskroom")):
                found.append(prefix)
        return found

    def available(self) -> bool:
        return bool(self._prefixes())

    def _location(self, path: str) -> str:
        return "/" + os.path.relpath(path, self.root) if self.root != "/" else path

    def collect(self) -> SourceResult:
        result = SourceResult()
        for prefix in self._prefixes():
            self._formulae(os.path.join(prefix, "Cellar"), result)
            self._casks(os.path.join(prefix, "Caskroom"), result)
        return result

    def _formulae(self, cellar: str, result: SourceResult) -> None:
        for name in _dirs(cellar):
            for version in _dirs(os.path.join(cellar, name)):
                keg = os.path.join(cellar, name, version)
                receipt = self._json(os.path.join(keg, "INSTALL_RECEIPT.json"), result)
                result.items.append(formula_item(name, version, receipt, self._location(keg)))

    def _casks(self, caskroom: str, result: SourceResult) -> None:
        for token in _dirs(caskroom):
            for version in _dirs(os.path.join(caskroom, token)):
                metadata = self._cask_metadata(os.path.join(caskroom, token), version, result)
                location = self._location(os.path.join(caskroom, token, version))
                result.items.append(cask_item(token, version, metadata, location))

    def _cask_metadata(self, cask: str, version: str, result: SourceResult) -> Dict:
        """The newest <timestamp>/Casks/<token>.json for this version, if brew wrote one."""
        token = os.path.basename(cask)
        folder = os.path.join(cask, ".metadata", version)
        for stamp in reversed(_dirs(folder)):
            path = os.path.join(folder, stamp, "Casks", token + ".json")
            if os.path.isfile(path):
                return self._json(path, result)
        return {}

    def _json(self, path: str, result: SourceResult) -> Dict:
        """A missing file is normal (old kegs, .rb casks); a broken one is reported."""
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            result.errors.append(SourceError(SOURCE, f"unreadable JSON: {exc}", path))
            return {}
        return data if isinstance(data, dict) else {}
