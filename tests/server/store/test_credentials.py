"""Who may write as a host: enrollment of a known host id needs proof, report ids are per host."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from server.store.credentials import allow_reenroll
from server.store.tables import host_keys, host_software, hosts, tokens


def _count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def _enroll(client, secret: str, host_id: str, hostname: str = "intruder", **extra):
    body = {"secret": secret, "host_id": host_id, "hostname": hostname, **extra}
    return client.post("/api/v1/enroll", json=body)


def _checkin(client, host) -> int:
    body = {"host_id": host.host_id, "inventory_hash": "a" * 64}
    return client.post("/api/v1/checkin", json=body, headers=host.headers).status_code


def _host_row(engine, host_id: str):
    with engine.connect() as conn:
        return conn.execute(select(hosts).where(hosts.c.id == host_id)).one()


def test_enrolling_a_known_host_id_without_proof_is_refused_and_changes_nothing(
    client, engine, enroll, make_report, enroll_secret
):
    victim = enroll("3d1219c7a0e54e0f", "ws-accounting-07")
    assert client.post("/api/v1/reports", json=make_report(victim), headers=victim.headers).status_code == 200
    before = _host_row(engine, victim.host_id)
    keys_before = _count(engine, host_keys)
    answer = _enroll(client, enroll_secret, victim.host_id)
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"] == "host_exists"
    assert "footprint hosts reenroll" in answer.json()["detail"]
    assert _host_row(engine, victim.host_id) == before  # hostname, facts, inventory hash, last seen
    assert _count(engine, host_keys) == keys_before
    assert _count(engine, host_software, host_software.c.host_id == victim.host_id) == 12
    assert _checkin(client, victim) == 200  # the real host's key still works


def test_a_wrong_current_key_is_no_proof(client, engine, enroll, enroll_secret):
    victim, other = enroll(), enroll()
    answer = _enroll(client, enroll_secret, victim.host_id, host_key=other.key)
    assert answer.status_code == 409 and answer.json()["error"] == "host_exists"
    assert _checkin(client, victim) == 200 and _checkin(client, other) == 200


def test_reenrolling_with_the_current_key_replaces_it(client, enroll, enroll_secret):
    host = enroll("same-host", "ws-same")
    answer = _enroll(client, enroll_secret, host.host_id, "ws-same", host_key=host.key)
    assert answer.status_code == 201, answer.text
    new = type(host)(host.host_id, host.hostname, answer.json()["host_key"])
    assert _checkin(client, host) == 401 and _checkin(client, new) == 200


def test_an_admin_allowance_lets_the_host_enroll_again_once(
    client, engine, enroll, admin_headers, admin_token, enroll_secret
):
    host = enroll("reinstalled-pc", "ws-reinstalled")
    issued = client.post(f"/api/v1/admin/hosts/{host.host_id}/reenroll", headers=admin_headers)
    assert issued.status_code == 201, issued.text
    secret = issued.json()["secret"]
    assert secret.startswith("fpr_")
    with engine.connect() as conn:
        row = conn.execute(select(tokens).where(tokens.c.id == issued.json()["id"])).one()
        admin_id = conn.execute(select(tokens.c.id).where(tokens.c.kind == "admin")).scalar_one()
    assert row.kind == "reenroll" and row.host_id == host.host_id and row.created_by == admin_id
    assert row.token_hash != secret and secret not in str(row)  # stored hashed only
    assert timedelta(hours=23) < row.expires_at.replace(tzinfo=None) - row.created_at.replace(tzinfo=None)

    elsewhere = _enroll(client, secret, "another-host-id")
    assert elsewhere.status_code == 403 and elsewhere.json()["error"] == "wrong_host"
    assert _count(engine, hosts, hosts.c.id == "another-host-id") == 0

    answer = _enroll(client, secret, host.host_id, "ws-reinstalled")
    assert answer.status_code == 201, answer.text
    new = type(host)(host.host_id, host.hostname, answer.json()["host_key"])
    assert _checkin(client, host) == 401 and _checkin(client, new) == 200
    with engine.connect() as conn:
        used = conn.execute(select(tokens.c.used_at).where(tokens.c.id == issued.json()["id"])).scalar_one()
    assert used is not None
    assert _enroll(client, secret, host.host_id).status_code == 401  # single use
    assert _checkin(client, new) == 200


def test_an_expired_allowance_is_refused(client, engine, enroll):
    host = enroll()
    new, _ = allow_reenroll(engine, host.host_id, timedelta(seconds=-1))
    assert _enroll(client, new.secret, host.host_id).status_code == 401
    assert _checkin(client, host) == 200


def test_only_a_writing_admin_issues_allowances(client, engine, enroll, enroll_secret):
    from server.store.credentials import create_token

    host = enroll()
    path = f"/api/v1/admin/hosts/{host.host_id}/reenroll"
    read_only = create_token(engine, "admin", read_only=True).secret
    assert client.post(path, headers={"Authorization": f"Bearer {read_only}"}).status_code == 403
    for credential in (host.key, enroll_secret, "fpa_not-a-token"):
        assert client.post(path, headers={"Authorization": f"Bearer {credential}"}).status_code == 401
    assert client.post(path).status_code == 401
    assert _count(engine, tokens, tokens.c.kind == "reenroll") == 0


def test_report_ids_are_unique_per_host_not_across_the_fleet(client, engine, enroll, make_report):
    first, second = enroll(), enroll()
    report = make_report(first)
    assert client.post("/api/v1/reports", json=report, headers=first.headers).json()["duplicate"] is False
    theirs = make_report(second)
    theirs["report_id"] = report["report_id"]  # another host chose the same id
    answer = client.post("/api/v1/reports", json=theirs, headers=second.headers)
    assert answer.status_code == 200 and answer.json()["duplicate"] is False
    assert _count(engine, host_software, host_software.c.host_id == second.host_id) == 12
    again = client.post("/api/v1/reports", json=theirs, headers=second.headers)
    assert again.json()["duplicate"] is True
