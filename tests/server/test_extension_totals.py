"""Extensions are counted apart from programs: the headline figures, the unknown queue and the foreign-host flags
keep their meaning, and `--extensions include|only` shows them."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from server import totals
from server.store import aggregates
from server.store.db import write_transaction
from server.store.ingest import ingest_report, parse_report
from server.store.tables import (
    class_daily,
    class_totals,
    flag_daily,
    host_class_daily,
    host_classes,
    host_totals,
    unknown_names,
    usage_totals,
    vendor_totals,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
TRANSLATE = "aapbdbdomjkkjkaonfhkkikfgjllcleb"


def _ext(name, ext_id, user, application, profile, source="browser-extension"):
    return {"name": name, "version": "2.0.14", "source": source, "id": ext_id, "scope": "user", "user": user,
            "application": application, "profile": profile, "install_source": "store",
            "extra": {"enabled": "true"}}


WINDOWS = {"family": "windows", "name": "Windows 11 Pro"}
ASTRA = {"family": "linux", "name": "Astra Linux", "version": "1.7.5", "distro_id": "astra"}


def _report(host_id, software, os_=WINDOWS):
    return {"schema": "footprint.report/1", "report_id": str(uuid.uuid4()),
            "collected_at": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "host": {"id": host_id, "hostname": host_id, "os": os_},
            "software": software}


@pytest.fixture
def hosts(engine):
    from server.store.credentials import create_token, enroll_host, find_token
    from server.store.db import utcnow

    reports = [
        _report("ws-1", [
            {"name": "Zoom Workplace (64-bit)", "version": "6.2.5", "source": "windows",
             "publisher": "Zoom Video Communications, Inc."},
            _ext("Google Translate", TRANSLATE, "ivanov", "Google Chrome", "Default"),
            _ext("Google Translate", TRANSLATE, "ivanov", "Google Chrome", "Profile 1"),
            _ext("Google Translate", TRANSLATE, "ivanov", "Microsoft Edge", "Default"),
            _ext("Homemade helper", "abcdefghijklmnopabcdefghijklmnop", "ivanov", "Google Chrome", "Default"),
        ]),
        _report("ws-2", [  # only extensions: no foreign program on this host
            _ext("GitHub Copilot", "github.copilot", "petrova", "Visual Studio Code", None, "ide-extension"),
            _ext("Grammarly", "kbfnbcaeplbcioakkpcpgfkobkghlhen", "petrova", "Firefox", "default-release"),
        ], ASTRA),
    ]
    secret = create_token(engine, "enroll", name="fleet").secret
    for report in reports:
        host_id = report["host"]["id"]
        enroll_host(engine, find_token(engine, secret, ("enroll",), utcnow()), host_id, host_id)
        ingest_report(engine, parse_report(json.dumps(report).encode()), report["host"]["id"], now=NOW)
    return reports


def _f():
    return totals.HostFilter(now=NOW)


def test_each_profile_and_browser_is_an_install_and_programs_keep_their_figures(engine, hosts):
    with engine.connect() as conn:
        counts = totals.host_counts(conn, _f())
        assert counts["installs"] == 3  # Zoom Workplace and the two operating systems: no extension
        assert counts["hosts_with_foreign"] == 1  # ws-2, on Astra Linux, has foreign extensions only
        assert sorted(p["product"] for p in totals.products(conn, _f())) == [
            "astra-linux", "windows-11", "zoom-workplace"]
        assert sorted(v["vendor"] for v in totals.vendors(conn, _f())) == ["astra", "microsoft", "zoom"]
        only = {p["product"]: (p["installs"], p["hosts"], p["category"])
                for p in totals.products(conn, _f(), extensions="only")}
        assert only == {"google-translate-extension": (3, 1, "browser-extension"),
                        "github-copilot-extension": (1, 1, "ide-extension"),
                        "grammarly-extension": (1, 1, "browser-extension")}
        assert {v["vendor"] for v in totals.vendors(conn, _f(), extensions="include")} == {
            "astra", "microsoft", "zoom", "google", "github", "grammarly"}
        assert {v["vendor"] for v in totals.vendors(conn, _f(), extensions="only")} == {"google", "github", "grammarly"}
        assert [u["name"] for u in totals.unknown_titles(conn, _f())] == []  # the homemade extension is not queued
        summary = totals.summary(conn, _f())
        ext = summary["extensions"]
        assert ext["installs"] == 6
        assert {g["status"]: g["installs"] for g in ext["installs_by_status"]} == {
            "domestic": 0, "foreign-proprietary": 5, "foreign-open-source": 0, "unknown": 1}
        assert [p["product"] for p in ext["top_foreign"]][0] == "google-translate-extension"
        per_app = [(r["name"].split(" (")[0], r["application"], r["hosts"], r["installs"])
                   for r in ext["top_foreign_by_application"]]
        assert per_app[0] == ("Google Translate", "Google Chrome", 1, 2)  # two profiles: most installs of one host
        assert sorted(per_app) == [("GitHub Copilot", "Visual Studio Code", 1, 1),
                                   ("Google Translate", "Google Chrome", 1, 2),
                                   ("Google Translate", "Microsoft Edge", 1, 1), ("Grammarly", "Firefox", 1, 1)]
        assert all(c["category"] not in ("browser-extension", "ide-extension") for c in summary["by_category"])


def test_maintained_totals_equal_a_rebuild_with_extensions(engine, hosts):
    tables = (host_totals, host_classes, class_totals, class_daily, flag_daily, host_class_daily, unknown_names,
              vendor_totals, usage_totals)

    def snapshot():
        with engine.connect() as conn:
            return {t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in tables}

    maintained = snapshot()
    with write_transaction(engine) as conn:
        aggregates.rebuild(conn)
    assert snapshot() == maintained


def test_a_removed_profile_is_one_install_gone(engine, hosts):
    report = hosts[0]
    again = dict(report, report_id=str(uuid.uuid4()),
                 software=[i for i in report["software"] if i.get("profile") != "Profile 1"])
    ingest_report(engine, parse_report(json.dumps(again).encode()), "ws-1", now=NOW)
    with engine.connect() as conn:
        only = {p["product"]: p["installs"] for p in totals.products(conn, _f(), extensions="only")}
    assert only["google-translate-extension"] == 2
