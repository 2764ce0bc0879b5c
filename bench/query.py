"""Totals query benchmark: a synthetic fleet in the database, each totals endpoint timed through a real
`footprint serve` over HTTP (median of --repeat runs), next to the targets of issues 5 and 16.

Targets (2-core machine): summary, vendors, products, trend each <= 0.5 s, on SQLite at 10,000 hosts x ~300
programs (every endpoint, unknown included) and on PostgreSQL at 100,000 hosts, where `unknown` <= 1 s, the
export streams at >= 50 MB/s and the fleet is written and totalled in <= 10 minutes; `targets` (five migration
targets with their burndown and projection, issue 14) <= 0.5 s, and the `footprint targets` command is timed
as a user runs it. foreign-hosts is timed too.

The fleet is written straight into the tables (hosts, tags, titles, host_software, software_events, host_os,
os_events) whose keys, indexes and foreign keys are built after the load: sending 100,000 reports through
ingest one by one would take far longer than the queries being measured. Hosts are drawn from 2,000 machine
images (each host: one image's software, its own id, name and times); on PostgreSQL the big tables are
written with COPY text joined per host from the image's precomputed rows, frozen. Titles are then classified and
every maintained total built by `server.store.classify.reclassify`, the same code `footprint catalog
reclassify` runs. History: each host's first inventory falls in the last twelve months, and the hosts of a
quarter of the Windows images later drop Zoom, TeamViewer or AnyDesk (remove events), so the trend has
something to show. The hosts of RECORDING of the Windows images record last use (issue 15): most of their
programs carry a last-use day within the last 18 months, so the summary's "not used in 90 days" share counts.

    python bench/query.py                                        # 10,000 hosts, SQLite in a temporary dir
    python bench/query.py --db postgresql://postgres@127.0.0.1/bench --hosts 100000
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import synthetic_fleet as synthetic  # noqa: E402

# name, path, target in seconds (None: none), on PostgreSQL if it differs
ENDPOINTS = [("summary", "/summary", 0.5, 0.5), ("vendors", "/vendors", 0.5, 0.5), ("products", "/products", 0.5, 0.5),
             ("trend", "/trend", 0.5, 0.5), ("trend --tag", "/trend?tag=dept=finance", 0.5, 0.5),
             ("trend --os", "/trend?os=windows", 0.5, 0.5), ("targets", "/targets", 0.5, 0.5),
             ("foreign-hosts", "/foreign-hosts", None, None), ("unknown", "/unknown", 0.5, 1.0),
             ("export", "/export", None, None)]
EXPORT_MB_S = 50  # the export's streaming target
# five migration targets of the kinds an organisation sets (issue 14): whole fleet, a department, an OS, a product
TARGETS = [
    {"name": "decree-166", "remove": "foreign", "due_days": 400},
    {"name": "finance-proprietary", "remove": "foreign-proprietary", "tags": ["dept=finance"], "due_days": 200},
    {"name": "windows-video", "remove": "category:video-conferencing", "os": "windows", "due_days": 120},
    {"name": "zoom-off", "remove": "product:zoom-workplace", "due_days": 90,
     "milestones": [{"days": 30, "share": 50, "tags": ["dept=sales"]}]},
    {"name": "sales-foreign-os", "remove": "foreign-os", "kind": "computer", "tags": ["dept=sales"], "due_days": 365},
]
DROPPED = ("Zoom Workplace (64-bit)", "TeamViewer", "AnyDesk")
BATCH = 200_000  # links per executemany on SQLite
PROFILES = 2_000  # machine images the hosts are drawn from (each host: one image, its own times)
RECORDING = 0.6  # share of the Windows images whose hosts record last use; of their programs, USED carry a day
USED = 0.8


class Fleet:
    """Rows for the tables, generated host by host with a bounded set of distinct titles (as real fleets have)."""

    def __init__(self, hosts: int, programs: int, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.use_rng = random.Random(seed + 1)  # last-use days apart: the fleet is otherwise the one without them
        self.hosts, self.programs, self.now = hosts, programs, now
        self.titles: Dict[tuple, int] = {}
        self.names: Dict[int, str] = {}
        self.title_rows: List[dict] = []

    def title(self, name: str, version: str, source: str, publisher: str, arch: str, package_id: str = "",
              packager: str = "") -> int:
        from server.store.tables import name_key, title_key

        key = (name, version, source, publisher, arch, package_id)
        if key not in self.titles:
            self.titles[key] = len(self.titles) + 1
            self.names[self.titles[key]] = name
            self.title_rows.append({"id": self.titles[key], "title_key": title_key(*key),
                                    "name_key": name_key(name, source, publisher), "name": name,
                                    "version": version, "source": source, "publisher": publisher, "arch": arch,
                                    "package_id": package_id or None, "packager": packager or None,
                                    "first_seen": self.now - timedelta(days=365)})
        return self.titles[key]

    def windows_items(self) -> List[int]:
        rng = self.rng
        items = [self.title(name, f"{rng.choice((16, 24, 120))}.{rng.randint(0, 3)}", "windows", publisher, "x64")
                 for name, publisher, share in synthetic.WINDOWS_COMMON if rng.random() < share]
        tail = rng.sample(range(3000), max(0, self.programs - len(items)))
        items += [self.title(f"Contoso Line-of-Business Tool {k:04d}", f"{1 + k % 5}.{rng.randint(0, 2)}", "windows",
                             f"Contoso Department {k % 97}", "x64") for k in tail]
        return items

    def linux_items(self, distro: str) -> List[int]:
        rng, maintainer = self.rng, synthetic.DISTRIBUTIONS[distro]["maintainer"]
        items = [self.title(name, f"2.{rng.randint(0, 3)}", "deb", who.split(" <")[0], "amd64", name, who)
                 for name, who, share in synthetic.LINUX_THIRD_PARTY if rng.random() < share]
        packages = rng.sample(range(4000), max(0, self.programs - len(items)))
        items += [self.title(f"lib{distro}-component{k:04d}", f"{k % 7}.{k % 13}-{k % 3}", "deb",
                             maintainer.split(" <")[0], "amd64", f"lib{distro}-component{k:04d}", maintainer)
                  for k in packages]
        return items

    def profile(self) -> Profile:
        """One machine image: its OS columns and title, installed titles and the titles a host of it drops later."""
        rng = self.rng
        if rng.random() < 0.7:
            edition, display, build = rng.choice(synthetic.WINDOWS_EDITIONS)
            os_columns = {"os_family": "windows", "os_name": edition, "os_product_name": edition,
                          "os_display_version": display, "os_version": f"10.0.{build}", "os_build": build}
            os_title, items, prefix = self.title(edition, display, "os", "", "x86_64"), self.windows_items(), "ws"
        else:
            distro = rng.choice(("astra", "astra", "debian"))
            d = synthetic.DISTRIBUTIONS[distro]
            os_columns = {"os_family": "linux", "os_name": d["name"], "os_version": d["version"],
                          "os_distro_id": distro}
            os_title, items, prefix = self.title(d["name"], d["version"], "os", "", "x86_64", distro), \
                self.linux_items(distro), "lx"
        removed: List[int] = []
        windows = os_columns["os_family"] == "windows"
        if windows and rng.random() < 0.25:
            names = {self.names[t]: t for t in items}
            removed = [names[n] for n in DROPPED if n in names]
            items = [t for t in items if t not in removed]
        columns = {**dict.fromkeys(("os_distro_id", "os_product_name", "os_display_version", "os_build")),
                   **os_columns}
        use = self.use_rng
        recording = windows and use.random() < RECORDING
        last_used = [self.now.date() - timedelta(days=use.randint(0, 540)) if recording and use.random() < USED
                     else None for _ in items]
        links = [b"%d\t\t%s" % (t, day.isoformat().encode() if day else b"\\N") for t, day in zip(items, last_used)]
        return Profile(prefix, columns, os_title, items, removed, [b"%d" % t for t in items],
                       [b"%d" % t for t in removed], last_used, links)

    def host(self, index: int, profiles: List[Profile]) -> Tuple[dict, Profile, datetime, datetime]:
        """One host of a random image: its row, the image, its first-seen time and when it dropped software."""
        rng = self.rng
        image = profiles[rng.randrange(len(profiles))]
        first = self.now - timedelta(days=rng.randint(30, 365), hours=rng.randint(0, 23))
        row = {"id": uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{index}").hex, "first_seen": first,
               "last_seen": self.now - timedelta(hours=rng.randint(1, 20)), "revoked": False,
               "hostname": f"{image.prefix}-{index:06d}", "software_count": len(image.items), **image.os_columns}
        row["last_report_at"] = row["collected_at"] = row["last_seen"]
        gone = first + (self.now - first) * rng.uniform(0.3, 0.9)
        return row, image, first, gone


class Profile(NamedTuple):
    """A machine image many hosts share, its title ids already as COPY text."""

    prefix: str
    os_columns: dict
    os_title: int
    items: List[int]
    removed: List[int]
    items_text: List[bytes]
    removed_text: List[bytes]
    last_used: List[Optional[date]]  # per item: the day it was last used, None where not recorded
    links_text: List[bytes]  # per item: host_software's columns after the host id (title, user, last use)


class CopyText:
    """Rows as PostgreSQL COPY text, made by joining each host's id into a machine image's precomputed row
    tails (one join per host instead of a Python call per row), sent in chunks of several MiB."""

    CHUNK = 8 << 20

    def __init__(self, copy) -> None:
        self.copy, self.parts, self.size = copy, [], 0

    def rows(self, head: bytes, values: List[bytes], tail: bytes) -> None:
        """head + value + tail for each value (head and tail hold the columns every row here shares)."""
        if values:
            self.add(head + (tail + head).join(values) + tail)

    def add(self, data: bytes) -> None:
        self.parts.append(data)
        self.size += len(data)
        if self.size >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.copy.write(b"".join(self.parts))
            self.parts, self.size = [], 0


def copy_time(moment: datetime) -> bytes:
    """A timestamp as COPY text."""
    return moment.isoformat(sep=" ").encode()


def copy_rows(conn, table, columns: Sequence[str], rows: List[tuple]) -> None:
    """Rows straight to the driver: COPY on PostgreSQL, executemany on SQLite with the values converted by
    the columns' own SQLAlchemy types (compiling parameters row by row would take longer than the writes)."""
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return
    processors = [(i, table.c[c].type.bind_processor(conn.dialect)) for i, c in enumerate(columns)]
    processors = [(i, p) for i, p in processors if p]
    if processors:
        converted = []
        for row in rows:
            row = list(row)
            for i, p in processors:
                row[i] = p(row[i])
            converted.append(tuple(row))
        rows = converted
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})', rows)


@contextmanager
def indexes_built_after(conn, tables):
    """Drop the loaded tables' indexes (on PostgreSQL also their keys and foreign keys) and build them again
    after the load: one sort per index instead of a B-tree insert per row."""
    from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

    pg = conn.dialect.name == "postgresql"
    for table in tables:
        for index in table.indexes:
            conn.execute(DropIndex(index))
        if pg:
            for fk in table.foreign_key_constraints:
                conn.execute(DropConstraint(fk))
            conn.execute(DropConstraint(table.primary_key))
    yield
    for table in tables:
        if pg:
            conn.execute(AddConstraint(table.primary_key))
        for index in table.indexes:
            conn.execute(CreateIndex(index))
    if pg:
        for table in tables:
            for fk in table.foreign_key_constraints:
                conn.execute(AddConstraint(fk))


HOST_COLUMNS = ("id", "hostname", "first_seen", "last_seen", "last_report_at", "collected_at", "revoked",
                "os_family", "os_name", "os_version", "os_distro_id", "os_product_name", "os_display_version",
                "os_build", "software_count")
TITLE_COLUMNS = ("id", "title_key", "name_key", "name", "version", "source", "publisher", "arch", "package_id",
                 "packager", "first_seen")
LINK_COLUMNS = ("host_id", "title_id", "username", "last_used")
EVENT_COLUMNS = ("host_id", "title_id", "username", "kind", "at", "initial")
OS_EVENT_COLUMNS = ("host_id", "title_id", "kind", "at", "initial")


def build(engine, hosts: int, programs: int, seed: int) -> dict:
    """Write the fleet, classify its titles and build the totals; seconds per phase."""
    from server.store import classify
    from server.store.tables import host_os, host_software, host_tags, os_events, software_events, software_titles
    from server.store.tables import hosts as hosts_table

    fleet = Fleet(hosts, programs, seed, datetime.now(timezone.utc))
    started = time.perf_counter()
    profiles = [fleet.profile() for _ in range(min(hosts, PROFILES))]
    machines = [fleet.host(index, profiles) for index in range(hosts)]
    small = {
        hosts_table: (HOST_COLUMNS, [tuple(row[c] for c in HOST_COLUMNS) for row, *_ in machines]),
        host_tags: (("host_id", "key", "value"),
                    [(row["id"], "dept", ("finance", "sales", "it")[i % 3]) for i, (row, *_) in enumerate(machines)]),
        host_os: (("host_id", "title_id"), [(row["id"], image.os_title) for row, image, *_ in machines]),
        os_events: (OS_EVENT_COLUMNS, [(row["id"], image.os_title, "install", first, True)
                                       for row, image, first, _ in machines]),
    }
    bulk = (host_tags, host_os, os_events, host_software, software_events)
    with engine.begin() as conn:
        pg = conn.dialect.name == "postgresql"
        if pg:
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '1GB'")
            conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
        with indexes_built_after(conn, bulk):
            copy_rows(conn, software_titles, TITLE_COLUMNS,
                      [tuple(r[c] for c in TITLE_COLUMNS) for r in fleet.title_rows])
            for table, (names, rows) in small.items():
                copy_rows(conn, table, names, rows)
            (_copy_links if pg else _insert_links)(conn, machines)
            written = time.perf_counter() - started
        if pg:
            conn.exec_driver_sql("ANALYZE")
    indexed = time.perf_counter() - started - written
    started = time.perf_counter()
    result = classify.reclassify(engine)
    return {"write": written, "index": indexed, "classify": time.perf_counter() - started,
            "titles": result["titles"]}


def _copy_links(conn, machines) -> None:
    """host_software and software_events on PostgreSQL: COPY text joined per host from its image's rows. The
    tables are emptied in the same transaction first so COPY can FREEZE: the rows are written visible to all,
    as a VACUUM would leave them, so index-only scans need no heap visit (no autovacuum pass during the timing)."""
    cursor = conn.connection.driver_connection.cursor()
    cursor.execute("TRUNCATE host_software, software_events")
    with cursor.copy(f'COPY host_software ({", ".join(LINK_COLUMNS)}) FROM STDIN (FREEZE)') as copy:
        out = CopyText(copy)
        for row, image, _, _ in machines:
            out.rows(row["id"].encode() + b"\t", image.links_text, b"\n")
        out.flush()
    with cursor.copy(f'COPY software_events ({", ".join(EVENT_COLUMNS)}) FROM STDIN (FREEZE)') as copy:
        out = CopyText(copy)
        for row, image, first, gone in machines:
            head = row["id"].encode() + b"\t"
            installed = b"\t\tinstall\t" + copy_time(first) + b"\tt\n"
            out.rows(head, image.items_text, installed)
            out.rows(head, image.removed_text, installed)
            out.rows(head, image.removed_text, b"\t\tremove\t" + copy_time(gone) + b"\tf\n")
        out.flush()


def _insert_links(conn, machines) -> None:
    """The same rows on SQLite, executemany a batch at a time."""
    links: List[tuple] = []
    events: List[tuple] = []
    for row, image, first, gone in machines:
        host_id = row["id"]
        links += [(host_id, t, "", day) for t, day in zip(image.items, image.last_used)]
        events += [(host_id, t, "", "install", first, True) for t in image.items + image.removed]
        events += [(host_id, t, "", "remove", gone, False) for t in image.removed]
        if len(links) >= BATCH:
            _flush_links(conn, links, events)
    _flush_links(conn, links, events)


def _flush_links(conn, links: List[tuple], events: List[tuple]) -> None:
    from server.store.tables import host_software, software_events

    copy_rows(conn, host_software, LINK_COLUMNS, links)
    copy_rows(conn, software_events, EVENT_COLUMNS, events)
    links.clear()
    events.clear()


def add_targets(engine, now: datetime) -> None:
    """TARGETS through the store, as `footprint targets add` would keep them."""
    from server.store.targets import save_target
    from server.target_model import parse_target

    for t in TARGETS:
        fields = {k: v for k, v in t.items() if k != "due_days"}
        fields["due"] = (now + timedelta(days=t["due_days"])).date()
        fields["milestones"] = [{"date": (now + timedelta(days=m["days"])).date(), "share": m["share"],
                                 "tags": m["tags"]} for m in t.get("milestones", [])]
        save_target(engine, parse_target(fields), None, now)


def time_cli(url: str, token: str, repeat: int) -> List[float]:
    """`footprint targets` as a user runs it: a new process, the Typer app, the request and the table."""
    import os

    env = {**os.environ, "FOOTPRINT_SERVER": url, "FOOTPRINT_TOKEN": token}
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from server.cli import main; main()", "targets"], env=env,
                       check=True, capture_output=True)
        runs.append(time.perf_counter() - started)
    print(f"  footprint targets (CLI) median {statistics.median(runs):.3f} s", file=sys.stderr)
    return runs


def time_endpoints(url: str, token: str, repeat: int, sizes: Dict[str, int]) -> Dict[str, List[float]]:
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    timings: Dict[str, List[float]] = {}
    for name, path, *_ in ENDPOINTS:
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            answer = session.get(f"{url}/api/v1/admin{path}", timeout=600)
            answer.raise_for_status()
            size = len(answer.content)
            runs.append(time.perf_counter() - started)
        timings[name] = runs
        sizes[name] = size
        print(f"  {name:<14} median {statistics.median(runs):.3f} s ({size:,} bytes)", file=sys.stderr)
    return timings


def export_floor(engine, repeat: int) -> Tuple[float, int]:
    """The export's floor on PostgreSQL: the same rows unsorted, COPY straight into this process (no sort, no
    HTTP); median seconds and bytes, to print beside the endpoint's rate."""
    from server.totals import HostFilter, _export_query

    query = _export_query(HostFilter(), postgresql=False).order_by(None)
    compiled = query.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
    runs, size = [], 0
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        for _ in range(repeat):
            started, size = time.perf_counter(), 0
            with cursor.copy(f"COPY ({compiled}) TO STDOUT (FORMAT csv)", compiled.params) as copy:
                for block in copy:
                    size += len(block)
            runs.append(time.perf_counter() - started)
        conn.rollback()
    return statistics.median(runs), size


def start_collector(db_url: str, data_dir: Path) -> Tuple[subprocess.Popen, str]:
    import socket

    import requests

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = (data_dir / "serve.log").open("wb")
    command = [sys.executable, "-c", "from server.cli import main; main()", "serve", "--db", db_url,
               "--port", str(port)]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return process, url
        except requests.exceptions.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"footprint serve did not start: see {data_dir / 'serve.log'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=10_000)
    parser.add_argument("--programs", type=int, default=300, help="programs (packages) per host")
    parser.add_argument("--db", help="PostgreSQL URL of an empty database (default: SQLite in a temporary dir)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--skip-build", action="store_true",
                        help="time the fleet already in --db (built by an earlier run) instead of writing one")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from server.store.credentials import create_token
    from server.store.db import make_engine
    from server.store.migrate import upgrade
    from server.store.tables import hosts

    with tempfile.TemporaryDirectory(prefix="footprint-bench-") as tmp:
        data_dir = Path(tmp)
        db_url = args.db or f"sqlite:///{data_dir / 'footprint.db'}"
        engine = make_engine(db_url)
        upgrade(engine)
        if args.skip_build:
            with engine.connect() as conn:
                args.hosts = conn.execute(select(func.count()).select_from(hosts)).scalar_one()
        else:
            print(f"building {args.hosts:,} hosts x ~{args.programs} programs on {engine.dialect.name} …",
                  file=sys.stderr)
            phases = build(engine, args.hosts, args.programs, args.seed)
            print(f"  written in {phases['write']:.0f} s, indexed in {phases['index']:.0f} s; {phases['titles']:,} "
                  f"titles classified and totals built in {phases['classify']:.0f} s; total "
                  f"{phases['write'] + phases['index'] + phases['classify']:.0f} s (target <= 600 s)", file=sys.stderr)
        token = create_token(engine, "admin", name="bench").secret
        sizes: Dict[str, int] = {}
        add_targets(engine, datetime.now(timezone.utc))
        engine.dispose()
        process, url = start_collector(db_url, data_dir)
        try:
            timings = time_endpoints(url, token, args.repeat, sizes)
            cli_runs = time_cli(url, token, args.repeat)
        finally:
            process.terminate()
            process.wait(timeout=60)
        pg = engine.dialect.name == "postgresql"
        floor = export_floor(engine, args.repeat) if pg else None
        engine.dispose()

    import os

    print(f"\nTotals over HTTP, {args.hosts:,} hosts x ~{args.programs} programs, {engine.dialect.name}, "
          f"median of {args.repeat}, load average {os.getloadavg()[0]:.1f} at the end")
    if not args.skip_build:
        total = phases["write"] + phases["index"] + phases["classify"]
        print(f"fleet written, indexed, classified and totalled in {total:.0f} s (target <= 600 s at 100,000 hosts "
              f"on PostgreSQL): {'met' if total <= 600 else 'MISSED'}")
    print(f"{'endpoint':<14} {'median (s)':>10} {'min (s)':>8} {'target (s)':>10}  verdict")
    for name, _, sqlite_target, pg_target in ENDPOINTS:
        runs = timings[name]
        median = statistics.median(runs)
        target = pg_target if pg else sqlite_target
        verdict = "" if target is None else ("met" if median <= target else "MISSED")
        shown = "-" if target is None else f"{target:.1f}"
        print(f"{name:<14} {median:>10.3f} {min(runs):>8.3f} {shown:>10}  {verdict}")
    rate = sizes["export"] / statistics.median(timings["export"]) / 1e6
    print(f"export streams {sizes['export'] / 1e6:.0f} MB at {rate:.1f} MB/s (target >= {EXPORT_MB_S} MB/s): "
          f"{'met' if rate >= EXPORT_MB_S else 'MISSED'}")
    if floor:
        floor_rate = floor[1] / floor[0] / 1e6
        print(f"export floor (the same rows unsorted, COPY straight into this process): {floor[1] / 1e6:.0f} MB in "
              f"{floor[0]:.2f} s, {floor_rate:.1f} MB/s; the endpoint streams {rate / floor_rate:.2f} of it")
    print(f"{'targets (CLI)':<14} {statistics.median(cli_runs):>10.3f} {min(cli_runs):>8.3f} {'-':>10}  "
          f"(a new `footprint targets` process: Typer start, the request above, the table; {len(TARGETS)} targets)")


if __name__ == "__main__":
    main()
