"""Collection gaps made visible: a host whose last report carries source errors is counted as incomplete, listed
with why, and never counted as free of foreign software; a later clean report makes it complete again."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from agent.contract import inventory_hash
from server.store import migrate
from server.store.db import make_engine, utcnow, write_transaction
from server.store.tables import host_errors, hosts, raw_reports
from tests.support.cli import run_cli

# As the agent's sources report them (agent/sources/linux/dpkg.py, agent/inventory.py)
DPKG_DENIED = {"source": "deb", "message": "cannot read: Permission denied", "path": "/var/lib/dpkg/status"}
FLATPAK_DENIED = {"source": "flatpak", "message": "cannot read: Permission denied", "path": "/var/lib/flatpak"}
ASTRA_MAINTAINER = "Astra Linux Maintainers <packages@astralinux.ru>"
ASTRA_PACKAGES = [("base-files", "12.2astra1"), ("bash", "5.1-2+b3"), ("coreutils", "8.32-4.1"),
                  ("fly-wm", "2.48.5"), ("libc6", "2.31-13+deb11u3"), ("systemd", "247.3-7+deb11u1")]
ASTRA_OS = {"family": "linux", "name": "Astra Linux", "version": "1.7.5", "distro_id": "astra",
            "codename": "1.7_x86-64", "kernel": "6.1.50-1-generic", "arch": "x86_64"}
DISTRIBUTION_ONLY = [{"name": n, "version": v, "source": "deb", "publisher": ASTRA_MAINTAINER, "arch": "amd64",
                      "id": n, "scope": "system"} for n, v in ASTRA_PACKAGES]


def _astra(report: dict) -> dict:
    """An Astra Linux workstation with only its distribution's packages: no foreign software."""
    report["host"]["os"] = dict(ASTRA_OS)
    report["inventory_hash"] = inventory_hash(report)
    return report


@pytest.fixture
def gappy_fleet(client, enroll, make_report):
    """Three Astra Linux machines and a Windows one: a clean one with distribution packages only, one whose dpkg
    database could not be read (nothing inventoried), one with a flatpak directory denied and snapd down (its
    packages all from the distribution), and a Windows office machine running foreign programs."""
    fleet = {name: enroll(hostname=name) for name in ("ws-clean", "ws-nodpkg", "ws-noflatpak", "office-win")}
    reports = {
        "ws-clean": _astra(make_report(fleet["ws-clean"], software=DISTRIBUTION_ONLY)),
        "ws-nodpkg": _astra(make_report(fleet["ws-nodpkg"], software=[])),
        "ws-noflatpak": _astra(make_report(fleet["ws-noflatpak"], software=DISTRIBUTION_ONLY)),
        "office-win": make_report(fleet["office-win"], os="windows"),
    }
    reports["ws-nodpkg"]["errors"] = [DPKG_DENIED]
    reports["ws-noflatpak"]["errors"] = [FLATPAK_DENIED, {"source": "snap", "message": "snapd is not running"}]
    for name, report in reports.items():
        answer = client.post("/api/v1/reports", json=report, headers=fleet[name].headers)
        assert answer.status_code == 200, answer.text
    return fleet


def _summary(client, admin_headers, **params) -> dict:
    answer = client.get("/api/v1/admin/summary", params=params, headers=admin_headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_incomplete_host_is_never_counted_free_of_foreign_software(gappy_fleet, client, admin_headers):
    data = _summary(client, admin_headers)
    assert data["hosts"]["reporting"] == 4 and data["hosts_with_foreign"] == 1  # office-win
    assert data["hosts_without_foreign"] == 1  # ws-clean only: the two incomplete ones show none, but are not clean
    assert data["hosts_incomplete"] == 2 and data["hosts_incomplete_share"] == 50.0
    assert data["incomplete_reasons"] == [
        {"source": "deb", "message": "cannot read: Permission denied", "hosts": 1},
        {"source": "flatpak", "message": "cannot read: Permission denied", "hosts": 1},
        {"source": "snap", "message": "snapd is not running", "hosts": 1},
    ]
    assert data["incomplete_reasons_total"] == 3
    first = _summary(client, admin_headers, top=1)  # the list is cut at `top`, the total says how many there are
    assert (first["incomplete_reasons"], first["incomplete_reasons_total"]) == (data["incomplete_reasons"][:1], 3)
    linux = _summary(client, admin_headers, os="astra")
    assert (linux["hosts"]["reporting"], linux["hosts_without_foreign"], linux["hosts_incomplete"]) == (3, 1, 2)
    worst = client.get("/api/v1/admin/foreign-hosts", headers=admin_headers).json()["hosts"]
    assert [(h["hostname"], h["incomplete"]) for h in worst] == [("office-win", False)]


def test_the_incomplete_hosts_are_listed_with_why_and_the_host_filter_applies(gappy_fleet, client, admin_headers):
    def listed(**params):
        answer = client.get("/api/v1/admin/hosts", params=params, headers=admin_headers)
        assert answer.status_code == 200, answer.text
        return {h["hostname"]: h for h in answer.json()["hosts"]}

    incomplete = listed(incomplete="true")
    assert set(incomplete) == {"ws-nodpkg", "ws-noflatpak"}
    assert incomplete["ws-nodpkg"]["errors"] == [DPKG_DENIED] and incomplete["ws-nodpkg"]["error_count"] == 1
    assert incomplete["ws-noflatpak"]["errors"][1] == {"source": "snap", "path": None,
                                                       "message": "snapd is not running"}
    everyone = listed()
    assert {n: h["error_count"] for n, h in everyone.items()} == {"ws-clean": 0, "ws-nodpkg": 1, "ws-noflatpak": 2,
                                                                 "office-win": 0}
    assert "errors" not in everyone["ws-clean"] or everyone["ws-clean"]["errors"] is None
    assert listed(incomplete="true", os="windows") == {}
    assert set(listed(incomplete="true", tag="dept=finance", kind="computer")) == {"ws-nodpkg", "ws-noflatpak"}
    assert listed(incomplete="true", tag="dept=sales") == {}
    one = client.get(f"/api/v1/admin/hosts/{gappy_fleet['ws-noflatpak'].host_id}", headers=admin_headers).json()
    assert [e["source"] for e in one["errors"]] == ["flatpak", "snap"]


def test_a_later_clean_report_makes_the_host_complete(gappy_fleet, client, admin_headers, make_report):
    host = gappy_fleet["ws-nodpkg"]
    repaired = _astra(make_report(host, software=DISTRIBUTION_ONLY))  # the agent can read the database again
    assert client.post("/api/v1/reports", json=repaired, headers=host.headers).status_code == 200
    data = _summary(client, admin_headers)
    assert data["hosts_incomplete"] == 1 and data["hosts_without_foreign"] == 2
    assert [r["source"] for r in data["incomplete_reasons"]] == ["flatpak", "snap"]


def test_an_older_report_with_errors_does_not_make_a_host_incomplete(gappy_fleet, client, admin_headers,
                                                                    make_report):
    host = gappy_fleet["ws-clean"]
    late = _astra(make_report(host, software=[], collected_at=datetime.now(timezone.utc) - timedelta(days=2)))
    late["errors"] = [DPKG_DENIED]  # collected before the report already applied: recorded, not applied
    assert client.post("/api/v1/reports", json=late, headers=host.headers).status_code == 200
    assert _summary(client, admin_headers)["hosts_incomplete"] == 2


def test_upgrading_fills_the_errors_from_each_hosts_last_report(tmp_path, make_report, enroll):
    """A database from before 0011: every host's errors come from the audit copy of its last report."""
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    migrate.upgrade(engine, "0010")
    host = enroll()  # only for a host id and name shaped as enrollment makes them
    report = make_report(host, software=[])
    report["errors"] = [DPKG_DENIED, {"source": "agent", "message": "software[3].version left out: too long"}]
    now = utcnow()
    with write_transaction(engine) as conn:
        conn.execute(hosts.insert(), {"id": host.host_id, "hostname": host.hostname, "first_seen": now,
                                      "last_seen": now})
        conn.execute(raw_reports.insert(), {"host_id": host.host_id, "report_id": report["report_id"],
                                            "received_at": now, "body": json.dumps(report)})
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(host_errors.c.position, host_errors.c.source, host_errors.c.path)
                            .order_by(host_errors.c.position)).all()
    assert [tuple(r) for r in rows] == [(0, "deb", "/var/lib/dpkg/status"), (1, "agent", None)]
    engine.dispose()


@pytest.fixture
def api_env(db_url, engine, start_collector, admin_token, tmp_path):
    collector = start_collector(db_url)
    return {"FOOTPRINT_SERVER": collector.url, "FOOTPRINT_TOKEN": admin_token,
            "FOOTPRINT_CLIENT_CONFIG": str(tmp_path / "no-config.toml"), "COLUMNS": "80"}


def test_summary_hosts_and_host_say_which_hosts_are_incomplete_and_why(gappy_fleet, api_env, tmp_path):
    import csv
    import io

    table = run_cli(["summary"], api_env)
    assert "Hosts with no foreign software found: 1 of 4 (25.0%; complete inventories only)" in table
    assert "2 hosts incomplete: deb: cannot read: Permission denied (+2 more reasons)" in table
    assert "Permission denied (+2 more reasons)" in run_cli(["summary", "--top", "1"], api_env)
    assert "Why hosts are incomplete" in table and "snapd is not running" in table
    assert all(len(line) <= 80 for line in table.splitlines())
    rows = {r["item"]: r for r in csv.DictReader(io.StringIO(run_cli(["summary", "-o", "csv"], api_env)))}
    assert rows["incomplete (source errors)"]["hosts"] == "2"
    assert rows["with no foreign software found (complete inventories)"]["hosts"] == "1"
    assert rows["flatpak: cannot read: Permission denied"]["section"] == "incomplete"

    listed = run_cli(["hosts", "--incomplete"], api_env)
    lines = {line.split()[1]: line for line in listed.splitlines()[2:]}
    assert set(lines) == {"ws-nodpkg", "ws-noflatpak"} and all(len(line) <= 80 for line in listed.splitlines())
    assert lines["ws-nodpkg"].endswith("deb: cannot read: Permission denied")
    assert lines["ws-noflatpak"].endswith("flatpak: cannot read: Permission denied +1")
    why = {r["hostname"]: r for r in csv.DictReader(io.StringIO(run_cli(["hosts", "--incomplete", "-o", "csv"],
                                                                      api_env)))}
    assert why["ws-noflatpak"]["why"] == ("flatpak: cannot read: Permission denied (/var/lib/flatpak); "
                                          "snap: snapd is not running")
    assert json.loads(run_cli(["hosts", "--incomplete", "--os", "windows", "-o", "json"], api_env))["hosts"] == []
    finance = json.loads(run_cli(["hosts", "--incomplete", "--tag", "dept=finance", "-o", "json"], api_env))
    assert len(finance["hosts"]) == 2
    everyone = run_cli(["hosts"], api_env)
    marked = [line.split()[0].rstrip("…") for line in everyone.splitlines()[2:] if line.endswith("incomplete")]
    assert sorted(n for n, h in gappy_fleet.items() if any(h.host_id.startswith(m) for m in marked)) == [
        "ws-nodpkg", "ws-noflatpak"]  # the id column, cut to 80 columns, is still a unique prefix
    one = run_cli(["host", "ws-nodpkg"], api_env)
    assert "incomplete: its last report carries 1 source error(s):" in one
    assert "deb: cannot read: Permission denied (/var/lib/dpkg/status)" in one

    page = tmp_path / "report.html"
    run_cli(["report", "--output", str(page)], api_env)
    text = page.read_text(encoding="utf-8")
    assert "2 hosts incomplete: deb: cannot read: Permission denied</h2>" in text
    assert 'data-figure="hosts-incomplete"><div class="value">2</div>' in text
    assert "1 complete hosts without any" in text

