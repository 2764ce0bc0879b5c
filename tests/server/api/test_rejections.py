"""Authentication comes first on the admin API; refused agent calls are counted without a database write each;
/metrics needs an admin token unless the collector was started with --metrics-public."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import event, func, select

from server.store.tables import counters

BAD_FILTERS = [
    "/api/v1/admin/hosts?tag=no-equals-sign&offset=-1",
    "/api/v1/admin/summary?tag=no-equals-sign",
    "/api/v1/admin/products?country=toolong&stale_days=0",
    "/api/v1/admin/software?tag=nope",
    "/api/v1/admin/hosts/x/classified",
]


def test_the_admin_api_answers_401_before_it_looks_at_filters_or_bodies(client, enroll):
    host = enroll()
    for headers in ({}, host.headers, {"Authorization": "Bearer fpa_wrong"}):
        for path in BAD_FILTERS:
            answer = client.get(path, headers=headers)
            assert answer.status_code == 401 and answer.json()["error"] == "unauthorized", (path, answer.text)
        answer = client.post("/api/v1/admin/tokens", json={"kind": "nonsense", "tags": []}, headers=headers)
        assert answer.status_code == 401, answer.text
        assert client.delete("/api/v1/admin/tokens/not-a-number", headers=headers).status_code == 401


def _writes(engine) -> list:
    """Statements that wrote a row (a check-in's key-checking UPDATE that matches no row writes nothing)."""
    seen: list = []

    @event.listens_for(engine, "after_cursor_execute")
    def _record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE") and cursor.rowcount:
            seen.append(statement)

    return seen


def _rejected(engine, reason: str) -> int:
    name = f'footprint_rejected_total{{reason="{reason}"}}'
    with engine.connect() as conn:
        return conn.execute(select(func.coalesce(func.sum(counters.c.value), 0)).where(counters.c.name == name)
                            ).scalar_one()


def test_refused_agent_calls_write_nothing_until_the_counts_are_flushed(app, client, engine, enroll, admin_headers):
    host = enroll()
    writes = _writes(app.state.engine)
    bad = {"Authorization": "Bearer fph_not-a-key"}
    for _ in range(40):
        answer = client.post("/api/v1/checkin", json={"host_id": host.host_id, "inventory_hash": "a" * 64},
                             headers=bad)
        assert answer.status_code == 401
        assert client.post("/api/v1/reports", content=b"{}", headers=bad).status_code == 401
    assert writes == [] and _rejected(engine, "unauthorized") == 0
    metrics = client.get("/metrics", headers=admin_headers).text  # flushes this process's counts first
    assert 'footprint_rejected_total{reason="unauthorized"} 80' in metrics
    assert _rejected(engine, "unauthorized") == 80 and len(writes) >= 1


def test_the_counts_are_written_at_shutdown(settings, engine):
    from fastapi.testclient import TestClient

    from server.app import create_app

    app = create_app(settings)
    with TestClient(app) as client:
        for _ in range(3):
            body = {"host_id": "pc-1", "inventory_hash": "a" * 64}
            assert client.post("/api/v1/checkin", json=body, headers={"Authorization": "Bearer x"}).status_code == 401
        assert _rejected(engine, "unauthorized") == 0
    assert _rejected(engine, "unauthorized") == 3
    app.state.engine.dispose()


def test_metrics_need_an_admin_token_unless_public(app, client, enroll, engine, admin_headers):
    from server.store.credentials import create_token

    host = enroll()
    enroll_secret = create_token(engine, "enroll").secret
    read_only = create_token(engine, "admin", read_only=True).secret
    for headers in ({}, host.headers, {"Authorization": f"Bearer {enroll_secret}"}):
        answer = client.get("/metrics", headers=headers)
        assert answer.status_code == 401 and answer.json()["error"] == "unauthorized"
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {read_only}"})
    assert answer.status_code == 200 and "footprint_hosts" in answer.text
    app.state.settings = replace(app.state.settings, metrics_public=True)
    assert client.get("/metrics").status_code == 200
