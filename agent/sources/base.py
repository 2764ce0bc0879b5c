"""The one interface every software source implements, so `collect` can pick them at run time."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional


@dataclass
class SoftwareItem:
    """One installed package or application, as in `software[]` of docs/report-format.md."""

    name: str
    version: str
    source: str
    publisher: Optional[str] = None
    arch: Optional[str] = None
    install_date: Optional[str] = None
    id: Optional[str] = None
    scope: Optional[str] = None
    user: Optional[str] = None
    location: Optional[str] = None
    extra: Dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Report form: fields that are unknown are left out, not sent as null."""
        return {k: v for k, v in asdict(self).items() if v not in (None, "", {})}


@dataclass
class SourceError:
    """A problem one source met; it goes into the report's `errors` list instead of crashing."""

    source: str
    message: str
    path: Optional[str] = None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class SourceResult:
    """What a source found, plus the problems it met on the way."""

    items: List[SoftwareItem] = field(default_factory=list)
    errors: List[SourceError] = field(default_factory=list)


class Source:
    """A software source: `available()` is cheap and says whether it applies on this machine."""

    name: str = ""

    def __init__(self, root: str = "/") -> None:
        self.root = root

    def available(self) -> bool:
        raise NotImplementedError

    def collect(self) -> SourceResult:
        raise NotImplementedError
