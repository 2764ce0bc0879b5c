"""The agent's environment variables, declared and read in one place (server/settings.py does this for the
collector): every FOOTPRINT_* name the agent reads is here, with what it sets."""

from __future__ import annotations

import os
from typing import Mapping, Optional

CONFIG = "FOOTPRINT_CONFIG"
STATE_DIR = "FOOTPRINT_STATE_DIR"
LOG_FILE = "FOOTPRINT_LOG_FILE"
SERVER = "FOOTPRINT_SERVER"
ENROLL_SECRET = "FOOTPRINT_ENROLL_SECRET"
# agent.toml's keys are overridden by FOOTPRINT_<KEY> (config.py): FOOTPRINT_TIMEOUT, FOOTPRINT_TAGS, ...
KEY_PREFIX = "FOOTPRINT_"

ENVIRONMENT = {
    CONFIG: "agent.toml's path (default per platform); `run` sets it for each cycle's child",
    STATE_DIR: "the state directory (host key, spool, state.json); also agent.toml's state_dir",
    LOG_FILE: "log to this file instead of stderr; the Windows service sets it to agent.log in the state directory",
    SERVER: "collector URL; also agent.toml's server, and with FOOTPRINT_ENROLL_SECRET enrolls on first start",
    ENROLL_SECRET: "enrollment secret for the first start (else enroll.env beside agent.toml)",
    KEY_PREFIX + "<KEY>": "any other agent.toml key, e.g. FOOTPRINT_TIMEOUT=10, FOOTPRINT_TAGS=dept=finance",
}


def config_variable(key: str) -> str:
    """The variable that overrides agent.toml's `key`."""
    return KEY_PREFIX + key.upper()


def env(name: str, environ: Optional[Mapping[str, str]] = None) -> str:
    """The value of a declared variable or of a key override ("" when unset or empty)."""
    if name not in ENVIRONMENT and not (name.startswith(KEY_PREFIX) and name[len(KEY_PREFIX):].isupper()):
        raise KeyError(f"{name} is not one of the agent's environment variables (agent/environment.py)")
    return (os.environ if environ is None else environ).get(name) or ""
