"""Charts as inline SVG strings, drawn in Python so the report needs no script, font or file from outside."""

from __future__ import annotations

import math
from html import escape
from typing import Dict, List, Optional, Sequence, Tuple

FONT = "font-family=\"system-ui, 'DejaVu Sans', Arial, sans-serif\""
EMPTY_TEXT = "no data for these filters"


def _svg(width: int, height: int, title: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" {FONT} font-size="12">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _label(text: str, limit: int) -> str:
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def _empty(width: int, height: int, title: str) -> str:
    return _svg(width, height, title, f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" '
                f'fill="#666">{EMPTY_TEXT}</text>')


def donut(title: str, slices: Sequence[Tuple[str, int, str]], center: str, size: int = 220) -> str:
    """A ring of (label, value, colour) slices with `center` written in the hole; legend beside it."""
    total = sum(value for _, value, _ in slices)
    legend_width = 230
    if total <= 0:
        return _empty(size + legend_width, size, title)
    radius, hole, middle = size / 2 - 4, size / 4, size / 2
    parts: List[str] = []
    angle = -math.pi / 2
    for _, value, colour in slices:
        if value <= 0:
            continue
        sweep = 2 * math.pi * value / total
        if sweep >= 2 * math.pi - 1e-9:  # one slice: an arc cannot start and end at the same point
            parts.append(f'<circle cx="{middle}" cy="{middle}" r="{radius}" fill="{colour}"/>')
        else:
            x1, y1 = middle + radius * math.cos(angle), middle + radius * math.sin(angle)
            x2, y2 = middle + radius * math.cos(angle + sweep), middle + radius * math.sin(angle + sweep)
            large = 1 if sweep > math.pi else 0
            parts.append(
                f'<path d="M{middle:.2f},{middle:.2f} L{x1:.2f},{y1:.2f} '
                f'A{radius:.2f},{radius:.2f} 0 {large} 1 {x2:.2f},{y2:.2f} Z" fill="{colour}"/>'
            )
        angle += sweep
    parts.append(f'<circle cx="{middle}" cy="{middle}" r="{hole}" fill="#fff"/>')
    parts.append(f'<text x="{middle}" y="{middle + 7}" text-anchor="middle" font-size="20" '
                 f'font-weight="bold">{escape(center)}</text>')
    for row, (label, value, colour) in enumerate(slices):
        y = 24 + row * 22
        parts.append(f'<rect x="{size + 12}" y="{y - 11}" width="14" height="14" fill="{colour}"/>')
        parts.append(f'<text x="{size + 32}" y="{y}">{_label(label, 24)} — {value:,}</text>')
    return _svg(size + legend_width, size, title, "".join(parts))


def bars(title: str, rows: Sequence[Tuple[str, int]], colour: str, width: int = 560) -> str:
    """Horizontal bars, one per (label, value), longest first as given, value written at the bar's end."""
    if not rows:
        return _empty(width, 60, title)
    label_width, row_height, top = 190, 24, 6
    scale = (width - label_width - 60) / max(max(v for _, v in rows), 1)
    parts = []
    for row, (label, value) in enumerate(rows):
        y = top + row * row_height
        length = max(value * scale, 1)
        parts.append(f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end">{_label(label, 25)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="16" fill="{colour}"/>')
        parts.append(f'<text x="{label_width + length + 6:.1f}" y="{y + 15}">{value:,}</text>')
    return _svg(width, top * 2 + row_height * len(rows), title, "".join(parts))


def stacked_bars(
    title: str, rows: Sequence[Tuple[str, Dict[str, int]]], colours: Dict[str, str], width: int = 560
) -> str:
    """One horizontal bar per (label, {group: value}), its segments in `colours`' order."""
    if not rows:
        return _empty(width, 60, title)
    label_width, row_height, top = 190, 24, 6
    largest = max(sum(groups.values()) for _, groups in rows)
    scale = (width - label_width - 60) / max(largest, 1)
    parts = []
    for row, (label, groups) in enumerate(rows):
        y, x = top + row * row_height, float(label_width)
        parts.append(f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end">{_label(label, 25)}</text>')
        for group, colour in colours.items():
            length = groups.get(group, 0) * scale
            if length > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{length:.1f}" height="16" fill="{colour}">'
                             f"<title>{escape(group)}: {groups[group]:,}</title></rect>")
                x += length
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 15}">{sum(groups.values()):,}</text>')
    return _svg(width, top * 2 + row_height * len(rows), title, "".join(parts))


def share_line(title: str, points: Sequence[Tuple[str, float]], colour: str, width: int = 560) -> str:
    """A line of percentages per period on a 0-100 % axis; a single period is drawn as a dot."""
    height = 220
    if not points:
        return _empty(width, height, title)
    left, right, top, bottom = 44, 32, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(points) - 1, 1)
    parts = []
    for tick in range(0, 101, 25):
        y = top + plot_h * (1 - tick / 100)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{tick}%</text>')
    coords = [(left + i * step, top + plot_h * (1 - min(max(share, 0.0), 100.0) / 100)) for i, (_, share) in
              enumerate(points)]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="3"/>')
    label_every = max(1, math.ceil(len(points) / 8))
    for i, ((label, share), (x, y)) in enumerate(zip(points, coords)):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">'
                     f"<title>{escape(label)}: {share:.1f}%</title></circle>")
        if i % label_every == 0 or i == len(points) - 1:
            parts.append(f'<text x="{x:.1f}" y="{height - 14}" text-anchor="middle" fill="#555">'
                         f"{_label(label, 10)}</text>")
    return _svg(width, height, title, "".join(parts))


def burndown(title: str, points: Sequence[Tuple[str, float, int]], due: Tuple[float, str],
             milestones: Sequence[Tuple[float, str]], projection: Optional[Tuple[float, float, float, str]],
             colours: Dict[str, str], width: int = 560) -> str:
    """Offending installs per week (label, day, installs) as a line, the due date and each milestone as vertical
    lines, and the projection (from day, installs, to the completion day, its label) dashed down to zero. Days
    are ordinal numbers with a fraction; each mark carries its figure in a data- attribute."""
    height = 240
    if not points:
        return _empty(width, height, title)
    left, right, top, bottom = 52, 24, 22, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    first = points[0][1]
    last = max([points[-1][1], due[0], *(m[0] for m in milestones)] + ([projection[2]] if projection else []))
    span = max(last - first, 1.0)
    peak = 4 * math.ceil(max(max(v for _, _, v in points), 1) / 4)  # four whole-number steps on the axis

    def x(day: float) -> float:
        return left + plot_w * (day - first) / span

    def y(value: float) -> float:
        return top + plot_h * (1 - value / peak)

    parts = []
    for tick in range(5):
        value = peak * tick / 4
        parts.append(f'<line x1="{left}" y1="{y(value):.1f}" x2="{width - right}" y2="{y(value):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" fill="#555">{value:,.0f}</text>')
    parts.append(f'<line class="due" data-due="{escape(due[1])}" x1="{x(due[0]):.1f}" y1="{top - 6}" '
                 f'x2="{x(due[0]):.1f}" y2="{top + plot_h}" stroke="{colours["due"]}" stroke-width="3"/>')
    parts.append(f'<text x="{x(due[0]) - 4:.1f}" y="{top - 9}" text-anchor="end" fill="{colours["due"]}">'
                 f'due {escape(due[1])}</text>')
    for day, label in milestones:
        parts.append(f'<line class="milestone" data-milestone="{escape(label)}" x1="{x(day):.1f}" y1="{top}" '
                     f'x2="{x(day):.1f}" y2="{top + plot_h}" stroke="{colours["milestone"]}" stroke-width="2" '
                     f'stroke-dasharray="3 3"><title>milestone {escape(label)}</title></line>')
    if projection:
        start, value, end, label = projection
        parts.append(f'<line class="projection" data-completion="{escape(label)}" x1="{x(start):.1f}" '
                     f'y1="{y(value):.1f}" x2="{x(end):.1f}" y2="{y(0):.1f}" stroke="{colours["projection"]}" '
                     f'stroke-width="3" stroke-dasharray="8 5"><title>projected completion {escape(label)}</title>'
                     f"</line>")
    coords = [(x(day), y(v)) for _, day, v in points]
    if len(coords) > 1:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colours["line"]}" stroke-width="3"/>')
    for (label, _, value), (px, py) in zip(points, coords):
        parts.append(f'<circle class="week" data-week="{escape(label)}" data-installs="{value}" cx="{px:.1f}" '
                     f'cy="{py:.1f}" r="3.5" fill="{colours["line"]}"><title>{escape(label)}: {value:,}</title>'
                     f"</circle>")
    parts.append(f'<text x="{left}" y="{height - 14}" fill="#555">{escape(points[0][0])}</text>')
    parts.append(f'<text x="{width - right}" y="{height - 14}" text-anchor="end" fill="#555">'
                 f'{escape(projection[3] if projection else points[-1][0])}</text>')
    return _svg(width, height, title, "".join(parts))
