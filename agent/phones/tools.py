"""Running the phone tools (adb, libimobiledevice): a missing tool or a device that refuses is a
PhoneError with what to do, never a traceback."""

from __future__ import annotations

import shutil
import subprocess
from typing import List

# Exit codes of `footprint-agent phones` and `collect --phone` (README, "Phones").
EXIT_NO_PHONE = 3  # no phone attached, or not the one named
EXIT_REFUSED = 4  # a phone is attached but refuses: unauthorised, untrusted, locked
EXIT_NO_TOOL = 5  # neither adb nor libimobiledevice is installed

# The Debian package that brings each tool.
PACKAGES = {"adb": "adb", "idevice_id": "libimobiledevice-utils", "ideviceinfo": "libimobiledevice-utils",
            "idevicepair": "libimobiledevice-utils", "ideviceinstaller": "ideviceinstaller"}
TIMEOUT = 120  # seconds; `dumpsys package` of a phone with 400 apps takes a few


class PhoneError(Exception):
    """A phone that cannot be inventoried, with the exit code that says why."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class ToolMissing(PhoneError):
    """The tool is not installed: the message names the Debian package to install."""

    def __init__(self, tool: str) -> None:
        package = PACKAGES.get(tool, tool)
        super().__init__(f"{tool} is not installed (Debian/Ubuntu: apt install {package})", EXIT_NO_TOOL)
        self.tool = tool


def installed(tool: str) -> bool:
    return shutil.which(tool) is not None


def run(args: List[str], what: str) -> subprocess.CompletedProcess:
    """Run a tool and return its result (text, UTF-8; stdout and stderr kept apart), whatever its exit code."""
    if not installed(args[0]):
        raise ToolMissing(args[0])
    try:
        return subprocess.run(args, capture_output=True, timeout=TIMEOUT, check=False,
                              encoding="utf-8", errors="replace")
    except subprocess.TimeoutExpired:
        raise PhoneError(f"{what}: {args[0]} gave no answer in {TIMEOUT} s; unplug the phone, "
                         "plug it in again and retry") from None
    except OSError as error:
        raise PhoneError(f"{what}: cannot run {args[0]}: {error.strerror}") from None


def output(args: List[str], what: str) -> str:
    """A tool's standard output; a failure is a PhoneError quoting its own words."""
    done = run(args, what)
    if done.returncode != 0:
        said = (done.stderr.strip() or done.stdout.strip()).splitlines()
        raise PhoneError(f"{what}: {' '.join(args[:4])} failed: {said[-1] if said else f'exit {done.returncode}'}")
    return done.stdout
