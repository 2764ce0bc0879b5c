"""Import throughput: a batch of generated GLPI agent JSON inventories through `footprint import`'s code path.

Prints files/s for a first import (every host new), for a re-import of newer exports (every host updated,
~5% of its software changed), and as the floor the same files only read and mapped (detect + parse +
schema validation, no database), measured in the same run; with the load average at the start and the CPU
time per file, since other work on the machine slows the wall-clock figures. Usage:

    python bench/import.py [--files 500] [--software 300] [--db postgresql://...]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import List

from server.importers.batch import import_files, read_reports
from server.store.db import make_engine, resolve_url
from server.store.migrate import upgrade

PUBLISHERS = [
    "Microsoft Corporation", "Корпорация Майкрософт", "Google LLC", "Adobe Inc.", "Zoom Video Communications, Inc.",
    "Mozilla", "Oracle Corporation", "АО «Лаборатория Касперского»", "Компания КриптоПро", "1С-Софт",
    "Igor Pavlov", "The Document Foundation", "Intel Corporation", "NVIDIA Corporation", "Realtek Semiconductor",
]


def software_pool(size: int, rng: random.Random) -> List[dict]:
    """Distinct Windows programs an office fleet draws from: names, publishers, MSI product codes."""
    return [
        {
            "arch": rng.choice(["x86_64", "i586"]),
            "from": "registry",
            "guid": "{" + str(uuid.UUID(int=rng.getrandbits(128))).upper() + "}",
            "name": f"Программа {n} (x64)" if n % 7 == 0 else f"Application {n} Suite",
            "publisher": PUBLISHERS[n % len(PUBLISHERS)],
            "system_category": "application",
            "version": f"{rng.randint(1, 30)}.{rng.randint(0, 9)}.{rng.randint(0, 9999)}",
            "install_date": f"20{rng.randint(19, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        }
        for n in range(size)
    ]


def inventory(host: int, programs: List[dict], stamp: str) -> dict:
    """One machine's GLPI 10 inventory, as `glpi-agent --local` writes it."""
    name = f"WS-{host:05d}"
    return {
        "action": "inventory",
        "deviceid": f"{name}-{stamp}",
        "itemtype": "Computer",
        "content": {
            "accesslog": {"logdate": stamp[:10] + " " + stamp[11:].replace("-", ":")},
            "bios": {"smanufacturer": "HP", "smodel": "HP ProDesk 400 G9", "ssn": f"CZC{host:07d}"},
            "cpus": [{"core": 4, "thread": 8, "name": "Intel(R) Core(TM) i5-12500"}],
            "hardware": {"memory": 16146, "name": name, "uuid": str(uuid.UUID(int=host + 1))},
            "networks": [{"description": "Ethernet", "ipaddress": f"10.{host // 250}.{host % 250}.10",
                          "ipmask": "255.255.255.0", "mac": f"f8:0d:ac:{host >> 16 & 255:02x}:"
                          f"{host >> 8 & 255:02x}:{host & 255:02x}", "type": "ethernet"}],
            "operatingsystem": {"full_name": "Microsoft Windows 10 Pro", "kernel_name": "MSWin32",
                                "kernel_version": "10.0.19045", "name": "Windows", "arch": "64-bit",
                                "timezone": {"name": "MSK", "offset": "+0300"}},
            "softwares": programs,
            "versionclient": "GLPI-Agent_v1.11",
        },
    }


def write_batch(directory: Path, files: int, software: int, stamp: str, changed: float = 0.0) -> List[Path]:
    """Each host's programs drawn the same way in every batch; `changed` of them swapped for others of the pool
    (a newer export of the same machines)."""
    rng, swaps, pool = random.Random(1), random.Random(2), software_pool(software * 4, random.Random(0))
    paths = []
    for host in range(files):
        chosen = rng.sample(range(len(pool)), software)
        others = sorted(set(range(len(pool))) - set(chosen))
        for slot in swaps.sample(range(software), round(software * changed)):
            chosen[slot] = others.pop(swaps.randrange(len(others)))
        document = inventory(host, [pool[i] for i in chosen], stamp)
        path = directory / f"{document['deviceid']}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--software", type=int, default=300)
    parser.add_argument("--db", help="PostgreSQL URL (default: SQLite in a temporary data directory)")
    parser.add_argument("--rounds", type=int, default=3, help="parse-only rounds (median)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="footprint-bench-import-") as tmp:
        base = Path(tmp)
        (base / "first").mkdir()
        (base / "newer").mkdir()
        first = write_batch(base / "first", args.files, args.software, "2026-11-20-09-00-00")
        newer = write_batch(base / "newer", args.files, args.software, "2026-11-23-09-00-00", changed=0.05)
        url, _ = resolve_url(args.db, str(base / "data"))
        engine = make_engine(url)
        upgrade(engine)

        load = os.getloadavg()[0]
        parse_only = statistics.median(
            timed(lambda: [read_reports(p) for p in first]) for _ in range(args.rounds)
        )
        results = {}
        for label, batch, expected in (("first import (hosts added)", first, "added"),
                                       ("newer exports (hosts updated)", newer, "updated")):
            start, cpu = time.perf_counter(), time.process_time()
            summary = import_files(engine, batch)
            results[label] = (time.perf_counter() - start, time.process_time() - cpu)
            assert len(getattr(summary, expected)) == args.files, (summary.rejected[:3], label)
        engine.dispose()

    backend = "PostgreSQL" if args.db else "SQLite"
    print(f"Import throughput, {args.files} GLPI JSON files x {args.software} programs, {backend}, "
          f"{os.cpu_count()} CPUs, load average {load:.1f} at the start (target >= 30 files/s):")
    for label, (seconds, cpu) in results.items():
        print(f"  {label:32s} {args.files / seconds:8.1f} files/s  ({seconds:.2f} s, "
              f"{cpu / args.files * 1000:.1f} ms CPU per file in this process)")
    print(f"  {'floor: read + map + validate':32s} {args.files / parse_only:8.1f} files/s  ({parse_only:.2f} s)")
    first_seconds = results["first import (hosts added)"][0]
    print(f"  first import / floor: {first_seconds / parse_only:.1f}x (the rest is the database)")


if __name__ == "__main__":
    main()
