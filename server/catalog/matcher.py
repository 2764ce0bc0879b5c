"""The compiled catalog index: finds the product or vendor an inventory item belongs to, and the rule that said so.

Precedence, strongest evidence first (docs/catalog-format.md, "Classification"): the distribution archive or
signing key a package came from, or its distribution's maintainer signature (an OS component) > exact ids (MSIX
name, MSI UpgradeCode, bundle id, flatpak/snap/deb/rpm/homebrew name, os-release id) > a third-party archive or
signing key (its vendor; a name pattern of that vendor names the product) > name patterns > publisher only (vendor
known, product not) > an archive carries the name at another version, or the host's distribution ships a package
of that name (inferred) > nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Optional

from server.catalog.loader import Catalog
from server.catalog.normalize import normalize, normalize_publisher

# Report sources (docs/report-format.md) → the exact-id tables they are looked up in.
_EXACT_BY_SOURCE = {
    "deb": ("deb",), "rpm": ("rpm",), "snap": ("snap",), "flatpak": ("flatpak",), "homebrew": ("homebrew",),
    "msix": ("msix",), "macos-app": ("bundle_id",), "pkgutil": ("bundle_id",), "os": ("os_id",),
    "browser-extension": ("browser_extension",), "ide-extension": ("ide_extension",),
    "android": ("android",), "ios": ("ios",),  # a phone app's package name / bundle id, never its display name
}
# Extensions are named by their authors ("Zoom", "Translate"): only their store ids and publishers identify them,
# never the program name patterns.
_EXTENSION_SOURCES = ("browser-extension", "ide-extension")
# Sources whose names are display names ("Google Chrome"), matched by the `windows` patterns as on Windows.
_DISPLAY_NAME_SOURCES = {"windows", "msi", "", "macos-app"}
_PACKAGE_SOURCES = ("deb", "rpm")
_PREFIX_LEN = 3
_PATTERN_START = re.compile(r"[^\\.^$*+?{}\[\]|()]+")


@dataclass(frozen=True)
class Item:
    """One distinct software title as inventories report it (plus the host's distribution when known)."""

    name: str
    publisher: str = ""
    source: str = ""
    id: str = ""
    upgrade_code: str = ""
    team_id: str = ""
    packager: str = ""  # rpm Packager or deb Maintainer, with the address (report extra.packager/maintainer)
    os_id: str = ""  # the host's os-release id: the OS item's own, or a package's host
    # where the package came from (report `provenance`): apt archive Origin and host, rpm key and dnf repository
    origin: str = ""
    site: str = ""
    signing_key: str = ""
    repository: str = ""
    name_origin: str = ""  # with origin "local": Origin of an archive carrying the name at another version
    distributor: str = ""  # rpm Vendor / Distribution from provenance, tried like the publisher's signature

    @classmethod
    def from_dict(cls, data: dict) -> Item:
        """From a report `software` entry or a classify input line (unknown keys are ignored)."""
        extra = data.get("extra") or {}
        provenance = data.get("provenance") if isinstance(data.get("provenance"), dict) else {}

        def text(key: str, fallback: object = "", where: Optional[dict] = None) -> str:
            value = (data if where is None else where).get(key, fallback)
            return value if isinstance(value, str) else ""

        distributor = [text(k, where=provenance) for k in ("vendor", "distribution", "packager")]
        return cls(
            name=text("name"), publisher=text("publisher"), source=text("source"), id=text("id"),
            upgrade_code=text("upgrade_code", extra.get("upgrade_code", "")),
            team_id=text("team_id", extra.get("team_id", "")),
            packager=text("packager", extra.get("packager") or extra.get("maintainer") or ""), os_id=text("os_id"),
            origin=text("origin", where=provenance), site=text("site", where=provenance),
            signing_key=text("signing_key", where=provenance), repository=text("repository", where=provenance),
            name_origin=text("name_origin", where=provenance),
            distributor="\n".join(d for d in distributor if d),
        )


@dataclass(frozen=True)
class Match:
    """What the index found: a product (and its vendor), or only a vendor, and the rule as written."""

    vendor: str = ""
    product: str = ""
    rule: str = ""
    level: str = "none"  # archive | distribution | exact | pattern | publisher | inferred | none
    os_component: bool = False


@dataclass
class _Pattern:
    source: str
    product: str
    compiled: Optional[re.Pattern] = field(default=None, repr=False)

    def _regex(self) -> re.Pattern:
        if self.compiled is None:
            self.compiled = re.compile(self.source)
        return self.compiled

    def fullmatch(self, text: str) -> bool:
        return self._regex().fullmatch(text) is not None

    def search(self, text: str) -> bool:
        return self._regex().search(text) is not None


class _PatternSet:
    """Fullmatch patterns bucketed by the first characters they require, compiled on first use."""

    def __init__(self) -> None:
        self.buckets: dict[str, list[_Pattern]] = {}
        self.anywhere: list[_Pattern] = []

    def add(self, pattern: str, product: str) -> None:
        entry = _Pattern(pattern, product)
        prefix = _literal_prefix(pattern)
        if len(prefix) >= _PREFIX_LEN:
            self.buckets.setdefault(prefix[:_PREFIX_LEN], []).append(entry)
        else:
            self.anywhere.append(entry)

    def matches(self, text: str) -> list[_Pattern]:
        candidates = self.buckets.get(text[:_PREFIX_LEN], []) + self.anywhere
        found = [p for p in candidates if p.fullmatch(text)]
        return sorted(found, key=lambda p: (-len(p.source), p.product))


def _literal_prefix(pattern: str) -> str:
    """The literal text every fullmatch must start with ("" when a top-level `|` or a metachar comes first)."""
    depth, escaped = 0, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            return ""
    m = _PATTERN_START.match(pattern)
    if not m:
        return ""
    literal = m.group(0)
    if m.end() < len(pattern) and pattern[m.end()] in "?*{":
        literal = literal[:-1]  # a quantifier makes the last literal character optional
    return literal


class CatalogIndex:
    """Dictionaries for exact ids and aliases, bucketed patterns for names; built once per catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.exact: dict[tuple[str, str], str] = {}
        self.prefixes: dict[str, list[tuple[str, str]]] = {}  # bundle ids and IDE extension ids ending in ".*"
        self.windows = _PatternSet()
        self.names = _PatternSet()
        self.os = _PatternSet()
        self.macos = _PatternSet()  # macOS app names only: Apple's own short names ("Notes", "Aperçu")
        self.aliases: dict[str, str] = {}
        self.publisher_patterns: list[tuple[_Pattern, str]] = []
        self.team_ids: dict[str, str] = {}
        self.msix_publishers: dict[str, str] = {}
        self.distributions: list[tuple[_Pattern, str]] = []
        self.os_by_id: dict[str, str] = {}
        self.origins: dict[str, str] = {}
        self.sites: dict[str, str] = {}
        self.signing_keys: dict[str, str] = {}
        self.repositories: list[tuple[_Pattern, str]] = []
        self.shipped: list[tuple[frozenset[str], str, str]] = []  # (names, list name, distribution product)
        self._root = {v: self._root_of(v) for v in catalog.vendors}
        for product in catalog.products.values():
            self._add_product(product.id, product.match)
        for vendor in catalog.vendors.values():
            for alias in vendor.aliases:
                self.aliases.setdefault(normalize_publisher(alias), vendor.id)
            self.publisher_patterns += [(_Pattern(p, vendor.id), vendor.id) for p in vendor.publisher_patterns]
            self.team_ids.update((t, vendor.id) for t in vendor.team_ids)
            self.msix_publishers.update((m, vendor.id) for m in vendor.msix_publisher_ids)
            self.distributions += [(_Pattern(p, vendor.distribution), vendor.distribution)
                                   for p in vendor.distribution_maintainers]
            self.origins.update((o.strip().lower(), vendor.id) for o in vendor.archive_origins)
            self.sites.update((site, vendor.id) for site in vendor.archive_sites)
            self.signing_keys.update((k, vendor.id) for k in vendor.signing_keys)
            self.repositories += [(_Pattern(p, vendor.id), vendor.id) for p in vendor.repositories]
            self.shipped += [(catalog.package_names[n], n, vendor.distribution) for n in vendor.package_names
                             if n in catalog.package_names]
        for found in self.prefixes.values():
            found.sort(key=lambda pair: -len(pair[0]))

    def _add_product(self, product_id: str, match: dict[str, list[str]]) -> None:
        for key, rules in match.items():
            for rule in rules:
                if key == "windows":
                    self.windows.add(rule, product_id)
                elif key == "names":
                    self.names.add(rule, product_id)
                elif key == "os":
                    self.os.add(rule, product_id)
                elif key == "macos":
                    self.macos.add(rule, product_id)
                elif key in ("bundle_id", "ide_extension") and rule.endswith(".*"):
                    self.prefixes.setdefault(key, []).append((rule[:-1].lower(), product_id))
                else:
                    value = rule.upper() if key == "msi_upgrade_code" else rule.lower()
                    self.exact.setdefault((key, value), product_id)
                    if key == "os_id":
                        self.os_by_id.setdefault(value, product_id)

    def _root_of(self, vendor_id: str) -> str:
        seen = set()
        vendor = self.catalog.vendors.get(vendor_id)
        while vendor and vendor.parent and vendor.parent in self.catalog.vendors and vendor.id not in seen:
            seen.add(vendor.id)
            vendor = self.catalog.vendors[vendor.parent]
        return vendor.id if vendor else vendor_id

    def product_vendor(self, product_id: str) -> str:
        return self.catalog.products[product_id].vendor

    def find(self, item: Item) -> Match:
        """The most specific match for one item (see the module docstring for the order)."""
        archive = self._archive_vendor(item)
        if archive and self.catalog.vendors[archive[0]].distribution:
            return self._component(self.catalog.vendors[archive[0]].distribution, archive[1], "archive")
        found = self._distribution(item) or self._exact(item)
        if found:
            return found
        found, rejected = self._pattern(item, archive)
        if found:
            return found
        if archive:
            found = Match(archive[0], "", archive[1], "archive")
        else:
            found = self._publisher(item)
        if found and rejected:  # keep the explanation: the name looked like a product the publisher contradicts
            found = replace(found, rule=f"{found.rule} (name matched {rejected}; publisher disagrees)")
        return found or self._lineage(item) or self._shipped(item) or Match()

    def _component(self, product: str, rule: str, level: str) -> Match:
        return Match(self.product_vendor(product), product, rule, level, os_component=True)

    def _archive_vendor(self, item: Item) -> Optional[tuple[str, str]]:
        """(vendor id, rule) from the package's signing key, archive Origin, dnf repository or archive host."""
        if item.source not in _PACKAGE_SOURCES:
            return None
        key = item.signing_key.strip().lower()
        if key in self.signing_keys:
            return self.signing_keys[key], f"{item.source}:signing_key={key}"
        origin = item.origin.strip().lower()
        if origin in self.origins:
            return self.origins[origin], f"{item.source}:origin={item.origin.strip()}"
        repository = item.repository.strip().lower()
        for pattern, vendor_id in self.repositories if repository else ():
            if pattern.fullmatch(repository):
                return vendor_id, f"{item.source}:repository~{pattern.source}"
        site = item.site.strip().lower()
        while site:
            if site in self.sites:
                return self.sites[site], f"{item.source}:site={item.site.strip().lower()}"
            site = site.partition(".")[2] if site.count(".") > 1 else ""
        return None

    def _lineage(self, item: Item) -> Optional[Match]:
        """This version is in no configured archive, but an archive carries the name: its lineage, said so."""
        vendor_id = self.origins.get(item.name_origin.strip().lower()) if item.source in _PACKAGE_SOURCES else None
        if not vendor_id:
            return None
        rule = f"{item.source}:name_origin={item.name_origin.strip()} (this version in no configured archive)"
        distribution = self.catalog.vendors[vendor_id].distribution
        return self._component(distribution, rule, "inferred") if distribution else Match(vendor_id, "", rule,
                                                                                            "inferred")

    def _shipped(self, item: Item) -> Optional[Match]:
        """No other evidence: the host's distribution ships a package of this name (an inference, said so)."""
        if item.source not in _PACKAGE_SOURCES or not item.os_id:
            return None
        host_os = self.os_by_id.get(item.os_id.lower())
        for names, list_name, distribution in self.shipped:
            if host_os == distribution and item.name in names:
                rule = f"{item.source}:name-in={list_name} (host os_id={item.os_id}; inferred, no other evidence)"
                return self._component(distribution, rule, "inferred")
        return None

    def _exact(self, item: Item) -> Optional[Match]:
        source = item.source
        if item.upgrade_code:
            code = item.upgrade_code.strip().upper()
            if not code.startswith("{"):
                code = "{" + code + "}"
            product = self.exact.get(("msi_upgrade_code", code))
            if product:
                return self._product_match(product, f"{source or 'windows'}:upgrade_code={code}", "exact")
        for key in _EXACT_BY_SOURCE.get(source, ()):
            for field_name, value in self._exact_values(item, key):
                product = self.exact.get((key, value.lower()))
                if product:
                    return self._product_match(product, f"{source}:{field_name}={value}", "exact")
                for prefix, product in self.prefixes.get(key, ()):
                    if value.lower().startswith(prefix):
                        return self._product_match(product, f"{source}:{field_name}={prefix}*", "exact")
        return None

    @staticmethod
    def _exact_values(item: Item, key: str) -> list[tuple[str, str]]:
        if key == "msix":
            family = item.id or item.name
            return [("name", family.split("_", 1)[0])] + ([("name", item.name)] if item.id else [])
        if key in ("browser_extension", "ide_extension", "android", "ios"):
            return [("id", item.id)] if item.id else []
        if key in ("bundle_id", "flatpak", "os_id"):
            return [(("id" if key != "bundle_id" else "bundle_id"), v) for v in (item.id, item.name) if v][:1]
        if key == "snap" or key == "homebrew":
            return [("name", v) for v in (item.name, item.id) if v]
        return [("name", item.name)] if item.name else []

    def _pattern(self, item: Item, archive: Optional[tuple[str, str]] = None) -> tuple[Optional[Match], str]:
        """(match, "") or (None, the product a name matched but the publisher or archive contradicts, if any)."""
        text = normalize(item.name)
        if not text or item.source in _EXTENSION_SOURCES:
            return None, ""
        if item.source == "os":
            sets = [("os", self.os)]
        elif item.source == "macos-app":
            sets = [("macos", self.macos), ("windows", self.windows), ("names", self.names)]
        elif item.source in _DISPLAY_NAME_SOURCES or item.source not in _EXACT_BY_SOURCE:
            sets = [("windows", self.windows), ("names", self.names)]
        else:
            sets = [("names", self.names)]
        candidates = [(label, p) for label, patterns in sets for p in patterns.matches(text)]
        if not candidates:
            return None, ""
        publisher_vendor = archive or self._publisher_vendor(item)
        if publisher_vendor:
            root = self._root.get(publisher_vendor[0])
            agreeing = [(label, p) for label, p in candidates if self._root.get(self.product_vendor(p.product)) == root]
            if not agreeing:  # the name looks like another vendor's product: trust the publisher, not the look
                return None, candidates[0][1].product
            candidates = agreeing
        label, pattern = candidates[0]
        return self._product_match(pattern.product, f"{label}:name~{pattern.source}", "pattern"), ""

    def _distribution(self, item: Item) -> Optional[Match]:
        """A distribution's maintainer signature: attributed to the host's OS product where that is known."""
        if item.source not in _PACKAGE_SOURCES or not self.distributions:
            return None
        texts = (item.publisher, item.packager, *item.distributor.split("\n"))
        for text in (normalize(t) for t in texts):
            if not text:
                continue
            for pattern, distribution in self.distributions:
                if pattern.search(text):
                    product = self.os_by_id.get(item.os_id.lower(), distribution) if item.os_id else distribution
                    rule = f"{item.source}:maintainer~{pattern.source}"
                    if product != distribution:
                        rule += f" (host os_id={item.os_id})"
                    return self._component(product, rule, "distribution")
        return None

    def _publisher_vendor(self, item: Item) -> Optional[tuple[str, str]]:
        """(vendor id, rule) from the publisher, Apple Team ID or MSIX publisher id; None when unknown."""
        if item.team_id and item.team_id in self.team_ids:
            return self.team_ids[item.team_id], f"{item.source}:team_id={item.team_id}"
        if item.source == "msix" and "_" in item.id:
            publisher_id = item.id.rsplit("_", 1)[1].lower()
            if publisher_id in self.msix_publishers:
                return self.msix_publishers[publisher_id], f"msix:publisher_id={publisher_id}"
        if not item.publisher:
            return None
        alias = normalize_publisher(item.publisher)
        if alias in self.aliases:
            return self.aliases[alias], f"publisher:alias={alias}"
        text = normalize(item.publisher)
        for pattern, vendor_id in self.publisher_patterns:
            if pattern.search(text):
                return vendor_id, f"publisher:pattern~{pattern.source}"
        return None

    def _publisher(self, item: Item) -> Optional[Match]:
        found = self._publisher_vendor(item)
        if not found:
            return None
        return Match(found[0], "", found[1], "publisher")

    def _product_match(self, product_id: str, rule: str, level: str) -> Match:
        return Match(self.product_vendor(product_id), product_id, rule, level)
