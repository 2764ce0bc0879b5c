"""The OpenAPI document: FastAPI's, plus the report schema the streamed `POST /api/v1/reports` body refers to
and the error body every error answer refers to."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from server.schemas import ErrorBody, Report


def document(app: FastAPI) -> dict:
    """Built once per app; the report's models land in components/schemas beside the others."""
    if app.openapi_schema is None:
        doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        report = Report.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
        schemas.update(report.pop("$defs", {}))
        schemas["Report"] = report
        schemas["ErrorBody"] = ErrorBody.model_json_schema()
        app.openapi_schema = doc
    return app.openapi_schema
