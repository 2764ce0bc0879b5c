"""PDF through headless Chromium's own print engine (`--print-to-pdf`): the same @media print layout a person
gets from the browser's Print, with no PDF library to install."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import List, Optional

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class PdfUnavailable(RuntimeError):
    """No headless browser here to print the report with."""


def find_browser() -> Optional[str]:
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def headless_command(browser: str, profile: str) -> List[str]:
    """Chromium flags for an offline, throwaway, quiet headless run."""
    return [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
        f"--user-data-dir={profile}", '--host-resolver-rules=MAP * ~NOTFOUND',
    ]


def html_to_pdf(html_path: Path, pdf_path: Path) -> None:
    """Print `html_path` to `pdf_path` with A4 pages as the report's @page rule asks."""
    browser = find_browser()
    if not browser:
        raise PdfUnavailable("PDF needs Chromium (apt-get install chromium); the HTML report works without it")
    with tempfile.TemporaryDirectory(prefix="footprint-pdf-") as profile:
        command = headless_command(browser, profile) + [
            "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not pdf_path.exists():
        raise PdfUnavailable(f"Chromium could not print the report: {done.stderr.strip()[-300:]}")
