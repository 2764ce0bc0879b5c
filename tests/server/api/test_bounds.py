"""Every number, text and id a request carries is bounded: 4xx with the JSON error body naming it, never a 500."""

from __future__ import annotations

import copy
import json
import logging

from sqlalchemy import func, select

from server.store.tables import host_tags, hosts, reports_seen, tokens

TOO_BIG = str(2**63)  # one past a signed 64-bit column
ENDPOINTS = ["hosts", "software", "summary", "vendors", "products", "foreign-hosts", "trend", "unknown", "export"]
# (endpoints, parameter, values a caller can send that no date or column holds)
OVERFLOWS = [
    (["hosts"], "offset", [TOO_BIG, "1000000001"]),
    (["hosts", "software", "foreign-hosts", "unknown"], "limit", [TOO_BIG, "100001"]),
    (["hosts"], "not_seen_days", [TOO_BIG, "1e6", "800000", "inf", "nan", "1e308"]),
    (ENDPOINTS[2:], "stale_days", [TOO_BIG, "800000"]),
    (ENDPOINTS[2:], "seen_within_days", [TOO_BIG, "800000"]),
    (["summary"], "top", [TOO_BIG]),
]
CASES = [(ep, param, value) for eps, param, values in OVERFLOWS for ep in eps for value in values]


def _error(answer, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error", "detail", "request_id"} and body["error"] == code, body
    return body


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_every_out_of_range_query_parameter_is_named(client, admin_headers):
    for endpoint, param, value in CASES:
        answer = client.get(f"/api/v1/admin/{endpoint}", params={param: value}, headers=admin_headers)
        assert f"query.{param}" in _error(answer, 422, "invalid_parameter")["detail"], (endpoint, param, value)


def test_path_ids_are_bounded(client, admin_headers):
    body = _error(client.delete(f"/api/v1/admin/tokens/{TOO_BIG}", headers=admin_headers), 422, "invalid_parameter")
    assert "path.token_id" in body["detail"]
    _error(client.delete(f"/api/v1/admin/tokens/{2**31}", headers=admin_headers), 422, "invalid_parameter")
    _error(client.delete("/api/v1/admin/tokens/0", headers=admin_headers), 422, "invalid_parameter")
    for path in ("/api/v1/admin/hosts/{}", "/api/v1/admin/hosts/{}/classified"):
        answer = client.get(path.format("h" * 256), headers=admin_headers)
        assert "path.host_id" in _error(answer, 422, "invalid_parameter")["detail"]


def test_a_nul_character_in_the_url_is_refused(client, admin_headers):
    for endpoint in ENDPOINTS:
        for query in ("tag=dept%3Dfin%00ance", "os=linux%00", "name=a%00b"):
            answer = client.get(f"/api/v1/admin/{endpoint}?{query}", headers=admin_headers)
            assert "NUL" in _error(answer, 400, "invalid_text")["detail"]
    answer = client.get("/api/v1/admin/hosts/ws%00-1", headers=admin_headers)
    _error(answer, 400, "invalid_text")


def test_a_nul_character_in_a_protocol_body_is_refused_naming_the_field(client, engine, enroll_secret, enroll,
                                                                         admin_headers):
    host = enroll()
    before = _count(engine, hosts), _count(engine, tokens)
    bodies = [
        ("/api/v1/enroll", {"secret": enroll_secret, "host_id": "pc\u00001", "hostname": "pc1"}, {}, "host_id"),
        ("/api/v1/enroll", {"secret": enroll_secret, "host_id": "pc2", "hostname": "pc\u00002"}, {}, "hostname"),
        ("/api/v1/enroll", {"secret": enroll_secret, "host_id": "pc3", "hostname": "pc3",
                            "tags": {"room": "4\u00002"}}, {}, "tags.room"),
        ("/api/v1/checkin", {"host_id": host.host_id, "inventory_hash": "a" * 64, "agent_version": "0.1\u0000"},
         host.headers, "agent_version"),
        ("/api/v1/admin/tokens", {"kind": "enroll", "name": "lab\u0000"}, admin_headers, "name"),
    ]
    for path, body, headers, field in bodies:
        detail = _error(client.post(path, json=body, headers=headers), 400, "invalid_text")["detail"]
        assert field in detail and "NUL" in detail
    surrogate = '{"kind": "enroll", "name": "lab\\udc80"}'
    answer = client.post("/api/v1/admin/tokens", content=surrogate,
                         headers={**admin_headers, "Content-Type": "application/json"})
    assert answer.status_code in (400, 422) and answer.json()["error"] in ("invalid_text", "invalid_body")
    assert (_count(engine, hosts), _count(engine, tokens)) == before


OUT_OF_RANGE = [
    ("hardware.memory_bytes", 2**63),
    ("hardware.disks.0.size_bytes", 2**64),
    ("agent.duration_ms", 2**63),
    ("host.os.ubr", 2**32),
    ("collected_at", "9999-12-31T23:59:59-14:00"),
    ("host.boot_time", "0001-01-01T00:00:00+14:00"),
]


def test_report_numbers_and_times_out_of_range_are_refused_naming_the_field(client, engine, enroll, make_report):
    host = enroll()
    for place, value in OUT_OF_RANGE:
        report = make_report(host)
        *parents, last = place.split(".")
        node = report
        for part in parents:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        node[last] = value
        answer = client.post("/api/v1/reports", content=json.dumps(report), headers={
            **host.headers, "Content-Type": "application/json"})
        assert place.replace(".0.", "[0].") in _error(answer, 422, "invalid_report")["detail"]
    assert _count(engine, reports_seen) == 0


def test_the_longest_protocol_values_are_stored(client, engine, enroll_secret, admin_headers):
    """Hostname, tags, token names and agent versions as long as the bodies allow fit the columns (PostgreSQL)."""
    tags = {f"{i:02d}" + "k" * 62: "v" * 255 for i in range(32)}
    answer = client.post("/api/v1/enroll", json={"secret": enroll_secret, "host_id": "h" * 128,
                                                 "hostname": "n" * 255, "tags": tags})
    assert answer.status_code == 201, answer.text
    key = answer.json()["host_key"]
    checkin = {"host_id": "h" * 128, "inventory_hash": "a" * 64, "agent_version": "9" * 64}
    assert client.post("/api/v1/checkin", json=checkin, headers={"Authorization": f"Bearer {key}"}).status_code == 200
    token = {"kind": "enroll", "name": "t" * 255, "tags": copy.deepcopy(tags)}
    assert client.post("/api/v1/admin/tokens", json=token, headers=admin_headers).status_code == 201
    assert _count(engine, host_tags) == 32 + 1  # and the secret's own dept=finance


def test_an_unforeseen_error_keeps_the_json_shape_and_is_logged_by_request_id(app, client, admin_token, caplog):
    def broken() -> dict:
        raise RuntimeError("a bug nobody foresaw")

    app.add_api_route("/api/v1/admin/broken", broken)
    with caplog.at_level(logging.ERROR, logger="footprint.api"):
        answer = client.get("/api/v1/admin/broken", headers={"Authorization": f"Bearer {admin_token}"})
    body = _error(answer, 500, "internal_error")
    assert body["request_id"] == answer.headers["x-request-id"] and body["request_id"] in body["detail"]
    assert body["request_id"] in caplog.text and "a bug nobody foresaw" in caplog.text
    assert admin_token not in caplog.text
