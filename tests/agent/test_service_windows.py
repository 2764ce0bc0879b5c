"""The Windows service wrapper's logic, with pywin32's modules faked (they exist only on Windows)."""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
import time
import types

import pytest

GUARD = 60  # seconds before a hung step fails the test (not a measurement)
SERVICE_STOP_PENDING = 3


@pytest.fixture
def winsvc(monkeypatch, tmp_path):
    """agent._service_windows imported against fake servicemanager/win32service/win32serviceutil."""
    events = []
    servicemanager = types.ModuleType("servicemanager")
    servicemanager.LogErrorMsg = lambda message: events.append(("error", message))
    servicemanager.LogWarningMsg = lambda message: events.append(("warning", message))
    win32service = types.ModuleType("win32service")
    win32service.SERVICE_STOP_PENDING = SERVICE_STOP_PENDING
    win32serviceutil = types.ModuleType("win32serviceutil")

    class ServiceFramework:
        def __init__(self, args):
            self.args = args
            self.statuses = []

        def ReportServiceStatus(self, status):  # noqa: N802 (pywin32's name)
            self.statuses.append(status)

    win32serviceutil.ServiceFramework = ServiceFramework
    for name, module in (("servicemanager", servicemanager), ("win32service", win32service),
                         ("win32serviceutil", win32serviceutil)):
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.delitem(sys.modules, "agent._service_windows", raising=False)
    monkeypatch.setenv("FOOTPRINT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("FOOTPRINT_CONFIG", str(tmp_path / "agent.toml"))
    monkeypatch.delenv("FOOTPRINT_LOG_FILE", raising=False)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    module = importlib.import_module("agent._service_windows")
    module.events = events
    yield module
    for handler in root.handlers:
        if handler not in saved[0]:
            handler.close()
    root.handlers[:], root.level = saved
    os.environ.pop("FOOTPRINT_LOG_FILE", None)  # set by SvcDoRun for the process, as on Windows
    monkeypatch.delitem(sys.modules, "agent._service_windows", raising=False)


def test_stop_request_ends_the_running_loop(winsvc, tmp_path):
    (tmp_path / "agent.toml").write_text('server = "https://footprint.corp.example"\nsplay = 3600\n')
    service = winsvc.FootprintAgentService(["FootprintAgent"])
    runner = threading.Thread(target=service.SvcDoRun)
    runner.start()
    # time.sleep, not Event.wait(timeout): under libfaketime a lock timeout never expires (make test-next-year).
    for _ in range(GUARD * 100):
        if service.service is not None:
            break
        assert runner.is_alive()
        time.sleep(0.01)
    assert service.service is not None
    service.SvcStop()
    runner.join(GUARD)
    assert not runner.is_alive()
    assert service.statuses == [SERVICE_STOP_PENDING]
    log = (tmp_path / "state" / "agent.log").read_text()
    assert "started: state in" in log and "stopped" in log


def test_stop_before_the_loop_exists_is_not_lost(winsvc, tmp_path):
    (tmp_path / "agent.toml").write_text("splay = 3600\n")
    service = winsvc.FootprintAgentService(["FootprintAgent"])
    service.SvcStop()
    service.SvcDoRun()  # returns at once instead of waiting an hour
    assert service.service is not None and service.statuses == [SERVICE_STOP_PENDING]


def test_config_mistake_goes_to_the_event_log(winsvc, tmp_path):
    (tmp_path / "agent.toml").write_text('log_level = "verbose"\n')
    service = winsvc.FootprintAgentService(["FootprintAgent"])
    service.SvcDoRun()
    assert service.service is None
    [(kind, message)] = winsvc.events
    assert kind == "error"
    assert "Footprint agent not started" in message and "key 'log_level'" in message


def test_warnings_and_errors_reach_the_event_log(winsvc):
    logger = logging.getLogger("footprint.test-eventlog")
    logger.addHandler(winsvc.EventLogHandler())
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.info("check-in done")
    logger.warning("spool: limit reached")
    logger.error("collector unreachable")
    assert winsvc.events == [("warning", "spool: limit reached"), ("error", "collector unreachable")]


def test_cycles_run_under_python_exe_not_pythonservice(winsvc, tmp_path):
    (tmp_path / "python.exe").write_bytes(b"MZ")
    service_host = str(tmp_path / "Lib" / "site-packages" / "win32" / "pythonservice.exe")
    assert winsvc.python_executable(service_host, str(tmp_path)) == str(tmp_path / "python.exe")
    plain = str(tmp_path / "python.exe")
    assert winsvc.python_executable(plain, str(tmp_path)) == plain
