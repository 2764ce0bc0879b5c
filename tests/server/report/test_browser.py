"""The report in a real browser (headless Chromium): the charts are drawn, and nothing leaves the file."""

from __future__ import annotations

from dataclasses import replace

from server.report.html import GROUP_COLOURS, render
from server.report.pdf import html_to_pdf


def _hex(colour: str):
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def _count(pixels, colour, tolerance=12):
    r, g, b = _hex(colour)
    return sum(1 for p in pixels if abs(p[0] - r) <= tolerance and abs(p[1] - g) <= tolerance
               and abs(p[2] - b) <= tolerance)


def test_charts_are_drawn_and_no_request_leaves_the_file(report_data, render_in_chromium, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render(report_data), encoding="utf-8")
    shot = render_in_chromium(page)
    assert shot.page_requests == []
    drawn = {group: _count(shot.pixels, colour) for group, colour in GROUP_COLOURS.items()}
    # Every status colour covers a visible area: donuts, stacked bars, vendor/product bars and the line.
    assert all(count > 400 for count in drawn.values()), drawn
    assert drawn["foreign-proprietary"] > 10_000


def test_the_checks_can_fail(report_data, render_in_chromium, tmp_path):
    """A report with no data draws no chart colour, and a page with an outside image is caught requesting it."""
    empty = replace(report_data, trend=[], categories=[], top_vendors=[], top_products=[],
                    installs_by_group={}, hosts_domestic_os=0, hosts_current=0)
    page = tmp_path / "empty.html"
    page.write_text(render(empty), encoding="utf-8")
    blank = render_in_chromium(page)
    assert _count(blank.pixels, GROUP_COLOURS["foreign-proprietary"]) == 0

    leaking = tmp_path / "leaking.html"
    leaking.write_text('<html><body><img src="http://footprint-report-test.invalid/logo.png"></body></html>')
    assert render_in_chromium(leaking, 320, 200).page_requests == ["http://footprint-report-test.invalid/logo.png"]


def test_pdf_is_printed_by_chromium(report_data, require_command, tmp_path):
    require_command("chromium")
    page, pdf = tmp_path / "report.html", tmp_path / "report.pdf"
    page.write_text(render(report_data), encoding="utf-8")
    html_to_pdf(page, pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 1
