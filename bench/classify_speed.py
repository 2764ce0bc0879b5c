"""Classifier speed: 100,000 distinct titles in one batch, and one `footprint classify` as a subprocess.

Targets (issue 4): 100,000 distinct titles well under a minute; a single `footprint classify` under 0.3 s.
Run: .venv/bin/python bench/classify_speed.py [--titles N] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from server.catalog.cache import load_index
from server.catalog.policy import Classifier

FOOTPRINT = str(Path(sys.executable).with_name("footprint"))

# Real-looking shapes: catalog products with inventory decorations, plus the long tail no catalog knows.
KNOWN_WINDOWS = [
    ("Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.{}.{}", "Microsoft Corporation"),
    ("Microsoft 365 Apps for enterprise - {}", "Microsoft Corporation"),
    ("Microsoft Office профессиональный плюс 2016 ({})", "Корпорация Майкрософт"),
    ("Zoom Workplace ({}-bit)", "Zoom Video Communications, Inc."),
    ("Google Chrome {}", "Google LLC"),
    ("Mozilla Firefox ({} ru)", "Mozilla"),
    ("Kaspersky Endpoint Security для Windows {}", "АО «Лаборатория Касперского»"),
    ("Adobe Acrobat Reader DC - {}", "Adobe Systems Incorporated"),
    ("TeamSpeak 3 Client {}", "TeamSpeak Systems GmbH"),
    ("Telegram Desktop version {}", "Telegram FZ-LLC"),
]
KNOWN_PACKAGES = [("deb", "code"), ("deb", "google-chrome-stable"), ("deb", "zoom"), ("rpm", "yandex-browser-stable"),
                  ("deb", "libc6"), ("rpm", "glibc")]
MAINTAINERS = ["GNU Libc Maintainers <debian-glibc@lists.debian.org>", "Fedora Project", "RED SOFT",
               "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>", "Some Vendor <pkg@vendor.example>"]
WORDS = ("data sync cloud print scan report agent studio desk flow viewer editor suite manager pro plus lite "
         "server client tools pack driver update kit connect cam audio video net office docs mail").split()
VENDORS = ("Contoso Fabrikam Northwind Tailspin Litware Proseware Adatum Woodgrove Lucerne Humongous "
           "Wingtip Coho Alpine Trey Margie Relecloud").split()


def titles(count: int, seed: int = 4) -> list[dict]:
    """`count` distinct items: ~40% catalog products with varied versions, ~60% long tail, four sources."""
    rng = random.Random(seed)
    seen: set[tuple] = set()
    items: list[dict] = []
    while len(items) < count:
        roll = rng.random()
        version = f"{rng.randint(1, 30)}.{rng.randint(0, 99)}.{rng.randint(0, 9999)}"
        if roll < 0.3:
            pattern, publisher = rng.choice(KNOWN_WINDOWS)
            item = {"name": pattern.format(version, rng.randint(1, 99999)), "publisher": publisher,
                    "source": "windows"}
        elif roll < 0.4:
            source, name = rng.choice(KNOWN_PACKAGES)
            item = {"name": f"{name}{rng.randint(0, 9999) if rng.random() < 0.5 else ''}", "source": source,
                    "publisher": rng.choice(MAINTAINERS), "version": version}
        elif roll < 0.8:
            vendor = rng.choice(VENDORS)
            words = " ".join(rng.sample(WORDS, rng.randint(1, 3))).title()
            legal_form = rng.choice(['Inc.', 'GmbH', 'LLC'])
            item = {"name": f"{vendor} {words} {version}", "publisher": f"{vendor} {legal_form}",
                    "source": "windows"}
        else:
            item = {"name": f"lib{rng.choice(WORDS)}{rng.randint(0, 99999)}", "source": rng.choice(["deb", "rpm"]),
                    "publisher": rng.choice(MAINTAINERS)}
        key = tuple(sorted(item.items()))
        if key not in seen:
            seen.add(key)
            items.append(item)
    return items


# The same command through the Typer app alone, as if the console entry had no one-item fast path.
TYPER_ONLY = [sys.executable, "-c", "from server.cli import main; main()"]


def single_call(args: list[str], runs: int, command: list[str] = [FOOTPRINT]) -> float:  # noqa: B006 - not mutated
    """Median wall time of `footprint <args>` as a fresh process (the catalog cache warmed first)."""
    subprocess.run([*command, *args], capture_output=True, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([*command, *args], capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    items = titles(args.titles)
    start = time.perf_counter()
    index = load_index(use_cache=False)
    load_s = time.perf_counter() - start
    classifier = Classifier(index, ("RU",))
    start = time.perf_counter()
    results = classifier.classify_many(items)
    batch_s = time.perf_counter() - start
    known = sum(r.status != "unknown" for r in results) / len(results)
    env_note = os.environ.get("FOOTPRINT_CATALOG_DIR", "") and " (+ FOOTPRINT_CATALOG_DIR)"
    print(f"catalog{env_note}: {len(index.catalog.vendors)} vendors, {len(index.catalog.products)} products; "
          f"load+validate+index {load_s:.2f} s (uncached)")
    print(f"\n{'measure':<52}{'ours':>10}{'target':>12}")
    print(f"{f'classify {len(items):,} distinct titles (batch)':<52}{batch_s:>9.2f}s{'< 60 s':>12}")
    print(f"{'  per title':<52}{batch_s / len(items) * 1e6:>8.0f}µs{'':>12}")
    print(f"{'  classified (not unknown)':<52}{known:>10.1%}{'':>12}")
    one_item = ["classify", "--name", "Zoom Workplace (64-bit)", "--publisher", "Zoom Video Communications, Inc."]
    one = single_call(one_item, args.runs)
    typer_only = single_call(one_item, args.runs, TYPER_ONLY)
    floor = single_call(["catalog", "--help"], args.runs)
    python = single_call([], args.runs, [sys.executable, "-c", "pass"])
    print(f"{f'footprint classify, one item (median of {args.runs})':<52}{one:>9.3f}s{'< 0.3 s':>12}")
    print(f"{'  the same through the Typer app (no fast path)':<52}{typer_only:>9.3f}s{'< 0.3 s':>12}")
    print(f"{'  floor: footprint catalog --help (Python+Typer)':<52}{floor:>9.3f}s{'':>12}")
    print(f"{'  floor: python -c pass':<52}{python:>9.3f}s{'':>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
