"""Export streaming on PostgreSQL, read-only (any fleet, e.g. one `bench/query.py` built): the export's COPY as
server/totals.py writes it, beside the same rows sorted by their text (the query it replaced) and unsorted (the
floor), each read straight into this process; median of --repeat wall seconds, MB/s, and the PostgreSQL
backend's CPU seconds (from /proc: the server must run on this machine), which a loaded machine changes less
than the wall time. Each runs without parallel workers, so all its CPU is the backend's (the text sort otherwise
takes a second process). The sorted outputs are compared byte for byte.

    python bench/export.py --db postgresql://postgres@127.0.0.1/fleet100k
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def backend_cpu(pid: int) -> float:
    """User + system CPU seconds of a local process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def queries() -> Dict[str, object]:
    from sqlalchemy import func, select

    from server.totals import HostFilter, _export_query

    f = HostFilter()
    by_text = _export_query(f, postgresql=False).subquery()  # ORDER BY host name, id, vendor, product, class
    return {
        "export (ours)": _export_query(f, postgresql=True, empty_as_null=True),
        "sorted by text": select(*[func.nullif(c, "") if c.name != "installs" else c for c in by_text.c]),
        "unsorted floor": _export_query(f, postgresql=False).order_by(None),
    }


def run(engine, name: str, query) -> Tuple[float, float, int, str]:
    """Wall seconds, backend CPU seconds, bytes and SHA-256 of one COPY of `query`."""
    compiled = query.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
    digest, size = hashlib.sha256(), 0
    with engine.connect() as conn:
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        cursor = conn.connection.driver_connection.cursor()
        cpu, started = backend_cpu(pid), time.perf_counter()
        with cursor.copy(f"COPY ({compiled}) TO STDOUT (FORMAT csv)", compiled.params) as copy:
            for block in copy:
                size += len(block)
                digest.update(block)
        wall, cpu = time.perf_counter() - started, backend_cpu(pid) - cpu
        conn.rollback()
    return wall, cpu, size, digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="PostgreSQL URL of a fleet (only read)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from server.store.db import make_engine

    engine = make_engine(args.db)
    runs: Dict[str, List[tuple]] = {name: [] for name in queries()}
    for _ in range(args.repeat):  # interleaved, so a change of load falls on each alike
        for name, query in queries().items():
            runs[name].append(run(engine, name, query))
            print(f"  {name:<15} {runs[name][-1][0]:6.2f} s", file=sys.stderr)
    engine.dispose()
    print(f"\nExport COPY read in-process, median of {args.repeat}, load average {os.getloadavg()[0]:.1f} at the end")
    print(f"{'query':<15} {'wall (s)':>8} {'MB/s':>6} {'backend CPU (s)':>15} {'MB':>5}")
    for name, rs in runs.items():
        wall, cpu, size = (statistics.median(r[i] for r in rs) for i in range(3))
        print(f"{name:<15} {wall:>8.2f} {size / wall / 1e6:>6.1f} {cpu:>15.2f} {size / 1e6:>5.0f}")
    ours, by_text = runs["export (ours)"][0][3], runs["sorted by text"][0][3]
    print(f"export and the text-sorted rows byte for byte: {'the same' if ours == by_text else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
