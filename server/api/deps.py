"""Dependencies shared by the routers: settings, the database engine, and the two credentials."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from server.api.errors import ApiError
from server.settings import Settings
from server.store import credentials
from server.store.db import utcnow

CHALLENGE = {"WWW-Authenticate": "Bearer"}
# Bounds of every number a query or path takes, so no value reaches a date or a column it overflows.
MAX_DAYS = 36_500  # a hundred years: any longer window is "always"
MAX_OFFSET = 1_000_000_000
MAX_ROWS = 100_000
MAX_ID = 2**31 - 1  # token ids are INTEGER columns (32 bits on PostgreSQL)
HOST_REF_LENGTH = 255  # a host id (128), id prefix or hostname (255)
HostRef = Path(min_length=1, max_length=HOST_REF_LENGTH, description="host id, unique id prefix or hostname")


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in the thread pool, a
# hand-off per dependency per request that cost more than the check-in's own statements (bench/checkin_cpu.py).


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


async def current_time(request: Request) -> datetime:
    """Now, by the app's clock: the wall clock, unless a test set another."""
    return request.app.state.clock()


def refusals_written(request: Request) -> None:
    """This process's refused reports written first, so a host listed right after a refusal shows it."""
    request.app.state.rejections.flush(request.app.state.engine)


# Declares the bearer scheme in the OpenAPI document; the check and its JSON error are bearer()'s own.
BEARER = HTTPBearer(auto_error=False, description="a host key (fph_), enrollment-free; or an admin token (fpa_)")


async def bearer(request: Request, _: Optional[HTTPAuthorizationCredentials] = Depends(BEARER)) -> str:
    return bearer_of(request)


def bearer_of(request: Request) -> str:
    """The bearer credential of the request; 401 with the challenge when there is none."""
    value = bearer_value(request.headers.get("authorization", ""))
    if value is None:
        raise ApiError(401, "unauthorized", "send the key as `Authorization: Bearer <key>`", CHALLENGE)
    return value


def bearer_value(authorization: str) -> Optional[str]:
    """The credential of an `Authorization: Bearer <credential>` header, None for any other header."""
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def host_of_key(key: str = Depends(bearer), engine: Engine = Depends(get_engine)) -> str:
    """The host a key belongs to; 401 for an unknown or revoked key or a removed host."""
    host_id = credentials.host_of_key(engine, key)
    if host_id is None:
        raise ApiError(401, "unauthorized", "unknown or revoked host key", CHALLENGE)
    return host_id


@dataclass(frozen=True)
class Admin:
    token_id: int
    read_only: bool


def admin(token: str = Depends(bearer), engine: Engine = Depends(get_engine)) -> Admin:
    row = credentials.find_token(engine, token, ("admin",), utcnow())
    if row is None:
        raise ApiError(401, "unauthorized", "unknown, expired or revoked admin token", CHALLENGE)
    return Admin(row.id, row.read_only)


async def writing_admin(who: Admin = Depends(admin)) -> Admin:
    if who.read_only:
        raise ApiError(403, "read_only", "this admin token is read-only")
    return who
