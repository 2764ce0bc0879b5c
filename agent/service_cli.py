"""`footprint-agent enroll | send | run | status`: the agent as a managed service (options: agent/cli.py)."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from agent.config import Config


def load_config_or_exit() -> Config:
    """The validated configuration; a mistake is printed (file and key named) and exits 78."""
    from agent import config as agent_config
    from agent.service import EXIT_CONFIG

    try:
        return agent_config.load()
    except agent_config.ConfigError as error:
        print(f"footprint-agent: {error}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def state_dir_usable(config: Config, command: str) -> bool:
    """False (with a message) when this user cannot use the state directory, e.g. not root."""
    directory, needed = config.state_dir, os.R_OK | os.X_OK
    if command != "status":
        needed |= os.W_OK
    if not os.path.exists(directory):
        if command == "status":
            return True
        while not os.path.exists(directory) and os.path.dirname(directory) != directory:
            directory = os.path.dirname(directory)  # created on first use: its parent must allow it
    if os.access(directory, needed):
        return True
    print(f"footprint-agent {command}: no access to {directory} (the agent's state directory); "
          "run it as root (or set FOOTPRINT_STATE_DIR)", file=sys.stderr)
    return False


def enroll_main(server: Optional[str], secret: Optional[str], force: bool) -> int:
    from agent import config as agent_config
    from agent import credentials, environment
    from agent.delivery import enroll
    from agent.service import configure_logging
    from agent.transport import TransportError

    config = load_config_or_exit()
    if not state_dir_usable(config, "enroll"):
        return 1
    configure_logging("warning")
    preseed = credentials.enroll_preseed(os.path.dirname(config.source), os.environ)
    server = server or preseed.get(environment.SERVER) or config.server
    secret = secret or preseed.get(environment.ENROLL_SECRET)
    existing = credentials.load(config.state_dir)
    if existing and not force:
        print(f"already enrolled with {existing.server} as host {existing.host_id} "
              "(--force enrolls again)")
        return 0
    if not server or not secret:
        missing = " and ".join(n for n, v in (("--server", server), ("--secret", secret)) if not v)
        print(f"footprint-agent enroll: {missing} missing (also read from FOOTPRINT_SERVER, "
              "FOOTPRINT_ENROLL_SECRET and enroll.env beside agent.toml)", file=sys.stderr)
        return 2
    try:
        agent_config.check_server(server, config.allow_http)
        enrolled = enroll(config, server, secret, force=True)
    except (agent_config.ConfigError, TransportError, ValueError) as error:
        print(f"footprint-agent enroll: {error}", file=sys.stderr)
        return 1
    path = credentials.credentials_path(config.state_dir)
    print(f"enrolled with {enrolled.server} as host {enrolled.host_id}; key stored in {path}")
    return 0


def send_main(phone: Optional[str] = None) -> int:
    if phone is not None:
        from agent.phones_cli import send_phones

        return send_phones(phone)
    from agent.delivery import run_cycle, spool_for
    from agent.service import collect_report, configure_logging

    config = load_config_or_exit()
    if not state_dir_usable(config, "send"):
        return 1
    configure_logging(config.log_level)
    outcome = run_cycle(config, collect=collect_report, force_full=True)
    spooled = len(spool_for(config).paths())
    if outcome.ok:
        print(f"delivered report {outcome.report_id}; {spooled} report(s) still spooled")
        return 0
    print(f"footprint-agent send: {outcome.message}; {spooled} report(s) spooled for later delivery",
          file=sys.stderr)
    return 1


def run_main() -> int:
    from agent.service import AgentService, configure_logging

    config = load_config_or_exit()
    configure_logging(config.log_level)
    service = AgentService(config)
    service.install_signal_handlers()
    return service.run()


def status_main(as_json: bool) -> int:
    from agent import credentials, runstate
    from agent.delivery import spool_for

    config = load_config_or_exit()
    if not state_dir_usable(config, "status"):
        return 1
    state = runstate.load(config.state_dir)
    spool = spool_for(config)
    try:
        enrolled = credentials.load(config.state_dir)
        enrollment = (f"yes, host {enrolled.host_id} since {enrolled.enrolled_at}" if enrolled
                      else "no (run `footprint-agent enroll`)")
    except ValueError as error:
        enrolled, enrollment = None, f"damaged: {error}"
    status = {
        "collector": (config.server or (enrolled.server if enrolled else None) or state.server
                      or "not set"),
        "enrolled": enrollment,
        "last_check_in": state.last_success or "never",
        "last_attempt": state.last_attempt or "never",
        "last_error": state.last_error or "none",
        "spooled_reports": len(spool.paths()),
        "spooled_bytes": spool.total_bytes(),
        "set_aside": spool.count_set_aside(),
        "next_run": state.next_run or "unknown (service not run yet)",
        "config": config.source,
        "state_dir": config.state_dir,
    }
    if as_json:
        print(json.dumps(status, indent=2))
    else:
        width = max(len(k) for k in status) + 2
        for key, value in status.items():
            print(f"{(key.replace('_', ' ') + ':').ljust(width)} {value}")
    return 0
