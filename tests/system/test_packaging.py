"""The .deb on this machine: build, install (with enrollment), collect, send, unit checks, remove, purge.

It installs a package system-wide, so it runs only as root with dpkg, and only where asked to:
FOOTPRINT_CI=1 (CI) or FOOTPRINT_PACKAGE_TEST=1. A developer's laptop is never modified by default.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUARD = 600  # seconds a build/install step may take before the test gives up
MAX_EXPOSURE = 2.0
CONFIG = Path("/etc/footprint/agent.toml")
STATE = Path("/var/lib/footprint-agent")

pytestmark = pytest.mark.skipif(
    not (os.environ.get("FOOTPRINT_CI") == "1" or os.environ.get("FOOTPRINT_PACKAGE_TEST") == "1")
    or os.geteuid() != 0 or not shutil.which("dpkg"),
    reason="installs the .deb system-wide: needs root, dpkg and FOOTPRINT_CI=1 or "
           "FOOTPRINT_PACKAGE_TEST=1")


def run(*command: str, env=None, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=GUARD, env=env)
    if check:
        assert result.returncode == 0, f"{' '.join(command)}: {result.stdout}{result.stderr}"
    return result


def exposure(unit: Path) -> float:
    result = run("systemd-analyze", "security", "--offline=true", str(unit), check=False)
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout + result.stderr)
    assert match, result.stdout + result.stderr
    return float(match.group(1))


@pytest.fixture(scope="module")
def packages() -> dict:
    built = run(str(ROOT / "packaging" / "build.sh"))
    version = run(str(ROOT / ".venv" / "bin" / "python"), "-c",
                  "import agent; print(agent.__version__)").stdout.strip()
    dist = ROOT / "dist"
    found = {"deb": dist / f"footprint-agent_{version}-1_all.deb",
             "rpm": dist / f"footprint-agent-{version}-1.noarch.rpm"}
    assert all(p.exists() for p in found.values()), built.stdout
    return found


@pytest.fixture
def clean_machine(require_command):
    """No footprint-agent before and after (purged), whatever an earlier run left."""
    require_command("systemd-analyze")
    run("dpkg", "--purge", "footprint-agent", check=False)
    yield
    run("dpkg", "--purge", "footprint-agent", check=False)


def test_deb_lifecycle(packages, clean_machine, live_collector):
    env = dict(os.environ, FOOTPRINT_SERVER=live_collector.url,
               FOOTPRINT_ENROLL_SECRET=live_collector.secret)
    for name in ("FOOTPRINT_CONFIG", "FOOTPRINT_STATE_DIR"):
        env.pop(name, None)
    installed = run("dpkg", "-i", str(packages["deb"]), env=env)
    assert live_collector.secret not in installed.stdout + installed.stderr
    assert CONFIG.exists() and (STATE / "host-key.json").stat().st_mode & 0o777 == 0o600

    clean_env = {k: v for k, v in env.items() if not k.startswith("FOOTPRINT_")}
    report = json.loads(run("/usr/bin/footprint-agent", "collect", env=clean_env).stdout)
    assert report["schema"] == "footprint.report/1" and report["software"]
    sent = run("/usr/bin/footprint-agent", "send", env=clean_env)
    assert sent.stdout.split("delivered report ")[1].split(";")[0] in live_collector.reports_seen()

    unit = Path("/lib/systemd/system/footprint-agent.service")
    run("systemd-analyze", "verify", str(unit))
    assert exposure(unit) <= MAX_EXPOSURE
    assert exposure(ROOT / "packaging" / "systemd" / "footprint-collector.service") <= MAX_EXPOSURE

    CONFIG.write_text(CONFIG.read_text() + '\nlog_level = "warning"\n')
    run("dpkg", "-i", str(packages["deb"]), env=clean_env)  # upgrade in place
    assert CONFIG.read_text().endswith('log_level = "warning"\n')  # the edit is kept

    run("dpkg", "--remove", "footprint-agent")
    assert not Path("/usr/bin/footprint-agent").exists()
    assert not Path("/usr/lib/footprint-agent").exists()
    assert not unit.exists()
    assert CONFIG.exists() and (STATE / "host-key.json").exists()  # kept for a reinstall

    run("dpkg", "--purge", "footprint-agent")
    assert not CONFIG.exists() and not STATE.exists()
    assert not Path("/etc/footprint").exists()


def test_rpm_metadata(packages, require_command):
    require_command("rpm")
    requires = run("rpm", "-qp", "--requires", str(packages["rpm"])).stdout
    assert "python3dist(psutil) >= 5.8" in requires
    files = run("rpm", "-qpl", str(packages["rpm"])).stdout.split()
    assert "/usr/bin/footprint-agent" in files
    assert "/usr/lib/systemd/system/footprint-agent.service" in files
    assert "/usr/lib/footprint-agent/agent/service.py" in files
    scripts = run("rpm", "-qp", "--scripts", str(packages["rpm"])).stdout
    assert "postinstall" in scripts and "systemctl" in scripts
