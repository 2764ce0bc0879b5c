"""The report file is self-contained and shows what the data says."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace

from server.report import svg
from server.report.html import CSP, render


def test_report_is_self_contained(report_data):
    html = render(report_data)
    assert f'content="{CSP}"' in html
    assert "<script" not in html.lower()
    external = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""",
                          html, re.IGNORECASE)
    assert external == []


def test_headline_figures_and_alternatives_are_in_the_report(report_data):
    html = render(report_data)
    assert "73.1%" in html  # 301 of 412 hosts run foreign software
    assert "17 stale, not counted" in html
    assert "Яндекс Телемост, TrueConf" in html
    assert "BUH-PC-07" in html and "dept=finance" in html


def test_text_from_inventories_is_escaped(report_data):
    hostile = replace(report_data.worst_hosts[0], hostname="<img src=x onerror=alert(1)>")
    html = render(replace(report_data, worst_hosts=[hostile]))
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_every_chart_is_well_formed_svg(report_data):
    html = render(report_data)
    charts = re.findall(r"<svg.*?</svg>", html, re.DOTALL)
    assert len(charts) == 6
    for chart in charts:
        ET.fromstring(chart)


def test_bars_scale_with_their_values():
    chart = ET.fromstring(svg.bars("t", [("Microsoft", 200), ("Google", 100)], "#c62828"))
    widths = [float(r.get("width")) for r in chart.iter("{http://www.w3.org/2000/svg}rect")]
    assert widths[0] == 2 * widths[1]


def test_donut_slices_follow_the_shares():
    one = ET.fromstring(svg.donut("t", [("a", 5, "#111111"), ("b", 0, "#222222")], "100%"))
    # A single non-empty slice is a full circle, not a degenerate arc.
    assert [c.get("fill") for c in one.iter("{http://www.w3.org/2000/svg}circle")][0] == "#111111"
    two = ET.fromstring(svg.donut("t", [("a", 3, "#111111"), ("b", 1, "#222222")], "75%"))
    arcs = [p.get("d") for p in two.iter("{http://www.w3.org/2000/svg}path")]
    assert " 0 1 1 " in arcs[0] and " 0 0 1 " in arcs[1]  # the 3/4 slice takes the large arc


def test_empty_filters_say_so_instead_of_drawing_nothing(report_data):
    empty = replace(report_data, trend=[], categories=[], top_vendors=[], top_products=[], worst_hosts=[],
                    installs_by_group={}, hosts_domestic_os=0, hosts_current=0)
    assert render(empty).count(svg.EMPTY_TEXT) >= 6
