"""Peak memory of `footprint import` on hostile files: decompression bombs, deep nesting, files of millions
of tiny elements, and the largest file the default limit accepts.

Each case runs `footprint import FILE` in a fresh process and prints its peak RSS beside the same command
on a small real-shaped inventory (the floor: interpreter, collector code and the catalog), measured in the
same run, and whether the file was refused and why. Target: every case under 300 MiB. Usage:

    python bench/import_limits.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Callable, Dict, List

FIXTURE = Path(__file__).parent.parent / "tests" / "server" / "importers" / "fixtures" / "glpi-agent-astra.json"
MiB = 1 << 20
TARGET_MIB = 300


def zlib_stream(head: bytes, row: bytes, inflated: int, tail: bytes) -> bytes:
    """A zlib stream of `head`, `row` repeated up to `inflated` bytes, then `tail`, built without holding it."""
    packer = zlib.compressobj(9)
    block = row * max(1, MiB // len(row))
    parts = [packer.compress(head)] + [packer.compress(block) for _ in range(inflated // len(block))]
    return b"".join(parts + [packer.compress(tail), packer.flush()])


def ocs_bomb() -> bytes:
    """The issue's case: ~240 KiB of .ocs inflating to 240 MiB of software rows."""
    return zlib_stream(b"<REQUEST><QUERY>INVENTORY</QUERY><CONTENT>",
                       b"<SOFTWARES><NAME>x</NAME><VERSION>1</VERSION></SOFTWARES>", 240 * MiB,
                       b"</CONTENT></REQUEST>")


def gzip_json_bomb() -> bytes:
    """A gzip GLPI JSON inflating to 240 MiB of empty objects (the costliest JSON per byte)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = b'{"deviceid": "pc-2026-11-20-09-00-00", "content": {"softwares": ['
    block = b"{}," * (MiB // 3)
    parts = [packer.compress(head)] + [packer.compress(block) for _ in range(240)]
    return b"".join(parts + [packer.compress(b"{}]}}"), packer.flush()])


def xml_elements(size: int) -> bytes:
    """Plain XML just under the size limit, made of the smallest possible elements."""
    return b"<REQUEST><QUERY>INVENTORY</QUERY><CONTENT>" + b"<a/>" * (size // 4) + b"</CONTENT></REQUEST>"


def json_objects(size: int) -> bytes:
    """Plain JSON just under the size limit, made of the smallest possible objects."""
    return b'{"deviceid": "pc", "content": {"softwares": [' + b"{}," * (size // 3) + b"{}]}}"


def largest_accepted() -> bytes:
    """A real-shaped GLPI inventory of 20,000 programs (the report limit), a few MB: imported, not refused."""
    document = json.loads(FIXTURE.read_text(encoding="utf-8"))
    document["content"]["softwares"] = [
        {"arch": "amd64", "from": "deb", "name": f"package-{n}", "publisher": "AstraLinux",
         "version": f"1.{n}.0-1", "install_date": "2025-03-02", "system_category": "utils"}
        for n in range(20_000)
    ]
    return json.dumps(document).encode()


CASES: Dict[str, Callable[[], bytes]] = {
    "floor: small real inventory": lambda: FIXTURE.read_bytes(),
    "zlib .ocs bomb, 240 MiB inflated": ocs_bomb,
    "gzip JSON bomb, 240 MiB of {}": gzip_json_bomb,
    "XML nested 5,000 deep": lambda: b"<REQUEST>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</REQUEST>",
    "JSON nested 100,000 deep": lambda: b"[" * 100_000 + b"]" * 100_000,
    "XML of 16 MiB of <a/>": lambda: xml_elements(16 * MiB - 100),
    "JSON of 16 MiB of {}": lambda: json_objects(16 * MiB - 100),
    "XML at the element limit (999,990 <a/>)": lambda: xml_elements(4 * 999_990),
    "JSON at the value limit (499,990 {})": lambda: json_objects(3 * 499_990),
    "20,000-program GLPI JSON": largest_accepted,
}


def peak_rss(command: List[str]) -> tuple:
    """Run `command`; its peak RSS in MiB (wait4 gives this child's own rusage) and its output."""
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        return usage.ru_maxrss / 1024, out.read().decode("utf-8", "replace")


def outcome(output: str) -> str:
    for line in output.splitlines():
        if line.startswith("  ") and ": " in line:
            return "refused: " + line.split(": ", 1)[1][:60]
    return "imported" if "Imported 1 of 1 files" in output else output.strip()[-80:]


def main() -> None:
    print(f"Peak RSS of footprint import per file (target < {TARGET_MIB} MiB), default --max-size:")
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="footprint-bench-limits-") as tmp:
        for label, make in CASES.items():
            path = Path(tmp) / "case"
            path.write_bytes(make())
            size = path.stat().st_size
            command = [sys.executable, "-c", "from server.cli import main; main()", "import", str(path),
                       "--data-dir", str(Path(tmp) / "data")]
            rss, output = peak_rss(command)
            if not label.startswith("floor"):
                worst = max(worst, rss)
            print(f"  {label:40s} {size / 1024:9.0f} KiB  {rss:6.0f} MiB  {outcome(output)}")
    print(f"  worst case {worst:.0f} MiB: {'under' if worst < TARGET_MIB else 'OVER'} the {TARGET_MIB} MiB target")


if __name__ == "__main__":
    main()
