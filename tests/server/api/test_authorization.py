"""The authorization matrix: every operation of the OpenAPI document × admin, read-only admin, host key,
enrollment secret and no credential, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import select

from server.store.credentials import create_token
from server.store.db import utcnow
from server.store.tables import host_software, hosts
from server.store.targets import save_target
from server.target_model import parse_target

ADMIN_WRITES = {("delete", "/api/v1/admin/hosts/{host_id}"), ("post", "/api/v1/admin/hosts/{host_id}/reenroll"),
                ("post", "/api/v1/admin/tokens"), ("delete", "/api/v1/admin/tokens/{token_id}"),
                ("post", "/api/v1/admin/targets"), ("put", "/api/v1/admin/targets/{name}"),
                ("delete", "/api/v1/admin/targets/{name}")}
TARGET = {"name": "matrix", "remove": "foreign", "due": "2027-01-01"}
# a valid body for each operation that takes one, so a refusal is the credential's and not the body's
BODIES = {("post", "/api/v1/admin/tokens"): {"kind": "admin", "name": "matrix"},
          ("post", "/api/v1/admin/targets"): {**TARGET, "name": "matrix-2"},
          ("put", "/api/v1/admin/targets/{name}"): TARGET}


def _operations(client) -> list:
    doc = client.get("/openapi.json").json()
    return [(method, path, op) for path, ops in doc["paths"].items() for method, op in ops.items()]


def _call(client, method: str, path: str, headers: dict, values: dict):
    """One operation with every path parameter filled from `values`: a new parameter must be given one."""
    missing = sorted(set(re.findall(r"{(\w+)}", path)) - set(values))
    assert not missing, f"{method} {path}: give path parameter {missing} a value in this test"
    return client.request(method.upper(), path.format(**values), json=BODIES.get((method, path)), headers=headers)


def test_every_body_taking_operation_has_a_body_here(client):
    """An operation whose document declares a request body is called with a valid one (else its 422 would pass
    for a refusal)."""
    taking = {(m, p) for m, p, op in _operations(client) if "requestBody" in op and p.startswith("/api/v1/admin")}
    assert taking == set(BODIES)


def test_every_operation_under_every_credential(client, engine, enroll, enroll_secret, admin_headers, make_report):
    victim, other = enroll(), enroll()
    assert client.post("/api/v1/reports", json=make_report(victim), headers=victim.headers).status_code == 200
    read_only = {"Authorization": f"Bearer {create_token(engine, 'admin', read_only=True).secret}"}
    spare = create_token(engine, "enroll").id
    save_target(engine, parse_target(TARGET), None, utcnow())
    values = {"host_id": victim.host_id, "token_id": spare, "name": TARGET["name"]}
    credentials = {"host key": other.headers, "enrollment secret": {"Authorization": f"Bearer {enroll_secret}"},
                   "none": {}, "read-only admin": read_only}
    admin_ops = [(m, p) for m, p, _ in _operations(client) if p.startswith("/api/v1/admin") or p == "/metrics"]
    assert len(admin_ops) >= 17
    for name, headers in credentials.items():
        for method, path in admin_ops:
            answer = _call(client, method, path, headers, values)
            if name == "read-only admin":
                expected = 403 if (method, path) in ADMIN_WRITES else 200
            else:
                expected = 401
            assert answer.status_code == expected, (name, method, path, answer.text[:200])
    # an admin reads everything (writes are tried last, on a spare token)
    for method, path in admin_ops:
        if (method, path) not in ADMIN_WRITES:
            assert _call(client, method, path, admin_headers, values).status_code == 200, path


def test_no_credential_writes_another_host(client, engine, enroll, enroll_secret, make_report, admin_headers):
    victim, attacker = enroll(), enroll()
    assert client.post("/api/v1/reports", json=make_report(victim), headers=victim.headers).status_code == 200
    with engine.connect() as conn:
        before = conn.execute(select(host_software).where(host_software.c.host_id == victim.host_id)).all()
    forged = make_report(victim, software=[{"name": "Backdoor", "version": "1", "source": "deb"}])
    assert client.post("/api/v1/reports", json=forged, headers=attacker.headers).status_code == 403
    checkin = {"host_id": victim.host_id, "inventory_hash": "b" * 64}
    assert client.post("/api/v1/checkin", json=checkin, headers=attacker.headers).status_code == 403
    for secret in (enroll_secret, admin_headers["Authorization"].split()[1]):  # takeover by re-enrollment
        answer = client.post("/api/v1/enroll", json={"secret": secret, "host_id": victim.host_id,
                                                     "hostname": "evil", "host_key": attacker.key})
        assert answer.status_code in (401, 409), answer.text
    assert client.post("/api/v1/checkin", json={**checkin, "inventory_hash": "a" * 64},
                       headers=victim.headers).status_code == 200  # the victim's key still works
    with engine.connect() as conn:
        after = conn.execute(select(host_software).where(host_software.c.host_id == victim.host_id)).all()
        assert conn.execute(select(hosts.c.hostname).where(hosts.c.id == victim.host_id)).scalar_one() == (
            victim.hostname)
    assert after == before


def test_revocation_is_immediate(client, engine, enroll, admin_headers):
    host = enroll()
    token = create_token(engine, "admin")
    headers = {"Authorization": f"Bearer {token.secret}"}
    assert client.get("/api/v1/admin/hosts", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/admin/tokens/{token.id}", headers=admin_headers).status_code == 200
    assert client.get("/api/v1/admin/hosts", headers=headers).status_code == 401
    checkin = {"host_id": host.host_id, "inventory_hash": "a" * 64}
    assert client.post("/api/v1/checkin", json=checkin, headers=host.headers).status_code == 200
    assert client.delete(f"/api/v1/admin/hosts/{host.host_id}", headers=admin_headers).status_code == 200
    assert client.post("/api/v1/checkin", json=checkin, headers=host.headers).status_code == 401
