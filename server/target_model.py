"""A migration target as data: what must be gone from which hosts by when, validated in one place so the API,
the TOML loader and the CLI name the same field and value when something is wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, List, Mapping, Optional, Tuple

from agent.contract import KINDS
from server.catalog.taxonomy import CATEGORIES

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"  # safe in a URL path and a file name
# What must be gone: every foreign install, the proprietary ones, a foreign OS, or one category (its foreign
# installs), vendor or product (every install of it, whatever its status).
REMOVE_KINDS = ("foreign", "foreign-proprietary", "foreign-os", "category", "vendor", "product")
VALUED = ("category", "vendor", "product")
MAX_MILESTONES = 24
MAX_TEXT = 500
MAX_STALE_DAYS = 36_500
FIELDS = ("name", "description", "remove", "due", "tags", "os", "kind", "stale_days", "milestones")
MILESTONE_FIELDS = ("date", "share", "tags")


class TargetError(ValueError):
    """A target that cannot be kept: `field` and `value` say which and what."""

    def __init__(self, field_name: str, value: Any, message: str) -> None:
        super().__init__(f"{field_name} = {value!r}: {message}")
        self.field, self.value, self.message = field_name, value, message


@dataclass(frozen=True)
class Milestone:
    """An interim step: at least `share` % of the hosts in scope (narrowed by `tags`) compliant by `date`."""

    date: date
    share: float
    tags: Tuple[Tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Target:
    """A migration target; `tags`, `os`, `kind` and `stale_days` are the host filter every query takes."""

    name: str
    remove: str  # one of REMOVE_KINDS
    due: date
    value: str = ""  # the category, vendor or product for those kinds
    description: str = ""
    tags: Tuple[Tuple[str, str], ...] = ()
    os: Optional[str] = None
    kind: Optional[str] = None
    stale_days: Optional[int] = None
    milestones: Tuple[Milestone, ...] = field(default_factory=tuple)

    @property
    def removes(self) -> str:
        """`remove` as written: `foreign`, `category:office-suite`, `product:zoom-workplace`."""
        return f"{self.remove}:{self.value}" if self.value else self.remove


def _text(data: Mapping, name: str, limit: int = MAX_TEXT, required: bool = False) -> Optional[str]:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise TargetError(name, value, "required")
        return None
    if not isinstance(value, str):
        raise TargetError(name, value, "expected text")
    if len(value) > limit or "\x00" in value:
        raise TargetError(name, value[:40], f"at most {limit} characters of text")
    return value


def _date(name: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise TargetError(name, value, "expected a date such as 2027-01-01")


def _tags(name: str, value: Any) -> Tuple[Tuple[str, str], ...]:
    """`["dept=finance"]` or `{dept = "finance"}` → (("dept", "finance"),)."""
    if value is None:
        return ()
    if isinstance(value, Mapping):
        value = [f"{k}={v}" for k, v in value.items()]
    if not isinstance(value, (list, tuple)):
        raise TargetError(name, value, "expected a list of KEY=VALUE, e.g. [\"dept=finance\"]")
    pairs = []
    for tag in value:
        key, sep, val = tag.partition("=") if isinstance(tag, str) else ("", "", "")
        if not sep or not key or len(key) > 64 or len(val) > 255 or "\x00" in tag:
            raise TargetError(name, tag, "expected KEY=VALUE, e.g. dept=finance")
        pairs.append((key, val))
    return tuple(sorted(set(pairs)))


def parse_remove(value: Any) -> Tuple[str, str]:
    """`foreign` → ("foreign", ""); `category:office-suite` → ("category", "office-suite")."""
    if not isinstance(value, str) or not value:
        raise TargetError("remove", value, f"required: one of {', '.join(REMOVE_KINDS)} (e.g. category:browser)")
    kind, _, what = value.partition(":")
    if kind not in REMOVE_KINDS:
        raise TargetError("remove", value, f"expected one of {', '.join(REMOVE_KINDS)}")
    if kind in VALUED and not what:
        raise TargetError("remove", value, f"{kind} needs its id, e.g. {kind}:{_EXAMPLES[kind]}")
    if kind not in VALUED and what:
        raise TargetError("remove", value, f"{kind} takes no value")
    if kind == "category" and what not in CATEGORIES:
        raise TargetError("remove", value, f"unknown category; one of {', '.join(CATEGORIES)}")
    if len(what) > 128 or "\x00" in what:
        raise TargetError("remove", value[:40], "the id is at most 128 characters")
    return kind, what


_EXAMPLES = {"category": "office-suite", "vendor": "microsoft", "product": "zoom-workplace"}


def _milestone(index: int, data: Any) -> Milestone:
    where = f"milestones[{index}]"
    if not isinstance(data, Mapping):
        raise TargetError(where, data, "expected a table with date, share and optional tags")
    unknown = sorted(set(data) - set(MILESTONE_FIELDS))
    if unknown:
        raise TargetError(f"{where}.{unknown[0]}", data[unknown[0]],
                          f"unknown field; known: {', '.join(MILESTONE_FIELDS)}")
    if "date" not in data:
        raise TargetError(f"{where}.date", None, "required")
    share = data.get("share")
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 100:
        raise TargetError(f"{where}.share", share, "expected the compliant share in percent, above 0 and at most 100")
    return Milestone(_date(f"{where}.date", data["date"]), float(share), _tags(f"{where}.tags", data.get("tags")))


def parse_target(data: Mapping) -> Target:
    """A target from JSON or TOML data; TargetError names the first wrong field and its value."""
    if not isinstance(data, Mapping):
        raise TargetError("target", data, "expected a table of fields")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise TargetError(unknown[0], data[unknown[0]], f"unknown field; known: {', '.join(FIELDS)}")
    name = _text(data, "name", 64, required=True)
    if not re.match(NAME_PATTERN, name):
        raise TargetError("name", name, "letters, digits, '.', '_' and '-' (at most 64), a letter or digit first")
    remove, value = parse_remove(data.get("remove"))
    if data.get("due") is None:
        raise TargetError("due", None, "required: the date everything must be gone by, e.g. 2027-01-01")
    due = _date("due", data["due"])
    kind = data.get("kind")
    if kind is not None and kind not in KINDS:
        raise TargetError("kind", kind, f"expected one of {', '.join(KINDS)}")
    stale = data.get("stale_days")
    if stale is not None and (isinstance(stale, bool) or not isinstance(stale, int)
                              or not 1 <= stale <= MAX_STALE_DAYS):
        raise TargetError("stale_days", stale, f"expected a whole number of days from 1 to {MAX_STALE_DAYS}")
    milestones = data.get("milestones") or []
    if not isinstance(milestones, (list, tuple)) or len(milestones) > MAX_MILESTONES:
        raise TargetError("milestones", milestones, f"expected a list of at most {MAX_MILESTONES} milestones")
    steps = tuple(sorted((_milestone(i, m) for i, m in enumerate(milestones)), key=lambda m: (m.date, m.share)))
    for i, step in enumerate(steps):
        if step.date > due:
            raise TargetError(f"milestones[{i}].date", step.date.isoformat(), f"after the due date {due.isoformat()}")
    return Target(name=name, remove=remove, value=value, due=due, description=_text(data, "description") or "",
                  tags=_tags("tags", data.get("tags")), os=_text(data, "os", 64), kind=kind, stale_days=stale,
                  milestones=steps)


def target_dict(target: Target) -> Dict[str, Any]:
    """The target as JSON data, in the shape parse_target reads (so a listed target can be loaded again)."""
    return {"name": target.name, "description": target.description, "remove": target.removes,
            "due": target.due.isoformat(), "tags": [f"{k}={v}" for k, v in target.tags], "os": target.os,
            "kind": target.kind, "stale_days": target.stale_days,
            "milestones": [milestone_dict(m) for m in target.milestones]}


def milestone_dict(m: Milestone) -> Dict[str, Any]:
    return {"date": m.date.isoformat(), "share": m.share, "tags": [f"{k}={v}" for k, v in m.tags]}


def parse_file(data: Mapping, source: str) -> List[Target]:
    """The `[[target]]` tables of a TOML file; TargetError names the file, the table and the field."""
    unknown = sorted(set(data) - {"target"})
    if unknown:
        raise TargetError(f"{source}: {unknown[0]}", data[unknown[0]], "unknown table; expected [[target]] tables")
    tables = data.get("target")
    if not isinstance(tables, list) or not tables:
        raise TargetError(f"{source}: target", tables, "expected one or more [[target]] tables")
    found: List[Target] = []
    for i, table in enumerate(tables):
        try:
            target = parse_target(table)
        except TargetError as exc:
            raise TargetError(f"{source}: target[{i}].{exc.field}", exc.value, exc.message) from None
        if any(t.name == target.name for t in found):
            raise TargetError(f"{source}: target[{i}].name", target.name, "defined twice in this file")
        found.append(target)
    return found
