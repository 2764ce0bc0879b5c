"""Migration targets on the admin REST API: list and show with their figures, add, replace, remove, history.

Any admin token reads; only a writing one changes a target, and every change is recorded with its token."""

from __future__ import annotations

from datetime import date, datetime
from typing import List, Optional

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from server import targets
from server.api.deps import MAX_ROWS, Admin, admin, current_time, get_engine, writing_admin
from server.api.errors import ApiError, error_responses
from server.store import classify
from server.store import targets as store
from server.target_model import MAX_MILESTONES, NAME_PATTERN, TargetError, parse_target, target_dict

router = APIRouter(prefix="/api/v1/admin", tags=["targets"], dependencies=[Depends(admin)],
                   responses=error_responses(400, 401, 403, 404, 422, 500, 503))
TargetName = Path(pattern=NAME_PATTERN, max_length=64, description="the target's name")
Tag = Field(max_length=320, description="KEY=VALUE")


class MilestoneBody(BaseModel):
    """An interim step: `share` % of the hosts in scope (narrowed by `tags`) compliant by `date`."""

    model_config = ConfigDict(extra="forbid")
    date: date
    share: float = Field(gt=0, le=100)
    tags: List[str] = Field([], max_length=16)


class TargetBody(BaseModel):
    """A target as server/target_model.py reads it (docs/targets.md)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME_PATTERN, max_length=64)
    description: str = Field("", max_length=500)
    remove: str = Field(max_length=160, description="foreign, foreign-proprietary, foreign-os, category:ID, "
                                                    "vendor:ID or product:ID")
    due: date
    tags: List[str] = Field([], max_length=16)
    os: Optional[str] = Field(None, max_length=64)
    kind: Optional[str] = Field(None, max_length=16)
    stale_days: Optional[int] = Field(None, ge=1, le=36_500)
    milestones: List[MilestoneBody] = Field([], max_length=MAX_MILESTONES)


def _target(body: TargetBody):
    try:
        return parse_target(body.model_dump())
    except TargetError as exc:
        raise ApiError(422, "invalid_body", str(exc)) from None


def _not_found(name: str) -> ApiError:
    return ApiError(404, "not_found", f"no target {name!r} (footprint targets lists them)")


@router.get("/targets")
def list_targets(now: datetime = Depends(current_time), engine: Engine = Depends(get_engine),
                 _: Admin = Depends(admin)) -> dict:
    """Every target with hosts in scope, compliant and violating, burndown, projection and status."""
    with engine.connect() as conn:
        return {"targets": targets.evaluate_all(conn, now), "method": targets.METHOD, "now": now}


@router.post("/targets", status_code=201, responses=error_responses(409))
def add_target(body: TargetBody, now: datetime = Depends(current_time), engine: Engine = Depends(get_engine),
               who: Admin = Depends(writing_admin)) -> dict:
    target = _target(body)
    try:
        action = store.save_target(engine, target, who.token_id, now, create_only=True)
    except store.TargetExists:
        raise ApiError(409, "exists", f"a target {target.name!r} exists: edit it, or remove it first") from None
    return {"action": action, "target": target_dict(target)}


@router.get("/targets/{name}")
def show_target(
    name: str = TargetName,
    group_tag: str = Query(targets.DEFAULT_GROUP_TAG, min_length=1, max_length=64,
                           description="the tag whose values group the hosts (department)"),
    limit: int = Query(10_000, ge=1, le=MAX_ROWS, description="violating hosts listed at most"),
    now: datetime = Depends(current_time),
    engine: Engine = Depends(get_engine),
    _: Admin = Depends(admin),
) -> dict:
    """The figures plus the violating hosts with their offending items and alternatives, by department."""
    with engine.connect() as conn:
        target = store.get_target(conn, name)
        if target is None:
            raise _not_found(name)
        result = targets.details(conn, target, now, classify.alternatives_lookup(engine), group_tag, limit)
    return {**result, "method": targets.METHOD, "now": now}


@router.put("/targets/{name}")
def replace_target(body: TargetBody, name: str = TargetName, now: datetime = Depends(current_time),
                   engine: Engine = Depends(get_engine), who: Admin = Depends(writing_admin)) -> dict:
    """Add the target, or replace the one of that name (the change recorded before and after)."""
    if body.name != name:
        raise ApiError(422, "invalid_body", f"name = {body.name!r}: the path names {name!r}")
    target = _target(body)
    return {"action": store.save_target(engine, target, who.token_id, now), "target": target_dict(target)}


@router.delete("/targets/{name}")
def remove_target(name: str = TargetName, now: datetime = Depends(current_time),
                  engine: Engine = Depends(get_engine), who: Admin = Depends(writing_admin)) -> dict:
    if not store.remove_target(engine, name, who.token_id, now):
        raise _not_found(name)
    return {"removed": name}


@router.get("/target-changes")
def target_changes(target: Optional[str] = Query(None, pattern=NAME_PATTERN, max_length=64),
                   limit: int = Query(1000, ge=1, le=MAX_ROWS),
                   engine: Engine = Depends(get_engine), _: Admin = Depends(admin)) -> dict:
    """Every add, edit and removal, newest first: who, when, the definition before and after."""
    with engine.connect() as conn:
        return {"changes": store.changes(conn, target, limit)}
