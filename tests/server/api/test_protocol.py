"""docs/protocol.md through the real app on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.store.credentials import create_token, revoke_token
from server.store.db import utcnow
from server.store.tables import host_software, host_tags, hosts, raw_reports, reports_seen


def _count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def _error(answer, status: int) -> dict:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error", "detail", "request_id"} and body["detail"]
    assert body["request_id"] == answer.headers["x-request-id"]
    return body


def test_enroll_gives_a_key_and_applies_the_tokens_tags(client, engine, enroll):
    host = enroll("3d1219c7a0", "ws-042")
    assert host.key.startswith("fph_") and len(host.key) >= 43
    with engine.connect() as conn:
        tags = dict(conn.execute(select(host_tags.c.key, host_tags.c.value)).all())
    assert tags == {"dept": "finance"}


def test_enroll_stores_the_agents_tags_under_the_tokens(client, engine, enroll_secret):
    """agent.toml [tags] arrive with the enrollment; where the secret sets the same name, it wins."""
    answer = client.post("/api/v1/enroll", json={
        "secret": enroll_secret, "host_id": "3d1219c7b1", "hostname": "ws-043",
        "tags": {"site": "Москва", "dept": "it"}})
    assert answer.status_code == 201, answer.text
    with engine.connect() as conn:
        tags = dict(conn.execute(select(host_tags.c.key, host_tags.c.value)).all())
    assert tags == {"site": "Москва", "dept": "finance"}
    too_many = {f"k{n}": "v" for n in range(33)}
    refused = client.post("/api/v1/enroll", json={
        "secret": enroll_secret, "host_id": "3d1219c7b2", "hostname": "ws-044", "tags": too_many})
    assert refused.status_code == 422 and "tags" in refused.json()["detail"]


@pytest.mark.parametrize("secret_state", ["unknown", "expired", "revoked", "admin"])
def test_enroll_refuses_a_secret_that_is_not_live(client, engine, secret_state):
    if secret_state == "unknown":
        secret = "fpe_not-a-real-secret"
    elif secret_state == "expired":
        secret = create_token(engine, "enroll", expires_at=utcnow() - timedelta(minutes=1)).secret
    elif secret_state == "admin":
        secret = create_token(engine, "admin").secret
    else:
        token = create_token(engine, "enroll")
        revoke_token(engine, token.id)
        secret = token.secret
    answer = client.post(
        "/api/v1/enroll", json={"secret": secret, "host_id": "h1", "hostname": "h"}
    )
    _error(answer, 401)
    assert _count(engine, hosts) == 0


def test_reenrolling_revokes_the_earlier_key(client, enroll, make_report, enroll_secret):
    first = enroll("same-host")
    body = {"secret": enroll_secret, "host_id": "same-host", "hostname": first.hostname, "host_key": first.key}
    answer = client.post("/api/v1/enroll", json=body)
    assert answer.status_code == 201, answer.text
    second = type(first)("same-host", first.hostname, answer.json()["host_key"])
    report = make_report(second)
    assert client.post("/api/v1/reports", json=report, headers=first.headers).status_code == 401
    assert client.post("/api/v1/reports", json=report, headers=second.headers).status_code == 200


def test_checkin_asks_for_a_report_until_the_stored_hash_matches(client, enroll, make_report):
    host = enroll()
    report = make_report(host)
    body = {
        "host_id": host.host_id,
        "inventory_hash": report["inventory_hash"],
        "agent_version": "0.1.0",
    }
    before = client.post("/api/v1/checkin", json=body, headers=host.headers)
    assert before.status_code == 200 and before.json()["full_report"] is True
    assert 540 <= before.json()["next_checkin_seconds"] <= 660  # 600 s ± 10 % jitter

    assert client.post("/api/v1/reports", json=report, headers=host.headers).status_code == 200
    unchanged = client.post("/api/v1/checkin", json=body, headers=host.headers)
    assert unchanged.json()["full_report"] is False

    changed = dict(body, inventory_hash=make_report(host, software=[])["inventory_hash"])
    assert client.post("/api/v1/checkin", json=changed, headers=host.headers).json()["full_report"]


def test_report_is_stored_with_the_recomputed_hash(client, engine, enroll, make_report):
    host = enroll()
    report = make_report(host)
    report["inventory_hash"] = "0" * 64  # the collector does not trust the agent's value
    answer = client.post("/api/v1/reports", json=report, headers=host.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] is True and answer.json()["duplicate"] is False
    with engine.connect() as conn:
        row = conn.execute(select(hosts).where(hosts.c.id == host.host_id)).one()
    assert row.inventory_hash == make_report(host)["inventory_hash"] != "0" * 64
    assert row.os_distro_id == "debian" and row.hostname == host.hostname
    assert row.software_count == len(report["software"]) == _count(engine, host_software)


def test_a_report_sent_twice_is_stored_once(client, engine, enroll, make_report, admin_headers):
    host = enroll()
    report = make_report(host)
    first = client.post("/api/v1/reports", json=report, headers=host.headers)
    again = client.post("/api/v1/reports", json=report, headers=host.headers)
    assert first.json()["duplicate"] is False and again.json()["duplicate"] is True
    assert _count(engine, reports_seen) == 1
    metrics = client.get("/metrics", headers=admin_headers).text
    assert "footprint_reports_total 1\n" in metrics


def test_gzip_body_is_accepted(client, engine, enroll, make_report):
    host = enroll()
    body = gzip.compress(json.dumps(make_report(host)).encode())
    headers = {**host.headers, "Content-Encoding": "gzip", "Content-Type": "application/json"}
    answer = client.post("/api/v1/reports", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert _count(engine, raw_reports) == 1


def test_revoked_key_and_removed_host_get_401(client, engine, enroll, make_report, admin_headers):
    host = enroll()
    answer = client.delete(f"/api/v1/admin/hosts/{host.host_id}", headers=admin_headers)
    assert answer.status_code == 200
    _error(client.post("/api/v1/reports", json=make_report(host), headers=host.headers), 401)
    checkin = {"host_id": host.host_id, "inventory_hash": "a" * 64}
    _error(client.post("/api/v1/checkin", json=checkin, headers=host.headers), 401)
    assert _count(engine, reports_seen) == 0


def test_a_key_cannot_write_another_host(client, engine, enroll, make_report):
    mine, other = enroll(), enroll()
    body = _error(
        client.post("/api/v1/reports", json=make_report(other), headers=mine.headers), 403
    )
    assert body["error"] == "wrong_host"
    checkin = {"host_id": other.host_id, "inventory_hash": "a" * 64}
    _error(client.post("/api/v1/checkin", json=checkin, headers=mine.headers), 403)
    assert _count(engine, host_software) == 0


def test_agent_key_reads_nothing_from_the_admin_api(client, enroll):
    host = enroll()
    _error(client.get("/api/v1/admin/hosts", headers=host.headers), 401)


@pytest.mark.parametrize(
    "body, status, code",
    [
        (b'{"schema": "footprint.report/1", "report_id": ', 400, "invalid_json"),
        (b"\xff\xfe not json", 400, "invalid_json"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "too_deep"),
        (b"[]", 422, "invalid_report"),
        (b"", 400, "empty_body"),
    ],
)
def test_malformed_bodies_get_a_json_4xx(client, engine, enroll, body, status, code):
    host = enroll()
    answer = client.post(
        "/api/v1/reports",
        content=body,
        headers={**host.headers, "Content-Type": "application/json"},
    )
    assert _error(answer, status)["error"] == code
    assert _count(engine, reports_seen) == 0


def test_an_invalid_item_names_the_field_and_writes_nothing(client, engine, enroll, make_report):
    host = enroll()
    report = make_report(host)
    report["software"][3]["name"] = "x" * 600
    body = _error(client.post("/api/v1/reports", json=report, headers=host.headers), 422)
    assert "software[3].name" in body["detail"] and "512" in body["detail"]
    assert _count(engine, host_software) == 0 and _count(engine, reports_seen) == 0


def test_a_malformed_provenance_names_the_field_and_writes_nothing(client, engine, enroll, make_report):
    host = enroll()
    report = make_report(host)
    report["software"][2]["provenance"] = {"origin": "Fedora Project", "signing_key": "8E1431D5"}
    body = _error(client.post("/api/v1/reports", json=report, headers=host.headers), 422)
    assert "software[2].provenance.signing_key" in body["detail"]
    report["software"][2]["provenance"] = {"suite": "s" * 256}
    body = _error(client.post("/api/v1/reports", json=report, headers=host.headers), 422)
    assert "software[2].provenance.suite" in body["detail"] and "255" in body["detail"]
    assert _count(engine, host_software) == 0 and _count(engine, reports_seen) == 0


def test_text_no_database_can_hold_is_refused(client, engine, enroll, make_report):
    host = enroll()
    report = make_report(host)
    report["software"][0]["publisher"] = "Evil\u0000Corp"
    body = _error(client.post("/api/v1/reports", json=report, headers=host.headers), 400)
    assert "NUL" in body["detail"]
    text = json.dumps(make_report(host)).replace('"bash"', '"ba\\ud800sh"')
    answer = client.post(
        "/api/v1/reports",
        content=text,
        headers={**host.headers, "Content-Type": "application/json"},
    )
    assert "surrogate" in _error(answer, 400)["detail"]
    assert _count(engine, reports_seen) == 0


def test_too_many_items_is_refused(client, enroll, make_report):
    host = enroll()
    item = make_report(host)["software"][0]
    report = make_report(host, software=[dict(item, name=f"pkg{i}") for i in range(20_001)])
    body = _error(client.post("/api/v1/reports", json=report, headers=host.headers), 422)
    assert "software" in body["detail"] and "20000" in body["detail"]


@pytest.fixture
def small_limits(app):
    from dataclasses import replace

    app.state.settings = replace(
        app.state.settings, max_body_bytes=64 * 1024, max_inflated_bytes=256 * 1024
    )


def test_body_over_the_limit_gets_413(client, small_limits, enroll, make_report):
    host = enroll()
    report = make_report(host)
    report["errors"] = [{"source": "deb", "message": "x" * 2000} for _ in range(100)]
    body = _error(client.post("/api/v1/reports", json=report, headers=host.headers), 413)
    assert "65536" in body["detail"]


def test_decompression_bomb_is_stopped_at_the_inflated_limit(client, small_limits, engine, enroll, admin_headers):
    host = enroll()
    bomb = gzip.compress(b"{" + b" " * (50 * 1024 * 1024) + b"}", compresslevel=9)
    assert len(bomb) < 64 * 1024  # small on the wire, 50 MiB inflated
    headers = {**host.headers, "Content-Encoding": "gzip", "Content-Type": "application/json"}
    body = _error(client.post("/api/v1/reports", content=bomb, headers=headers), 413)
    assert "decompressed" in body["detail"] and "262144" in body["detail"]
    assert 'footprint_rejected_total{reason="too_large"} 1' in client.get("/metrics", headers=admin_headers).text


@pytest.mark.parametrize(
    "headers, code",
    [
        ({"Content-Encoding": "br"}, "unsupported_encoding"),
        ({"Content-Type": "text/plain"}, "unsupported_media_type"),
    ],
)
def test_unsupported_encodings_get_415(client, enroll, make_report, headers, code):
    host = enroll()
    body = json.dumps(make_report(host)).encode()
    answer = client.post("/api/v1/reports", content=body, headers={**host.headers, **headers})
    assert _error(answer, 415)["error"] == code


def test_corrupt_gzip_gets_400(client, enroll, make_report):
    host = enroll()
    body = gzip.compress(json.dumps(make_report(host)).encode())
    headers = {**host.headers, "Content-Encoding": "gzip", "Content-Type": "application/json"}
    answer = client.post("/api/v1/reports", content=body[: len(body) // 2], headers=headers)
    assert _error(answer, 400)["error"] == "invalid_gzip"


def test_missing_bearer_and_unknown_routes_answer_json(client):
    _error(client.post("/api/v1/checkin", json={}), 401)
    _error(client.get("/api/v1/nowhere"), 404)


def test_healthz_and_metrics(client, enroll, make_report, admin_headers):
    host = enroll()
    client.post("/api/v1/reports", json=make_report(host), headers=host.headers)
    assert client.get("/healthz").json() == {"status": "ok"}
    metrics = client.get("/metrics", headers=admin_headers).text
    assert 'footprint_hosts{last_seen_within="1h"} 1' in metrics
    assert "footprint_ingest_seconds_count 1" in metrics


@pytest.mark.parametrize("tail", [b"trailing bytes", b"member"])
def test_data_after_the_gzip_stream_is_refused(client, engine, enroll, make_report, tail):
    host = enroll()
    body = gzip.compress(json.dumps(make_report(host)).encode())
    body += gzip.compress(tail) if tail == b"member" else tail
    headers = {**host.headers, "Content-Encoding": "gzip", "Content-Type": "application/json"}
    answer = client.post("/api/v1/reports", content=body, headers=headers)
    assert "after the end" in _error(answer, 400)["detail"]
    assert _count(engine, reports_seen) == 0


def test_the_api_refuses_the_tokens_the_cli_refuses(client, engine, admin_headers):
    from server.store.tables import tokens

    before = _count(engine, tokens)
    for body, problem in (({"kind": "enroll", "read_only": True}, "only admin tokens can be read-only"),
                          ({"kind": "admin", "tags": {"dept": "hr"}}, "enroll tokens only")):
        answer = client.post("/api/v1/admin/tokens", json=body, headers=admin_headers)
        assert problem in _error(answer, 422)["detail"]
    assert _count(engine, tokens) == before
