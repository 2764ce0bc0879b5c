"""The check-in answered below FastAPI (server/api/checkin_path.py) answers exactly as the route does."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.store.tables import hosts

ROUTE = "application/json; charset=utf-8"  # a Content-Type the check-in path leaves to the FastAPI route
PATH = "application/json"


def _checkin(client, host, content_type: str, body: str):
    headers = {**host.headers, "Content-Type": content_type}
    return client.post("/api/v1/checkin", content=body.encode(), headers=headers)


def _shape(answer) -> tuple:
    """What both paths must agree on: status, content type, and the body without the per-call values."""
    body = answer.json()
    assert answer.headers["x-request-id"] and answer.headers["content-length"] == str(len(answer.content))
    if "next_checkin_seconds" in body:
        assert 540 <= body.pop("next_checkin_seconds") <= 660  # 600 s ± 10 % jitter
    if "request_id" in body:
        assert body.pop("request_id") == answer.headers["x-request-id"]
    return answer.status_code, answer.headers["content-type"], body


def _checkins_counted(client, admin_headers) -> int:
    metrics = client.get("/metrics", headers=admin_headers).text
    return sum(int(line.split()[-1]) for line in metrics.splitlines() if line.startswith("footprint_checkins_total"))


def test_both_paths_give_the_same_answers(client, engine, enroll, make_report, admin_headers):
    host, other = enroll(), enroll()
    report = make_report(host)
    assert client.post("/api/v1/reports", json=report, headers=host.headers).status_code == 200
    unchanged = f'{{"host_id": "{host.host_id}", "inventory_hash": "{report["inventory_hash"]}"}}'
    changed = f'{{"host_id": "{host.host_id}", "inventory_hash": "{"a" * 64}", "agent_version": "0.2.0"}}'
    cases = {
        "unchanged": (host, unchanged, 200),
        "changed": (host, changed, 200),
        "another host's id": (other, unchanged, 403),
        "malformed JSON": (host, unchanged[:-1], 422),
        "no inventory hash": (host, f'{{"host_id": "{host.host_id}"}}', 422),
        "a field the contract leaves out": (host, unchanged[:-1] + ', "extra": 1}', 200),
        "an agent version too long": (host, changed.replace("0.2.0", "0" * 1000), 422),
        "a NUL in the version": (host, changed.replace("0.2.0", "0.2\\u0000"), 400),
    }
    for case, (sender, body, status) in cases.items():
        before = _checkins_counted(client, admin_headers)
        fast, routed = _checkin(client, sender, PATH, body), _checkin(client, sender, ROUTE, body)
        assert _shape(fast) == _shape(routed) and fast.status_code == status, (case, fast.text, routed.text)
        assert _checkins_counted(client, admin_headers) - before == (2 if status == 200 else 0), case
    with engine.connect() as conn:
        assert conn.execute(select(hosts.c.agent_version).where(hosts.c.id == host.host_id)).scalar() == "0.2.0"
    answer = client.post("/api/v1/checkin", content=unchanged.encode(), headers={"Content-Type": PATH})
    assert _shape(answer)[:2] == (401, "application/json") and answer.headers["www-authenticate"] == "Bearer"


def test_a_well_formed_check_in_is_answered_without_the_route(app, client, enroll):
    """The path answers by itself; what it cannot answer with 200 reaches the route, its body replayed."""
    from server.api.checkin_path import CheckinPath

    host = enroll()
    layer = app.middleware_stack  # built by the first request (the enrollment)
    while not isinstance(layer, CheckinPath):
        layer = layer.app
    routed, inner = [], layer.app

    async def recording(scope, receive, send):
        if scope["type"] == "http":
            routed.append(scope["path"])
        await inner(scope, receive, send)

    layer.app = recording
    body = f'{{"host_id": "{host.host_id}", "inventory_hash": "{"a" * 64}", "agent_version": "0.1.0"}}'
    assert _checkin(client, host, PATH, body).json()["full_report"] is True and routed == []
    assert _checkin(client, host, ROUTE, body).json()["full_report"] is True and len(routed) == 1
    assert _checkin(client, host, PATH, body[:-1]).status_code == 422 and len(routed) == 2


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_unavailable_database_is_the_routes_503(app, client, enroll, tmp_path):
    from server.store.db import make_engine

    host = enroll()
    body = f'{{"host_id": "{host.host_id}", "inventory_hash": "{"a" * 64}"}}'
    app.state.engine.dispose()
    app.state.engine = make_engine(f"sqlite:///{tmp_path}")  # a directory: SQLite cannot open it
    fast, routed = _checkin(client, host, PATH, body), _checkin(client, host, ROUTE, body)
    assert _shape(fast) == _shape(routed) and fast.status_code == 503, fast.text
    assert fast.json()["error"] == "unavailable" and fast.headers["retry-after"] == routed.headers["retry-after"]
