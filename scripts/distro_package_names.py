"""Write the binary package names a Debian-family archive ships, for the catalog's name-list inference.

The list is read from apt's index files (what `apt-get update` downloaded into /var/lib/apt/lists, compressed
as apt left them: none, .gz, .xz, .lz4), so it names exactly what the configured archive carries. Regenerate
server/catalog/data/packages/debian-bookworm.txt.gz on a Debian 12 machine whose sources are only the Debian
archive (bookworm, bookworm-updates, bookworm-security; main):

    apt-get update && python3 scripts/distro_package_names.py --origin Debian \\
        --out server/catalog/data/packages/debian-bookworm.txt.gz
"""

from __future__ import annotations

import argparse
import gzip
import lzma
import re
import shutil
import subprocess
import sys
from pathlib import Path

_FIELD = re.compile(rb"^(Package|Origin|Suite|Codename):\s*(\S+)", re.M)


def _read(path: Path) -> bytes:
    """One index file, decompressed by its suffix (lz4 through the lz4 tool, as Python has no lz4 module)."""
    if path.suffix == ".gz":
        return gzip.decompress(path.read_bytes())
    if path.suffix == ".xz":
        return lzma.decompress(path.read_bytes())
    if path.suffix == ".lz4":
        if not shutil.which("lz4cat"):
            sys.exit(f"{path}: needs the lz4cat tool (apt-get install lz4)")
        return subprocess.run(["lz4cat", str(path)], check=True, capture_output=True).stdout
    return path.read_bytes()


def _release_fields(packages: Path) -> dict[str, str]:
    """Origin and suite of the InRelease/Release file of the same distribution as a Packages file."""
    prefix = packages.name.split("_dists_")[0]
    dist = packages.name.split("_dists_")[1].split("_")[0] if "_dists_" in packages.name else ""
    for name in (f"{prefix}_dists_{dist}_InRelease", f"{prefix}_dists_{dist}_Release"):
        release = packages.with_name(name)
        if release.is_file():
            head = release.read_bytes().split(b"\n\n", 2)
            text = head[1] if head[0].startswith(b"-----BEGIN PGP") and len(head) > 1 else head[0]
            return {k.decode(): v.decode() for k, v in _FIELD.findall(text)}
    return {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=Path, default=Path("/var/lib/apt/lists"))
    parser.add_argument("--origin", required=True, help="keep only archives whose Release Origin is this")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    names: set[str] = set()
    suites: set[str] = set()  # codenames, e.g. bookworm, bookworm-security
    for packages in sorted(args.lists.glob("*_Packages*")):
        fields = _release_fields(packages)
        if fields.get("Origin") != args.origin:
            continue
        suites.add(fields.get("Codename") or fields.get("Suite", "?"))
        names.update(m.group(2).decode() for m in _FIELD.finditer(_read(packages)) if m.group(1) == b"Package")
    if not names:
        sys.exit(f"no Packages index with Origin {args.origin!r} under {args.lists}")
    header = (f"# binary package names in the {args.origin} archive (codenames: {', '.join(sorted(suites))}), "
              f"from apt's index files; regenerate with scripts/distro_package_names.py\n")
    body = header + "".join(f"{n}\n" for n in sorted(names))
    args.out.write_bytes(gzip.compress(body.encode(), compresslevel=9, mtime=0))
    print(f"{args.out}: {len(names)} names from {', '.join(sorted(suites))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
