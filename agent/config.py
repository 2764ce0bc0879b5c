"""Agent configuration: agent.toml plus FOOTPRINT_* environment overrides, validated on start.

Every problem is a ConfigError naming the key, where it came from (file or environment variable) and
what is wrong, so an administrator fixes it without reading a stack trace.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional
from urllib.parse import urlsplit

from agent import contract, environment, paths

LOG_LEVELS = ("debug", "info", "warning", "error")


class ConfigError(Exception):
    """A configuration problem, worded for the administrator."""


@dataclass
class Config:
    """The validated agent settings; defaults are what an unconfigured agent does."""

    source: str = ""
    server: Optional[str] = None
    ca_bundle: Optional[str] = None
    client_cert: Optional[str] = None
    client_key: Optional[str] = None
    proxy: Optional[str] = None
    timeout: float = 30.0
    interval: Optional[int] = None
    splay: int = 60
    spool_max_reports: int = 100
    spool_max_bytes: int = 64 * 1024 * 1024
    log_level: str = "info"
    state_dir: str = ""
    tags: Dict[str, str] = field(default_factory=dict)
    allow_http: bool = False  # plain http:// to a collector that is not on this machine


def load(path: Optional[str] = None, environ: Optional[Mapping[str, str]] = None) -> Config:
    """Read the config file (a missing default file is fine), apply the environment, validate."""
    environ = os.environ if environ is None else environ
    explicit = path or environment.env(environment.CONFIG, environ)
    path = explicit or paths.config_path()
    raw: Dict[str, Any] = {}
    if os.path.exists(path) or explicit:
        raw = _read_file(path)
    config = Config(source=path, state_dir=paths.state_dir())
    for key, value in raw.items():
        _apply(config, key, value, f"{path}: key {key!r}")
    for key in _KEYS:
        name = environment.config_variable(key)
        value = environment.env(name, environ)
        if value:
            _apply(config, key, _from_env(key, value, name), f"environment {name}")
    _check_combinations(config)
    return config


def _read_file(path: str) -> Dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the configuration file: {error.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # the standard library's own parser, backported
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def _apply(config: Config, key: str, value: Any, where: str) -> None:
    if key not in _KEYS:
        known = ", ".join(sorted(_KEYS))
        raise ConfigError(f"{where}: unknown key (known keys: {known})")
    try:
        setattr(config, key, _KEYS[key](value))
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{where}: {error}, got {value!r}") from None


def _from_env(key: str, text: str, name: str) -> Any:
    """Environment values are strings: tags come as `k=v,k=v`, the rest is converted by its key."""
    if key != "tags":
        return text
    tags = {}
    for pair in text.split(","):
        name_, sep, value = pair.partition("=")
        if not sep or not name_.strip():
            raise ConfigError(f"environment {name}: expected key=value pairs separated by ',', "
                              f"got {pair!r}")
        tags[name_.strip()] = value.strip()
    return tags


def _url(schemes: tuple) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise TypeError("expected a URL string")
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.hostname:
            starts = " or ".join(scheme + "://" for scheme in schemes)
            raise ValueError(f"expected a URL starting with {starts}")
        return value.rstrip("/")
    return check


def _readable_file(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError("expected a file path string")
    if not os.path.isfile(value):
        raise ValueError("no such file")
    if not os.access(value, os.R_OK):
        raise ValueError("file is not readable by the agent")
    return value


def _number(kind: type, low: float, high: float, unit: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, bool):
            raise TypeError(f"expected a number of {unit}")
        if isinstance(value, str):
            try:
                value = kind(value.strip())
            except ValueError:
                raise ValueError(f"expected a number of {unit}") from None
        if kind is int and isinstance(value, float) and not value.is_integer():
            raise ValueError(f"expected a whole number of {unit}")
        if not isinstance(value, (int, float)):
            raise TypeError(f"expected a number of {unit}")
        if not low <= value <= high:
            raise ValueError(f"expected {low:g} to {high:g} {unit}")
        return kind(value)
    return check


def _log_level(value: Any) -> str:
    if not isinstance(value, str) or value.lower() not in LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
    return value.lower()


def _directory(value: Any) -> str:
    if not isinstance(value, str) or not os.path.isabs(value):
        raise ValueError("expected an absolute directory path")
    return value


def _tags(value: Any) -> Dict[str, str]:
    if not isinstance(value, dict):
        raise TypeError("expected a table of name = \"value\" strings ([tags] section)")
    if len(value) > contract.MAX_TAGS:
        raise ValueError(f"at most {contract.MAX_TAGS} tags")
    for name, tag in value.items():
        if not name or len(name) > contract.TAG_KEY:
            raise ValueError(f"tag name {name!r} must be 1 to {contract.TAG_KEY} characters")
        if not isinstance(tag, str) or len(tag) > contract.TAG_VALUE:
            raise ValueError(f"tag {name!r} must be a string of at most {contract.TAG_VALUE} "
                             "characters")
    return dict(value)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "false", "0", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    raise ValueError("expected true or false")


_KEYS: Dict[str, Callable[[Any], Any]] = {
    "server": _url(("https", "http")),
    "ca_bundle": _readable_file,
    "client_cert": _readable_file,
    "client_key": _readable_file,
    "proxy": _url(("http", "https")),
    "timeout": _number(float, 1, 600, "seconds"),
    "interval": _number(int, 60, 7 * 86400, "seconds"),
    "splay": _number(int, 0, 3600, "seconds"),
    "spool_max_reports": _number(int, 1, 100000, "reports"),
    "spool_max_bytes": _number(int, 1024 * 1024, 1 << 40, "bytes"),
    "log_level": _log_level,
    "state_dir": _directory,
    "tags": _tags,
    "allow_http": _flag,
}


def is_loopback(url: str) -> bool:
    """True when the URL's host is this machine (localhost, 127.0.0.0/8, ::1)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_problem(url: str, allow_http: bool) -> Optional[str]:
    """Why the agent will not talk to `url`: plain HTTP to another machine would carry the enrollment
    secret, the host key and the inventory in clear. None when it is HTTPS, this machine, or allowed."""
    if urlsplit(url).scheme != "http" or is_loopback(url) or allow_http:
        return None
    return (f"{url} is plain HTTP: the enrollment secret, the host key and the inventory would cross "
            "the network unencrypted; use https:// (or set allow_http = true in agent.toml, "
            "FOOTPRINT_ALLOW_HTTP=true, to accept that)")


def check_server(url: str, allow_http: bool = False) -> str:
    """Validate a collector URL given on the command line or in enroll.env."""
    try:
        checked = _KEYS["server"](url)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"server {url!r}: {error}") from None
    problem = plain_http_problem(checked, allow_http)
    if problem:
        raise ConfigError(f"server {problem}")
    return checked


def _check_combinations(config: Config) -> None:
    if config.client_key and not config.client_cert:
        raise ConfigError(f"{config.source}: key 'client_key' is set without 'client_cert'")
    problem = plain_http_problem(config.server, config.allow_http) if config.server else None
    if problem:
        raise ConfigError(f"{config.source}: key 'server': {problem}")

