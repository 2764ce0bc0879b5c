"""Schemathesis over every operation of the OpenAPI document, with admin, host and enrollment credentials, on
SQLite and PostgreSQL: no answer of 500 or more, none outside its documented schema (bounded: a few examples
per operation and credential, so the run stays well under a minute per database)."""

from __future__ import annotations

import uuid
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings

from server.store.credentials import create_token

EXAMPLES = 8  # per operation and credential


def test_no_operation_answers_5xx_or_off_its_schema(app, client, engine):
    enroll_secret = create_token(engine, "enroll").secret
    host_id = uuid.uuid4().hex
    enrolled = client.post("/api/v1/enroll", json={"secret": enroll_secret, "host_id": host_id, "hostname": "h"})
    credentials = {"admin": create_token(engine, "admin").secret, "host": enrolled.json()["host_key"],
                   "enroll": enroll_secret}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    statuses: Counter = Counter()
    failures: list = []
    for secret in credentials.values():
        for operation in operations:
            _explore(operation, secret, statuses, failures)
    assert len(operations) >= 20 and sum(statuses.values()) >= len(operations) * len(credentials)
    assert failures == [], failures[:10]
    print(f"\nschemathesis: {len(operations)} operations, {sum(statuses.values())} calls, "
          f"{sum(n for s, n in statuses.items() if s >= 500)} answers >= 500, {len(failures)} failures")


def _explore(operation, secret: str, statuses: Counter, failures: list) -> None:
    """A few generated calls of one operation with one credential; 5xx and schema violations collected."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy())
    def call(case) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {secret}"}
        response = case.call()
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            failures.append((operation.label, response.status_code, response.text[:300]))
        try:
            case.validate_response(response, checks=[schemathesis.checks.response_schema_conformance])
        except Exception as exc:  # noqa: BLE001 - every violation is collected and shown
            failures.append((operation.label, "schema", str(exc)[:300]))

    call()
