"""The host key from enrollment, kept 0600 in the state directory, and the enrollment preseed.

Mass deployment enrolls with one line: FOOTPRINT_SERVER and FOOTPRINT_ENROLL_SECRET in the
environment or in enroll.env beside agent.toml (/etc/footprint/enroll.env). Secrets are never
logged or printed.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Dict, Mapping, Optional

from agent import environment
from agent.spool import write_atomically

FILE_NAME = "host-key.json"


@dataclass
class Credentials:
    """What enrollment returned: the host's id on the collector and its bearer key."""

    server: str
    host_id: str
    host_key: str
    enrolled_at: str


def credentials_path(state_dir: str) -> str:
    return os.path.join(state_dir, FILE_NAME)


def load(state_dir: str) -> Optional[Credentials]:
    """The stored credentials, or None when this host was never enrolled."""
    path = credentials_path(state_dir)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        fields = ("server", "host_id", "host_key", "enrolled_at")
        return Credentials(**{name: str(data[name]) for name in fields})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: unreadable enrollment file ({error}); "
                         "enroll again with `footprint-agent enroll --force`") from None


def save(state_dir: str, credentials: Credentials) -> str:
    """Store atomically with mode 0600 (owner only), whatever the umask; ValueError when the disk
    (or anything else) refuses, so the caller says why instead of crashing."""
    path = credentials_path(state_dir)
    try:
        os.makedirs(state_dir, mode=0o700, exist_ok=True)
        write_atomically(path, json.dumps(asdict(credentials), indent=1).encode("utf-8"), mode=0o600)
        os.chmod(path, 0o600)
    except OSError as error:
        raise ValueError(f"cannot store the host key in {path}: {error.strerror}") from None
    return path


def enroll_preseed(config_dir: str, environ: Mapping[str, str]) -> Dict[str, str]:
    """FOOTPRINT_SERVER / FOOTPRINT_ENROLL_SECRET from the environment, else from enroll.env."""
    values = read_env_file(os.path.join(config_dir, "enroll.env"))
    for name in (environment.SERVER, environment.ENROLL_SECRET):
        if environment.env(name, environ):
            values[name] = environ[name]
    return values


def read_env_file(path: str) -> Dict[str, str]:
    """`NAME=value` lines (quotes, `export` and # comments allowed); a missing file is empty."""
    values: Dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return values
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        name, sep, value = line.partition("=")
        if not sep or not name.strip().isidentifier():
            raise ValueError(f"{path}: line {number}: expected NAME=value")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name.strip()] = value
    return values
