"""Load the shipped and organisation-local catalog files and collect every problem, with file and entry id."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import tomllib

from server.catalog.normalize import normalize_publisher
from server.catalog.taxonomy import CATEGORIES, COUNTRIES, LICENSES, MATCH_KEYS
from server.settings import env

DATA_DIR = Path(__file__).with_name("data")
CATALOG_DIR_ENV = "FOOTPRINT_CATALOG_DIR"

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_URL = re.compile(r"https?://\S+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_GUID = re.compile(r"\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}")
_TEAM_ID = re.compile(r"[A-Z0-9]{10}")
_MSIX_PUBLISHER_ID = re.compile(r"[a-z0-9]{13}")
_LEADING_WILDCARD = re.compile(r"[(^?:]*(?:\.|\\[wWsSd]|\[[^\]]*\])[*+]")
_ESCAPE = re.compile(r"\\.")
# A Chrome Web Store / Edge Add-ons id (32 letters a-p) or a Firefox add-on id (an e-mail-like id or a {GUID}).
_BROWSER_EXTENSION_ID = re.compile(r"[a-p]{32}|[^\s@]+@[^\s@]+|\{[0-9a-fA-F-]{36}\}")
# A VS Code extension id ("publisher.name", a trailing ".*" for every extension of a publisher) or a JetBrains
# plugin id ("com.github.copilot").
_IDE_EXTENSION_ID = re.compile(r"[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*(\.\*)?")
_BUNDLE_ID = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9_-]+)+(?:\.\*)?")
_APP_ID = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9_-]+)+")  # Android package name, iOS bundle id: exact
_SIGNING_KEY = re.compile(r"[0-9a-f]{16}")
_SITE = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+")
_LIST_NAME = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
PACKAGE_LISTS = "packages"  # <catalog dir>/packages/<name>.txt.gz: names a distribution's archive ships

VENDOR_KEYS = {
    "id": str, "name": str, "legal_name": str, "country": str, "parent": str, "aliases": list,
    "publisher_patterns": list, "team_ids": list, "msix_publisher_ids": list, "distribution": str,
    "distribution_maintainers": list, "source": str, "checked": str, "note": str, "not_from": list, "license": str,
    "archive_origins": list, "archive_sites": list, "signing_keys": list, "repositories": list,
    "provenance_source": str, "package_names": list,
}
# Provenance evidence (docs/catalog-format.md, "Archives and signing keys"): needs `provenance_source`.
PROVENANCE_KEYS = ("archive_origins", "archive_sites", "signing_keys", "repositories")
PRODUCT_KEYS = {
    "id": str, "vendor": str, "name": str, "category": str, "license": str, "register": str,
    "register_source": str, "alternatives": list, "match": dict, "source": str, "checked": str, "note": str,
}
REGISTER_KEYS = {"product", "number", "name", "owner", "included", "excluded", "matched", "source", "exported"}
# A name pattern that fullmatches one of these generic words alone would claim unrelated software.
COMMON_WORDS = frozenset(
    """app application apps update updater driver drivers setup installer install tools tool client server service
    services runtime player office browser security manager viewer agent helper launcher plugin addon extension
    module library sdk support utility utilities program software system package document editor reader mail chat
    messenger video audio sound camera print printer scanner network vpn remote desktop cloud drive disk sync
    backup antivirus firewall test demo free pro windows linux microsoft google apple data files x a 1""".split()
)


@dataclass
class Problem:
    """One validation finding: where (file, entry) and what is wrong."""

    file: str
    entry: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.entry}" if self.entry else self.file
        return f"{where}: {self.message}"


@dataclass
class Vendor:
    id: str
    name: str
    country: str = ""
    legal_name: str = ""
    parent: str = ""
    aliases: list[str] = field(default_factory=list)
    publisher_patterns: list[str] = field(default_factory=list)
    team_ids: list[str] = field(default_factory=list)
    msix_publisher_ids: list[str] = field(default_factory=list)
    distribution: str = ""
    distribution_maintainers: list[str] = field(default_factory=list)
    source: str = ""
    checked: str = ""
    note: str = ""
    not_from: list[str] = field(default_factory=list)  # country unknown, but research rules these countries out
    license: str = ""  # "open-source": every product it publishes is, so a vendor-only match is too
    archive_origins: list[str] = field(default_factory=list)  # apt Release `Origin` values
    archive_sites: list[str] = field(default_factory=list)  # archive hosts (and their subdomains)
    signing_keys: list[str] = field(default_factory=list)  # rpm signing key ids, 16 lowercase hex
    repositories: list[str] = field(default_factory=list)  # regexes, fullmatch on the dnf/yum repository id
    provenance_source: str = ""  # public page supporting the archive and key claims
    package_names: list[str] = field(default_factory=list)  # lists of names the distribution's archive ships
    file: str = ""


@dataclass
class Product:
    id: str
    vendor: str
    name: str
    category: str = "other"
    license: str = "proprietary"
    register: str = ""
    register_source: str = ""
    alternatives: list[str] = field(default_factory=list)
    match: dict[str, list[str]] = field(default_factory=dict)
    source: str = ""
    checked: str = ""
    note: str = ""
    file: str = ""
    register_entry: dict[str, str] = field(default_factory=dict)  # from a [[register]] table: number, dates, match


@dataclass
class Catalog:
    """Vendors and products by id after local overrides; `problems` empty means the catalog is valid."""

    vendors: dict[str, Vendor]
    products: dict[str, Product]
    problems: list[Problem]
    files: list[Path]
    fingerprint: str = ""  # hash of the files' contents: stored classifications older than it are stale
    package_names: dict[str, frozenset[str]] = field(default_factory=dict)  # list name -> package names

    def country_of(self, vendor_id: str) -> str:
        """The effective country: the top parent's where `parent` is set ("" for a broken chain)."""
        seen: set[str] = set()
        vendor = self.vendors.get(vendor_id)
        while vendor and vendor.parent and vendor.id not in seen:
            seen.add(vendor.id)
            vendor = self.vendors.get(vendor.parent)
        return vendor.country if vendor else ""

    def not_from_of(self, vendor_id: str) -> tuple[str, ...]:
        """Countries the research rules out for a vendor whose country is unknown (through the top parent)."""
        seen: set[str] = set()
        vendor = self.vendors.get(vendor_id)
        while vendor and vendor.parent and vendor.id not in seen:
            seen.add(vendor.id)
            vendor = self.vendors.get(vendor.parent)
        return tuple(vendor.not_from) if vendor and not vendor.country else ()


def local_dirs_from_env() -> list[Path]:
    """Organisation-local catalog directories from FOOTPRINT_CATALOG_DIR (os.pathsep-separated)."""
    value = env(CATALOG_DIR_ENV)
    return [Path(p) for p in value.split(os.pathsep) if p.strip()]


def catalog_files(local_dirs: Sequence[Path] = (), shipped_dir: Optional[Path] = None) -> list[tuple[Path, bool]]:
    """(file, is_local) in load order: shipped files (DATA_DIR by default) by name, then each local directory's."""
    files = [(p, False) for p in sorted(Path(shipped_dir or DATA_DIR).glob("*.toml"))]
    for directory in local_dirs:
        files += [(p, True) for p in sorted(Path(directory).glob("*.toml"))]
    return files


def load_catalog(local_dirs: Sequence[Path] = (), shipped_dir: Optional[Path] = None) -> Catalog:
    """Parse and validate every file; a local entry replaces the shipped entry with the same id."""
    problems: list[Problem] = []
    registers: list[tuple[str, int, Any]] = []
    vendors: dict[str, Vendor] = {}
    products: dict[str, Product] = {}
    origin: dict[tuple[str, str], tuple[str, bool]] = {}
    files = catalog_files(local_dirs, shipped_dir)
    digest = hashlib.sha256()
    for path, is_local in files:
        name = _display_path(path)
        try:
            raw = path.read_bytes()
            digest.update(f"{'local' if is_local else 'shipped'}/{path.name}\0{len(raw)}\0".encode() + raw)
            document = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            problems.append(Problem(name, "", f"cannot be read as TOML: {exc}"))
            continue
        for key in document:
            if key not in ("vendor", "product", "register"):
                problems.append(Problem(name, "", f"unknown top-level key {key!r} "
                                        "(expected [[vendor]]/[[product]]/[[register]])"))
        registers += [(name, index, raw) for index, raw in enumerate(_tables(document, "register", name, problems))]
        for kind, target, build in (("vendor", vendors, _vendor), ("product", products, _product)):
            entries = document.get(kind, [])
            if not isinstance(entries, list):
                problems.append(Problem(name, "", f"{kind!r} must be an array of tables [[{kind}]]"))
                continue
            for index, raw in enumerate(entries):
                entry = build(raw, name, index, problems)
                if entry is None:
                    continue
                previous = origin.get((kind, entry.id))
                if previous and not (is_local and not previous[1]):
                    problems.append(Problem(name, f"{kind} {entry.id!r}", f"duplicate id (also in {previous[0]})"))
                    continue
                origin[(kind, entry.id)] = (name, is_local)
                target[entry.id] = entry
    for directory in local_dirs:
        if not Path(directory).is_dir():
            problems.append(Problem(str(directory), "", "local catalog directory does not exist"))
    _apply_register(registers, products, problems)
    names = _package_lists(vendors, [*reversed(local_dirs), Path(shipped_dir or DATA_DIR)], digest, problems)
    catalog = Catalog(vendors, products, problems, [p for p, _ in files], digest.hexdigest()[:16], names)
    _check_references(catalog)
    return catalog


def package_list_path(directory: Path, name: str) -> Path:
    return Path(directory) / PACKAGE_LISTS / f"{name}.txt.gz"


def _package_lists(vendors: dict[str, Vendor], dirs: Sequence[Path], digest, problems: list[Problem]):
    """The package-name lists the vendors name, from the first directory that has each (local ones first)."""
    found: dict[str, frozenset[str]] = {}
    for vendor in vendors.values():
        for name in vendor.package_names:
            if name in found or not _LIST_NAME.fullmatch(name):
                continue
            path = next((package_list_path(d, name) for d in dirs if package_list_path(d, name).is_file()), None)
            if path is None:
                problems.append(Problem(vendor.file, f"vendor {vendor.id!r}", f"package list {name!r} not found "
                                        f"(expected {PACKAGE_LISTS}/{name}.txt.gz beside the catalog files)"))
                continue
            try:
                raw = path.read_bytes()
                text = gzip.decompress(raw).decode("utf-8")
            except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as exc:
                problems.append(Problem(_display_path(path), "", f"cannot be read as a gzip text file: {exc}"))
                continue
            digest.update(f"list/{name}\0{len(raw)}\0".encode() + raw)
            found[name] = frozenset(line for line in text.splitlines() if line and not line.startswith("#"))
    return found


def _tables(document: dict, kind: str, name: str, problems: list[Problem]) -> list:
    entries = document.get(kind, [])
    if not isinstance(entries, list):
        problems.append(Problem(name, "", f"{kind!r} must be an array of tables [[{kind}]]"))
        return []
    return entries


def _apply_register(registers: list[tuple[str, int, Any]], products: dict[str, Product],
                    problems: list[Problem]) -> None:
    """Register entries recorded by `footprint catalog register import`: the entry number onto its product."""
    seen: dict[str, str] = {}
    for name, index, raw in registers:
        label = f"register #{index + 1}"
        if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
            problems.append(Problem(name, label, "must be a table of strings"))
            continue
        unknown = sorted(set(raw) - REGISTER_KEYS)
        if unknown:
            problems.append(Problem(name, label, f"unknown key {unknown[0]!r}"))
        product_id, number = raw.get("product", ""), raw.get("number", "")
        label = f"register {number!r}"
        if product_id not in products:
            problems.append(Problem(name, label, f"product {product_id!r} is not a known product"))
        elif not number.isdigit():
            problems.append(Problem(name, label, f"register number {number!r} must be digits"))
        elif not _URL.fullmatch(raw.get("source", "")):
            problems.append(Problem(name, label, f"'source' must be an http(s) URL, got {raw.get('source', '')!r}"))
        elif product_id in seen:
            problems.append(Problem(name, label, f"product {product_id!r} already has entry {seen[product_id]}"))
        else:
            seen[product_id] = number
            product = products[product_id]
            product.register_entry = dict(raw, file=name)
            if not raw.get("excluded"):
                product.register, product.register_source = number, raw["source"]
            elif product.register == number:
                product.register, product.register_source = "", ""


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _fields(raw: Any, kind: str, allowed: dict, name: str, index: int, problems: list[Problem]):
    if not isinstance(raw, dict):
        problems.append(Problem(name, f"{kind} #{index + 1}", "must be a table"))
        return None, ""
    entry_id = raw.get("id")
    label = f"{kind} {entry_id!r}" if isinstance(entry_id, str) and entry_id else f"{kind} #{index + 1}"
    values = {}
    for key, value in raw.items():
        expected = allowed.get(key)
        if expected is None:
            problems.append(Problem(name, label, f"unknown key {key!r}"))
        elif not isinstance(value, expected) or (
            expected is list and not all(isinstance(v, str) for v in value)
        ):
            kind_name = "a list of strings" if expected is list else f"a {expected.__name__}"
            problems.append(Problem(name, label, f"{key!r} must be {kind_name}, got {value!r}"))
        else:
            values[key] = value
    for key in ("id", "name") + (("vendor", "category", "license") if kind == "product" else ()):
        if not values.get(key):
            problems.append(Problem(name, label, f"missing required key {key!r}"))
    if values.get("id") and not _SLUG.fullmatch(values["id"]):
        problems.append(Problem(name, label, "id must be a lowercase slug [a-z0-9-]"))
    for key in ("source", "register_source", "provenance_source"):
        if values.get(key) and not _URL.fullmatch(values[key]):
            problems.append(Problem(name, label, f"{key!r} must be an http(s) URL, got {values[key]!r}"))
    if values.get("checked") and not _DATE.fullmatch(values["checked"]):
        problems.append(Problem(name, label, f"'checked' must be a date YYYY-MM-DD, got {values['checked']!r}"))
    if not values.get("id") or not values.get("name"):
        return None, label
    return values, label


def _vendor(raw: Any, name: str, index: int, problems: list[Problem]) -> Vendor | None:
    values, label = _fields(raw, "vendor", VENDOR_KEYS, name, index, problems)
    if values is None:
        return None
    country = values.get("country", "")
    if not country and not values.get("parent") and not values.get("note"):
        problems.append(Problem(name, label, "missing 'country' (or 'parent', or a 'note' on why it is unknown)"))
    elif country and country not in COUNTRIES:
        problems.append(Problem(name, label, f"country {country!r} is not an ISO 3166-1 alpha-2 code"))
    if not values.get("source"):
        problems.append(Problem(name, label, "missing 'source' URL supporting the country claim"))
    for alias in values.get("aliases", []):
        if not normalize_publisher(alias):
            problems.append(Problem(name, label, f"alias {alias!r} is empty after normalization"))
    for team_id in values.get("team_ids", []):
        if not _TEAM_ID.fullmatch(team_id):
            problems.append(Problem(name, label, f"team id {team_id!r} is not 10 uppercase letters/digits"))
    for pid in values.get("msix_publisher_ids", []):
        if not _MSIX_PUBLISHER_ID.fullmatch(pid):
            problems.append(Problem(name, label, f"MSIX publisher id {pid!r} is not 13 lowercase letters/digits"))
    for key in ("publisher_patterns", "distribution_maintainers"):
        for pattern in values.get(key, []):
            _check_pattern(pattern, key, "search", name, label, problems)
    if values.get("distribution_maintainers") and not values.get("distribution"):
        problems.append(Problem(name, label, "'distribution_maintainers' needs 'distribution' (the OS product id)"))
    if values.get("package_names") and not values.get("distribution"):
        problems.append(Problem(name, label, "'package_names' needs 'distribution' (the OS product id)"))
    _check_provenance(values, name, label, problems)
    return Vendor(**values, file=name)


def _check_provenance(values: dict, name: str, label: str, problems: list[Problem]) -> None:
    """not_from, license, archive origins/sites, signing keys, repositories and package lists of one vendor."""
    for code in values.get("not_from", []):
        if code not in COUNTRIES:
            problems.append(Problem(name, label, f"not_from {code!r} is not an ISO 3166-1 alpha-2 code"))
    if values.get("not_from") and values.get("country"):
        problems.append(Problem(name, label, "'not_from' is for a vendor whose country is unknown; drop it or "
                                "'country'"))
    if values.get("license") and values["license"] not in LICENSES:
        problems.append(Problem(name, label, f"license {values['license']!r} must be one of: " + ", ".join(LICENSES)))
    for key in values.get("signing_keys", []):
        if not _SIGNING_KEY.fullmatch(key):
            problems.append(Problem(name, label, f"signing key {key!r} is not a key id of 16 lowercase hex digits"))
    for site in values.get("archive_sites", []):
        if not _SITE.fullmatch(site):
            problems.append(Problem(name, label, f"archive site {site!r} is not a lowercase host name"))
    for origin in values.get("archive_origins", []):
        if not origin.strip() or origin.strip().lower() == "local":
            problems.append(Problem(name, label, f"archive origin {origin!r} cannot identify an archive"))
    for pattern in values.get("repositories", []):
        _check_pattern(pattern, "repositories", "repository", name, label, problems)
    for list_name in values.get("package_names", []):
        if not _LIST_NAME.fullmatch(list_name):
            problems.append(Problem(name, label, f"package list name {list_name!r} must be lowercase [a-z0-9.-]"))
    if any(values.get(k) for k in PROVENANCE_KEYS) and not values.get("provenance_source"):
        problems.append(Problem(name, label, "archive origins, sites, signing keys or repositories need "
                                "'provenance_source' (URL of the page that publishes them)"))


def _product(raw: Any, name: str, index: int, problems: list[Problem]) -> Product | None:
    values, label = _fields(raw, "product", PRODUCT_KEYS, name, index, problems)
    if values is None or not values.get("vendor"):
        return None
    if values.get("category") and values["category"] not in CATEGORIES:
        problems.append(Problem(name, label, f"category {values['category']!r} is not one of: "
                                + ", ".join(CATEGORIES)))
    if values.get("license") and values["license"] not in LICENSES:
        problems.append(Problem(name, label, f"license {values['license']!r} must be one of: " + ", ".join(LICENSES)))
    if values.get("register") and not values.get("register_source"):
        problems.append(Problem(name, label, "'register' is set without 'register_source' (URL of the entry)"))
    if values.get("register") and not values["register"].isdigit():
        problems.append(Problem(name, label, f"register number {values['register']!r} must be digits"))
    match = {}
    for key, rules in values.pop("match", {}).items():
        if key not in MATCH_KEYS:
            expected = ", ".join(MATCH_KEYS)
            problems.append(Problem(name, label, f"unknown match key {key!r} (expected one of {expected})"))
        elif not isinstance(rules, list) or not all(isinstance(r, str) and r for r in rules):
            problems.append(Problem(name, label, f"match.{key} must be a list of non-empty strings"))
        else:
            match[key] = rules
            _check_rules(key, rules, name, label, problems)
    return Product(**values, match=match, file=name)


def _check_rules(key: str, rules: list[str], name: str, label: str, problems: list[Problem]) -> None:
    for rule in rules:
        if key in ("windows", "names", "os", "macos"):
            _check_pattern(rule, f"match.{key}", "fullmatch", name, label, problems)
        elif key == "msi_upgrade_code" and not _GUID.fullmatch(rule):
            problems.append(Problem(name, label, f"match.msi_upgrade_code {rule!r} is not an uppercase {{GUID}}"))
        elif key in ("android", "ios") and not _APP_ID.fullmatch(rule):
            problems.append(Problem(name, label, f"match.{key} {rule!r} is not a package name / bundle id"))
        elif key == "bundle_id" and not _BUNDLE_ID.fullmatch(rule):
            problems.append(Problem(name, label, f"match.bundle_id {rule!r} is not a reverse-DNS bundle id"))
        elif key == "browser_extension" and not _BROWSER_EXTENSION_ID.fullmatch(rule):
            problems.append(Problem(name, label, f"match.browser_extension {rule!r} is not a store or add-on id"))
        elif key == "ide_extension" and not _IDE_EXTENSION_ID.fullmatch(rule.lower()):
            problems.append(Problem(name, label, f"match.ide_extension {rule!r} is not publisher.name or a plugin id"))
        elif key in ("deb", "rpm", "snap", "homebrew", "os_id") and rule != rule.strip():
            problems.append(Problem(name, label, f"match.{key} {rule!r} has surrounding spaces"))


def _check_pattern(pattern: str, key: str, mode: str, name: str, label: str, problems: list[Problem]) -> None:
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        problems.append(Problem(name, label, f"{key} {pattern!r} is not a valid regex: {exc}"))
        return
    test = compiled.search if mode == "search" else compiled.fullmatch
    if test(""):
        problems.append(Problem(name, label, f"{key} {pattern!r} is too broad: it matches the empty string"))
        return
    if mode == "fullmatch" and any(c.isupper() for c in _ESCAPE.sub("", pattern)):
        problems.append(Problem(name, label, f"{key} {pattern!r} can never match: names are matched lowercased"))
    elif mode == "fullmatch" and _LEADING_WILDCARD.match(pattern):
        problems.append(Problem(name, label, f"{key} {pattern!r} is too broad: a leading wildcard turns it into "
                                "'contains'; write the name from its first word"))
    elif mode == "fullmatch" and key != "match.os":
        broad = sorted(w for w in COMMON_WORDS if test(w))
        if broad:
            problems.append(Problem(name, label, f"{key} {pattern!r} is too broad: it matches the common word "
                                    f"{broad[0]!r}"))
    elif mode == "repository" and (test("x") or test("updates-x")):
        problems.append(Problem(name, label, f"{key} {pattern!r} is too broad: it matches any repository id"))
    elif mode == "search" and (test("x") or test("inc") or test("a b")):
        problems.append(Problem(name, label, f"{key} {pattern!r} is too broad: it matches any short string"))


def _check_references(catalog: Catalog) -> None:
    """Cross-entry checks: vendor/parent/alternative references, parent cycles, shared aliases and exact ids."""
    problems, vendors, products = catalog.problems, catalog.vendors, catalog.products
    for vendor in vendors.values():
        label = f"vendor {vendor.id!r}"
        if vendor.parent:
            if vendor.parent not in vendors:
                problems.append(Problem(vendor.file, label, f"parent {vendor.parent!r} is not a known vendor"))
            elif _has_cycle(vendor, vendors):
                problems.append(Problem(vendor.file, label, f"parent chain through {vendor.parent!r} is a cycle"))
            elif vendor.country and vendor.country != catalog.country_of(vendor.parent):
                problems.append(Problem(vendor.file, label, f"country {vendor.country!r} differs from parent "
                                        f"{vendor.parent!r} ({catalog.country_of(vendor.parent)!r}); leave it out"))
        if vendor.distribution and vendor.distribution not in products:
            problems.append(Problem(vendor.file, label, f"distribution {vendor.distribution!r} is not a known product"))
    _check_unique(catalog, ((v, "alias", normalize_publisher(a)) for v in vendors.values() for a in v.aliases),
                  "vendor")
    _check_unique(catalog, ((v, "team id", t) for v in vendors.values() for t in v.team_ids), "vendor")
    _check_unique(catalog, ((v, "signing key", k) for v in vendors.values() for k in v.signing_keys), "vendor")
    _check_unique(catalog, ((v, "archive site", s) for v in vendors.values() for s in v.archive_sites), "vendor")
    _check_unique(catalog, ((v, "archive origin", o.strip().lower()) for v in vendors.values()
                            for o in v.archive_origins), "vendor")
    for product in products.values():
        label = f"product {product.id!r}"
        if product.vendor not in vendors:
            problems.append(Problem(product.file, label, f"vendor {product.vendor!r} is not a known vendor"))
        for alternative in product.alternatives:
            if alternative == product.id:
                problems.append(Problem(product.file, label, "lists itself as an alternative"))
            elif alternative not in products:
                problems.append(Problem(product.file, label, f"alternative {alternative!r} is not a known product"))
    exact = (
        (p, key, rule.lower() if key != "msi_upgrade_code" else rule)
        for p in products.values()
        for key in ("msix", "msi_upgrade_code", "bundle_id", "flatpak", "snap", "deb", "rpm", "homebrew", "os_id",
                    "browser_extension", "ide_extension", "android", "ios")
        for rule in p.match.get(key, [])
    )
    _check_unique(catalog, ((p, f"match.{key}", rule) for p, key, rule in exact), "product")


def _has_cycle(vendor: Vendor, vendors: dict[str, Vendor]) -> bool:
    seen = {vendor.id}
    current = vendors.get(vendor.parent)
    while current is not None:
        if current.id in seen:
            return True
        seen.add(current.id)
        current = vendors.get(current.parent) if current.parent else None
    return False


def _check_unique(catalog: Catalog, claims: Iterable[tuple[Any, str, str]], kind: str) -> None:
    """The same alias / id claimed by two entries makes a match ambiguous: name both."""
    owner: dict[tuple[str, str], Any] = {}
    for entry, what, value in claims:
        first = owner.setdefault((what, value), entry)
        if first is not entry and first.id != entry.id:
            catalog.problems.append(Problem(entry.file, f"{kind} {entry.id!r}", f"{what} {value!r} is also claimed "
                                            f"by {kind} {first.id!r} ({first.file})"))


def describe_problems(problems: Sequence[Problem]) -> str:
    """Problems one per line, sorted by file then entry, for `footprint catalog check`."""
    return "\n".join(str(p) for p in sorted(problems, key=lambda p: (p.file, p.entry)))

