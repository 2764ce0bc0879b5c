"""Unknown share of real machines' non-OS installs, beside the issue's bars (issue 11, "Quality bar").

(a) this machine: the agent's report (`collect("/")`, what `footprint-agent collect` sends) stored through the
    collector's ingest into a fresh SQLite database, then `footprint summary`'s figures — bar: at most 5% of
    non-OS installs unknown, and no package whose provenance says it came from the Debian archive outside the
    OS part (skipped where there is no dpkg);
(b) GLPI inventories given on the command line (default: the real Fedora export in ../shared/samples, read in
    place, never copied) imported with `footprint import`'s code — bar: at most 10% of non-OS installs unknown,
    and the distribution's packages attributed to the host's distribution.

    python bench/classify_coverage.py [GLPI.json ...]
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from server import totals  # noqa: E402
from server.importers.batch import import_files  # noqa: E402
from server.store.db import make_engine  # noqa: E402
from server.store.migrate import upgrade  # noqa: E402
from server.store.tables import classes, host_software, software_titles, title_classes  # noqa: E402

# the real samples folder beside the checkout (../shared/samples), found from any worktree depth
SAMPLE = next((p / "shared" / "samples" / "glpi-json" / "computer_3.json" for p in Path(__file__).resolve().parents
               if (p / "shared" / "samples" / "glpi-json" / "computer_3.json").is_file()), None)


def _figures(engine, host_id: str) -> dict:
    """Installs and unknown from the totals (as `footprint summary` shows them) plus each package's class."""
    with engine.connect() as conn:
        summary = totals.summary(conn, totals.HostFilter(stale_days=100_000))
        t, c = software_titles.c, classes.c
        rows = conn.execute(
            select(t.name, t.provenance, c.product, c.status, c.os_component, title_classes.c.level)
            .join(host_software, host_software.c.title_id == t.id)
            .join(title_classes, title_classes.c.title_id == t.id)
            .join(classes, classes.c.id == title_classes.c.class_id)
            .where(host_software.c.host_id == host_id)).all()
    unknown = next(g["installs"] for g in summary["installs_by_status"] if g["status"] == "unknown")
    return {"installs": summary["installs"], "unknown": unknown, "rows": rows,
            "os": [o["os"] for o in summary["operating_systems"]]}


def _line(label: str, value: str, bar: str) -> None:
    print(f"  {label:<58}{value:>12}{bar:>10}")


def _report(figures: dict, bar: float) -> None:
    rows = figures["rows"]
    share = figures["unknown"] / figures["installs"] if figures["installs"] else 0.0
    components = Counter(r.product for r in rows if r.os_component)
    _line("packages, of which OS components", f"{len(rows)}, {sum(components.values())}", "")
    _line("OS components by distribution product", ", ".join(f"{k} {v}" for k, v in components.items()) or "-", "")
    _line("non-OS installs (the OS itself is one)", str(figures["installs"]), "")
    _line("unknown non-OS installs", f"{figures['unknown']} ({share:.1%})", f"<= {bar:.0%}")
    levels = Counter(r.level for r in rows)
    _line("evidence used (level: packages)", ", ".join(f"{k} {v}" for k, v in sorted(levels.items())), "")


def this_machine(directory: Path) -> None:
    print("(a) this machine: agent report -> collector ingest -> summary")
    if not shutil.which("dpkg-query"):
        print("  skipped: no dpkg on this machine")
        return
    from agent.inventory import collect

    report = collect("/")
    path = directory / "this-machine.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    engine = make_engine(f"sqlite:///{directory / 'a.db'}")
    upgrade(engine)
    host_id = import_files(engine, [path], {}).added[0]
    figures = _figures(engine, host_id)
    _report(figures, 0.05)
    from_debian = [r for r in figures["rows"] if r.provenance and json.loads(r.provenance).get("origin") == "Debian"]
    outside = [r.name for r in from_debian if not r.os_component]
    _line("packages with provenance origin Debian", str(len(from_debian)), "")
    _line("... of them outside the OS part", str(len(outside)) + (f" {outside[:5]}" if outside else ""), "0")
    if not from_debian:
        print("  (the agent reports no provenance yet: OS components decided by maintainer and name-list evidence)")


def glpi(path: Path, directory: Path) -> None:
    print(f"(b) GLPI inventory {path.name}: footprint import -> summary")
    engine = make_engine(f"sqlite:///{directory / (path.stem + '.db')}")
    upgrade(engine)
    host_id = import_files(engine, [path], {}).added[0]
    figures = _figures(engine, host_id)
    _line("host OS", ", ".join(figures["os"]), "")
    _report(figures, 0.10)


def main() -> int:
    files = [Path(a) for a in sys.argv[1:]] or ([SAMPLE] if SAMPLE else [])
    with tempfile.TemporaryDirectory(prefix="footprint-coverage-") as tmp:
        this_machine(Path(tmp))
        for path in files:
            glpi(path, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
