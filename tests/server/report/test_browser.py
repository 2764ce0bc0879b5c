"""The report in a real browser (headless Chromium): the charts are drawn, and nothing leaves the file; each
migration target's chart carries the figures `footprint targets -o json` gives."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from datetime import timedelta

from server.report.html import BURNDOWN_COLOURS, GROUP_COLOURS, render
from server.report.pdf import headless_command, html_to_pdf
from server.store.db import utcnow
from server.store.targets import save_target
from server.target_model import parse_target
from tests.support import target_fleet
from tests.support.cli import run_cli


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


def _dom(require_command, page, tmp_path) -> str:
    """The document as Chromium parsed it (SVG included), from `--dump-dom`."""
    command = headless_command(require_command("chromium"), str(tmp_path / "profile-dom")) + [
        "--dump-dom", page.resolve().as_uri()]
    return subprocess.run(command, capture_output=True, check=True, timeout=120, text=True).stdout


def _section(dom: str, name: str) -> str:
    start = dom.index(f'<section class="target" data-target="{name}"')
    return dom[start:dom.index('<p class="note">Projection', start)]


def test_target_charts_show_the_figures_of_footprint_targets(db_url, engine, start_collector, admin_token,
                                                             require_command, render_in_chromium, tmp_path):
    """`footprint report` against a real collector: each target's section, as Chromium parsed and drew it, has
    the burndown, due date, milestones, projection and status `footprint targets -o json` gives."""
    now = utcnow()
    target_fleet.build(engine, now)
    day = lambda n: (now + timedelta(days=n)).date().isoformat()  # noqa: E731
    for fields in ({"name": "decree-166", "remove": "foreign", "due": day(30),
                    "milestones": [{"date": day(-1), "share": 100, "tags": ["dept=finance"]},
                                   {"date": day(20), "share": 90}]},
                   {"name": "code-off", "remove": "product:visual-studio-code", "due": day(5)}):
        save_target(engine, parse_target(fields), None, now)
    collector = start_collector(db_url)
    env = {"FOOTPRINT_SERVER": collector.url, "FOOTPRINT_TOKEN": admin_token,
           "FOOTPRINT_CLIENT_CONFIG": str(tmp_path / "no-config.toml")}
    listed = {t["name"]: t for t in json.loads(run_cli(["targets", "-o", "json"], env))["targets"]}
    page = tmp_path / "report.html"
    run_cli(["report", "--output", str(page)], env)
    dom = _dom(require_command, page, tmp_path)
    for name, t in listed.items():
        section = _section(dom, name)
        assert f'data-status="{t["status"]}"' in section
        weeks = re.findall(r'data-week="([^"]+)" data-installs="(\d+)"', section)
        assert weeks == [(b["week"], str(b["violating_installs"])) for b in t["burndown"]] and len(weeks) >= 9
        assert re.findall(r'data-due="([^"]+)"', section) == [t["due"]]
        assert re.findall(r'data-milestone="([^"]+)"', section) == [m["date"] for m in t["milestones"]]
        completion = t["projection"]["completion"]
        assert re.findall(r'data-completion="([^"]+)"', section) == ([completion] if completion else [])
        cards = dict(re.findall(r'data-figure="(target-[a-z]+)"><div class="value">([^<]*)<', section))
        assert cards == {"target-hosts": f"{t['hosts_in_scope']:,}", "target-compliant": f"{t['compliant_share']:.1f}%",
                         "target-violating": f"{t['violating_hosts']:,}", "target-completion": completion or "none"}
    assert listed["decree-166"]["status"] == "on track" and listed["code-off"]["status"] == "at risk"

    text = page.read_text(encoding="utf-8")
    only_targets = tmp_path / "targets.html"  # the sections alone, so one screenshot shows both charts
    only_targets.write_text(text[:text.index("<body>") + 6] + text[text.index('<section class="target"'):
                                                                   text.index('<p class="note">Counts')]
                            + "</body></html>", encoding="utf-8")
    shot = render_in_chromium(only_targets, 1200, 2000)
    assert shot.page_requests == []
    drawn = {part: _count(shot.pixels, colour, 20) for part, colour in BURNDOWN_COLOURS.items()}
    assert drawn["line"] > 1500 and drawn["projection"] > 60 and drawn["milestone"] > 150, drawn
