"""The footprint totals over the admin REST API: `summary`, `vendors`, `products`, `trend`, `unknown`, `export`."""

from __future__ import annotations

import sys
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import typer

from server.cli.options import (
    Extensions,
    ExtensionsOption,
    HostKind,
    KindOption,
    OsOption,
    OutputOption,
    SeenWithinOption,
    ServerOption,
    StaleDaysOption,
    TagOption,
    TokenOption,
    UnusedDaysOption,
    checked_tags,
)
from server.cli.remote.client import ApiClient, fail
from server.render import SHORT_GROUPS, OutputFormat, first_and_more, render, render_table

SPARKS = "▁▂▃▄▅▆▇█"


def filter_params(tag: List[str], os: Optional[str], seen_within: Optional[int],
                  stale_days: Optional[int], kind: Optional[HostKind] = None) -> Dict[str, object]:
    """The API's host filter parameters from the shared CLI options."""
    return {"tag": checked_tags(tag), "os": os, "kind": kind.value if kind else None,
            "seen_within_days": seen_within, "stale_days": stale_days}


def _filters_line(filters: dict) -> str:
    parts = [f"stale after {filters['stale_days']} days"]
    parts += [f"tag {t}" for t in filters["tags"]]
    if filters.get("os"):
        parts.append(f"os {filters['os']}")
    if filters.get("kind"):
        parts.append(f"{filters['kind']}s only")
    if filters.get("seen_within_days"):
        parts.append(f"seen within {filters['seen_within_days']} days")
    return "; ".join(parts)


def _section(title: str, rows: Sequence[dict], columns: Sequence[str], top: int) -> str:
    shown = render_table(rows[:top], columns) if rows else "(none)"
    more = f"\n(+{len(rows) - top} more: --output json)" if len(rows) > top else ""
    return f"{title}\n{shown}{more}"


def _summary_table(data: dict, top: int) -> str:
    h = data["hosts"]
    reporting = h["reporting"]
    waiting = f", {h['not_reported_yet']} enrolled but not reported yet" if h.get("not_reported_yet") else ""
    head = [
        f"Footprint summary ({_filters_line(data['filters'])})",
        f"Hosts: {reporting} reporting, {h['stale']} stale (not in the totals){waiting}",
        f"Hosts with foreign software: {data['hosts_with_foreign']} of {reporting} "
        f"({data['hosts_with_foreign_share']:.1f}%); proprietary: {data['hosts_with_foreign_proprietary']} "
        f"({data['hosts_with_foreign_proprietary_share']:.1f}%)",
        f"Hosts with no foreign software found: {data['hosts_without_foreign']} of {reporting} "
        f"({data['hosts_without_foreign_share']:.1f}%; complete inventories only)",
        _incomplete_line(data),
        f"Hosts on a domestic OS: {data['domestic_os_hosts']} of {reporting} ({data['domestic_os_share']:.1f}%)",
        f"Installs (programs, excluding OS packages): {data['installs']}",
        _unused_line(data.get("unused")),
    ]
    status = [{"status": g["status"], "installs": g["installs"], "share %": g["share"]}
              for g in data["installs_by_status"]]
    categories = [{"category": c["category"], "installs": c["installs"], "foreign %": c["foreign_share"]}
                  for c in data["by_category"]]
    countries = [{"country": c["country"], "installs": c["installs"], "share %": c["share"]}
                 for c in data["by_country"]]
    vendors = [{"vendor": v["name"], "country": v["country"], "installs": v["installs"], "hosts": v["hosts"]}
               for v in data["top_foreign_vendors"]]
    products = [{"product": p["name"], "vendor": p["vendor"], "status": SHORT_GROUPS[p["group"]],
                 "installs": p["installs"], "hosts": p["hosts"]} for p in data["top_foreign_products"]]
    systems = [{"os": s["os"], "country": s["country"], "status": s["status"], "hosts": s["hosts"]}
               for s in data["operating_systems"]]
    sections = [
        "\n".join(head),
        _section("Installs by status", status, ["status", "installs", "share %"], len(status)),
        _section("By category", categories, ["category", "installs", "foreign %"], top),
        _section("By vendor country", countries, ["country", "installs", "share %"], top),
        _section("Top foreign vendors", vendors, ["vendor", "country", "installs", "hosts"], top),
        _section("Top foreign products", products, ["product", "vendor", "status", "installs", "hosts"], top),
        _section("Operating systems", systems, ["os", "country", "status", "hosts"], top),
        _extensions_section(data.get("extensions"), top),
    ]
    if data["incomplete_reasons"]:
        reasons = [{"source": r["source"], "error": r["message"], "hosts": r["hosts"]}
                   for r in data["incomplete_reasons"]]
        sections.append(_section("Why hosts are incomplete (footprint hosts --incomplete)", reasons,
                                 ["source", "error", "hosts"], top))
    return "\n\n".join(sections)


def _extensions_section(ext: Optional[dict], top: int) -> str:
    """Browser and IDE extensions, counted apart from the program figures above."""
    if not ext:
        return "Browser and IDE extensions: not reported by this collector"
    shares = ", ".join(f"{SHORT_GROUPS.get(g['status'], g['status'])} {g['share']:.1f}%"
                       for g in ext["installs_by_status"] if g["installs"])
    head = f"Browser and IDE extensions (apart from the above): {ext['installs']} installs"
    rows = [{"extension": p["name"], "vendor": p["vendor"], "status": SHORT_GROUPS[p["group"]],
             "installs": p["installs"], "hosts": p["hosts"]} for p in ext["top_foreign"]]
    table = _section("Top foreign extensions", rows, ["extension", "vendor", "status", "installs", "hosts"], top)
    return "\n".join([head] + ([shares] if shares else [])) + "\n\n" + table


def _unused_line(unused: Optional[dict]) -> str:
    """The installs not used in N days, said to be over the hosts that record last use only (lines within 80)."""
    if not unused:
        return "Last use: not reported by this collector"
    if not unused["hosts_recording"]:
        return f"Not used in {unused['days']} days: no host records last use (only Windows and macOS do)"
    return (f"Not used in {unused['days']} days: {unused['unused']:,} of {unused['installs']:,} installs "
            f"({unused['unused_share']:.1f}%)\n  {unused['no_use_recorded']:,} more with no use recorded; over "
            f"the {unused['hosts_recording']:,} hosts that record\n  last use only (Windows, macOS; Linux records "
            "none)")


def _incomplete_line(data: dict, width: int = 80) -> str:
    """"3 hosts incomplete: deb: cannot read: Permission denied": hosts whose last report carries source errors
    (never counted free of foreign software), with the most common reason; the section below lists them all."""
    count, reasons = data["hosts_incomplete"], data["incomplete_reasons"]
    if not count:
        return "Hosts incomplete (source errors in their last report): 0"
    others = data.get("incomplete_reasons_total", len(reasons)) - 1
    more = f" (+{others} more reason{'s' if others != 1 else ''})" if others > 0 else ""
    line = f"{count} host{'s' if count != 1 else ''} incomplete: {reasons[0]['source']}: {reasons[0]['message']}"
    return (line if len(line) + len(more) <= width else line[: width - len(more) - 1] + "…") + more


def _summary_rows(data: dict) -> List[dict]:
    """The summary flattened for a spreadsheet: one row per figure, by section."""
    h, reporting = data["hosts"], data["hosts"]["reporting"]
    rows = [{"section": "hosts", "item": k, "hosts": v} for k, v in h.items() if v is not None]
    rows += [
        {"section": "hosts", "item": "with foreign software", "hosts": data["hosts_with_foreign"],
         "share": data["hosts_with_foreign_share"]},
        {"section": "hosts", "item": "with foreign proprietary software",
         "hosts": data["hosts_with_foreign_proprietary"], "share": data["hosts_with_foreign_proprietary_share"]},
        {"section": "hosts", "item": "with no foreign software found (complete inventories)",
         "hosts": data["hosts_without_foreign"], "share": data["hosts_without_foreign_share"]},
        {"section": "hosts", "item": "incomplete (source errors)", "hosts": data["hosts_incomplete"],
         "share": data["hosts_incomplete_share"]},
        {"section": "hosts", "item": "on a domestic OS", "hosts": data["domestic_os_hosts"],
         "share": data["domestic_os_share"]},
        {"section": "installs", "item": "total", "installs": data["installs"]},
    ]
    rows += [{"section": "status", "item": g["status"], "installs": g["installs"], "share": g["share"]}
             for g in data["installs_by_status"]]
    rows += [{"section": "category", "item": c["category"], "installs": c["installs"], "share": c["foreign_share"]}
             for c in data["by_category"]]
    rows += [{"section": "country", "item": c["country"], "installs": c["installs"], "share": c["share"]}
             for c in data["by_country"]]
    rows += [{"section": "foreign vendor", "item": v["name"], "installs": v["installs"], "hosts": v["hosts"]}
             for v in data["top_foreign_vendors"]]
    rows += [{"section": "foreign product", "item": p["name"], "installs": p["installs"], "hosts": p["hosts"]}
             for p in data["top_foreign_products"]]
    rows += [{"section": "os", "item": s["os"], "hosts": s["hosts"], "share": _pct(s["hosts"], reporting)}
             for s in data["operating_systems"]]
    ext = data.get("extensions") or {"installs_by_status": [], "top_foreign": []}
    if "installs" in ext:
        rows.append({"section": "extensions", "item": "total", "installs": ext["installs"]})
    rows += [{"section": "extension status", "item": g["status"], "installs": g["installs"], "share": g["share"]}
             for g in ext["installs_by_status"]]
    rows += [{"section": "foreign extension", "item": p["name"], "installs": p["installs"], "hosts": p["hosts"]}
             for p in ext["top_foreign"]]
    rows += [{"section": "incomplete", "item": f"{r['source']}: {r['message']}", "hosts": r["hosts"],
              "share": _pct(r["hosts"], reporting)} for r in data["incomplete_reasons"]]
    unused = data.get("unused")
    if unused:
        scope = f"over {unused['hosts_recording']} hosts that record last use"
        rows += [{"section": "last use", "item": f"not used in {unused['days']} days ({scope})",
                  "installs": unused["unused"], "hosts": unused["hosts_recording"], "share": unused["unused_share"]},
                 {"section": "last use", "item": f"no use recorded ({scope})", "installs": unused["no_use_recorded"],
                  "hosts": unused["hosts_recording"], "share": unused["no_use_recorded_share"]}]
    return rows


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def summary(
    top: int = typer.Option(5, "--top", min=1, max=100, help="Rows per section (the table shows this many)."),
    tag: List[str] = TagOption,
    os: Optional[str] = OsOption,
    kind: Optional[HostKind] = KindOption,
    seen_within: Optional[int] = SeenWithinOption,
    stale_days: Optional[int] = StaleDaysOption,
    unused_days: Optional[int] = UnusedDaysOption,
    output: OutputFormat = OutputOption,
    server: Optional[str] = ServerOption,
    token: Optional[str] = TokenOption,
) -> None:
    """The compliance officer's one screen: hosts, foreign share, installs by status, category, country, top lists,
    and the installs not used in 90 days (--unused-days)."""
    data = ApiClient(server, token).get("/summary", top=top, unused_days=unused_days,
                                        **filter_params(tag, os, seen_within, stale_days, kind))
    if output == OutputFormat.table:
        typer.echo(_summary_table(data, top))
    else:
        typer.echo(render(data, _summary_rows(data), ["section", "item", "installs", "hosts", "share"], output))


def vendors(
    foreign: bool = typer.Option(False, "--foreign", help="Only foreign vendors."),
    extensions: Extensions = ExtensionsOption,
    tag: List[str] = TagOption,
    os: Optional[str] = OsOption,
    kind: Optional[HostKind] = KindOption,
    seen_within: Optional[int] = SeenWithinOption,
    stale_days: Optional[int] = StaleDaysOption,
    output: OutputFormat = OutputOption,
    server: Optional[str] = ServerOption,
    token: Optional[str] = TokenOption,
) -> None:
    """Installs and hosts per vendor (a host counts once per vendor), most installed first."""
    data = ApiClient(server, token).get("/vendors", foreign="true" if foreign else None, extensions=extensions.value,
                                        **filter_params(tag, os, seen_within, stale_days, kind))
    columns = ["name", "country", "status", "products", "installs", "hosts"]
    typer.echo(render(data, data["vendors"], columns, output))


class Status(str, Enum):
    """The `--status` choices of `footprint products`."""

    domestic = "domestic"
    foreign = "foreign"
    foreign_proprietary = "foreign-proprietary"
    foreign_open_source = "foreign-open-source"


def products(
    status: List[Status] = typer.Option([], "--status", help="domestic, foreign or foreign-… (repeatable)."),
    category: Optional[str] = typer.Option(None, "--category", help="Catalog category, e.g. browser, office."),
    country: Optional[str] = typer.Option(None, "--country", help="Vendor country, two letters (US, RU)."),
    extensions: Extensions = ExtensionsOption,
    tag: List[str] = TagOption,
    os: Optional[str] = OsOption,
    kind: Optional[HostKind] = KindOption,
    seen_within: Optional[int] = SeenWithinOption,
    stale_days: Optional[int] = StaleDaysOption,
    unused_days: Optional[int] = UnusedDaysOption,
    output: OutputFormat = OutputOption,
    server: Optional[str] = ServerOption,
    token: Optional[str] = TokenOption,
) -> None:
    """Installs, hosts, versions in use and the catalog's alternatives per product; with --unused-days, the
    products with installs not used in that many days."""
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise typer.BadParameter(f"{country!r}: expected a two-letter country code such as US", param_hint="--country")
    data = ApiClient(server, token).get("/products", status=[s.value for s in status], category=category,
                                        country=country, extensions=extensions.value, unused_days=unused_days,
                                        **filter_params(tag, os, seen_within, stale_days, kind))
    if unused_days is not None:
        typer.echo(_unused_products(data, output))
        return
    if output == OutputFormat.table:
        rows = [{**p, "status": SHORT_GROUPS.get(p["group"], p["group"]), "vers.": len(p["versions"]),
                 "alternatives": first_and_more([a["name"] for a in p.get("alternatives", [])])}
                for p in data["products"]]
        columns = ["name", "country", "status", "installs", "hosts", "vers.", "alternatives"]
    else:
        rows = [{**p, "alternatives": [a["name"] for a in p.get("alternatives", [])]} for p in data["products"]]
        columns = ["name", "vendor", "category", "country", "group", "license", "register", "installs", "hosts",
                   "versions", "alternatives"]
    typer.echo(render(data, rows, columns, output))


def _unused_products(data: dict, output: OutputFormat) -> str:
    """`products --unused-days N`: per product, its installs on the hosts that record last use, those last used
    more than N days ago and those with no use recorded."""
    unused = data["unused"]
    columns = ["name", "country", "status", "installs_recording", "unused", "unused_share", "no_use_recorded"]
    if output != OutputFormat.table:
        return render(data, data["products"], ["vendor", "category", "group"] + columns, output)
    rows = [{**p, "status": SHORT_GROUPS.get(p["group"], p["group"])} for p in data["products"]]
    head = (f"Not used in {unused['days']} days, over the {unused['hosts_recording']} hosts that record last use "
            "only\n(Windows, macOS; Linux records none)")
    return head + "\n" + render(data, rows, columns, output)


def sparkline(values: Sequence[float]) -> str:
    """One character per value, ▁ for the series' minimum to █ for its maximum."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return SPARKS[len(SPARKS) // 2 if high else 0] * len(values)
    return "".join(SPARKS[round((v - low) / (high - low) * (len(SPARKS) - 1))] for v in values)


def _chart(rows: List[dict], series: Sequence[str], labels: Dict[str, str]) -> str:
    """A sparkline per series with its first and last figure, under the trend table."""
    width = max(len(labels.get(s, s)) for s in series)
    lines = []
    for name in series:
        values = [r[name] for r in rows]
        lines.append(f"{labels.get(name, name).ljust(width)}  {sparkline(values)}  {values[0]} → {values[-1]}")
    return "\n".join(lines)


def trend(
    since: Optional[str] = typer.Option(None, "--since", help="First period (YYYY-MM-DD); default: first report."),
    by: str = typer.Option("month", "--by", help="week or month."),
    product: Optional[str] = typer.Option(None, "--product", help="One product (catalog id or name)."),
    tag: List[str] = TagOption,
    os: Optional[str] = OsOption,
    kind: Optional[HostKind] = KindOption,
    seen_within: Optional[int] = SeenWithinOption,
    stale_days: Optional[int] = StaleDaysOption,
    output: OutputFormat = OutputOption,
    server: Optional[str] = ServerOption,
    token: Optional[str] = TokenOption,
) -> None:
    """Foreign installs, hosts with foreign software and the foreign share per week or month (migration progress)."""
    if by not in ("week", "month"):
        raise typer.BadParameter(f"{by!r}: expected week or month", param_hint="--by")
    if since is not None:
        try:
            date.fromisoformat(since)
        except ValueError:
            raise typer.BadParameter(f"{since!r}: expected a date such as 2026-01-31", param_hint="--since") from None
    data = ApiClient(server, token).get("/trend", since=since, by=by, product=product,
                                        **filter_params(tag, os, seen_within, stale_days, kind))
    rows = data["trend"]
    if product:
        series = ["installs", "hosts_with_product"]
    else:
        series = ["foreign_installs", "hosts_with_foreign", "foreign_share", "hosts_with_foreign_share"]
    columns = ["period", "hosts"] + series
    if output != OutputFormat.table:
        typer.echo(render(data, rows, ["period", "end", "hosts", "installs"] + [c for c in series if c != "installs"],
                          output))
    elif not rows:
        typer.echo("no reports stored yet: nothing to chart")
    else:
        headers = {"foreign_installs": "foreign", "hosts_with_foreign": "hosts w/ foreign",
                   "foreign_share": "foreign %", "hosts_with_foreign_share": "hosts %",
                   "hosts_with_product": f"hosts w/ {product}"[:24]}
        table = [{headers.get(c, c): r[c] for c in columns} for r in rows]
        typer.echo(render_table(table, [headers.get(c, c) for c in columns]))
        typer.echo("\n" + _chart(rows, series, headers))


class UnknownBy(str, Enum):
    """The `--by` choices of `footprint unknown`."""

    title = "title"
    publisher = "publisher"


def unknown(
    limit: int = typer.Option(100, "--limit", min=1, max=100_000),
    by: UnknownBy = typer.Option(UnknownBy.title, "--by", help="title, or publisher (its titles, installs, hosts)."),
    tag: List[str] = TagOption,
    os: Optional[str] = OsOption,
    kind: Optional[HostKind] = KindOption,
    seen_within: Optional[int] = SeenWithinOption,
    stale_days: Optional[int] = StaleDaysOption,
    output: OutputFormat = OutputOption,
    server: Optional[str] = ServerOption,
    token: Optional[str] = TokenOption,
) -> None:
    """Unclassified titles (or publishers) by number of hosts: the catalog's curation queue, biggest gap first."""
    data = ApiClient(server, token).get("/unknown", limit=limit, by=by.value,
                                        **filter_params(tag, os, seen_within, stale_days, kind))
    columns = (["publisher", "titles", "example", "installs", "hosts"] if by is UnknownBy.publisher
               else ["name", "publisher", "source", "versions", "installs", "hosts"])
    typer.echo(render(data, data["unknown"], columns, output))


class ExportFormat(str, Enum):
    csv = "csv"
    json = "json"


def export(
    format: ExportFormat = typer.Option(ExportFormat.csv, "--format", help="csv, or json (one object a line)."),
    bom: bool = typer.Option(False, "--bom", help="UTF-8 byte order mark, so Excel in Russian locales reads CSV."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout.",
                                          dir_okay=False),
    tag: List[str] = TagOption,
    os: Optional[str] = OsOption,
    kind: Optional[HostKind] = KindOption,
    seen_within: Optional[int] = SeenWithinOption,
    stale_days: Optional[int] = StaleDaysOption,
    server: Optional[str] = ServerOption,
    token: Optional[str] = TokenOption,
) -> None:
    """The host × product table (one row per host and product), streamed for spreadsheets and external tools."""
    if bom and format != ExportFormat.csv:
        raise typer.BadParameter("a byte order mark is for CSV only", param_hint="--bom")
    params = {"format": format.value, "bom": "true" if bom else None,
              **filter_params(tag, os, seen_within, stale_days, kind)}
    chunks = ApiClient(server, token).stream("/export", **params)
    if output is None:
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        return
    _write_export(output, chunks)
    typer.echo(f"wrote {output}", err=True)


def _write_export(path: Path, chunks) -> None:
    """The whole export or nothing (server/files.py); a missing directory is the user's mistake, said plainly."""
    from server.files import write_atomically

    directory = path.expanduser().resolve().parent
    if not directory.is_dir():
        raise fail(f"{path}: directory {directory} does not exist")
    write_atomically(directory / path.name, chunks)


def register(app: typer.Typer) -> None:
    for command in (summary, vendors, products, trend, unknown, export):
        app.command(command.__name__)(command)
