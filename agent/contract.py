"""The report contract `footprint.report/1`, defined once (docs/report-format.md).

Plain data and standard library only: the agent (Python 3.9, no pydantic) checks and fits its own
report with it before spooling, and the collector's pydantic models (server/schemas.py) are held to
it by tests/test_contract.py, so an agent can never produce a report its collector refuses.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Sequence, Tuple

SCHEMA = "footprint.report/1"
# Names the agent's own sources use in software[].source; importers add "import" and may add others
# within SOURCE_PATTERN (the collector accepts any name of that shape).
# A phone's apps (android, ios) are read from the workstation it is attached to (agent/phones/).
PHONE_SOURCES = ("android", "ios")
# Extensions run inside a browser or IDE, per user and profile (docs/report-format.md, "Extensions").
EXTENSION_SOURCES = ("browser-extension", "ide-extension")
INSTALL_SOURCES = ("store", "policy", "sideloaded", "unpacked", "bundled")
SOURCES = ("deb", "rpm", "snap", "flatpak", "windows", "msix", "macos-app", "pkgutil", "homebrew") + PHONE_SOURCES \
    + EXTENSION_SOURCES
# What a host is (host.kind): a report without it is from a computer.
KINDS = ("computer", "phone", "tablet")
DEFAULT_KIND = "computer"
SOURCE_PATTERN = r"^[a-z0-9][a-z0-9:_-]{0,31}$"
HOST_ID_PATTERN = r"^[^\s/\\?#%]{1,128}$"
REPORT_ID_PATTERN = r"^[0-9A-Za-z-]{8,64}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
SIGNING_KEY_PATTERN = r"^[0-9a-f]{16}$"  # an OpenPGP long key id, lowercase

# String lengths, in characters.
SHORT = 64
NAME = 255
LONG = 512
PATH = 1024
MESSAGE = 2048
# Integers fit a signed 64-bit column; a Windows UBR is a REG_DWORD.
MAX_INT = 2**63 - 1
MAX_DWORD = 2**32 - 1
MAX_CORES = 1_000_000
# Times: a machine whose clock was reset (1970, 1980) is still counted; past 2999 is no clock.
MIN_YEAR = 1970
MAX_YEAR = 2999

# Tags an agent sends at enrollment (agent.toml [tags]; docs/protocol.md).
MAX_TAGS = 32
TAG_KEY = SHORT
TAG_VALUE = NAME

MAX_SOFTWARE_ITEMS = 20_000
MAX_ERRORS = 500
MAX_INTERFACES = 256
MAX_DISKS = 256
MAX_ADDRESSES = 64
MAX_ID_LIKE = 16
MAX_EXTRA_KEYS = 32


class Text:
    """A string field: length bounds, and optionally a pattern or a closed set of values."""

    __slots__ = ("max_length", "min_length", "pattern", "choices")

    def __init__(self, max_length: int, min_length: int = 0, pattern: Optional[str] = None,
                 choices: Optional[Sequence[str]] = None) -> None:
        self.max_length = max_length
        self.min_length = min_length
        self.pattern = pattern
        self.choices = tuple(choices) if choices else None

    def problem(self, value: Any) -> Optional[str]:
        if not isinstance(value, str):
            return "not a string"
        if self.choices is not None:
            return None if value in self.choices else f"not one of {', '.join(self.choices)}"
        if len(value) > self.max_length:
            return f"longer than {self.max_length} characters"
        if len(value) < self.min_length:
            return "empty" if self.min_length == 1 else f"shorter than {self.min_length} characters"
        if "\x00" in value:
            return "contains a NUL character"
        if not value.isascii():  # only non-ASCII text can hold a lone surrogate
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "contains a lone UTF-16 surrogate"
        if self.pattern is not None and re.match(self.pattern, value) is None:
            return f"does not match {self.pattern}"
        return None


class Integer:
    """A whole number within [ge, le] (booleans are not numbers here)."""

    __slots__ = ("ge", "le")

    def __init__(self, le: int = MAX_INT, ge: int = 0) -> None:
        self.ge = ge
        self.le = le

    def problem(self, value: Any) -> Optional[str]:
        if isinstance(value, bool) or not isinstance(value, int):
            return "not a whole number"
        if not self.ge <= value <= self.le:
            return f"not within {self.ge}..{self.le}"
        return None


_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)


def parse_time(value: str) -> Optional[datetime]:
    """An RFC 3339 time with its offset as an aware datetime; None when it is not one."""
    found = _RFC3339.match(value)
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in found.groups()[:6])
    fraction, offset = found.group(7), found.group(8)
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    if offset in ("Z", "z"):
        zone = timezone.utc
    else:
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
    except ValueError:
        return None


def year_problem(moment: datetime) -> Optional[str]:
    """Why an aware time is out of the contract's years (checked before any UTC conversion)."""
    if not MIN_YEAR < moment.year < MAX_YEAR:  # the ends are open: an offset may cross a year
        return f"not between the years {MIN_YEAR} and {MAX_YEAR}"
    return None


class Time:
    """An RFC 3339 date-time with a UTC offset, within MIN_YEAR..MAX_YEAR."""

    __slots__ = ()

    def problem(self, value: Any) -> Optional[str]:
        if not isinstance(value, str):
            return "not a string"
        moment = parse_time(value)
        if moment is None:
            return "not an RFC 3339 date-time with a UTC offset"
        return year_problem(moment)


class Items:
    """A list of `of`, at most `max_items` long."""

    __slots__ = ("of", "max_items")

    def __init__(self, of: Any, max_items: int) -> None:
        self.of = of
        self.max_items = max_items


class Mapping:
    """An object of string keys and string values, at most `max_items` keys."""

    __slots__ = ("key", "value", "max_items")

    def __init__(self, key: Text, value: Text, max_items: int) -> None:
        self.key = key
        self.value = value
        self.max_items = max_items


class Record:
    """An object with named fields; those in `required` must be present."""

    __slots__ = ("fields", "required")

    def __init__(self, fields: Dict[str, Any], required: Sequence[str] = ()) -> None:
        self.fields = fields
        self.required = tuple(required)


OS = Record({
    "family": Text(16, choices=("linux", "windows", "macos", "android", "ios")),
    "name": Text(NAME),
    "version": Text(128),
    "distro_id": Text(SHORT),
    "id_like": Items(Text(SHORT), MAX_ID_LIKE),
    "codename": Text(128),
    "kernel": Text(NAME),
    "arch": Text(32),
    "product_name": Text(NAME),
    "display_version": Text(SHORT),
    "build": Text(SHORT),
    "ubr": Integer(MAX_DWORD),
    "security_patch": Text(32),  # Android ro.build.version.security_patch, "2026-10-01"
}, required=("family",))

HOST = Record({
    "id": Text(128, 1, pattern=HOST_ID_PATTERN),
    "id_source": Text(SHORT),
    "kind": Text(16, choices=KINDS),
    # Optional: a .reg export may lack ComputerName; the collector then keeps the name it has
    # (from enrollment or an earlier report) and names a new host by its id.
    "hostname": Text(NAME, 1),
    "fqdn": Text(NAME),
    "boot_time": Time(),
    "os": OS,
}, required=("id", "os"))

DISK = Record({
    "device": Text(NAME),
    "mount": Text(PATH),
    "fstype": Text(SHORT),
    "size_bytes": Integer(),
})

HARDWARE = Record({
    "cpu_model": Text(NAME),
    "cpu_cores": Integer(MAX_CORES),
    "cpu_threads": Integer(MAX_CORES),
    "memory_bytes": Integer(),
    "vendor": Text(NAME),
    "model": Text(NAME),
    "serial": Text(NAME),
    "disks": Items(DISK, MAX_DISKS),
})

INTERFACE = Record({
    "name": Text(NAME, 1),
    "mac": Text(SHORT),
    "addresses": Items(Text(SHORT), MAX_ADDRESSES),
}, required=("name",))

NETWORK = Record({"interfaces": Items(INTERFACE, MAX_INTERFACES)})

# Where a deb or rpm package came from (docs/report-format.md, "provenance"): all optional.
PROVENANCE = Record({
    "origin": Text(NAME),
    "label": Text(NAME),
    "suite": Text(NAME),
    "site": Text(NAME),
    "component": Text(NAME),
    "name_origin": Text(NAME),
    "signing_key": Text(16, 16, pattern=SIGNING_KEY_PATTERN),
    "vendor": Text(NAME),
    "packager": Text(NAME),
    "distribution": Text(NAME),
    "repository": Text(NAME),
})

SOFTWARE_ITEM = Record({
    "name": Text(LONG, 1),
    # Optional: many Windows programs have no DisplayVersion, some packages no publisher.
    "version": Text(NAME),
    "source": Text(32, 1, pattern=SOURCE_PATTERN),
    "publisher": Text(LONG),
    "arch": Text(32),
    "install_date": Text(32),
    "id": Text(LONG),
    "scope": Text(16, choices=("system", "user")),
    "user": Text(NAME),
    "location": Text(PATH),
    "extra": Mapping(Text(SHORT, 1), Text(PATH), MAX_EXTRA_KEYS),
    "provenance": PROVENANCE,
    # Phone apps (sources android, ios): the build number beside the version name, a system app
    # (part of the firmware) or one the user installed, and the app store or tool that installed it.
    "version_code": Text(SHORT),
    "app_type": Text(16, choices=("system", "user")),
    "installer": Text(NAME),
    # Extensions (browser-extension, ide-extension): the browser or IDE, its profile, and how it was installed.
    "application": Text(NAME),
    "profile": Text(NAME),
    "install_source": Text(16, choices=INSTALL_SOURCES),
    # When the OS last recorded the program in use (docs/report-format.md, "Last use"); the agent writes the UTC day.
    "last_used": Time(),
}, required=("name", "source"))

AGENT = Record({
    "name": Text(SHORT),
    "version": Text(SHORT),
    "duration_ms": Integer(),
}, required=("name", "version"))

SOURCE_ERROR = Record({
    "source": Text(SHORT),
    "path": Text(PATH),
    "message": Text(MESSAGE),
}, required=("source", "message"))

REPORT = Record({
    "schema": Text(len(SCHEMA), choices=(SCHEMA,)),
    "report_id": Text(64, 8, pattern=REPORT_ID_PATTERN),
    "collected_at": Time(),
    "inventory_hash": Text(64, pattern=SHA256_PATTERN),
    "agent": AGENT,
    "host": HOST,
    "hardware": HARDWARE,
    "network": NETWORK,
    "software": Items(SOFTWARE_ITEM, MAX_SOFTWARE_ITEMS),
    "errors": Items(SOURCE_ERROR, MAX_ERRORS),
}, required=("schema", "report_id", "collected_at", "host", "software"))


def _most_values(spec: Any) -> int:
    """How many JSON values (objects, lists, strings, numbers) a value of `spec` holds at most."""
    if isinstance(spec, Record):
        return 1 + sum(_most_values(field) for field in spec.fields.values())
    if isinstance(spec, Items):
        return 1 + spec.max_items * _most_values(spec.of)
    if isinstance(spec, Mapping):
        return 1 + spec.max_items
    return 1


# The most JSON values a report of the contract holds: the collector refuses a body with more before parsing it,
# so memory follows the contract's size, not the count of `{}` a body can pack (docs/protocol.md).
MAX_JSON_VALUES = _most_values(REPORT)


def known_fields(report: Dict[str, Any]) -> Dict[str, Any]:
    """The report with only the contract's fields: what the collector's audit copy keeps."""
    return _known(REPORT, report)


def _known(spec: Any, value: Any) -> Any:
    """`value` itself where it holds only the contract's fields (a clean report is not copied), else a copy
    without the others."""
    if isinstance(spec, Record) and isinstance(value, dict):
        pruned: Optional[Dict[str, Any]] = None
        for position, (name, item) in enumerate(value.items()):
            kept = _known(spec.fields[name], item) if name in spec.fields else _DROP
            if pruned is None and kept is not item:
                pruned = dict(list(value.items())[:position])
            if pruned is not None and kept is not _DROP:
                pruned[name] = kept
        return value if pruned is None else pruned
    if isinstance(spec, Items) and isinstance(value, list):
        copied: Optional[List[Any]] = None
        for position, item in enumerate(value):
            kept = _known(spec.of, item)
            if copied is None and kept is not item:
                copied = value[:position]
            if copied is not None:
                copied.append(kept)
        return value if copied is None else copied
    return value


class ContractError(ValueError):
    """A report that breaks the contract where nothing can be left out (a required field)."""


def problems(report: Any) -> List[str]:
    """Every way `report` breaks the contract, each as 'path: what'; empty when it is valid."""
    found: List[str] = []
    _walk(REPORT, report, "", found, None)
    return found


_DROP = object()
_CONTAINERS = (Record, Items, Mapping)


def fit(report: Dict[str, Any]) -> Dict[str, Any]:
    """The report with what the contract cannot carry left out, each omission an `errors` entry.

    A software item, disk, interface or address that breaks the contract is dropped alone, an
    optional field alone; only a broken required top-level field (ContractError) costs the report.
    """
    notes: List[Tuple[str, str, str]] = []
    raw_errors = report.get("errors") if isinstance(report.get("errors"), list) else []
    source_errors = [_fit_error(e) for e in raw_errors if isinstance(e, dict)]
    fitted = _walk(REPORT, {**report, "errors": source_errors[:MAX_ERRORS]}, "", None, notes)
    if fitted is _DROP:
        raise ContractError("; ".join(f"{path}: {problem}" for _, path, problem in notes))
    errors = fitted["errors"] + [
        {"source": source, "message": _safe(f"{path} left out: {problem}")[:MESSAGE]}
        for source, path, problem in notes
    ]
    unsent = max(len(source_errors) - MAX_ERRORS, 0)
    if unsent or len(errors) > MAX_ERRORS:
        unsent += len(errors) - (MAX_ERRORS - 1)
        errors = errors[:MAX_ERRORS - 1]
        errors.append({"source": "agent", "message": f"{unsent} more errors left out"})
    fitted["errors"] = errors
    return fitted


def _fit_error(error: Dict[str, Any]) -> Dict[str, Any]:
    """A source's own error entry, cut to the contract's lengths rather than lost."""
    out = {"source": _safe(str(error.get("source") or "agent"))[:SHORT],
           "message": _safe(str(error.get("message") or ""))[:MESSAGE]}
    path = error.get("path")
    if isinstance(path, str) and SOURCE_ERROR.fields["path"].problem(path) is None:
        out["path"] = path
    return out


def _safe(text: str) -> str:
    """Text any column stores: NUL and lone surrogates written as escapes."""
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


Notes = Optional[List[Tuple[str, str, str]]]  # (source to file it under, path, problem)


def _walk(spec: Any, value: Any, path: str, found: Optional[List[str]], notes: Notes) -> Any:
    """Check (`found` collects problems) or fit (`notes` collects omissions) one value."""
    if isinstance(spec, Record):
        return _walk_record(spec, value, path, found, notes)
    if isinstance(spec, Items):
        return _walk_items(spec, value, path, found, notes)
    if isinstance(spec, Mapping):
        return _walk_mapping(spec, value, path, found, notes)
    problem = spec.problem(value)
    if problem is None:
        return value
    _complain(path, problem, found, notes)
    return _DROP


def _walk_record(spec: Record, value: Any, path: str, found, notes: Notes) -> Any:
    if not isinstance(value, dict):
        _complain(path, "not an object", found, notes)
        return _DROP
    out: Dict[str, Any] = {}
    for name, field in spec.fields.items():
        if name not in value:
            if name in spec.required:
                _complain(f"{path}.{name}" if path else name, "missing", found, notes)
                return _DROP
            continue
        item = value[name]
        if isinstance(field, _CONTAINERS):
            fitted = _walk(field, item, f"{path}.{name}" if path else name, found, notes)
        else:  # a leaf field: its path is spelled out only when it breaks the contract (a report has ~15,000)
            problem = field.problem(item)
            fitted = item if problem is None else _DROP
            if problem is not None:
                _complain(f"{path}.{name}" if path else name, problem, found, notes)
        if fitted is _DROP and name in spec.required:
            return _DROP
        if fitted is not _DROP:
            out[name] = fitted
    for name in value:
        if name not in spec.fields:
            _complain(f"{path}.{name}" if path else name, "not a field of the contract", found,
                      notes)
    return out


def _walk_items(spec: Items, value: Any, path: str, found, notes: Notes) -> Any:
    if not isinstance(value, list):
        _complain(path, "not a list", found, notes)
        return _DROP
    out = []
    for position, item in enumerate(value):
        where = f"{path}.{position}"
        own: Notes = [] if notes is not None else None
        fitted = _walk(spec.of, item, where, found, own)
        if own:
            source = _source_of(item, where)
            if fitted is _DROP and any(p != where for _, p, _ in own):  # one entry naming the item
                why = "; ".join(f"{p}: {q}" for _, p, q in own)
                notes.append((source, where, f"{_label(item)}{why}"))
            else:
                notes.extend((source, p, q) for _, p, q in own)
        if fitted is not _DROP:
            out.append(fitted)
    if len(out) > spec.max_items:
        _complain(f"{path}.{spec.max_items}-{len(out) - 1}", f"beyond the {spec.max_items} "
                  "entries allowed", found, notes)
        out = out[:spec.max_items]
    return out


def _walk_mapping(spec: Mapping, value: Any, path: str, found, notes: Notes) -> Any:
    if not isinstance(value, dict):
        _complain(path, "not an object", found, notes)
        return _DROP
    out = {}
    for key, item in value.items():
        problem = spec.key.problem(key) or spec.value.problem(item)
        if problem is None:
            out[key] = item
        else:
            _complain(f"{path}.{key}", problem, found, notes)
    if len(out) > spec.max_items:
        _complain(path, f"{len(out) - spec.max_items} keys beyond the {spec.max_items} allowed",
                  found, notes)
        out = dict(list(out.items())[:spec.max_items])
    return out


def _complain(path: str, problem: str, found: Optional[List[str]], notes: Notes) -> None:
    if found is not None:
        found.append(f"{path}: {problem}")
    if notes is not None:
        notes.append((path.split(".", 1)[0] or "agent", path, problem))


def _label(item: Any) -> str:
    """'"CCleaner" 2.1 - ' for a software item: enough to find it on the machine."""
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        return ""
    version = item.get("version")
    shown = f" {version[:60]}" if isinstance(version, str) and version else ""
    return f'"{item["name"][:200]}"{shown} - '


def _source_of(item: Any, path: str) -> str:
    """The `source` an omission is filed under: the item's own source when it names a valid one."""
    source = item.get("source") if isinstance(item, dict) else None
    if isinstance(source, str) and re.match(SOURCE_PATTERN, source):
        return source
    return path.split(".", 1)[0]


def _software_key(item: dict) -> tuple:
    get = item.get  # spelled out: the collector sorts every report's ~1,500 items with it
    return (str(get("source") or ""), str(get("name") or ""), str(get("version") or ""),
            str(get("arch") or ""), str(get("id") or ""), str(get("user") or ""))


def inventory_hash(report: dict) -> str:
    """SHA-256 of what an admin would query: host (without boot_time), hardware, network, and
    software in a canonical order. Report id, collection time and boot time do not change it.

    The text hashed is json.dumps({"hardware", "host", "network", "software"}, sort_keys=True, compact, not
    ASCII-escaped), fed to the hash piece by piece (those keys sort in that order), so a large report is never
    held a second time as one string."""
    host = {key: value for key, value in report.get("host", {}).items() if key != "boot_time"}
    digest = hashlib.sha256()
    parts = (("hardware", report.get("hardware", {})), ("host", host), ("network", report.get("network", {})))
    for position, (key, value) in enumerate(parts):
        digest.update((("," if position else "{") + f'"{key}":' + _canonical(value)).encode("utf-8"))
    digest.update(b',"software":[')
    for position, item in enumerate(sorted(report.get("software", []), key=_software_key)):
        digest.update((b"," if position else b"") + _canonical(item).encode("utf-8"))
    digest.update(b"]}")
    return digest.hexdigest()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
