"""Operations endpoints: /healthz for load balancers and /metrics in Prometheus text format.

Counters (reports, check-ins, rejections) live in the database and are the same from every process;
the ingest latency histogram is kept per process, like any Prometheus client in a worker.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from typing import Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from server.api.deps import BEARER, admin, bearer_of, get_engine, get_settings
from server.api.errors import error_responses
from server.settings import Settings
from server.store.db import ping
from server.store.metrics import counter_totals, hosts_by_last_seen

router = APIRouter(tags=["operations"], responses=error_responses(400, 500))

HELP = {
    "footprint_reports_total": ("counter", "Full reports stored (duplicates not counted)."),
    "footprint_checkins_total": ("counter", "Check-ins received from enrolled hosts."),
    "footprint_rejected_total": ("counter", "Agent requests rejected, by reason."),
}


class LatencyHistogram:
    """Ingest latency of this process, in Prometheus histogram form."""

    BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts = [0] * (len(self.BOUNDS) + 1)
        self.total = 0.0

    def observe(self, seconds: float) -> None:
        with self._lock:
            self.counts[bisect_left(self.BOUNDS, seconds)] += 1
            self.total += seconds

    def lines(self, name: str) -> list:
        out, running = [], 0
        for bound, count in zip(self.BOUNDS + (float("inf"),), self.counts):
            running += count
            le = "+Inf" if bound == float("inf") else repr(bound)
            out.append(f'{name}_bucket{{le="{le}"}} {running}')
        out += [f"{name}_sum {self.total:.6f}", f"{name}_count {running}"]
        return out


class Timer:
    def __init__(self, histogram: LatencyHistogram) -> None:
        self.histogram = histogram

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.histogram.observe(time.perf_counter() - self.start)


@router.get("/healthz", responses=error_responses(503))
def healthz(engine: Engine = Depends(get_engine)):
    """200 when the database answers, 503 otherwise."""
    try:
        ping(engine)
    except SQLAlchemyError as exc:
        detail = f"database unreachable: {type(exc.orig or exc).__name__}"
        return JSONResponse({"error": "unavailable", "detail": detail}, status_code=503)
    return {"status": "ok"}


def metrics_reader(request: Request, engine: Engine = Depends(get_engine),
                   settings: Settings = Depends(get_settings),
                   _: Optional[HTTPAuthorizationCredentials] = Depends(BEARER)) -> None:
    """An admin token (read-only will do), unless `serve --metrics-public`: the figures describe the fleet."""
    if not settings.metrics_public:
        admin(bearer_of(request), engine)


@router.get("/metrics", response_class=PlainTextResponse, dependencies=[Depends(metrics_reader)],
            responses=error_responses(401, 503))
def metrics(request: Request, engine: Engine = Depends(get_engine)) -> str:
    request.app.state.rejections.flush(engine)  # this process's counts since the last flush, then every process's
    with engine.connect() as conn:
        totals = counter_totals(conn)
        ages = hosts_by_last_seen(conn)
    lines = []
    for family, (kind, help_text) in HELP.items():
        lines += [f"# HELP {family} {help_text}", f"# TYPE {family} {kind}"]
        samples = {k: v for k, v in totals.items() if k.split("{")[0] == family}
        lines += [f"{k} {v}" for k, v in sorted(samples.items())] or [f"{family} 0"]
    lines += [
        "# HELP footprint_hosts Hosts (not removed) by time since they were last seen.",
        "# TYPE footprint_hosts gauge",
    ]
    lines += [f'footprint_hosts{{last_seen_within="{age}"}} {n}' for age, n in ages]
    name = "footprint_ingest_seconds"
    lines += [
        f"# HELP {name} Report ingest latency in this process (not summed across processes).",
        f"# TYPE {name} histogram",
    ]
    lines += request.app.state.ingest_latency.lines(name)
    return "\n".join(lines) + "\n"
