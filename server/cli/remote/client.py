"""The admin CLI's connection to the collector's REST API, with friendly errors instead of tracebacks.

Server and token come from --server/--token, else FOOTPRINT_SERVER/FOOTPRINT_TOKEN, else the file
FOOTPRINT_CLIENT_CONFIG names or
~/.config/footprint/config.toml (`server = "https://…"`, `token = "fpa_…"`, optional `ca_cert`).
TLS certificates are always verified (against `ca_cert` when one is configured).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Optional

import tomllib
import typer

from server.settings import env

CONFIG_PATH = Path("~/.config/footprint/config.toml")
TIMEOUT_SECONDS = 60



def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `message` to stderr and return the Exit to raise."""
    typer.echo(f"footprint: {message}", err=True)
    return typer.Exit(code)


def _config() -> dict:
    path = Path(env("FOOTPRINT_CLIENT_CONFIG", str(CONFIG_PATH))).expanduser()
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise fail(f"{path}: cannot read the client config: {exc}") from None


class ApiClient:
    """GET/POST/DELETE on /api/v1/admin with the admin token; exits with a message on any failure."""

    def __init__(self, server: Optional[str], token: Optional[str]) -> None:
        config = _config()
        self.server = server or env("FOOTPRINT_SERVER") or config.get("server") or ""
        self.token = token or env("FOOTPRINT_TOKEN") or config.get("token")
        self.verify: Any = config.get("ca_cert") or True
        if not self.server:
            raise fail("no collector given: use --server URL, FOOTPRINT_SERVER or " + str(CONFIG_PATH))
        if not self.token:
            raise fail("no admin token given: use --token, FOOTPRINT_TOKEN or " + str(CONFIG_PATH))
        self.server = self.server.rstrip("/")

    def request(self, method: str, path: str, **kwargs) -> Any:
        return self._send(method, path, **kwargs).json()

    def stream(self, path: str, **params) -> Iterator[bytes]:
        """GET a streamed answer (an export) chunk by chunk, without holding it in memory."""
        import requests

        answer = self._send("GET", path, stream=True, params={k: v for k, v in params.items() if v is not None})
        with answer:
            try:
                yield from answer.iter_content(chunk_size=65536)
            except requests.exceptions.RequestException as exc:
                raise fail(f"the collector at {self.server} broke off the answer: {type(exc).__name__}") from None

    def _send(self, method: str, path: str, **kwargs):
        import requests

        url = f"{self.server}/api/v1/admin{path}"
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            answer = requests.request(
                method, url, headers=headers, timeout=TIMEOUT_SECONDS, verify=self.verify, **kwargs
            )
        except requests.exceptions.SSLError as exc:
            raise fail(f"TLS verification of {self.server} failed: {exc}") from None
        except requests.exceptions.RequestException as exc:
            raise fail(f"cannot reach the collector at {self.server}: {type(exc).__name__}") from None
        if answer.status_code >= 400:
            raise fail(_describe(answer))
        return answer

    def get(self, path: str, **params) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None})


def _describe(answer) -> str:
    try:
        body = answer.json()
        detail = f"{body['error']}: {body['detail']}"
    except (ValueError, KeyError, TypeError):
        detail = answer.text[:200] or answer.reason
    hints = {
        401: " (check --token / FOOTPRINT_TOKEN: an admin token from `footprint tokens create`)",
        403: " (this admin token is read-only)",
    }
    return f"the collector answered {answer.status_code}: {detail}{hints.get(answer.status_code, '')}"
