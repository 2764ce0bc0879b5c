"""Rendering of query results as an 80-column table, JSON or CSV, shared by every `footprint` command."""

from __future__ import annotations

import csv
import io
import json
import shutil
from enum import Enum
from typing import Any, Iterable, List, Sequence

# group names short enough for an 80-column table
SHORT_GROUPS = {"foreign-proprietary": "foreign", "foreign-open-source": "foreign OSS",
                "os-component": "OS part"}


class OutputFormat(str, Enum):
    """The `--output` choices every query command offers."""

    table = "table"
    json = "json"
    csv = "csv"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def render_table(rows: Sequence[dict], columns: Sequence[str], width: int | None = None) -> str:
    """A plain-text table that fits the terminal (80 columns when unknown): widest columns shrink first."""
    width = width or shutil.get_terminal_size((80, 24)).columns
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    budget = width - 2 * (len(columns) - 1)
    while sum(widths) > budget and max(widths) > 6:
        widest = widths.index(max(widths))
        widths[widest] -= 1

    def fit(text: str, w: int) -> str:
        return text if len(text) <= w else text[: max(w - 1, 0)] + "…"

    lines = ["  ".join(fit(c, w).ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in cells:
        lines.append("  ".join(fit(c, w).ljust(w) for c, w in zip(r, widths)).rstrip())
    return "\n".join(lines)


def render_csv(rows: Iterable[dict], columns: Sequence[str], bom: bool = False) -> str:
    """CSV with a header row; `bom` prefixes a UTF-8 BOM so Excel in Russian locales reads it as UTF-8."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return ("\ufeff" if bom else "") + buf.getvalue()


def render(data: Any, rows: Sequence[dict], columns: Sequence[str], fmt: OutputFormat) -> str:
    """JSON prints `data` whole (nothing lost); table and CSV print `rows` by `columns`."""
    if fmt == OutputFormat.json:
        return json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if fmt == OutputFormat.csv:
        return render_csv(rows, columns).rstrip("\n")
    return render_table(rows, columns)


def first_and_more(names: List[str]) -> str:
    """`Yandex Browser +2`: a table cell that names the first and counts the rest."""
    return f"{names[0]} +{len(names) - 1}" if len(names) > 1 else "".join(names)
