"""Where a totals answer spends its time: each SQL statement of `summary` or `vendors` (server/totals.py) timed
on a fleet already in a database (e.g. one `bench/query.py` built), the slowest first, beside the whole call.
Read-only: it only runs the answer's SELECTs.

    python bench/totals_profile.py --db postgresql://postgres@127.0.0.1/fleet100k summary vendors
    python bench/totals_profile.py --db … --tag dept=finance summary     # a filter that keeps a third of the hosts
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database URL of a built fleet")
    parser.add_argument("--repeat", type=int, default=3, help="runs per answer after one warm-up (median shown)")
    parser.add_argument("--top", type=int, default=8, help="statements shown per answer")
    parser.add_argument("--tag", action="append", default=[], help="KEY=VALUE host filter (repeatable)")
    parser.add_argument("--os", help="OS family, distribution id or name host filter")
    parser.add_argument("answers", nargs="*", default=["summary", "vendors"], choices=["summary", "vendors"])
    args = parser.parse_args()

    from sqlalchemy import event

    from server import totals
    from server.store.db import make_engine

    engine = make_engine(args.db)
    f = totals.HostFilter(tags=tuple(tuple(t.split("=", 1)) for t in args.tag), os=args.os)
    spent: Dict[str, List[float]] = defaultdict(list)

    @event.listens_for(engine, "before_cursor_execute")
    def started(conn, cursor, statement, params, context, executemany):
        conn.info["started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def ended(conn, cursor, statement, params, context, executemany):
        spent[" ".join(statement.split())].append(time.perf_counter() - conn.info.pop("started"))

    with engine.connect() as conn:
        for name in args.answers:
            answer = getattr(totals, name)
            answer(conn, f)  # warm-up: caches and the statements' plans
            spent.clear()
            runs = []
            for _ in range(args.repeat):
                begun = time.perf_counter()
                answer(conn, f)
                runs.append(time.perf_counter() - begun)
            per_run = {s: sum(t) / args.repeat for s, t in spent.items()}
            sql = sum(per_run.values())
            shown = " ".join([*args.tag, *([f"os={args.os}"] if args.os else [])]) or "whole fleet"
            print(f"{name} ({shown}): median {statistics.median(runs):.3f} s per call, SQL {sql:.3f} s in "
                  f"{len(per_run)} distinct statements ({engine.dialect.name}, load average {os.getloadavg()[0]:.1f})")
            for statement, seconds in sorted(per_run.items(), key=lambda kv: -kv[1])[:args.top]:
                print(f"  {seconds:7.3f} s  {statement[:200]}")


if __name__ == "__main__":
    main()
