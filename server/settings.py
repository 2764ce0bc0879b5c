"""Collector settings, from `footprint serve` options or FOOTPRINT_* variables (uvicorn workers)."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from typing import Optional

from server.store.db import resolve_url

MiB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    db_url: str
    embedded: bool = False  # the embedded SQLite default migrates itself on first start
    checkin_interval: int = 3600
    checkin_jitter: float = 0.1
    max_body_bytes: int = 16 * MiB  # as received (compressed or not)
    max_inflated_bytes: int = 64 * MiB  # after gzip decompression
    pool_size: int = 8

    @classmethod
    def from_options(
        cls, db: Optional[str] = None, data_dir: Optional[str] = None, **kw
    ) -> Settings:
        url, embedded = resolve_url(db, data_dir)
        return cls(db_url=url, embedded=embedded, **kw)

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls.from_options(
            env.get("FOOTPRINT_DB"),
            env.get("FOOTPRINT_DATA"),
            checkin_interval=int(env.get("FOOTPRINT_CHECKIN_INTERVAL", "3600")),
        )

    def next_checkin_seconds(self) -> int:
        """The server-set interval with jitter, so a fleet started together spreads out."""
        spread = self.checkin_interval * self.checkin_jitter
        return max(1, round(self.checkin_interval + random.uniform(-spread, spread)))
