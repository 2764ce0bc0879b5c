"""The organisation's policy (home countries) applied to catalog matches: one `Classification` per distinct title."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable, Optional, Sequence, Union

from server.catalog.loader import Catalog
from server.catalog.matcher import CatalogIndex, Item, Match
from server.catalog.taxonomy import COUNTRIES
from server.settings import env

HOME_COUNTRIES_ENV = "FOOTPRINT_HOME_COUNTRIES"
DEFAULT_HOME = ("RU",)

# Install groups the totals report: a foreign item whose license is not known counts as proprietary.
GROUPS = ("domestic", "foreign-proprietary", "foreign-open-source", "unknown")


def home_countries(value: Optional[str] = None) -> tuple[str, ...]:
    """Home countries from a comma list (`--home`), else FOOTPRINT_HOME_COUNTRIES, else RU; ValueError if bad."""
    value = value if value is not None else env(HOME_COUNTRIES_ENV)
    codes = tuple(c.strip().upper() for c in value.split(",") if c.strip())
    for code in codes:
        if code not in COUNTRIES:
            raise ValueError(f"home country {code!r} is not an ISO 3166-1 alpha-2 code (e.g. RU, DE, AT)")
    return codes or DEFAULT_HOME


@dataclass(frozen=True)
class Alternative:
    id: str
    name: str
    vendor: str
    country: str
    status: str
    license: str
    register: str


@dataclass(frozen=True)
class Classification:
    """Who made an item, from where, what it means under the policy, the rule that decided, what replaces it."""

    vendor: str = ""
    vendor_name: str = ""
    product: str = ""
    product_name: str = ""
    category: str = ""
    country: str = ""
    status: str = "unknown"  # domestic | foreign | unknown
    license: str = ""  # proprietary | open-source | "" (vendor known, product not, vendor not open-source only)
    group: str = "unknown"  # one of GROUPS
    register: str = ""  # Russian software register entry number, apart from country
    rule: str = ""
    level: str = "none"  # archive | distribution | exact | pattern | publisher | inferred | none
    os_component: bool = False  # a distribution package: counted under the host's OS, not as an install
    alternatives: tuple[Alternative, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["alternatives"] = [asdict(a) for a in self.alternatives]
        return data


def _status(country: str, home: Sequence[str], not_from: Sequence[str] = ()) -> str:
    """domestic / foreign by country; with no country, foreign only when research rules out every home country."""
    if not country:
        return "foreign" if not_from and all(h in not_from for h in home) else "unknown"
    return "domestic" if country in home else "foreign"


class Classifier:
    """Classifies items against a validated catalog for a set of home countries; results cached per title."""

    def __init__(self, catalog: Catalog | CatalogIndex, home: Sequence[str] = DEFAULT_HOME) -> None:
        self.index = catalog if isinstance(catalog, CatalogIndex) else CatalogIndex(catalog)
        self.catalog = self.index.catalog
        self.home = tuple(home)
        self._cache: dict[Item, Classification] = {}
        self._by_match: dict[Match, Classification] = {}

    @property
    def fingerprint(self) -> str:
        """Catalog contents plus home countries: when it changes, stored classifications must be redone."""
        return f"{self.catalog.fingerprint}:{','.join(sorted(self.home))}"

    def classify(self, item: Union[Item, dict]) -> Classification:
        """One item (an `Item` or a report/JSONL dict); the same title always gives the same answer."""
        if isinstance(item, dict):
            item = Item.from_dict(item)
        cached = self._cache.get(item)
        if cached is None:
            match = self.index.find(item)
            cached = self._by_match.get(match)
            if cached is None:
                cached = self._by_match[match] = self._classification(match)
            self._cache[item] = cached
        return cached

    def classify_many(self, items: Iterable[Union[Item, dict]]) -> list[Classification]:
        """The batch path: each distinct title is matched once."""
        return [self.classify(item) for item in items]

    def _classification(self, match: Match) -> Classification:
        if not match.vendor:
            return Classification(rule=match.rule)
        vendor = self.catalog.vendors[match.vendor]
        country = self.catalog.country_of(vendor.id)
        status = _status(country, self.home, self.catalog.not_from_of(vendor.id))
        product = self.catalog.products.get(match.product)
        license_ = product.license if product else vendor.license
        if status == "foreign":
            group = "foreign-open-source" if license_ == "open-source" else "foreign-proprietary"
        else:
            group = status
        return Classification(
            vendor=vendor.id, vendor_name=vendor.name, country=country, status=status, rule=match.rule,
            level=match.level, os_component=match.os_component, license=license_, group=group,
            product=product.id if product else "", product_name=product.name if product else "",
            category=product.category if product else "", register=product.register if product else "",
            alternatives=tuple(self._alternative(a) for a in (product.alternatives if product else [])),
        )

    def alternatives_of(self, product_id: str) -> tuple[Alternative, ...]:
        """What the catalog says replaces a product, under this policy's home countries."""
        product = self.catalog.products.get(product_id)
        return tuple(self._alternative(a) for a in (product.alternatives if product else []))

    def _alternative(self, product_id: str) -> Alternative:
        product = self.catalog.products[product_id]
        country = self.catalog.country_of(product.vendor)
        status = _status(country, self.home, self.catalog.not_from_of(product.vendor))
        return Alternative(product.id, product.name, product.vendor, country, status, product.license,
                           product.register)
