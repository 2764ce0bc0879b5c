"""Timestamps are instants: the same moment with another UTC offset compares the same on both databases."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from server.store.db import utcnow
from server.store.ingest import ingest_report, parse_report
from server.store.tables import host_software, hosts

PLUS5 = timezone(timedelta(hours=5))  # Yekaterinburg
MINUS5 = timezone(timedelta(hours=-5))  # New York in winter


def _admin_token(client, admin_headers, expires_at: datetime) -> dict:
    answer = client.post("/api/v1/admin/tokens", headers=admin_headers,
                         json={"kind": "admin", "expires_at": expires_at.isoformat()})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['secret']}"}


def test_token_expiry_is_compared_as_an_instant(client, admin_headers):
    expired = _admin_token(client, admin_headers, (utcnow() - timedelta(hours=2)).astimezone(PLUS5))
    assert client.get("/api/v1/admin/tokens", headers=expired).status_code == 401
    valid = _admin_token(client, admin_headers, (utcnow() + timedelta(hours=2)).astimezone(MINUS5))
    assert client.get("/api/v1/admin/tokens", headers=valid).status_code == 200
    listed = client.get("/api/v1/admin/tokens", headers=valid).json()["tokens"]
    assert all(t["expires_at"] is None or t["expires_at"].endswith(("+00:00", "Z")) for t in listed)


def test_a_newer_report_is_applied_after_one_with_an_offset(client, engine, enroll, make_report):
    host = enroll()
    earlier = make_report(host)
    earlier["collected_at"] = "2026-11-20T15:00:00+05:00"  # 10:00 UTC
    later = make_report(host, software=[])
    later["collected_at"] = "2026-11-20T12:00:00Z"  # two hours later, though "12" < "15" as text
    for report in (earlier, later):
        assert client.post("/api/v1/reports", json=report, headers=host.headers).status_code == 200
    with engine.connect() as conn:
        row = conn.execute(select(hosts.c.collected_at).where(hosts.c.id == host.host_id)).one()
        links = conn.execute(select(host_software).where(host_software.c.host_id == host.host_id)).all()
    assert row.collected_at == datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
    assert links == []  # the later, empty inventory was applied

    late_retry = make_report(host)
    late_retry["collected_at"] = "2026-11-20T06:30:00-05:00"  # 11:30 UTC: older than the applied one
    assert client.post("/api/v1/reports", json=late_retry, headers=host.headers).status_code == 200
    with engine.connect() as conn:
        assert conn.execute(select(host_software).where(host_software.c.host_id == host.host_id)).all() == []


def test_last_seen_with_an_offset_is_found_by_not_seen_days(client, engine, enroll, make_report, admin_headers):
    host = enroll()
    three_hours_ago = (utcnow() - timedelta(hours=3)).astimezone(PLUS5)  # its wall clock reads later than now
    ingest_report(engine, parse_report(json.dumps(make_report(host)).encode()), host.host_id, now=three_hours_ago)
    silent = client.get("/api/v1/admin/hosts", params={"not_seen_days": 0.1}, headers=admin_headers)  # 2.4 h
    assert [h["id"] for h in silent.json()["hosts"]] == [host.host_id]
    assert silent.json()["hosts"][0]["last_seen"].endswith(("+00:00", "Z"))


def test_an_instant_beyond_year_9999_in_utc_is_refused(client, enroll, make_report):
    host = enroll()
    report = make_report(host)
    report["collected_at"] = "9999-12-31T23:59:59-14:00"
    answer = client.post("/api/v1/reports", json=report, headers=host.headers)
    assert answer.status_code == 422 and "collected_at" in answer.json()["detail"]
