"""A report body's document validated into models a chunk of software items at a time, each raw item let go once
its model is built: the parsed document and its models are never held whole side by side (for the contract's
largest report that was about 50 MiB of the collector's peak)."""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, List

from pydantic import TypeAdapter, ValidationError

from agent.contract import MAX_SOFTWARE_ITEMS
from server.schemas import Report, SoftwareItem

CHUNK = 1000  # items validated at once
_ITEMS = TypeAdapter(List[SoftwareItem])


class InvalidReport(ValueError):
    """The report breaks the schema: `errors()` as pydantic's ValidationError lists them, every item's place in
    the whole report."""

    def __init__(self, errors: List[dict]) -> None:
        super().__init__(f"{len(errors)} validation errors")
        self._errors = errors

    def errors(self) -> List[dict]:
        return self._errors

    def error_count(self) -> int:
        return len(self._errors)


def consumable(raw: Any) -> bool:
    """Whether the document has the shape the piecewise path takes apart (else pydantic names what is wrong)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("host", {}), dict):
        return False
    items = raw.get("software")
    return isinstance(items, list) and len(items) <= MAX_SOFTWARE_ITEMS and all(isinstance(i, dict) for i in items)


def validate_consuming(raw: dict) -> Report:
    """Report.model_validate(raw) with the same errors, emptying raw["software"] as it goes (`consumable(raw)`)."""
    items = raw["software"]
    raw["software"] = []
    errors: List[dict] = []
    try:
        report = Report.model_validate(raw)
    except ValidationError as exc:
        report, errors = None, list(exc.errors())
    models: List[SoftwareItem] = []
    shared: Dict[FrozenSet[str], FrozenSet[str]] = {}
    for start in range(0, len(items), CHUNK):
        chunk = items[start:start + CHUNK]
        items[start:start + CHUNK] = [None] * len(chunk)
        try:
            models += _shared_fields_sets(_ITEMS.validate_python(chunk), shared)
        except ValidationError as exc:
            errors += [{**e, "loc": ("software", start + e["loc"][0], *e["loc"][1:])} for e in exc.errors()]
        del chunk  # this chunk's raw items go now, before the next one's models are built
    if errors or report is None:
        raise InvalidReport(errors)
    report.software = models
    return report


def _shared_fields_sets(models: List[SoftwareItem], shared: Dict[FrozenSet[str], FrozenSet[str]]):
    """Items that set the same fields share one (frozen) fields-set: pydantic gives each model a set of its own,
    about 1.4 KiB an item with its provenance, a quarter of what a validated item costs. Nothing assigns to an
    item after validation (that would now raise rather than pass silently)."""
    for item in models:
        for model in (item, item.provenance) if item.provenance is not None else (item,):
            names = frozenset(model.__pydantic_fields_set__)
            object.__setattr__(model, "__pydantic_fields_set__", shared.setdefault(names, names))
    return models
