"""What `footprint-agent status` shows: the last check-in, the last error and the next run.

Kept in state.json in the state directory, written atomically after every cycle.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Dict, List, Optional

from agent import report
from agent.spool import write_atomically

log = logging.getLogger("footprint.state")

FILE_NAME = "state.json"


@dataclass
class RunState:
    """Times are RFC 3339 UTC; `queued_hash`: what the collector holds once the spool is delivered;
    `report_retries`: spooled reports the collector failed on, file name -> [failures, not before]."""

    server: Optional[str] = None
    last_attempt: Optional[str] = None
    last_success: Optional[str] = None
    last_error: Optional[str] = None
    failures: int = 0
    next_run: Optional[str] = None
    queued_hash: Optional[str] = None
    report_retries: Dict[str, List[float]] = field(default_factory=dict)


def rfc3339(seconds_from_now: float = 0.0) -> str:
    """Now (or that many seconds from now) as RFC 3339 UTC."""
    return report.rfc3339(time.time() + seconds_from_now)


def load(state_dir: str) -> RunState:
    """The saved state; a missing or damaged one starts afresh (nothing in it cannot be redone)."""
    try:
        with open(os.path.join(state_dir, FILE_NAME), encoding="utf-8") as handle:
            data = json.load(handle)
        known = {f.name for f in fields(RunState)}
        state = RunState(**{k: v for k, v in data.items() if k in known})
    except (OSError, ValueError, TypeError, AttributeError):
        return RunState()
    retries = state.report_retries if isinstance(state.report_retries, dict) else {}
    state.report_retries = {name: [float(v) for v in entry] for name, entry in retries.items()
                            if isinstance(entry, list) and len(entry) == 2
                            and all(isinstance(v, (int, float)) for v in entry)}
    return state


def save(state_dir: str, state: RunState) -> bool:
    """Write state.json; on a full disk a warning, not a crash: the cycle's work is done already."""
    path = os.path.join(state_dir, FILE_NAME)
    try:
        os.makedirs(state_dir, mode=0o700, exist_ok=True)
        write_atomically(path, json.dumps(asdict(state), indent=1).encode("utf-8"), mode=0o644)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        log.warning("cannot save %s: %s; `footprint-agent status` shows the previous state",
                    path, error.strerror)
        return False
    return True
