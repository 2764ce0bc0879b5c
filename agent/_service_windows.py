"""The agent as a Windows service (pywin32's service framework): `FootprintAgent`, LocalSystem.

Install, start and remove with pywin32's own command line:
    python -m agent._service_windows --startup auto install | start | stop | remove | debug
The loop is the one `footprint-agent run` uses (agent.service.AgentService); the Service Control
Manager's stop request ends it at once. Logs go to %ProgramData%\\Footprint\\agent.log and, from
warning up, to the Windows event log.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Optional

import servicemanager
import win32service
import win32serviceutil

from agent import config as agent_config
from agent import environment
from agent.config import ConfigError
from agent.service import AgentService, configure_logging

LOG_FILE_NAME = "agent.log"


class EventLogHandler(logging.Handler):
    """Warnings and errors into the Application event log, where Windows admins look first."""

    def emit(self, record: logging.LogRecord) -> None:
        message = self.format(record)
        if record.levelno >= logging.ERROR:
            servicemanager.LogErrorMsg(message)
        elif record.levelno >= logging.WARNING:
            servicemanager.LogWarningMsg(message)


def python_executable(executable: str = sys.executable, prefix: str = sys.exec_prefix) -> str:
    """The python.exe for cycle child processes: a service runs under pythonservice.exe."""
    if os.path.basename(executable).lower().startswith("pythonservice"):
        candidate = os.path.join(prefix, "python.exe")
        if os.path.isfile(candidate):
            return candidate
    return executable


class FootprintAgentService(win32serviceutil.ServiceFramework):
    _svc_name_ = "FootprintAgent"
    _svc_display_name_ = "Footprint inventory agent"
    _svc_description_ = ("Inventories this computer's software and reports it to the Footprint "
                         "collector on the schedule the collector sets.")

    def __init__(self, args: list) -> None:
        super().__init__(args)
        self.service: Optional[AgentService] = None
        self.stop_requested = False

    def SvcStop(self) -> None:  # noqa: N802 (pywin32's name)
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        self.stop_requested = True
        if self.service is not None:
            self.service.stop()

    def SvcDoRun(self) -> None:  # noqa: N802 (pywin32's name)
        try:
            config = agent_config.load()
        except ConfigError as error:
            servicemanager.LogErrorMsg(f"Footprint agent not started: {error}")
            return
        os.makedirs(config.state_dir, exist_ok=True)
        os.environ.setdefault(environment.LOG_FILE, os.path.join(config.state_dir, LOG_FILE_NAME))
        configure_logging(config.log_level)
        logging.getLogger().addHandler(EventLogHandler())
        service = AgentService(config, python=python_executable())
        self.service = service
        if self.stop_requested:  # the SCM asked to stop before the loop existed
            return
        service.run()


if __name__ == "__main__":
    win32serviceutil.HandleCommandLine(FootprintAgentService)
