"""A report the collector refuses from an enrolled host is recorded on that host and shown: the machine is never
silently missing. Kept in memory and written with the rejected-call counts, at most once per host per flush."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select

from server.store import refusals
from server.store.db import utcnow, write_transaction
from server.store.tables import hosts


def _without_name(report: dict, position: int) -> dict:
    """An older agent's report with one program lacking its name (an Uninstall key without DisplayName)."""
    del report["software"][position]["name"]
    return report


def _host_updates(engine) -> list:
    """How many rows each UPDATE of `hosts` was run for (an executemany counts its parameter sets)."""
    seen: list = []

    @event.listens_for(engine, "after_cursor_execute")
    def _record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE HOSTS"):
            seen.append(len(parameters) if executemany else 1)

    return seen


def _listed(client, admin_headers, host_id: str) -> dict:
    answer = client.get("/api/v1/admin/hosts", headers=admin_headers)
    assert answer.status_code == 200, answer.text
    return next(h for h in answer.json()["hosts"] if h["id"] == host_id)


def test_a_refused_report_is_recorded_on_its_host_and_a_later_accepted_one_supersedes_it(
        client, enroll, make_report, admin_headers):
    host = enroll(hostname="xp-accounting")
    refused = client.post("/api/v1/reports", json=_without_name(make_report(host, os="windows"), 3),
                          headers=host.headers)
    assert refused.status_code == 422 and refused.json()["error"] == "invalid_report"
    listed = _listed(client, admin_headers, host.host_id)["last_refusal"]
    assert listed["status"] == 422 and listed["error"] == "invalid_report" and listed["current"] is True
    assert "software[3].name: Field required" in listed["detail"]
    detail = client.get(f"/api/v1/admin/hosts/{host.host_id}", headers=admin_headers).json()
    assert detail["last_refusal"] == listed and detail["last_report_at"] is None
    assert "refused_detail" not in detail  # shown once, as last_refusal

    assert client.post("/api/v1/reports", json=make_report(host, os="windows"), headers=host.headers).status_code == 200
    after = _listed(client, admin_headers, host.host_id)
    assert after["last_refusal"] == {**listed, "current": False}  # kept, but no longer the host's state
    assert after["last_report_at"] > listed["at"]


def test_every_refusal_of_an_authenticated_report_names_its_reason(client, enroll, make_report, admin_headers):
    host, other = enroll(), enroll()
    cases = [
        (b"{not json", {"Content-Type": "application/json"}, 400, "invalid_json"),
        (b"\x1f\x8b\x08\x00broken", {"Content-Encoding": "gzip"}, 400, "invalid_gzip"),
        (b"<xml/>", {"Content-Type": "text/xml"}, 415, "unsupported_media_type"),
    ]
    for body, headers, status, code in cases:
        assert client.post("/api/v1/reports", content=body, headers={**host.headers, **headers}).status_code == status
        assert _listed(client, admin_headers, host.host_id)["last_refusal"]["error"] == code
    answer = client.post("/api/v1/reports", json=make_report(other), headers=host.headers)  # another host's id
    assert answer.status_code == 403
    refusal = _listed(client, admin_headers, host.host_id)["last_refusal"]
    assert (refusal["status"], refusal["error"]) == (403, "wrong_host")
    assert _listed(client, admin_headers, other.host_id)["last_refusal"] is None  # the claimed host is untouched


def test_refusals_are_written_once_per_host_per_flush_and_never_for_a_bad_key(
        app, client, engine, enroll, make_report):
    first, second = enroll(), enroll()
    updates = _host_updates(app.state.engine)
    for n in range(30):
        for host in (first, second):
            report = _without_name(make_report(host), n % 5)
            assert client.post("/api/v1/reports", json=report, headers=host.headers).status_code == 422
    bad = {"Authorization": "Bearer fph_not-a-key"}
    for _ in range(30):
        assert client.post("/api/v1/reports", json=make_report(first), headers=bad).status_code == 401
    assert updates == []  # nothing written per refused call
    app.state.rejections.flush(app.state.engine)
    assert sum(updates) == 2  # one row per host: its latest refusal
    with engine.connect() as conn:
        query = select(hosts.c.id, hosts.c.refused_detail).where(hosts.c.refused_at.is_not(None))
        stored = {row.id: row.refused_detail for row in conn.execute(query)}
    assert set(stored) == {first.host_id, second.host_id}
    assert all("software[4].name" in detail for detail in stored.values())  # the latest of each host


def test_an_older_refusal_never_overwrites_a_newer_one_from_another_collector(engine, client, enroll):
    host = enroll()
    now = utcnow()
    newer = refusals.Refusal(host.host_id, now, 413, "too_large", "the body is larger than the limit of 8 bytes")
    older = refusals.Refusal(host.host_id, now - timedelta(seconds=5), 422, "invalid_report", "software[0].name: x")
    with write_transaction(engine) as conn:
        refusals.record(conn, [newer])
    with write_transaction(engine) as conn:
        refusals.record(conn, [older])
    with engine.connect() as conn:
        row = conn.execute(select(hosts.c.refused_error, hosts.c.refused_status)
                           .where(hosts.c.id == host.host_id)).one()
    assert tuple(row) == ("too_large", 413)
