"""The Unified Register of Russian Software's export, matched to catalog products: entry numbers as reviewable data.

The register publishes its whole content as one XML file (reestr.digital.gov.ru, `/reestr/?export=registry`):
Windows-1251, one `<item>` per entry with `registrationNumber`, `name`, `previousAlternativeName`, `owner`
(`name`, `shortName`), `inclusionDate`, `inclusionNumber`, `excluded`, `exclusionDate`, ... (element names as
read by public parsers of that export; see docs/catalog-format.md). A product gets an entry when the entry's
name matches the product (its name or one of its `windows`/`names` patterns) and the entry's rights holder
matches the product's vendor (an alias, the legal or display name, a publisher pattern); everything else is
kept for review. The result is a catalog data file of `[[register]]` tables plus a JSON review file beside it.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator, Optional

from server.catalog.loader import Catalog, Product
from server.catalog.normalize import normalize, normalize_publisher

EXPORT_URL = "https://reestr.digital.gov.ru/reestr/?export=registry"
REGISTER_FILE = "register.toml"
REVIEW_FILE = "register-review.json"
_QUOTED = re.compile(r"[«\"“]([^«»\"“”]+)[»\"”]")
_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%Y.%m.%d", "%d.%m.%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y.%m.%d %H:%M")
_YES = {"да", "yes", "true", "1"}


class RegisterFormatError(ValueError):
    """The file is not the register's XML export (or is damaged): the message names the file and the place."""


@dataclass(frozen=True)
class RegisterEntry:
    """One register entry as published."""

    number: str
    name: str
    previous_name: str = ""
    owner: str = ""
    owner_short: str = ""
    included: str = ""  # ISO date where the export's date could be read, else the text as published
    inclusion_order: str = ""
    excluded: bool = False
    excluded_on: str = ""


@dataclass
class RegisterMatch:
    """A product and the entry recorded for it, with the evidence that tied them."""

    product: str
    entry: RegisterEntry
    name_rule: str
    owner_rule: str
    others: list[str] = field(default_factory=list)  # further entries that matched the same product


@dataclass
class RegisterImport:
    """What one import found: matches to record, and what a curator should review."""

    generated: str
    entries: int
    matches: list[RegisterMatch]
    owner_only: list[dict]  # entries of a catalog vendor that no product's name matched
    other_owner: list[dict]  # entries whose name matched a product of a different rights holder


def _date(text: str) -> str:
    """ISO date for the date formats seen in the export, else the text unchanged (the format is not documented)."""
    text = (text or "").strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return text


def read_export(path: Path) -> tuple[str, list[RegisterEntry]]:
    """(generation date, entries) of the XML export; RegisterFormatError naming the file when it is not one."""
    entries: list[RegisterEntry] = []
    generated = ""
    try:
        for event, element in ET.iterparse(str(path), events=("start", "end")):
            if event == "start":
                if not generated and element.get("genDate"):
                    generated = element.get("genDate", "")
                continue
            if element.tag != "item":
                continue
            number = (element.findtext("registrationNumber") or "").strip()
            if number:
                owner = element.find("owner")
                entries.append(RegisterEntry(
                    number=number,
                    name=(element.findtext("name") or "").strip(),
                    previous_name=(element.findtext("previousAlternativeName") or "").strip(),
                    owner=((owner.findtext("name") if owner is not None else "") or "").strip(),
                    owner_short=((owner.findtext("shortName") if owner is not None else "") or "").strip(),
                    included=_date(element.findtext("inclusionDate") or ""),
                    inclusion_order=(element.findtext("inclusionNumber") or "").strip(),
                    excluded=(element.findtext("excluded") or "").strip().lower() in _YES
                    or bool((element.findtext("exclusionDate") or "").strip()),
                    excluded_on=_date(element.findtext("exclusionDate") or ""),
                ))
            element.clear()
    except ET.ParseError as exc:
        line, column = exc.position
        raise RegisterFormatError(f"{path}: not readable as XML at line {line}, column {column}: {exc}") from None
    except OSError as exc:
        raise RegisterFormatError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if not entries:
        raise RegisterFormatError(f"{path}: no <item> with a <registrationNumber>: not the register's XML export "
                                  f"({EXPORT_URL})")
    numbers = [e.number for e in entries if not e.number.isdigit()]
    if numbers:
        raise RegisterFormatError(f"{path}: registrationNumber {numbers[0]!r} is not a number")
    return generated, entries


def _names(entry: RegisterEntry) -> list[str]:
    """Normalized forms of an entry's names: whole, and each «quoted» part (the register quotes product names)."""
    forms: list[str] = []
    for text in (entry.name, entry.previous_name):
        for candidate in [text] + _QUOTED.findall(text):
            value = normalize(candidate.replace("«", "").replace("»", "").replace('"', ""))
            if value and value not in forms:
                forms.append(value)
    return forms


class _ProductNames:
    """How a product's name evidence is tried on register names: its own name, then its name patterns."""

    def __init__(self, product: Product) -> None:
        self.product = product
        self.name = normalize(product.name)
        rules = [rule for key in ("windows", "names") for rule in product.match.get(key, [])]
        self.patterns = [(rule, re.compile(rule)) for rule in rules]

    def rule(self, names: list[str]) -> str:
        """The evidence that one of the names is this product ('' when none)."""
        if self.name in names:
            return f"name={self.name}"
        for rule, pattern in self.patterns:
            if any(pattern.fullmatch(n) for n in names):
                return f"pattern~{rule}"
        return ""


class _Owners:
    """Vendor evidence for a rights holder's name: aliases, legal and display names, publisher patterns, parents."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.by_name: dict[str, str] = {}
        self.patterns: list[tuple[str, re.Pattern, str]] = []
        for vendor in catalog.vendors.values():
            for text in [vendor.name, vendor.legal_name, *vendor.aliases]:
                key = normalize_publisher(text)
                if key:
                    self.by_name.setdefault(key, vendor.id)
            self.patterns += [(p, re.compile(p), vendor.id) for p in vendor.publisher_patterns]

    def vendor(self, entry: RegisterEntry) -> tuple[str, str]:
        """(vendor id, rule) for the entry's rights holder, or ('', '')."""
        for text in (entry.owner, entry.owner_short):
            key = normalize_publisher(text)
            if key in self.by_name:
                return self.by_name[key], f"owner={key}"
        for text in (entry.owner, entry.owner_short):
            key = normalize_publisher(text)
            for rule, pattern, vendor_id in self.patterns:
                if key and pattern.search(key):
                    return vendor_id, f"owner~{rule}"
        return "", ""

    def family(self, vendor_id: str) -> set[str]:
        """The vendor and its parents: an entry held by the parent company belongs to the family."""
        seen: set[str] = set()
        vendor = self.catalog.vendors.get(vendor_id)
        while vendor and vendor.id not in seen:
            seen.add(vendor.id)
            vendor = self.catalog.vendors.get(vendor.parent) if vendor.parent else None
        return seen


def match_entries(catalog: Catalog, entries: Iterable[RegisterEntry], generated: str = "") -> RegisterImport:
    """Tie entries to the catalog's Russian products; keep the rest of the catalog vendors' entries for review."""
    owners = _Owners(catalog)
    products = [_ProductNames(p) for p in sorted(catalog.products.values(), key=lambda p: p.id)
                if catalog.country_of(p.vendor) == "RU"]
    found: dict[str, list[tuple[RegisterEntry, str, str]]] = {}
    owner_only: list[dict] = []
    other_owner: list[dict] = []
    count = 0
    for entry in entries:
        count += 1
        names = _names(entry)
        vendor_id, owner_rule = owners.vendor(entry)
        hits = [(p, r) for p in products if (r := p.rule(names))]
        claimed = False
        for candidate, name_rule in hits:
            if vendor_id and owners.family(vendor_id) & owners.family(candidate.product.vendor):
                found.setdefault(candidate.product.id, []).append((entry, name_rule, owner_rule))
                claimed = True
            else:
                other_owner.append({"entry": asdict(entry), "product": candidate.product.id, "name_rule": name_rule,
                                    "owner_vendor": vendor_id})
        if vendor_id and not claimed:
            owner_only.append({"entry": asdict(entry), "vendor": vendor_id, "owner_rule": owner_rule})
    matches = []
    for product_id, candidates in sorted(found.items()):
        # An entry still in force before an excluded one; the exact product name before a pattern; the oldest number.
        candidates.sort(key=lambda c: (c[0].excluded, not c[1].startswith("name="), int(c[0].number)))
        entry, name_rule, owner_rule = candidates[0]
        matches.append(RegisterMatch(product_id, entry, name_rule, owner_rule,
                                     others=[c[0].number for c in candidates[1:]]))
    return RegisterImport(generated, count, matches, owner_only, other_owner)


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def register_toml(result: RegisterImport, source_file: str) -> str:
    """The `[[register]]` catalog data for the matches (see docs/catalog-format.md)."""
    lines = [
        "# Unified Register of Russian Software: entries matched to catalog products by `footprint catalog register",
        f"# import` from {source_file} (export generated {result.generated or 'at an unstated time'}).",
        "# Review with `footprint catalog register list` and `footprint catalog register unmatched`.",
        "",
    ]
    for m in result.matches:
        e = m.entry
        lines += [
            "[[register]]",
            f"product = {_toml_string(m.product)}",
            f"number = {_toml_string(e.number)}",
            f"name = {_toml_string(e.name)}",
            f"owner = {_toml_string(e.owner or e.owner_short)}",
            f"included = {_toml_string(e.included)}",
        ]
        if e.excluded:
            lines.append(f"excluded = {_toml_string(e.excluded_on or 'yes')}")
        lines += [
            f"matched = {_toml_string(m.name_rule + '; ' + m.owner_rule)}",
            f"source = {_toml_string(EXPORT_URL)}",
            f"exported = {_toml_string(result.generated)}",
            "",
        ]
    return "\n".join(lines)


def _write_atomic(path: Path, text: str) -> None:
    """Replace the file in one rename: a reader sees the old content or the new, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def save(result: RegisterImport, directory: Path, source_file: str) -> tuple[Path, Path]:
    """Write register.toml (catalog data) and register-review.json (what to review) into the local directory."""
    data_path, review_path = directory / REGISTER_FILE, directory / REVIEW_FILE
    review = {"generated": result.generated, "imported_from": source_file, "entries": result.entries,
              "owner_only": result.owner_only, "other_owner": result.other_owner,
              "also_matched": {m.product: m.others for m in result.matches if m.others}}
    _write_atomic(review_path, json.dumps(review, ensure_ascii=False, indent=1) + "\n")
    _write_atomic(data_path, register_toml(result, source_file))
    return data_path, review_path


def load_review(directory: Path) -> Optional[dict]:
    """The review file of the last import into this directory, or None."""
    path = directory / REVIEW_FILE
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RegisterFormatError(f"{path}: cannot be read: {exc}") from None


def iter_unregistered(catalog: Catalog) -> Iterator[Product]:
    """Russian products that carry no register entry: the entries still to find."""
    for product in sorted(catalog.products.values(), key=lambda p: p.id):
        if catalog.country_of(product.vendor) == "RU" and not product.register:
            yield product
