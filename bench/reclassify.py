"""Reclassification benchmark: a catalog update on a fleet `bench/query.py` built, applied from what it changed
(what `footprint serve` now does at start and `footprint catalog reclassify` by default) beside the full
rebuild in the same run (every title classified, every maintained table derived again from every link and
event: what a collector start ran before), then `footprint serve` timed from its start to the first /healthz
answer after the update, while it reclassifies.

Two updates: a local catalog naming one of the 97 Contoso departments (its titles) and a hundred of the 3,000
Contoso line-of-business tools (a vendor added: a few per cent of the fleet's long tail moves from unknown to a
domestic vendor and product), and one naming all of them (the whole long tail moves). Each is undone the same
way before the next. It writes to --db: use a fleet of your own.

    python bench/query.py --db postgresql://postgres@127.0.0.1/bench --hosts 25000   # builds the fleet
    python bench/reclassify.py --db postgresql://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import contoso  # noqa: E402

# name, the vendor's publisher pattern, the product's name pattern
UPDATES = [("one department's tools", "^contoso department 1$", "contoso line-of-business tool 00\\d\\d"),
           ("the whole long tail", contoso.ALL_PUBLISHERS, contoso.ALL_TOOLS)]
SERVE_WAIT = 900  # seconds the serve timing waits for /healthz


def local_catalog(root: Path, name: str, publisher: str, pattern: str) -> Path:
    return contoso.write_catalog(root / name.replace(" ", "-").replace("'", ""), publisher, pattern)


def timed_reclassify(engine, dirs: List[Path], full: bool = False) -> tuple[float, dict]:
    from server.store import classify

    started = time.perf_counter()
    result = classify.reclassify(engine, local_dirs=dirs, full=full)
    return time.perf_counter() - started, result


def serve_start(db_url: str, catalog: Optional[Path], log: Path) -> float:
    """Seconds from `footprint serve` starting (with `catalog` as FOOTPRINT_CATALOG_DIR) to a 200 on /healthz."""
    import requests

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "FOOTPRINT_CATALOG_DIR": str(catalog or "")}
    command = [sys.executable, "-c", "from server.cli import main; main()", "serve", "--db", db_url,
               "--port", str(port)]
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        while time.perf_counter() - started < SERVE_WAIT:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    return time.perf_counter() - started
            except requests.exceptions.RequestException:
                time.sleep(0.2)
        raise SystemExit(f"footprint serve gave no /healthz in {SERVE_WAIT} s: see {log}")
    finally:
        process.terminate()
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database URL of a fleet bench/query.py built (written to)")
    parser.add_argument("--skip-full", action="store_true", help="leave out the full rebuild's timing")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from server.store.db import make_engine
    from server.store.tables import host_software, hosts

    engine = make_engine(args.db)
    with engine.connect() as conn:
        n_hosts = conn.execute(select(func.count()).select_from(hosts)).scalar_one()
        n_links = conn.execute(select(func.count()).select_from(host_software)).scalar_one()
    print(f"{n_hosts:,} hosts, {n_links:,} installs on {engine.dialect.name}", file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory(prefix="footprint-reclassify-") as tmp:
        root = Path(tmp)
        timed_reclassify(engine, [])  # start from the shipped catalog
        for name, publisher, pattern in UPDATES:
            catalog = local_catalog(root, name, publisher, pattern)
            seconds, result = timed_reclassify(engine, [catalog])
            back, _ = timed_reclassify(engine, [])
            print(f"  {name}: {result['moved']:,} of {result['titles']:,} titles moved, {seconds:.1f} s "
                  f"(undone in {back:.1f} s)", file=sys.stderr)
            rows.append((f"update: {name} ({result['moved']:,} titles moved)", seconds))
        if not args.skip_full:
            seconds, _ = timed_reclassify(engine, [], full=True)
            print(f"  full rebuild: {seconds:.1f} s", file=sys.stderr)
            rows.append(("full rebuild (every title, every link and event)", seconds))
        catalog = local_catalog(root, "serve", *UPDATES[0][1:])
        seconds = serve_start(args.db, catalog, root / "serve.log")
        rows.append((f"footprint serve to /healthz after the update: {UPDATES[0][0]}", seconds))
        print((root / "serve.log").read_text(errors="replace")[-600:], file=sys.stderr)
        timed_reclassify(engine, [])
    print(f"\nReclassification, {n_hosts:,} hosts, {n_links:,} installs, {engine.dialect.name}, load average "
          f"{os.getloadavg()[0]:.1f} at the end")
    for label, seconds in rows:
        print(f"{label:<72} {seconds:>8.1f} s")


if __name__ == "__main__":
    main()
