"""Benchmark: `footprint-agent collect` against `fusioninventory-inventory` on this machine.

Runs the two alternately N times, each in a fresh process, and prints the median wall time and the
median peak RSS of each, with our ratio next to the targets of issue 2 (at most 1/4 of the peer's
wall time, at most 1/2 of its peak memory). Installs nothing: the peer comes from
`apt-get install -y fusioninventory-agent`.

One more run of ours is measured with two users' browser and IDE profiles present (extensions in Chrome with two
profiles, Yandex Browser, Firefox, VS Code and IntelliJ IDEA: tests/support/extension_homes.py), laid out in two
temporary homes under this machine's /home for that run only and removed after it.

Our agent gets a state directory of its own, as an installed agent has, where it keeps the apt
provenance it found (agent/sources/linux/apt_lists.py); "cold" runs start with that cache removed, as
the first collect after an `apt update` or a package change does.

    .venv/bin/python bench/collect.py [--runs 7]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.extension_homes import sample_machine  # noqa: E402

COLD = "footprint-agent collect, cold cache"
EXTENSIONS = "footprint-agent collect, +2 users' profiles"
HOMES = Path("/home")
AGENT_DIR = Path(__file__).resolve().parent.parent / "agent"  # what the default --agent (this checkout) imports
WALL_TARGET = 0.25
MEMORY_TARGET = 0.5


def measure(command: List[str]) -> Tuple[float, int]:
    """(wall seconds, peak RSS bytes) of one run; RSS is the largest of the process and its children."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} exited with {process.returncode}")
    return wall, usage.ru_maxrss * 1024


def software_counts(ours: List[str], theirs: List[str]) -> Tuple[int, int]:
    """How many programs each tool reports, so the times compare like with like."""
    report = subprocess.run(ours, capture_output=True, check=True).stdout
    xml = subprocess.run(theirs, capture_output=True, check=True).stdout
    return len(json.loads(report)["software"]), xml.count(b"<SOFTWARES>")


@contextmanager
def extension_homes() -> Iterator[int]:
    """Two users' browser and IDE profiles under /home for the length of the block; yields how many extensions."""
    tag = uuid.uuid4().hex[:8]
    names = (f"footprint-bench-{tag}-a", f"footprint-bench-{tag}-b")
    scratch = tempfile.mkdtemp(prefix="footprint-bench-root-")
    try:
        yield len(sample_machine(Path(scratch), names=names, home_base=HOMES))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        for name in names:
            shutil.rmtree(HOMES / name, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each tool (default 7)")
    parser.add_argument(
        "--agent",
        default=os.path.join(os.path.dirname(sys.executable), "footprint-agent"),
        help="footprint-agent executable (default: next to this Python)",
    )
    parser.add_argument("--peer", default="fusioninventory-inventory", help="peer executable")
    options = parser.parse_args()
    peer = shutil.which(options.peer)
    if peer is None:
        sys.exit(f"{options.peer} not found: apt-get install -y fusioninventory-agent")
    ours, theirs = [options.agent, "collect"], [peer]
    # As installed: the packages byte-compile the agent at install (packaging/scripts/postinstall.sh), so no run
    # pays for compiling its modules, even where PYTHONDONTWRITEBYTECODE keeps Python from caching them.
    compileall.compile_dir(str(AGENT_DIR), quiet=1)
    state = tempfile.mkdtemp(prefix="footprint-bench-state-")
    os.environ["FOOTPRINT_STATE_DIR"] = state
    cache = os.path.join(state, "apt-provenance.json")

    if not os.access(HOMES, os.W_OK):
        sys.exit(f"{HOMES} is not writable: the extensions run lays its two homes there (run as root)")
    runs = {"footprint-agent collect": [], "fusioninventory-inventory": [], COLD: [], EXTENSIONS: []}
    for run in range(options.runs):
        order = [(COLD, ours), ("footprint-agent collect", ours), ("fusioninventory-inventory", theirs),
                 (EXTENSIONS, ours)]
        for label, command in order if run % 2 == 0 else reversed(order):
            if label == COLD and os.path.exists(cache):
                os.unlink(cache)
            if label == EXTENSIONS:
                with extension_homes():
                    runs[label].append(measure(command))
            else:
                runs[label].append(measure(command))

    print(
        f"{options.runs} runs each, alternating, on {os.uname().nodename} ({os.cpu_count()} CPUs)"
    )
    our_count, peer_count = software_counts(ours, theirs)
    with extension_homes() as extensions:
        with_extensions = software_counts(ours, theirs)[0]
    shutil.rmtree(state, ignore_errors=True)
    print(f"software items: footprint-agent {our_count}, fusioninventory {peer_count}; with the two users' "
          f"profiles footprint-agent {with_extensions} ({extensions} extensions laid out)")
    medians = {}
    print(f"{'tool':44} {'median wall':>12} {'median peak RSS':>16}")
    for label, samples in runs.items():
        wall = statistics.median(s[0] for s in samples)
        rss = statistics.median(s[1] for s in samples)
        medians[label] = (wall, rss)
        print(f"{label:44} {wall:>10.3f} s {rss / 2**20:>12.1f} MiB")
    peer_wall, peer_rss = medians["fusioninventory-inventory"]
    for label in ("footprint-agent collect", COLD, EXTENSIONS):
        our_wall, our_rss = medians[label]
        print(f"{label}:")
        for what, ratio, target in (
            ("wall time", our_wall / peer_wall, WALL_TARGET),
            ("peak memory", our_rss / peer_rss, MEMORY_TARGET),
        ):
            verdict = "meets" if ratio <= target else "MISSES"
            print(f"  {what:12} ours/peer = {ratio:.3f}  (target <= {target}: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
