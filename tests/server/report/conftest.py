"""Report test fixtures: realistic report data, and a headless Chromium run that returns pixels and requests."""

from __future__ import annotations

import json
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

import pytest

from server.report.model import CategoryRow, HostRow, ProductRow, ReportData, TrendPoint, VendorRow
from server.report.pdf import headless_command


@pytest.fixture
def report_data() -> ReportData:
    """A finance department of 412 machines half-way through migration, in the totals' shape."""
    groups = {"domestic": 5120, "foreign-proprietary": 3890, "foreign-open-source": 1210, "unknown": 2210}
    total = sum(groups.values())
    office = ProductRow("Microsoft 365 Apps", "Microsoft", "US", "foreign-proprietary", "office-suite", 280, 270,
                        ["МойОфис Стандартный", "Р7-Офис", "LibreOffice"])
    chrome = ProductRow("Google Chrome", "Google", "US", "foreign-proprietary", "browser", 390, 380,
                        ["Яндекс Браузер", "Chromium-Gost", "Firefox"])
    zoom = ProductRow("Zoom Workplace", "Zoom Video Communications", "US", "foreign-proprietary",
                      "video-conferencing", 220, 210, ["Яндекс Телемост", "TrueConf"])
    return ReportData(
        generated_at="2026-11-23 11:40 UTC",
        filters={"tag": "dept=finance"},
        hosts_current=412, hosts_stale=17, hosts_with_foreign=301, foreign_host_share=round(30100 / 412, 1),
        hosts_domestic_os=96, domestic_os_share=round(9600 / 412, 1),
        installs_by_group=groups, group_shares={g: round(100 * n / total, 1) for g, n in groups.items()},
        categories=[
            CategoryRow("Office suite", {"domestic": 300, "foreign-proprietary": 280, "foreign-open-source": 90}),
            CategoryRow("Browser", {"domestic": 200, "foreign-proprietary": 390, "foreign-open-source": 150}),
            CategoryRow("Video conferencing", {"foreign-proprietary": 220, "domestic": 40, "unknown": 12}),
        ],
        uncategorised_installs=2210,
        installs_by_country={"US": 4300, "DE": 320, "LV": 110},
        top_vendors=[VendorRow("Microsoft", "US", 2100, 290), VendorRow("Google", "US", 800, 250)],
        top_products=[chrome, office, zoom],
        foreign_products=[chrome, office, zoom],
        worst_hosts=[HostRow("BUH-PC-07", "Microsoft Windows 10 Pro", 34, 180, "2026-11-23"),
                     HostRow("dev-ws-03", "RED OS", 12, 1500, "2026-11-22")],
        trend=[TrendPoint(f"2026-{m:02d}", 4100 - 200 * i, 350 - 10 * i, 85 - 2.5 * i)
               for i, m in enumerate(range(6, 12))],
    )


@dataclass
class Rendered:
    """What Chromium made of a page: the screenshot's pixels and the URLs the page itself requested."""

    width: int
    height: int
    pixels: List[Tuple[int, int, int]]
    page_requests: List[str]


def decode_png(data: bytes) -> Tuple[int, int, List[Tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit RGB/RGBA PNG (what Chromium writes), with zlib and struct."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat = 8, b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunk = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour_type in (2, 6), "only 8-bit RGB/RGBA screenshots are expected"
            channels = 3 if colour_type == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        position += 12 + length
    raw, stride = zlib.decompress(idat), width * channels
    # Bytewise addition mod 256 of whole rows at once (the "Up" filter most rows use), by masking carries.
    low, high = int.from_bytes(b"\x7f" * stride, "big"), int.from_bytes(b"\x80" * stride, "big")

    def add_rows(a: bytes, b: bytes) -> bytearray:
        x, y = int.from_bytes(a, "big"), int.from_bytes(b, "big")
        return bytearray((((x & low) + (y & low)) ^ ((x ^ y) & high)).to_bytes(stride, "big"))

    rows, previous = [], bytearray(stride)
    for y in range(height):
        filter_type, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if filter_type == 2:
            line = add_rows(line, previous)
        elif filter_type in (1, 3, 4):
            for x in range(stride):
                left = line[x - channels] if x >= channels else 0
                up, up_left = previous[x], previous[x - channels] if x >= channels else 0
                if filter_type == 1:
                    predictor = left
                elif filter_type == 3:
                    predictor = (left + up) // 2
                else:
                    estimate = left + up - up_left
                    distances = (abs(estimate - left), abs(estimate - up), abs(estimate - up_left))
                    predictor = (left, up, up_left)[distances.index(min(distances))]
                line[x] = (line[x] + predictor) & 0xFF
        rows.append(line)
        previous = line
    pixels = [tuple(row[x:x + 3]) for row in rows for x in range(0, stride, channels)]
    return width, height, pixels


def page_requests(net_log: Path) -> List[str]:
    """URLs the page asked for: the browser's own background calls have no origin and are left out."""
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    starts = [event.get("params", {}) for event in log["events"] if event["type"] == start_job]
    return [
        params["url"] for params in starts
        if "url" in params and params.get("initiator") != "not an origin"
        and not params["url"].startswith(("file:", "data:"))
    ]


@pytest.fixture
def render_in_chromium(require_command, tmp_path):
    """Open an HTML file in headless Chromium, offline (every host name fails to resolve), and report back."""
    browser = require_command("chromium")

    def render(html: Path, width: int = 1200, height: int = 960) -> Rendered:
        screenshot, net_log = tmp_path / f"{html.stem}.png", tmp_path / f"{html.stem}.netlog.json"
        command = headless_command(browser, str(tmp_path / f"profile-{html.stem}")) + [
            f"--screenshot={screenshot}", f"--window-size={width},{height}", f"--log-net-log={net_log}",
            html.resolve().as_uri(),
        ]
        subprocess.run(command, capture_output=True, check=True, timeout=120)
        shot_width, shot_height, pixels = decode_png(screenshot.read_bytes())
        return Rendered(shot_width, shot_height, pixels, page_requests(net_log))

    return render
