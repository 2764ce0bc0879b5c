"""The collector FastAPI application: `create_app(settings)`, and `app_from_env` for workers."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from server import __version__, serving
from server.api import admin, agent, openapi, ops, targets, totals
from server.api.checkin_path import CheckinPath
from server.api.errors import Rejections, install_handlers
from server.settings import Settings
from server.store import classify, migrate
from server.store.db import make_engine, utcnow

log = logging.getLogger("footprint")


def create_app(settings: Settings) -> FastAPI:
    """The app on `settings.db_url`; refuses an un-migrated database unless it is embedded."""
    engine = make_engine(settings.db_url, settings.pool_size)
    if settings.embedded and migrate.current_revision(engine) != migrate.head_revision():
        log.info("initialising the embedded database at %s", engine.url.database)
        migrate.upgrade(engine)
    migrate.check_migrated(engine)
    classify.ensure_current(engine)
    app = FastAPI(
        title="Footprint collector",
        version=__version__,
        description="Receives endpoint inventories and totals the foreign-software footprint.",
        lifespan=_flushing_rejections,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.rejections = Rejections()
    app.state.ingest_latency = ops.LatencyHistogram()
    app.state.clock = utcnow  # what "now" is for the totals' stale and trend windows (tests set it)
    app.add_middleware(CheckinPath)  # added first, so inside the guard (request id, NUL check, 503 `stopping`)
    install_handlers(app)
    for router in (agent.router, admin.router, totals.router, targets.router, ops.router):
        app.include_router(router)
    app.openapi = lambda: openapi.document(app)
    return app


@asynccontextmanager
async def _flushing_rejections(app: FastAPI):
    """Write the rejected-call counts every few seconds, and once more at shutdown."""

    async def every_few_seconds() -> None:
        while True:
            await asyncio.sleep(Rejections.FLUSH_SECONDS)
            await run_in_threadpool(app.state.rejections.flush, app.state.engine)

    task = asyncio.create_task(every_few_seconds())
    try:
        yield
    finally:
        task.cancel()
        await run_in_threadpool(app.state.rejections.flush, app.state.engine)


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` (one per worker): settings from FOOTPRINT_* variables."""
    serving.follow_master()
    return create_app(Settings.from_env())
