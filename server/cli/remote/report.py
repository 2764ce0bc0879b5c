"""`footprint report --output FILE`: the management report (one self-contained HTML file, or PDF), built from
the collector's totals API like `footprint summary`, so an admin can make it from a workstation."""

from __future__ import annotations

import tempfile
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from server.cli.options import (
    HostKind,
    KindOption,
    OsOption,
    SeenWithinOption,
    ServerOption,
    StaleDaysOption,
    TagOption,
    TokenOption,
)
from server.cli.remote.client import ApiClient, fail
from server.cli.remote.totals import filter_params


class ReportFormat(str, Enum):
    html = "html"
    pdf = "pdf"


def report(
    output: Path = typer.Option(..., "--output", "-o", help="File to write, e.g. report.html or report.pdf."),
    format: ReportFormat = typer.Option(ReportFormat.html, "--format", help="html, or pdf (needs Chromium)."),
    since: Optional[datetime] = typer.Option(None, "--since", formats=["%Y-%m-%d"],
                                             help="Start the trend here (YYYY-MM-DD)."),
    tag: List[str] = TagOption,
    os: Optional[str] = OsOption,
    kind: Optional[HostKind] = KindOption,
    seen_within: Optional[int] = SeenWithinOption,
    stale_days: Optional[int] = StaleDaysOption,
    server: Optional[str] = ServerOption,
    token: Optional[str] = TokenOption,
) -> None:
    """Write the foreign-software footprint report for management: headline figures, charts, the worst
    machines and each foreign product's alternatives, with the same numbers as `footprint summary`."""
    from server.report.data import fetch
    from server.report.html import render
    from server.report.pdf import PdfUnavailable, html_to_pdf

    client = ApiClient(server, token)
    filters = filter_params(tag, os, seen_within, stale_days, kind)
    data = fetch(client.get, filters, since.date().isoformat() if since else None)
    html = render(data)
    if format == ReportFormat.html:
        output.write_text(html, encoding="utf-8")
    else:
        with tempfile.TemporaryDirectory(prefix="footprint-report-") as tmp:
            page = Path(tmp) / "report.html"
            page.write_text(html, encoding="utf-8")
            try:
                html_to_pdf(page, output)
            except PdfUnavailable as exc:
                raise fail(str(exc)) from None
    typer.echo(f"wrote {output} ({data.hosts_current} hosts, {len(data.foreign_products)} foreign products)")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
