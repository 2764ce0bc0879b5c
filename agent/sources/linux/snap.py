"""Snap packages from snapd's REST API on its Unix socket, falling back to parsing `snap list`."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
from datetime import datetime
from typing import List, Optional, Tuple

from agent.sources.base import SoftwareItem, Source, SourceError, SourceResult, rfc3339

SOCKET_PATH = "/run/snapd.socket"
SNAPS_DIR = "var/lib/snapd/snaps"
TIMEOUT_SECONDS = 20
_PUBLISHER_MARKS = "✓✪*"
_TIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:?\d\d)?$")


class SnapSource(Source):
    """Installed snaps. snapd only answers for the running system, so a mounted --root that holds
    snaps is reported as an error rather than silently listed as empty."""

    name = "snap"

    def __init__(self, root: str = "/", socket_path: str = SOCKET_PATH) -> None:
        super().__init__(root)
        self.socket_path = socket_path
        self.live = os.path.abspath(root) == "/"

    def available(self) -> bool:
        if not self.live:
            return os.path.isdir(os.path.join(self.root, SNAPS_DIR))
        return os.path.exists(self.socket_path) or shutil.which("snap") is not None

    def collect(self) -> SourceResult:
        if not self.live:
            where = os.path.join(self.root, SNAPS_DIR)
            return _failed("snaps are present, but only a running snapd can list them", where)
        api_error = None
        if os.path.exists(self.socket_path):
            try:
                status, body = unix_http_get(self.socket_path, "/v2/snaps")
                return parse_snaps_response(status, body, self.socket_path)
            except (OSError, ValueError) as err:
                api_error = f"snapd API on {self.socket_path} failed ({err}); used `snap list`"
        result = self._from_snap_list()
        if api_error:
            result.errors.append(SourceError(self.name, api_error, self.socket_path))
        return result

    def _from_snap_list(self) -> SourceResult:
        tool = shutil.which("snap")
        if tool is None:
            return _failed("snapd's socket did not answer and the snap tool is missing", None)
        try:
            done = subprocess.run(
                [tool, "list", "--unicode=never"], capture_output=True, timeout=TIMEOUT_SECONDS
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            return _failed(f"snap list failed: {err}", tool)
        if done.returncode != 0:
            return _failed(
                f"snap list failed: {done.stderr.decode(errors='replace').strip()}", tool
            )
        return SourceResult(parse_snap_list(done.stdout.decode("utf-8", errors="replace")))


def _failed(message: str, path: Optional[str]) -> SourceResult:
    return SourceResult(errors=[SourceError("snap", message, path)])


def unix_http_get(socket_path: str, target: str) -> Tuple[int, bytes]:
    """A minimal HTTP/1.1 GET over a Unix socket (status, body); chunked or sized bodies."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(TIMEOUT_SECONDS)
        connection.connect(socket_path)
        request = f"GET {target} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n"
        connection.sendall((request + "Connection: close\r\n\r\n").encode("ascii"))
        chunks = []
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    head, separator, body = b"".join(chunks).partition(b"\r\n\r\n")
    if not separator:
        raise ValueError("incomplete HTTP response")
    lines = head.decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP response: {lines[0][:60]!r}")
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _dechunk(body)
    elif headers.get("content-length", "").isdigit():
        body = body[: int(headers["content-length"])]
    return int(parts[1]), body


def _dechunk(data: bytes) -> bytes:
    out, position = [], 0
    while True:
        end = data.find(b"\r\n", position)
        if end < 0:
            raise ValueError("truncated chunked body")
        size = int(data[position:end].split(b";", 1)[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(data[end + 2 : end + 2 + size])
        position = end + 2 + size + 2


def parse_snaps_response(status: int, body: bytes, path: str) -> SourceResult:
    """Items from snapd's answer to GET /v2/snaps; an error answer becomes a report error."""
    document = json.loads(body.decode("utf-8"))
    result = document.get("result")
    if status != 200 or document.get("type") == "error" or not isinstance(result, list):
        message = result.get("message") if isinstance(result, dict) else None
        return _failed(f"snapd answered {status}: {message or document.get('status', '?')}", path)
    items = []
    for snap in result:
        if not snap.get("name") or not snap.get("version"):
            continue
        publisher = snap.get("publisher") or {}
        extra = {
            "channel": snap.get("tracking-channel") or snap.get("channel") or "",
            "revision": str(snap.get("revision") or ""),
        }
        items.append(
            SoftwareItem(
                name=snap["name"],
                version=snap["version"],
                source="snap",
                publisher=publisher.get("display-name") or snap.get("developer"),
                install_date=_utc(snap.get("install-date")),
                id=snap.get("id") or snap["name"],
                scope="system",
                location=f"/snap/{snap['name']}/{snap['revision']}"
                if snap.get("revision")
                else None,
                extra={key: value for key, value in extra.items() if value},
            )
        )
    return SourceResult(items)


def _utc(value: Optional[str]) -> Optional[str]:
    """snapd's '2024-01-10T09:30:21.612345678+03:00' as RFC 3339 UTC."""
    match = _TIME.match(value or "")
    if not match:
        return None
    offset = (match.group(2) or "Z").replace(":", "").replace("Z", "+0000")
    return rfc3339(datetime.strptime(match.group(1) + offset, "%Y-%m-%dT%H:%M:%S%z").timestamp())


def parse_snap_list(text: str) -> List[SoftwareItem]:
    """Items from `snap list` (Name Version Rev Tracking Publisher Notes); disabled revisions skipped."""
    items = []
    for line in text.splitlines()[1:]:
        columns = line.split()
        if len(columns) < 5 or "disabled" in columns[5:6]:
            continue
        name, version, revision, tracking, publisher = columns[:5]
        publisher = publisher.rstrip(_PUBLISHER_MARKS)
        items.append(
            SoftwareItem(
                name=name,
                version=version,
                source="snap",
                publisher=None if publisher in ("-", "") else publisher,
                id=name,
                scope="system",
                location=f"/snap/{name}/{revision}",
                extra={
                    key: value
                    for key, value in (("channel", tracking), ("revision", revision))
                    if value != "-"
                },
            )
        )
    return items
