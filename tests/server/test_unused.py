"""Last use on the collector: kept per host install, changed without install events, and the installs not used in
N days counted over the hosts that record last use only, with the clock of the question controlled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from agent.contract import inventory_hash
from server.store.db import utcnow
from server.store.tables import host_software, hosts, software_events, software_titles
from tests.conftest import WINDOWS_PROGRAMS

NOW = utcnow()  # the question's now, fixed for the whole module (faketime moves it with the reports)


def _day(days_ago: int) -> str:
    return (NOW - timedelta(days=days_ago)).strftime("%Y-%m-%dT00:00:00Z")


def _used(report: dict, days_ago: dict) -> dict:
    """The report with `last_used` set on the programs whose name starts so ({"Zoom": 91}: 91 days ago)."""
    for item in report["software"]:
        for start, days in days_ago.items():
            if item["name"].startswith(start):
                item["last_used"] = _day(days)
    report["inventory_hash"] = inventory_hash(report)
    return report


# Acrobat 200 days ago, Zoom 91 (over 90), Teams exactly 90 (the cutoff day: still used), Chrome yesterday
A_DAYS = {"Adobe": 200, "Zoom": 91, "Microsoft Teams": 90, "Google": 1}


@pytest.fixture
def fleet(client, enroll, make_report):
    """Two Windows hosts that record last use, one that records none (no BAM match), and a Linux host."""
    client.app.state.clock = lambda: NOW
    hosts_ = {name: enroll(hostname=name) for name in ("win-a", "win-b", "win-quiet", "linux")}
    reports = {
        "win-a": _used(make_report(hosts_["win-a"], os="windows"), A_DAYS),
        "win-b": _used(make_report(hosts_["win-b"], os="windows"), {"Zoom": 5, "Google": 30}),
        "win-quiet": make_report(hosts_["win-quiet"], os="windows"),
        "linux": make_report(hosts_["linux"]),
    }
    for name, report in reports.items():
        answer = client.post("/api/v1/reports", json=report, headers=hosts_[name].headers)
        assert answer.status_code == 200, answer.text
    return hosts_, reports


def _get(client, admin_headers, path, **params) -> dict:
    answer = client.get(f"/api/v1/admin/{path}", params=params, headers=admin_headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_each_install_keeps_its_own_last_use(fleet, engine):
    hosts_, _ = fleet
    hs, t = host_software.c, software_titles.c
    with engine.connect() as conn:
        rows = conn.execute(select(hosts.c.hostname, t.name, hs.last_used).join(hosts, hosts.c.id == hs.host_id)
                            .join(software_titles, t.id == hs.title_id)
                            .where(func.lower(t.name).startswith("zoom"))).all()
    assert sorted((h, str(d) if d else None) for h, _, d in rows) == [
        ("linux", None), ("win-a", _day(91)[:10]), ("win-b", _day(5)[:10]), ("win-quiet", None)]


def test_installs_not_used_in_90_days_are_counted_and_recent_ones_are_not(fleet, client, admin_headers):
    data = _get(client, admin_headers, "products", unused_days=90)
    assert data["unused"] == {"days": 90, "hosts_recording": 2}  # win-quiet and the Linux host record none
    rows = {p["name"]: p for p in data["products"]}
    zoom = rows["Zoom Workplace (Zoom client)"]
    assert (zoom["installs_recording"], zoom["unused"], zoom["no_use_recorded"]) == (2, 1, 0)
    assert zoom["unused_share"] == 50.0
    acrobat = rows["Adobe Acrobat Reader"]
    assert (acrobat["unused"], acrobat["no_use_recorded"]) == (1, 1)  # win-a 200 days ago; win-b no record
    teams = rows["Microsoft Teams"]
    assert (teams["unused"], teams["no_use_recorded"]) == (0, 1)  # used on the cutoff day counts as used
    assert not any("Chrome" in name for name in rows)  # used yesterday and 30 days ago: nothing unused
    assert [p["unused"] for p in data["products"]] == sorted((p["unused"] for p in data["products"]), reverse=True)
    assert _get(client, admin_headers, "products", unused_days=100)["products"][0]["unused"] == 1  # Acrobat only
    assert all(p["unused"] == 0 for p in _get(client, admin_headers, "products", unused_days=365)["products"])


def test_the_summary_share_is_over_the_hosts_that_record_last_use(fleet, client, admin_headers):
    unused = _get(client, admin_headers, "summary")["unused"]
    programs = 2 * len(WINDOWS_PROGRAMS)  # the installs of win-a and win-b
    assert unused == {"days": 90, "hosts_recording": 2, "installs": programs, "unused": 2,
                      "unused_share": round(100 * 2 / programs, 1), "no_use_recorded": programs - 6,
                      "no_use_recorded_share": round(100 * (programs - 6) / programs, 1)}  # 4 + 2 dated
    assert _get(client, admin_headers, "summary", unused_days=30)["unused"]["unused"] == 3  # Teams too; not Chrome
    assert _get(client, admin_headers, "summary", os="debian")["unused"]["hosts_recording"] == 0


def test_a_later_use_updates_the_install_without_an_event(fleet, client, admin_headers, engine, make_report):
    hosts_, _ = fleet
    with engine.connect() as conn:
        events = conn.execute(select(func.count()).select_from(software_events)).scalar_one()
    again = _used(make_report(hosts_["win-a"], os="windows"), {**A_DAYS, "Zoom": 0})
    assert client.post("/api/v1/reports", json=again, headers=hosts_["win-a"].headers).status_code == 200
    rows = {p["name"]: p for p in _get(client, admin_headers, "products", unused_days=90)["products"]}
    assert "Zoom Workplace (Zoom client)" not in rows  # used today on win-a, 5 days ago on win-b
    assert "Adobe Acrobat Reader" in rows
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(software_events)).scalar_one() == events


@pytest.mark.parametrize("value", ["2026-11-20", "yesterday", "1969-12-31T00:00:00Z"])
def test_a_last_use_that_is_no_time_is_refused_with_the_field_named(value, client, enroll, make_report):
    host = enroll()
    report = make_report(host, os="windows")
    report["software"][0]["last_used"] = value
    answer = client.post("/api/v1/reports", json=report, headers=host.headers)
    assert answer.status_code == 422
    assert "software" in answer.json()["detail"] and "last_used" in answer.json()["detail"]
