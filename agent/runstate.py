"""What `footprint-agent status` shows: the last check-in, the last error and the next run.

Kept in state.json in the state directory, written atomically after every cycle.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, fields
from typing import Optional

from agent import report
from agent.spool import write_atomically

FILE_NAME = "state.json"


@dataclass
class RunState:
    """Times are RFC 3339 UTC; `queued_hash`: what the collector holds once the spool is delivered."""

    server: Optional[str] = None
    last_attempt: Optional[str] = None
    last_success: Optional[str] = None
    last_error: Optional[str] = None
    failures: int = 0
    next_run: Optional[str] = None
    queued_hash: Optional[str] = None


def rfc3339(seconds_from_now: float = 0.0) -> str:
    """Now (or that many seconds from now) as RFC 3339 UTC."""
    return report.rfc3339(time.time() + seconds_from_now)


def load(state_dir: str) -> RunState:
    """The saved state; a missing or damaged one starts afresh (nothing in it cannot be redone)."""
    try:
        with open(os.path.join(state_dir, FILE_NAME), encoding="utf-8") as handle:
            data = json.load(handle)
        known = {f.name for f in fields(RunState)}
        return RunState(**{k: v for k, v in data.items() if k in known})
    except (OSError, ValueError, TypeError):
        return RunState()


def save(state_dir: str, state: RunState) -> None:
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    write_atomically(os.path.join(state_dir, FILE_NAME),
                     json.dumps(asdict(state), indent=1).encode("utf-8"), mode=0o644)
