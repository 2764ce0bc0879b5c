"""Scoring the classifier against a hand-labelled evaluation set (tests/server/catalog/eval/*.jsonl)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from server.catalog.policy import Classifier


@dataclass
class Outcome:
    """One labelled item and what the classifier said about it."""

    file: str
    line: int
    item: dict
    expected: dict
    country: str
    status: str
    category: str
    rule: str

    @property
    def correct(self) -> bool:
        return self.country == self.expected["country"] and self.status == self.expected["status"]

    @property
    def false_domestic(self) -> bool:
        return self.status == "domestic" and self.expected["status"] != "domestic"


@dataclass
class Score:
    outcomes: list[Outcome] = field(default_factory=list)

    def accuracy(self, outcomes: Iterable[Outcome] | None = None, fact: str = "both") -> float:
        """Share correct: country and status together ("both"), or only "country" / "status"."""
        chosen = list(self.outcomes if outcomes is None else outcomes)
        if fact == "both":
            hits = [o.correct for o in chosen]
        else:
            hits = [getattr(o, fact) == o.expected[fact] for o in chosen]
        return sum(hits) / len(hits) if hits else 0.0

    def by(self, key) -> dict[str, list[Outcome]]:
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self.outcomes:
            groups[key(outcome)].append(outcome)
        return dict(sorted(groups.items()))

    def unknown_share(self, outcomes: Iterable[Outcome] | None = None) -> float:
        """Coverage gap: the share the classifier left unknown."""
        chosen = list(self.outcomes if outcomes is None else outcomes)
        return sum(o.status == "unknown" for o in chosen) / len(chosen) if chosen else 0.0

    def misclassified_share(self, outcomes: Iterable[Outcome] | None = None) -> float:
        """Precision gap: the share given a country or status that is wrong (not merely unknown)."""
        chosen = list(self.outcomes if outcomes is None else outcomes)
        return sum(not o.correct and o.status != "unknown" for o in chosen) / len(chosen) if chosen else 0.0

    def classified_share(self, file: str) -> float:
        chosen = [o for o in self.outcomes if o.file == file]
        return sum(o.status != "unknown" for o in chosen) / len(chosen) if chosen else 0.0

    @property
    def false_domestic(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.false_domestic]

    @property
    def wrong(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.correct]


def load_eval(directory: Path) -> list[tuple[str, int, dict]]:
    """(file name, line number, labelled row) for every line of every *.jsonl file, sorted by file.

    Lines starting with `#` are the file's header: where its strings come from and how they were labelled.
    """
    rows = []
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip() and not line.startswith("#"):
                rows.append((path.stem, number, json.loads(line)))
    return rows


def score(classifier: Classifier, rows: list[tuple[str, int, dict]]) -> Score:
    result = Score()
    for file, number, row in rows:
        item = {k: v for k, v in row.items() if k not in ("expected", "note")}
        c = classifier.classify(item)
        result.outcomes.append(Outcome(file, number, item, row["expected"], c.country, c.status,
                                       c.category or "-", c.rule))
    return result
