"""The real adb and libimobiledevice (CI installs them, .ci/setup-system) with no phone on this machine:
`footprint-agent phones` says so with its documented exit code, whatever the tools print on the way."""

from __future__ import annotations

import os
import socket
import subprocess


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_no_phone_attached_with_the_real_tools(require_command, run_agent, tmp_path):
    adb = require_command("adb")
    for tool in ("idevice_id", "idevicepair", "ideviceinfo", "ideviceinstaller"):
        require_command(tool)
    port = str(_free_port())  # our own adb server, never the machine's on 5037, stopped below
    try:
        done = run_agent("phones", env={"ANDROID_ADB_SERVER_PORT": port})
        collected = run_agent("collect", "--phone", "all", "--output", str(tmp_path / "phones"),
                              env={"ANDROID_ADB_SERVER_PORT": port})
    finally:
        subprocess.run([adb, "-P", port, "kill-server"], capture_output=True, timeout=60,
                       env=dict(os.environ, ANDROID_ADB_SERVER_PORT=port))
    assert done.returncode == 3, done.stderr
    assert "no phone attached" in done.stderr and "Traceback" not in done.stderr and done.stdout == ""
    assert collected.returncode == 3 and "no phone attached" in collected.stderr
