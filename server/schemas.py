"""Pydantic models of `footprint.report/1` and the protocol bodies (see docs/protocol.md).

The report models follow agent/contract.py, the one definition of the report shared with the agent:
every bound comes from there, and tests/test_contract.py fails when a model drifts from it. Every
string, list, map and number has a bound, so a hostile or broken report is refused, with the field
named, before anything is stored.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Dict, List, Literal, Optional

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from agent import contract as c


def _text(max_length: int, min_length: int = 0, pattern: Optional[str] = None):
    constraints = StringConstraints(min_length=min_length, max_length=max_length, pattern=pattern)
    return Annotated[str, constraints]


def _in_years(moment: datetime) -> datetime:
    problem = c.year_problem(moment)
    if problem:
        raise ValueError(problem)
    return moment


def _count(le: int = c.MAX_INT):
    return Annotated[int, Field(ge=0, le=le)]


def _storable(value: str) -> str:
    """Refuse what no column can hold; report bodies are screened whole before validation (store/ingest.py)."""
    if "\x00" in value:
        raise PydanticCustomError("invalid_text", "contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("invalid_text", "contains a lone UTF-16 surrogate") from None
    return value


def _clean(max_length: int, min_length: int = 0, pattern: Optional[str] = None):
    """A bounded string of a protocol body (not a report): NUL and lone surrogates refused (400 invalid_text)."""
    return Annotated[_text(max_length, min_length, pattern), AfterValidator(_storable)]


HostId = _clean(128, 1, c.HOST_ID_PATTERN)
Sha256Hex = _text(64, 0, c.SHA256_PATTERN)


def _in_utc(moment: datetime) -> datetime:
    """The same instant in UTC: stored and compared as instants, whatever offset was sent."""
    return moment.astimezone(timezone.utc)


Time = Annotated[AwareDatetime, AfterValidator(_in_years), AfterValidator(_in_utc)]
Secret = _clean(256, 1)
Short = _text(c.SHORT)
Name = _text(c.NAME)
Long = _text(c.LONG)
Path = _text(c.PATH)
Extra = Dict[_text(c.SHORT, 1), Path]


class _Model(BaseModel):
    # Unknown fields are ignored, so a newer agent's additions do not break an older collector.
    model_config = ConfigDict(extra="ignore")


class OperatingSystem(_Model):
    family: Literal["linux", "windows", "macos", "android", "ios"]
    name: Optional[Name] = None
    version: Optional[_text(128)] = None
    distro_id: Optional[Short] = None
    id_like: List[Short] = Field(default_factory=list, max_length=c.MAX_ID_LIKE)
    codename: Optional[_text(128)] = None
    kernel: Optional[Name] = None
    arch: Optional[_text(32)] = None
    product_name: Optional[Name] = None
    display_version: Optional[Short] = None
    build: Optional[Short] = None
    ubr: Optional[_count(c.MAX_DWORD)] = None
    security_patch: Optional[_text(32)] = None


class Host(_Model):
    id: HostId
    id_source: Optional[Short] = None
    kind: Optional[Literal["computer", "phone", "tablet"]] = None  # left out: a computer
    hostname: Optional[_text(c.NAME, 1)] = None  # missing: the stored name is kept (ingest)
    fqdn: Optional[Name] = None
    boot_time: Optional[Time] = None
    os: OperatingSystem


class Disk(_Model):
    device: Optional[Name] = None
    mount: Optional[Path] = None
    fstype: Optional[Short] = None
    size_bytes: Optional[_count()] = None


class Hardware(_Model):
    cpu_model: Optional[Name] = None
    cpu_cores: Optional[_count(c.MAX_CORES)] = None
    cpu_threads: Optional[_count(c.MAX_CORES)] = None
    memory_bytes: Optional[_count()] = None
    vendor: Optional[Name] = None
    model: Optional[Name] = None
    serial: Optional[Name] = None
    disks: List[Disk] = Field(default_factory=list, max_length=c.MAX_DISKS)


class Interface(_Model):
    name: _text(c.NAME, 1)
    mac: Optional[Short] = None
    addresses: List[Short] = Field(default_factory=list, max_length=c.MAX_ADDRESSES)


class Network(_Model):
    interfaces: List[Interface] = Field(default_factory=list, max_length=c.MAX_INTERFACES)


class Provenance(_Model):
    """Where a package came from: the apt archive carrying its version, or the rpm key, vendor and dnf repository."""

    origin: Optional[Name] = None  # apt Release Origin ("Debian", "Google LLC"), or "local"
    label: Optional[Name] = None
    suite: Optional[Name] = None
    site: Optional[Name] = None  # archive host, e.g. deb.debian.org
    component: Optional[Name] = None
    name_origin: Optional[Name] = None  # with origin "local": Origin of an archive with the name at another version
    signing_key: Optional[_text(16, 16, c.SIGNING_KEY_PATTERN)] = None
    vendor: Optional[Name] = None
    packager: Optional[Name] = None
    distribution: Optional[Name] = None
    repository: Optional[Name] = None  # dnf repo id: fedora, updates, rpmfusion-free, copr:...


class SoftwareItem(_Model):
    name: _text(c.LONG, 1)
    version: Optional[Name] = None  # many Windows programs have no DisplayVersion
    source: _text(32, 1, c.SOURCE_PATTERN)
    publisher: Optional[Long] = None
    arch: Optional[_text(32)] = None
    install_date: Optional[_text(32)] = None
    id: Optional[Long] = None
    scope: Optional[Literal["system", "user"]] = None
    user: Optional[Name] = None
    location: Optional[Path] = None
    extra: Extra = Field(default_factory=dict, max_length=c.MAX_EXTRA_KEYS)
    provenance: Optional[Provenance] = None
    version_code: Optional[Short] = None  # Android versionCode, iOS CFBundleVersion
    app_type: Optional[Literal["system", "user"]] = None
    installer: Optional[Name] = None  # com.android.vending, com.huawei.appmarket
    application: Optional[Name] = None  # an extension's browser or IDE: "Google Chrome", "Cursor"
    profile: Optional[Name] = None  # the browser profile: "Default", "Profile 1", Firefox's profile name
    install_source: Optional[Literal[c.INSTALL_SOURCES]] = None
    last_used: Optional[Time] = None  # when the OS last recorded the program in use


class AgentInfo(_Model):
    name: Short
    version: Short
    duration_ms: Optional[_count()] = None


class SourceError(_Model):
    source: Short
    path: Optional[Path] = None
    message: _text(c.MESSAGE)


class Report(_Model):
    """A whole `footprint.report/1`."""

    schema_: Literal["footprint.report/1"] = Field(alias="schema")
    report_id: _text(64, 8, c.REPORT_ID_PATTERN)
    collected_at: Time
    inventory_hash: Optional[Sha256Hex] = None
    agent: Optional[AgentInfo] = None
    host: Host
    hardware: Hardware = Field(default_factory=Hardware)
    network: Network = Field(default_factory=Network)
    software: List[SoftwareItem] = Field(max_length=c.MAX_SOFTWARE_ITEMS)
    errors: List[SourceError] = Field(default_factory=list, max_length=c.MAX_ERRORS)


Tags = Dict[_clean(c.TAG_KEY, 1), _clean(c.TAG_VALUE)]


class EnrollRequest(_Model):
    secret: Secret
    host_id: HostId
    hostname: _clean(255, 1)
    # agent.toml [tags]; the enrollment secret's own tags win where both set a key
    tags: Tags = Field(default_factory=dict, max_length=c.MAX_TAGS)
    host_key: Optional[Secret] = None  # the host's current key, when re-enrolling a known host id


class EnrollResponse(BaseModel):
    host_id: str
    host_key: str
    next_checkin_seconds: int


class CheckinRequest(_Model):
    host_id: HostId
    inventory_hash: Sha256Hex
    agent_version: Optional[_clean(c.SHORT)] = None


class CheckinResponse(BaseModel):
    full_report: bool
    next_checkin_seconds: int


class ReportResponse(BaseModel):
    accepted: bool
    duplicate: bool
    next_checkin_seconds: int


class TokenCreate(_Model):
    kind: Literal["enroll", "admin"]
    name: Optional[_clean(c.NAME)] = None
    read_only: bool = False
    expires_at: Optional[Time] = None
    tags: Tags = Field(default_factory=dict, max_length=c.MAX_TAGS)


class ErrorBody(BaseModel):
    """Every error answer (docs/protocol.md): a stable code, what is wrong, and the request's id for the log."""

    error: str
    detail: str
    request_id: Optional[str] = None


class Refusal(BaseModel):
    """The last report the collector refused from a host: the answer its agent got, and when."""

    at: datetime
    status: int = Field(description="the HTTP status of the answer")
    error: str = Field(description="the error code of the answer (ErrorBody.error)")
    detail: str = Field(description="what was wrong, naming the field")
    current: bool = Field(description="no report was applied after it: the inventory shown predates it")


class HostError(BaseModel):
    """A source error of the host's last applied report: what its agent could not inventory."""

    source: str
    path: Optional[str] = None
    message: str


class HostRow(BaseModel):
    """A host in `GET /admin/hosts`."""

    id: str
    hostname: str
    kind: str
    os_family: Optional[str] = None
    os_name: Optional[str] = None
    os_version: Optional[str] = None
    last_seen: datetime
    last_report_at: Optional[datetime] = Field(None, description="when its last applied report was received")
    software_count: int
    last_refusal: Optional[Refusal] = None
    error_count: int = Field(description="source errors in its last applied report: any makes it incomplete")
    errors: Optional[List[HostError]] = Field(None, description="with ?incomplete=true: the first few of them")
    tags: Dict[str, str]


class HostList(BaseModel):
    hosts: List[HostRow]


class HostDetail(BaseModel):
    """One host (`GET /admin/hosts/{id}`): its facts, tags, interfaces, disks, software and events."""

    model_config = ConfigDict(extra="allow")

    id: str
    hostname: str
    last_report_at: Optional[datetime] = None
    last_refusal: Optional[Refusal] = None
    errors: List[HostError] = Field(description="the source errors of its last applied report (incomplete if any)")
