"""The one interface every software source implements, so `collect` can pick them at run time.

Plain slotted classes rather than dataclasses: importing `dataclasses` costs more than parsing a
dpkg database, and the agent's start-up time is part of its footprint on every machine.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Dict, List, Optional


class SoftwareItem:
    """One installed package or application, as in `software[]` of docs/report-format.md."""

    __slots__ = (
        "name",
        "version",
        "source",
        "publisher",
        "arch",
        "install_date",
        "id",
        "scope",
        "user",
        "location",
        "extra",
        "provenance",
        "application",
        "profile",
        "install_source",
        "last_used",
    )

    def __init__(
        self,
        name: str,
        version: str,
        source: str,
        publisher: Optional[str] = None,
        arch: Optional[str] = None,
        install_date: Optional[str] = None,
        id: Optional[str] = None,  # noqa: A002 - the report's field name
        scope: Optional[str] = None,
        user: Optional[str] = None,
        location: Optional[str] = None,
        extra: Optional[Dict[str, str]] = None,
        provenance: Optional[Dict[str, str]] = None,
        application: Optional[str] = None,
        profile: Optional[str] = None,
        install_source: Optional[str] = None,
        last_used: Optional[str] = None,
    ) -> None:
        self.name = name
        self.version = version
        self.source = source
        self.publisher = publisher
        self.arch = arch
        self.install_date = install_date
        self.id = id
        self.scope = scope
        self.user = user
        self.location = location
        self.extra = extra if extra is not None else {}
        self.provenance = provenance if provenance is not None else {}
        self.application = application  # an extension's browser or IDE
        self.profile = profile
        self.install_source = install_source
        self.last_used = last_used  # RFC 3339, the UTC day of the last recorded use

    def to_dict(self) -> dict:
        """Report form: fields that are unknown are left out, not sent as null."""
        out = {}
        for key in self.__slots__:
            value = getattr(self, key)
            if value is not None and value != "" and value != {}:
                out[key] = value
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftwareItem) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"SoftwareItem({self.to_dict()!r})"


class SourceError:
    """A problem one source met; it goes into the report's `errors` list instead of crashing."""

    __slots__ = ("source", "message", "path")

    def __init__(self, source: str, message: str, path: Optional[str] = None) -> None:
        self.source = source
        self.message = message
        self.path = path

    def to_dict(self) -> dict:
        out = {"source": self.source, "message": self.message}
        if self.path is not None:
            out["path"] = self.path
        return out

    def __repr__(self) -> str:
        return f"SourceError({self.to_dict()!r})"


class SourceResult:
    """What a source found, plus the problems it met on the way."""

    __slots__ = ("items", "errors")

    def __init__(
        self,
        items: Optional[List[SoftwareItem]] = None,
        errors: Optional[List[SourceError]] = None,
    ) -> None:
        self.items = items if items is not None else []
        self.errors = errors if errors is not None else []


def person_name(contact: Optional[str]) -> Optional[str]:
    """'Zoom Video Communications, Inc. <support@zoom.us>' -> the name (the address if alone)."""
    if not contact:
        return None
    name = contact.split("<", 1)[0].strip()
    return name or contact.strip("<> ") or None


def rfc3339(seconds: Optional[float] = None) -> str:
    """UTC time as RFC 3339 with a Z suffix, whole seconds: '2026-11-23T11:20:00Z'."""
    return time.strftime(
        "%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if seconds is None else seconds)
    )


def utc_day(moment: datetime) -> str:
    """`last_used` as reported: the UTC day of an aware time, so a host in daily use changes its inventory hash
    (and sends a full report) at most once a day for it."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT00:00:00Z")


class Source:
    """A software source: `available()` is cheap and says whether it applies on this machine."""

    name: str = ""

    def __init__(self, root: str = "/") -> None:
        self.root = root

    def available(self) -> bool:
        raise NotImplementedError

    def collect(self) -> SourceResult:
        raise NotImplementedError
