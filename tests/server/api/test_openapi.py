"""The OpenAPI document describes what the collector really takes and answers (schemathesis relies on it)."""

from __future__ import annotations

import pytest

UNAUTHENTICATED = {("post", "/api/v1/enroll"), ("get", "/healthz")}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_document_declares_the_report_body_the_bearer_scheme_and_the_errors(client):
    doc = client.get("/openapi.json").json()
    assert doc["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http", "scheme": "bearer", "description": doc["components"]["securitySchemes"]["HTTPBearer"][
            "description"]}
    body = doc["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    report = doc["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert set(report["required"]) == {"schema", "report_id", "collected_at", "host", "software"}
    assert report["properties"]["software"]["maxItems"] == 20_000
    item = doc["components"]["schemas"]["SoftwareItem"]  # the report's own models resolve in the document
    assert item["properties"]["name"]["maxLength"] == 512
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            secured = operation.get("security") == [{"HTTPBearer": []}]
            assert secured != ((method, path) in UNAUTHENTICATED), (method, path)
            errors = {code: r for code, r in operation["responses"].items() if code[0] in "45"}
            assert {"400", "500"} <= set(errors) and (not secured or "401" in errors), (method, path)
            for code, response in errors.items():
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, code)
