"""HTTPS calls to the collector (docs/protocol.md): TLS always verified, backoff with jitter.

requests is imported when the first Transport is made, never on the `collect` path.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import random
import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

from agent import __version__
from agent.config import Config, is_loopback, plain_http_problem

log = logging.getLogger("footprint.transport")

RETRYABLE_STATUS = (408, 429, 500, 502, 503, 504)
SYSTEM_CA_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Astra, ALT
    "/etc/pki/tls/certs/ca-bundle.crt",  # RHEL, RED OS, ROSA, Fedora
    "/etc/ssl/ca-bundle.pem",  # SUSE
    "/etc/ssl/cert.pem",  # macOS, Alpine
)


class TransportError(Exception):
    """A call that failed; `retryable` says whether trying again later can help."""

    def __init__(self, message: str, retryable: bool, status: Optional[int] = None,
                 retry_after: Optional[float] = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after


@dataclass
class Backoff:
    """Exponential backoff with full jitter: attempt n waits random(0, min(cap, base * 2**n))."""

    base: float = 2.0
    cap: float = 300.0

    def delay(self, attempt: int, retry_after: Optional[float] = None) -> float:
        delay = random.uniform(0, min(self.cap, self.base * (2 ** attempt)))
        return max(delay, retry_after or 0.0)


class Transport:
    """One collector; `host_key` is the bearer token for check-ins and reports."""

    def __init__(self, config: Config, server: str, host_key: Optional[str] = None,
                 attempts: int = 3, backoff: Optional[Backoff] = None,
                 wait: Optional[Callable[[float], bool]] = None) -> None:
        problem = plain_http_problem(server, config.allow_http)
        if problem:  # whatever the URL came from: agent.toml, enroll.env, the host key file
            raise TransportError(problem, retryable=False)
        if server.startswith("http://") and not is_loopback(server):
            log.warning("talking to %s over plain HTTP: allowed by allow_http", server)
        import requests

        self._requests = requests
        self.server = server.rstrip("/")
        self.host_key = host_key
        self.timeout = config.timeout
        self.attempts = attempts
        self.backoff = backoff or Backoff(cap=min(60.0, config.timeout * 2))
        self.wait = wait or threading.Event().wait
        self.session = requests.Session()
        self.session.trust_env = False  # the proxy comes from agent.toml, not from a stray variable
        self.session.verify = config.ca_bundle or _system_ca_bundle() or True
        self.session.headers["User-Agent"] = f"footprint-agent/{__version__}"
        if config.client_cert:
            self.session.cert = ((config.client_cert, config.client_key) if config.client_key
                                 else config.client_cert)
        if config.proxy:
            self.session.proxies = {"http": config.proxy, "https": config.proxy}
        self.ca_hint = config.ca_bundle

    def enroll(self, secret: str, host_id: str, hostname: str,
               tags: Optional[Dict[str, str]] = None,
               host_key: Optional[str] = None) -> Dict[str, Any]:
        """`host_key`: this host's current key, the proof a re-enrollment of a known host needs."""
        body: Dict[str, Any] = {"secret": secret, "host_id": host_id, "hostname": hostname}
        if tags:
            body["tags"] = tags
        if host_key:
            body["host_key"] = host_key
        return self._post("/api/v1/enroll", json.dumps(body).encode(), authenticated=False)

    def checkin(self, host_id: str, inventory_hash: str) -> Dict[str, Any]:
        body = {"host_id": host_id, "inventory_hash": inventory_hash, "agent_version": __version__}
        return self._post("/api/v1/checkin", json.dumps(body).encode())

    def send_report(self, gzip_body: bytes) -> Dict[str, Any]:
        return self._post("/api/v1/reports", gzip_body, gzipped=True)

    def _post(self, path: str, body: bytes, authenticated: bool = True,
              gzipped: bool = False) -> Dict[str, Any]:
        """POST with up to `attempts` tries for retryable failures; the last error is raised."""
        attempt = 0
        while True:
            try:
                return self._post_once(path, body, authenticated, gzipped)
            except TransportError as error:
                attempt += 1
                if not error.retryable or attempt >= self.attempts:
                    raise
                if self.wait(self.backoff.delay(attempt - 1, error.retry_after)):
                    raise  # asked to stop while backing off

    def _post_once(self, path: str, body: bytes, authenticated: bool,
                   gzipped: bool) -> Dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        if authenticated:
            headers["Authorization"] = f"Bearer {self.host_key}"
        url = self.server + path
        exceptions = self._requests.exceptions
        try:
            response = self.session.post(url, data=body, headers=headers, timeout=self.timeout)
        except exceptions.SSLError as error:
            raise TransportError(self._tls_message(error), retryable=False) from None
        except exceptions.ProxyError as error:
            raise TransportError(f"proxy refused the connection to {url}: {_reason(error)}",
                                 retryable=True) from None
        except (exceptions.ConnectionError, exceptions.Timeout) as error:
            raise TransportError(f"collector {self.server} unreachable: {_reason(error)}",
                                 retryable=True) from None
        return _answer(url, response)

    def _tls_message(self, error: Exception) -> str:
        where = (f"the CA bundle {self.ca_hint}" if self.ca_hint
                 else "the system's trusted CAs (set ca_bundle in agent.toml for a private CA)")
        return (f"TLS certificate of {self.server} does not verify against {where}: "
                f"{_reason(error)}")


def gzip_report(report: Dict[str, Any]) -> bytes:
    """The wire form of a report: compact UTF-8 JSON, gzip-compressed (also the spool's form)."""
    raw = json.dumps(report, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return gzip.compress(raw, compresslevel=6, mtime=0)


def _answer(url: str, response: Any) -> Dict[str, Any]:
    status = response.status_code
    if 200 <= status < 300:
        try:
            answer = response.json()
        except ValueError:
            raise TransportError(f"{url} answered {status} with a body that is not JSON",
                                 retryable=True, status=status) from None
        if not isinstance(answer, dict):
            raise TransportError(f"{url} answered {status} with unexpected JSON",
                                 retryable=True, status=status)
        return answer
    detail = _error_detail(response)
    retry_after = _retry_after(response.headers.get("Retry-After"))
    message = f"{url} answered {status}{': ' + detail if detail else ''}"
    raise TransportError(message, retryable=status in RETRYABLE_STATUS, status=status,
                         retry_after=retry_after)


def _error_detail(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return (response.text or "").strip()[:200]
    if isinstance(body, dict):
        return " - ".join(str(body[k]) for k in ("error", "detail") if body.get(k))
    return str(body)[:200]


def _retry_after(value: Optional[str]) -> Optional[float]:
    """Retry-After in seconds (the collector sends seconds; HTTP dates are rare and ignored)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return min(max(seconds, 0.0), 86400.0)


def _system_ca_bundle() -> Optional[str]:
    """The distribution's CA store, so a corporate CA installed system-wide is trusted as well."""
    return next((p for p in SYSTEM_CA_BUNDLES if os.path.isfile(p)), None)


def _reason(error: Exception) -> str:
    """The innermost useful message of a requests/urllib3 exception chain."""
    text = str(error)
    for marker in ("SSLError(", "NewConnectionError(", "ConnectTimeoutError(", "ReadTimeoutError("):
        if marker in text:
            text = text[text.index(marker):]
            break
    return text[:300]
