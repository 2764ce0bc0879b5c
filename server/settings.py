"""Collector settings, from `footprint serve` options or FOOTPRINT_* variables (uvicorn workers), and the one
place that reads the server side's environment: every FOOTPRINT_* variable is declared and read here."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from typing import Dict, Optional

MiB = 1024 * 1024

DB_ENV = "FOOTPRINT_DB"
DATA_ENV = "FOOTPRINT_DATA"
CHECKIN_INTERVAL_ENV = "FOOTPRINT_CHECKIN_INTERVAL"
SERVE_MASTER_ENV = "FOOTPRINT_SERVE_MASTER"
METRICS_PUBLIC_ENV = "FOOTPRINT_METRICS_PUBLIC"
# every variable the server side reads, and what it sets
ENVIRONMENT = {
    DB_ENV: "database URL (--db): serve, db, tokens, import, catalog reclassify, and the serve workers",
    DATA_ENV: "directory of the embedded SQLite database (--data-dir)",
    CHECKIN_INTERVAL_ENV: "seconds between agent check-ins, handed by serve to its workers",
    METRICS_PUBLIC_ENV: "1: /metrics answers without an admin token (serve --metrics-public), handed to the workers",
    SERVE_MASTER_ENV: "pid of `serve --workers N`, set by serve for its workers, which stop when it is gone",
    "FOOTPRINT_CATALOG_DIR": "organisation-local catalog directories, os.pathsep-separated",
    "FOOTPRINT_HOME_COUNTRIES": "home countries, comma list (default RU)",
    "FOOTPRINT_CACHE_DIR": "where the validated catalog index is cached (default $XDG_CACHE_HOME/footprint)",
    "FOOTPRINT_STALE_DAYS": "hosts silent this many days are stale in the totals (default 30)",
    "FOOTPRINT_SERVER": "collector URL for the admin API commands (--server)",
    "FOOTPRINT_TOKEN": "admin token for the admin API commands (--token)",
    "FOOTPRINT_CLIENT_CONFIG": "the admin commands' config file (default ~/.config/footprint/client.toml)",
    "XDG_CACHE_HOME": "the freedesktop cache directory, under which the catalog cache goes by default",
}


def env(name: str, default: str = "") -> str:
    """The value of one of the variables in ENVIRONMENT (an empty value counts as unset)."""
    if name not in ENVIRONMENT:
        raise KeyError(f"{name} is not one of the server's environment variables (server/settings.py)")
    return os.environ.get(name) or default


@dataclass(frozen=True)
class Settings:
    db_url: str
    embedded: bool = False  # the embedded SQLite default migrates itself on first start
    checkin_interval: int = 3600
    checkin_jitter: float = 0.1
    max_body_bytes: int = 16 * MiB  # as received (compressed or not)
    # after gzip: a 20,000-program report is ~10 MiB; keeps one request under 300 MiB (bench/request_rss.py)
    max_inflated_bytes: int = 16 * MiB
    pool_size: int = 8
    metrics_public: bool = False  # /metrics without an admin token (a scraper on a trusted network)

    @classmethod
    def from_options(
        cls, db: Optional[str] = None, data_dir: Optional[str] = None, **kw
    ) -> Settings:
        from server.store.db import resolve_url

        url, embedded = resolve_url(db, data_dir)
        return cls(db_url=url, embedded=embedded, **kw)

    @classmethod
    def from_env(cls) -> Settings:
        return cls.from_options(
            env(DB_ENV) or None,
            env(DATA_ENV) or None,
            checkin_interval=int(env(CHECKIN_INTERVAL_ENV, "3600")),
            metrics_public=env(METRICS_PUBLIC_ENV) == "1",
        )

    def environment(self) -> Dict[str, str]:
        """What `from_env` reads back: the variables `footprint serve` hands to its worker processes."""
        return {DB_ENV: self.db_url, CHECKIN_INTERVAL_ENV: str(self.checkin_interval),
                METRICS_PUBLIC_ENV: "1" if self.metrics_public else "0"}

    def next_checkin_seconds(self) -> int:
        """The server-set interval with jitter, so a fleet started together spreads out."""
        spread = self.checkin_interval * self.checkin_jitter
        return max(1, round(self.checkin_interval + random.uniform(-spread, spread)))
