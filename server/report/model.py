"""What the HTML report shows, as plain data: filled from the totals module, so its numbers are `summary`'s."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple


@dataclass(frozen=True)
class TrendPoint:
    """One period of `footprint trend`."""

    period: str
    foreign_installs: int
    hosts_with_foreign: int
    foreign_share: float  # percent of reporting hosts with any foreign software in the period


@dataclass(frozen=True)
class CategoryRow:
    """Installs in one category, split by install group (domestic, foreign-proprietary, ...)."""

    label: str
    by_group: Dict[str, int]


@dataclass(frozen=True)
class VendorRow:
    name: str
    country: str
    installs: int
    hosts: int


@dataclass(frozen=True)
class ProductRow:
    """A foreign product and what the catalog offers in its place."""

    name: str
    vendor: str
    country: str
    group: str
    category: str
    installs: int
    hosts: int
    alternatives: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class HostRow:
    hostname: str
    os: str
    foreign_installs: int
    installs: int
    last_seen: str


@dataclass(frozen=True)
class OsRow:
    """An operating system and how many hosts run it."""

    name: str
    country: str
    status: str
    hosts: int


@dataclass(frozen=True)
class PhonesData:
    """The phones section: `footprint summary --kind phone` for the same filters."""

    hosts: int
    hosts_with_foreign: int
    operating_systems: List[OsRow]
    top_products: List[ProductRow]


@dataclass(frozen=True)
class BurndownPoint:
    """Offending installs at the end of an ISO week (the last point: when the report was made)."""

    week: str
    at: str  # RFC 3339
    violating_installs: int


@dataclass(frozen=True)
class MilestoneRow:
    date: str
    share: float  # required compliant share, percent
    scope: str  # the tags narrowing the target's scope, or ""
    compliant_share: float
    status: str  # met | missed | pending


@dataclass(frozen=True)
class DepartmentRow:
    """One value of the department tag within a target's scope."""

    department: str
    hosts: int
    compliant: int
    violating: int
    installs: int
    compliant_share: float


@dataclass(frozen=True)
class TargetSection:
    """One migration target as `footprint targets -o json` gives it, for its section of the report."""

    name: str
    description: str
    remove: str
    due: str
    status: str
    hosts_in_scope: int
    compliant_hosts: int
    violating_hosts: int
    violating_installs: int
    compliant_share: float
    per_week: Optional[float]
    completion: Optional[str]
    projection_start: Optional[Tuple[str, float]]  # (RFC 3339, installs) where the fitted line starts
    method: str
    burndown: List[BurndownPoint] = field(default_factory=list)
    milestones: List[MilestoneRow] = field(default_factory=list)
    departments: List[DepartmentRow] = field(default_factory=list)
    group_tag: str = "dept"


@dataclass(frozen=True)
class ExtensionRow:
    """A foreign browser or IDE extension in one browser or IDE, as `footprint summary` counts it."""

    name: str
    vendor: str
    country: str
    group: str
    application: str
    hosts: int
    installs: int


@dataclass(frozen=True)
class UnusedFigures:
    """The program installs not used in `days` days, over the hosts that record last use only."""

    days: int
    hosts_recording: int
    installs: int
    unused: int
    unused_share: float
    no_use_recorded: int


@dataclass(frozen=True)
class ReportData:
    """Everything one report shows, for one set of filters; shares are percentages (0-100) as totals give them."""

    generated_at: str
    filters: Dict[str, str]
    hosts_current: int
    hosts_stale: int
    hosts_with_foreign: int
    foreign_host_share: float
    hosts_domestic_os: int
    domestic_os_share: float
    installs_by_group: Dict[str, int]
    group_shares: Dict[str, float]
    categories: List[CategoryRow]
    uncategorised_installs: int  # installs the catalog does not place in a category, left out of that chart
    installs_by_country: Dict[str, int]  # installs by the vendor's country, as `summary` counts them
    top_vendors: List[VendorRow]
    top_products: List[ProductRow]
    foreign_products: List[ProductRow]
    worst_hosts: List[HostRow]
    trend: List[TrendPoint]
    phones: Optional[PhonesData] = None  # None when no phone reports under these filters
    targets: List[TargetSection] = field(default_factory=list)
    # hosts whose last report carries source errors, never counted free of foreign software, and why
    hosts_incomplete: int = 0
    hosts_without_foreign: int = 0  # complete inventories with no foreign software found
    incomplete_reasons: List[Tuple[str, int]] = field(default_factory=list)  # ("deb: cannot read: …", hosts)
    extension_installs: int = 0  # browser and IDE extensions, counted apart from the program figures
    foreign_extension_installs: int = 0
    top_extensions: List[ExtensionRow] = field(default_factory=list)  # foreign ones, per browser or IDE
    unused: Optional[UnusedFigures] = None
