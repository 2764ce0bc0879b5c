"""Peak memory of the collector for one request: the worst reports it accepts and refuses within its default
limits (16 MiB sent, 64 MiB inflated, the contract's counts), beside the idle collector's.

Each case starts a fresh `footprint serve` (SQLite in a temporary directory, one worker, so the serving process
is the one measured), enrolls a host, sends the one request and reads the process's peak RSS (VmHWM). The
idle figure is a collector that started, answered /healthz and enrolled the host. Target: every case under
300 MiB. Usage:

    python bench/request_rss.py
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import signal
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Callable, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ingest as fleet  # noqa: E402  (bench/ingest.py: synthetic reports, collector process, enrollment)

from agent import contract as c  # noqa: E402
from server.settings import Settings  # noqa: E402

MiB = 1 << 20
TARGET_MIB = 300
INFLATED_LIMIT = Settings.__dataclass_fields__["max_inflated_bytes"].default  # the collector's default


def _gzip_stream(head: bytes, row: bytes, inflated: int, tail: bytes) -> bytes:
    """gzip of `head`, `row` repeated up to `inflated` bytes, then `tail`, built without holding it inflated."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = row * max(1, MiB // len(row))
    parts = [packer.compress(head)] + [packer.compress(block) for _ in range(inflated // len(block))]
    return b"".join(parts + [packer.compress(tail), packer.flush()])


def _report(host_id: str, software: List[dict]) -> dict:
    return fleet.make_report(host_id, False, software)


def most_values(host_id: str) -> bytes:
    """The contract's most JSON values: 20,000 programs, each with 32 `extra` keys and a full provenance."""
    extra = {f"k{n:02d}": f"v{n}" for n in range(c.MAX_EXTRA_KEYS)}
    provenance = {name: "x" for name in c.PROVENANCE.fields if name != "signing_key"}
    software = [{"name": f"Program {i}", "version": "1.0", "source": "windows", "publisher": "Vendor",
                 "arch": "x64", "install_date": "2026-01-20", "id": f"id-{i}", "scope": "system", "user": "u",
                 "location": "C:\\P", "extra": dict(extra), "provenance": dict(provenance)}
                for i in range(c.MAX_SOFTWARE_ITEMS)]
    return gzip.compress(json.dumps(_report(host_id, software)).encode(), 6)


def most_values_refused(host_id: str) -> bytes:
    """The same report with every program's scope out of the contract: 20,000 errors, 422."""
    report = json.loads(gzip.decompress(most_values(host_id)))
    for item in report["software"]:
        item["scope"] = "machine"
    return gzip.compress(json.dumps(report).encode(), 6)


def most_bytes(host_id: str) -> bytes:
    """Strings as long as the contract allows, 20,000 programs, filling the 64 MiB inflated limit."""
    text = "Яндекс Браузер для организаций "  # Cyrillic: two bytes per character, the costlier strings
    long = (text * 40)[: c.LONG]
    path = (text * 40)[: c.PATH]
    def item(i: int) -> dict:
        return {"name": f"{i} {long}"[: c.LONG], "version": "24.6.1.876", "source": "windows", "publisher": long,
                "id": str(i), "location": path, "extra": {"k": path[: 200 + i % 7]}}

    fits = (INFLATED_LIMIT - 4096) // (len(json.dumps(item(99_999), ensure_ascii=False).encode()) + 2)
    software = [item(i) for i in range(min(fits, c.MAX_SOFTWARE_ITEMS))]
    body = json.dumps(_report(host_id, software), ensure_ascii=False).encode()
    assert len(body) <= INFLATED_LIMIT, len(body)
    return gzip.compress(body, 6)


def empty_objects_60k(host_id: str) -> bytes:
    """The issue's case: a ~60 KiB gzip body of `{}` objects inflating to the inflated limit."""
    return _gzip_stream(b'{"software": [', b"{},", INFLATED_LIMIT - 64, b"{}]}")


def empty_objects_at_budget(host_id: str) -> bytes:
    """As many `{}` as the value budget counts values (each empty object counts twice: refused before parsing)."""
    count = c.MAX_JSON_VALUES - 64
    return _gzip_stream(b'{"software": [', b"{},", 3 * count, b"{}]}")


def long_unknown_string(host_id: str) -> bytes:
    """A valid report plus one unknown field of a string filling the inflated limit (no NUL, no escapes)."""
    head = json.dumps(_report(host_id, []))[:-1].encode() + b', "future_field": "'
    return _gzip_stream(head, b"a" * 1024, INFLATED_LIMIT - len(head) - 1024, b'"}')


def deep_nesting(host_id: str) -> bytes:
    return gzip.compress(b"[" * (8 * MiB) + b"]" * (8 * MiB))


CASES: List[Tuple[str, Optional[Callable[[str], bytes]]]] = [
    ("idle collector (started, /healthz, one enrollment)", None),
    ("accepted: most values (20,000 programs x 32 extra keys + provenance)", most_values),
    ("refused: the same with every item's scope out of the contract (20,000 errors)", most_values_refused),
    ("accepted: most bytes (longest Cyrillic strings up to the inflated limit)", most_bytes),
    ("accepted: a valid report with an unknown string field filling the limit", long_unknown_string),
    ("refused: gzip of {} inflating to the limit (60 KiB at 64 MiB)", empty_objects_60k),
    ("refused: {} as many as the value budget", empty_objects_at_budget),
    ("refused: 8 MiB of [ nested", deep_nesting),
]


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def run_case(make: Optional[Callable[[str], bytes]]) -> Tuple[float, str, int]:
    with tempfile.TemporaryDirectory(prefix="footprint-bench-rss-") as tmp:
        db_url = f"sqlite:///{tmp}/footprint.db"
        fleet.footprint("db", "upgrade", "--db", db_url)
        secret = json.loads(fleet.footprint("tokens", "create", "--kind", "enroll", "-o", "json", "--db", db_url
                                            ).stdout)["secret"]
        process, port = fleet.start_collector(db_url, 1)
        try:
            [(host_id, key)] = fleet.enroll(port, secret, 1)
            outcome, size = "", 0
            if make is not None:
                body = make(host_id)
                size = len(body)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                conn.request("POST", "/api/v1/reports", body=body, headers={
                    "Authorization": f"Bearer {key}", "Content-Type": "application/json",
                    "Content-Encoding": "gzip"})
                answer = conn.getresponse()
                text = json.loads(answer.read() or b"{}")
                outcome = f"{answer.status} {text.get('error') or 'accepted'}"
            return peak_rss_mib(process.pid), outcome, size
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()


def main() -> None:
    print(f"collector peak RSS for one request (default limits: {INFLATED_LIMIT // MiB} MiB inflated, value budget "
          f"{c.MAX_JSON_VALUES:,}; target < {TARGET_MIB} MiB)")
    worst = 0.0
    for title, make in CASES:
        peak, outcome, size = run_case(make)
        worst = max(worst, peak) if make else worst
        sent = f"{size / 1024:,.0f} KiB sent" if size else ""
        print(f"  {peak:7.1f} MiB  {title}  {sent}  {outcome}")
    verdict = "met" if worst < TARGET_MIB else "NOT met"
    print(f"worst single request: {worst:.1f} MiB; target < {TARGET_MIB} MiB: {verdict}")


if __name__ == "__main__":
    main()
