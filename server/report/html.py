"""The management report: one self-contained HTML file (inline CSS and SVG, no script, no outside request)
that opens offline and prints well."""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from typing import Iterable, List, Optional, Sequence

from server.catalog.policy import GROUPS
from server.report import svg
from server.report.model import PhonesData, ProductRow, ReportData, TargetSection, UnusedFigures

GROUP_LABELS = {
    "domestic": "Domestic",
    "foreign-proprietary": "Foreign proprietary",
    "foreign-open-source": "Foreign open source",
    "unknown": "Unknown",
}
GROUP_COLOURS = {
    "domestic": "#2e7d32",
    "foreign-proprietary": "#c62828",
    "foreign-open-source": "#ef8f00",
    "unknown": "#9e9e9e",
}
FOREIGN_COLOUR = GROUP_COLOURS["foreign-proprietary"]
BURNDOWN_COLOURS = {"line": FOREIGN_COLOUR, "due": "#1b1b1b", "milestone": "#6a1b9a", "projection": "#1565c0"}
STATUS_COLOURS = {"met": "#2e7d32", "on track": "#2e7d32", "at risk": "#ef8f00", "missed": "#c62828"}

# No script runs and nothing is fetched: the policy allows only the inline styles and data: images.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
body { font-family: system-ui, 'DejaVu Sans', Arial, sans-serif; color: #1b1b1b; margin: 24px auto;
       max-width: 1180px; padding: 0 16px; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
.meta, .note { color: #555; font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin-top: 16px; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 12px; }
.card .value { font-size: 28px; font-weight: bold; } .card .label { font-size: 13px; color: #444; }
.status { color: #fff; border-radius: 4px; padding: 1px 8px; font-size: 15px; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 12px 24px; }
figure { margin: 0; break-inside: avoid; } figcaption { font-weight: bold; margin: 12px 0 6px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e4e4e4; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@page { size: A4; margin: 14mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 11px; }
  .charts { grid-template-columns: 1fr 1fr; } svg { max-width: 100%; height: auto; }
  h2 { break-after: avoid; } section { break-inside: auto; }
}
"""


def _percent(share: float) -> str:
    return f"{share:.1f}%"


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: Sequence[int]) -> str:
    head = "".join(f'<th class="n">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
                   for i, h in enumerate(headers))
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="n">{value:,}</td>' if i in numeric else f"<td>{escape(str(value))}</td>"
            for i, value in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(headers)}">{svg.EMPTY_TEXT}</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _card(value: str, label: str, figure: str) -> str:
    """A headline figure; `data-figure` names it, so tests can hold it against `footprint summary`."""
    return (f'<div class="card" data-figure="{figure}"><div class="value">{escape(value)}</div>'
            f'<div class="label">{escape(label)}</div></div>')


def _figure(caption: str, chart: str) -> str:
    return f"<figure><figcaption>{escape(caption)}</figcaption>{chart}</figure>"


def _alternatives(products: List[ProductRow]) -> str:
    rows = [
        (p.name, p.vendor, p.country, GROUP_LABELS.get(p.group, p.group), p.hosts, p.installs,
         ", ".join(p.alternatives) or "—")
        for p in products
    ]
    return _table(("Product", "Vendor", "Country", "Status", "Hosts", "Installs", "Alternatives"), rows, (4, 5))


def _phones(phones: Optional[PhonesData]) -> str:
    """The phones section: what they run (OS share) and the foreign apps on most of them."""
    if phones is None:
        return ""
    colours = ["#1565c0", "#6a1b9a", "#00838f", "#ad1457", "#4e342e", "#558b2f", "#9e9e9e"]
    slices = [(f"{o.name} ({o.country})" if o.country else o.name, o.hosts, colours[min(i, len(colours) - 1)])
              for i, o in enumerate(phones.operating_systems)]
    charts = "".join([
        _figure("Phones by operating system", svg.donut("Phones by operating system", slices, f"{phones.hosts:,}")),
        _figure("Top foreign apps on phones (installs)",
                svg.bars("Top foreign apps on phones", [(p.name, p.installs) for p in phones.top_products],
                         FOREIGN_COLOUR)),
    ])
    systems = _table(("Operating system", "Vendor country", "Status", "Phones"),
                     [(o.name, o.country, o.status, o.hosts) for o in phones.operating_systems], (3,))
    apps = _table(("Foreign app", "Vendor", "Country", "Phones", "Installs"),
                  [(p.name, p.vendor, p.country, p.hosts, p.installs) for p in phones.top_products], (3, 4))
    return (f'<section id="phones"><h2>Phones</h2><p>{phones.hosts:,} phones reporting, '
            f'{phones.hosts_with_foreign:,} with foreign software.</p><div class="charts">{charts}</div>'
            f"{systems}{apps}</section>")


def _day(value: str) -> float:
    """An RFC 3339 instant or a date as an ordinal day with its fraction, the burndown chart's x axis."""
    if len(value) == 10:
        return float(date.fromisoformat(value).toordinal())
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.toordinal() + (moment.hour * 3600 + moment.minute * 60 + moment.second) / 86400


def _target(t: TargetSection) -> str:
    """A target's section: status, headline figures, the burndown chart, milestones and departments."""
    projection = None
    if t.completion and t.projection_start:
        projection = (_day(t.projection_start[0]), t.projection_start[1], _day(t.completion) + 0.5, t.completion)
    chart = svg.burndown(f"Burndown of {t.name}", [(p.week, _day(p.at), p.violating_installs) for p in t.burndown],
                         (_day(t.due) + 0.5, t.due), [(_day(m.date) + 0.5, m.date) for m in t.milestones],
                         projection, BURNDOWN_COLOURS)
    rate = f"{t.per_week:,.1f} installs fewer a week" if t.per_week and t.per_week > 0 else "not falling"
    cards = "".join([
        _card(f"{t.hosts_in_scope:,}", "hosts in scope", "target-hosts"),
        _card(_percent(t.compliant_share), f"{t.compliant_hosts:,} hosts compliant", "target-compliant"),
        _card(f"{t.violating_hosts:,}", f"hosts violating, {t.violating_installs:,} offending installs",
              "target-violating"),
        _card(t.completion or "none", f"projected completion ({rate})", "target-completion"),
    ])
    milestones = _table(("Milestone", "Required share", "Scope", "Compliant now", "Status"),
                        [(m.date, _percent(m.share), m.scope or "whole scope", _percent(m.compliant_share), m.status)
                         for m in t.milestones], ())
    departments = _table((t.group_tag, "Hosts", "Compliant", "Violating", "Offending installs", "Compliant share"),
                         [(d.department, d.hosts, d.compliant, d.violating, d.installs, _percent(d.compliant_share))
                          for d in t.departments], (1, 2, 3, 4))
    colour = STATUS_COLOURS.get(t.status, "#555")
    description = f"{escape(t.description)} · " if t.description else ""
    return f"""<section class="target" data-target="{escape(t.name)}" data-status="{escape(t.status)}">
<h2>Target {escape(t.name)}: <span class="status" style="background:{colour}">{escape(t.status)}</span></h2>
<div class="meta">{description}{escape(t.remove)} gone by {escape(t.due)}</div>
<section class="cards">{cards}</section>
{_figure("Offending installs per week, due date, milestones and projection", chart)}
{milestones if t.milestones else ""}
<h3>By {escape(t.group_tag)}</h3>{departments}
<p class="note">Projection: {escape(t.method)}.</p>
</section>"""


def _incomplete(data: ReportData) -> str:
    """"3 hosts incomplete: deb: cannot read: …" and every reason, or nothing when every inventory is complete."""
    if not data.hosts_incomplete:
        return ""
    first = f": {data.incomplete_reasons[0][0]}" if data.incomplete_reasons else ""
    reasons = _table(("Source error", "Hosts"), data.incomplete_reasons, (1,))
    return (f'<section><h2 data-figure="incomplete">{data.hosts_incomplete:,} hosts incomplete{escape(first)}</h2>'
            f"<p>Their last report carries source errors, so their inventory misses something: they are not counted "
            f"as free of foreign software (<code>footprint hosts --incomplete</code>).</p>{reasons}</section>")


def _extensions(data: ReportData) -> str:
    """The foreign code inside browsers and IDEs: the top foreign extensions by hosts, per browser or IDE."""
    share = _percent(100.0 * data.foreign_extension_installs / data.extension_installs) if data.extension_installs \
        else "none"
    rows = [(e.name, e.vendor, e.country, GROUP_LABELS.get(e.group, e.group), e.application, e.hosts, e.installs)
            for e in data.top_extensions]
    table = _table(("Extension", "Vendor", "Country", "Status", "Browser or IDE", "Hosts", "Installs"), rows, (5, 6))
    return (f'<section><h2 data-figure="extensions">Browser and IDE extensions: {data.extension_installs:,} '
            f"installs, {share} foreign</h2><p>Counted apart from the programs above: each extension in each "
            f"browser or IDE, profile and user is one install (<code>footprint products --extensions only</code>)."
            f"</p>{table}</section>")


def _unused_card(unused: Optional[UnusedFigures]) -> str:
    """Installs not used in N days, said to be over the hosts that record last use only."""
    if unused is None or not unused.hosts_recording:
        return _card("n/a", "installs not used in 90 days: no host records last use (Windows and macOS do, "
                     "Linux does not)", "unused")
    return _card(_percent(unused.unused_share),
                 f"{unused.unused:,} of {unused.installs:,} installs not used in {unused.days} days "
                 f"({unused.no_use_recorded:,} with no use recorded), over the {unused.hosts_recording:,} hosts "
                 f"that record last use only (Windows, macOS)", "unused")


def render(data: ReportData) -> str:
    """The whole report as one HTML document."""
    foreign_installs = data.installs_by_group.get("foreign-proprietary", 0) + data.installs_by_group.get(
        "foreign-open-source", 0
    )
    foreign_install_share = data.group_shares.get("foreign-proprietary", 0.0) + data.group_shares.get(
        "foreign-open-source", 0.0
    )
    filters = ", ".join(f"{k}: {v}" for k, v in sorted(data.filters.items())) or "all hosts"
    cards = "".join([
        _card(f"{data.hosts_current:,}", f"hosts reporting ({data.hosts_stale:,} stale, not counted)", "hosts"),
        _card(_percent(data.foreign_host_share), f"{data.hosts_with_foreign:,} hosts run foreign software",
              "hosts-with-foreign"),
        _card(_percent(foreign_install_share), f"{foreign_installs:,} foreign installs", "foreign-installs"),
        _card(_percent(data.domestic_os_share), f"{data.hosts_domestic_os:,} hosts on a domestic OS",
              "domestic-os"),
        _card(f"{data.hosts_incomplete:,}", "hosts incomplete (source errors): never counted free of foreign "
              f"software; {data.hosts_without_foreign:,} complete hosts without any", "hosts-incomplete"),
        _unused_card(data.unused),
    ])
    group_slices = [(GROUP_LABELS[g], data.installs_by_group.get(g, 0), GROUP_COLOURS[g]) for g in GROUPS]
    os_slices = [
        ("Domestic OS", data.hosts_domestic_os, GROUP_COLOURS["domestic"]),
        ("Other OS", max(data.hosts_current - data.hosts_domestic_os, 0), GROUP_COLOURS["unknown"]),
    ]
    stacked_colours = {g: GROUP_COLOURS[g] for g in GROUPS}
    charts = "".join([
        _figure("Share of hosts with foreign software, by period",
                svg.share_line("Foreign share over time", [(p.period, p.foreign_share) for p in data.trend],
                               FOREIGN_COLOUR)),
        _figure("Installs by status",
                svg.donut("Installs by status", group_slices, _percent(foreign_install_share))),
        _figure(f"Installs by category and status ({data.uncategorised_installs:,} not in a category)",
                svg.stacked_bars("Installs by category and status",
                                 [(c.label, c.by_group) for c in data.categories], stacked_colours)),
        _figure("Domestic operating system share",
                svg.donut("Domestic OS share", os_slices, _percent(data.domestic_os_share))),
        _figure("Top foreign vendors (installs)",
                svg.bars("Top foreign vendors", [(f"{v.name} ({v.country})", v.installs)
                                                 for v in data.top_vendors], FOREIGN_COLOUR)),
        _figure("Top foreign products (installs)",
                svg.bars("Top foreign products", [(p.name, p.installs) for p in data.top_products],
                         FOREIGN_COLOUR)),
    ])
    worst = _table(
        ("Host", "Operating system", "Foreign installs", "All installs", "Last seen"),
        [(h.hostname, h.os, h.foreign_installs, h.installs, h.last_seen) for h in data.worst_hosts],
        (2, 3),
    )
    countries = _table(("Vendor country", "Installs"), sorted(
        data.installs_by_country.items(), key=lambda kv: (-kv[1], kv[0])), (1,))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Foreign-software footprint — {escape(data.generated_at)}</title>
<style>{STYLE}</style></head>
<body>
<header><h1>Foreign-software footprint</h1>
<div class="meta">Generated {escape(data.generated_at)} · {escape(filters)}</div></header>
<section class="cards">{cards}</section>
<section><h2>Charts</h2><div class="charts">{charts}</div></section>
{_incomplete(data)}<section><h2>Machines with the largest foreign footprint</h2>{worst}</section>
<section><h2>Foreign products and their alternatives</h2>{_alternatives(data.foreign_products)}</section>
{_extensions(data)}
<section><h2>Installs by vendor country</h2>{countries}</section>
{_phones(data.phones)}
{"".join(_target(t) for t in data.targets)}
<p class="note">Counts are installs on reporting machines, the same figures as <code>footprint summary</code>
for these filters; hosts not seen within the stale period are counted apart and left out of every total.
Official progress metrics count purchase costs; this report shows the other half: what still runs.</p>
</body></html>
"""
