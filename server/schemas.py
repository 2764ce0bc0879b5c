"""Pydantic models of `footprint.report/1` and the protocol bodies (see docs/protocol.md).

Every string, list and map has a bound, so a hostile or broken report is refused, with the field
named, before anything is stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Dict, List, Literal, Optional

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

MAX_SOFTWARE_ITEMS = 20_000
MAX_ERRORS = 500
MAX_INTERFACES = 256
MAX_DISKS = 256
MAX_ADDRESSES = 64
MAX_EXTRA_KEYS = 32
MAX_TAGS = 32


def _text(max_length: int, min_length: int = 0):
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length)]


HostId = Annotated[str, StringConstraints(pattern=r"^[^\s/\\?#%]{1,128}$")]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Secret = _text(256, 1)
Short = _text(64)
Name = _text(255)
Long = _text(512)
Path = _text(1024)
Extra = Dict[_text(64, 1), _text(1024)]


class _Model(BaseModel):
    # Unknown fields are ignored, so a newer agent's additions do not break an older collector.
    model_config = ConfigDict(extra="ignore")


class OperatingSystem(_Model):
    family: Literal["linux", "windows", "macos"]
    name: Optional[Name] = None
    version: Optional[_text(128)] = None
    distro_id: Optional[Short] = None
    id_like: List[Short] = Field(default_factory=list, max_length=16)
    codename: Optional[_text(128)] = None
    kernel: Optional[Name] = None
    arch: Optional[_text(32)] = None
    product_name: Optional[Name] = None
    display_version: Optional[Short] = None
    build: Optional[Short] = None
    ubr: Optional[int] = Field(default=None, ge=0)


class Host(_Model):
    id: HostId
    id_source: Optional[Short] = None
    hostname: _text(255, 1)
    fqdn: Optional[Name] = None
    boot_time: Optional[AwareDatetime] = None
    os: OperatingSystem


class Disk(_Model):
    device: Optional[Name] = None
    mount: Optional[Path] = None
    fstype: Optional[Short] = None
    size_bytes: Optional[int] = Field(default=None, ge=0)


class Hardware(_Model):
    cpu_model: Optional[Name] = None
    cpu_cores: Optional[int] = Field(default=None, ge=0, le=1_000_000)
    cpu_threads: Optional[int] = Field(default=None, ge=0, le=1_000_000)
    memory_bytes: Optional[int] = Field(default=None, ge=0)
    vendor: Optional[Name] = None
    model: Optional[Name] = None
    serial: Optional[Name] = None
    disks: List[Disk] = Field(default_factory=list, max_length=MAX_DISKS)


class Interface(_Model):
    name: _text(255, 1)
    mac: Optional[Short] = None
    addresses: List[_text(64)] = Field(default_factory=list, max_length=MAX_ADDRESSES)


class Network(_Model):
    interfaces: List[Interface] = Field(default_factory=list, max_length=MAX_INTERFACES)


class Provenance(_Model):
    """Where a package came from: the apt archive carrying its version, or the rpm key, vendor and dnf repository."""

    origin: Optional[Name] = None  # apt Release Origin ("Debian", "Google LLC"), or "local"
    label: Optional[Name] = None
    suite: Optional[Name] = None
    site: Optional[Name] = None  # archive host, e.g. deb.debian.org
    component: Optional[Name] = None
    signing_key: Optional[Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]] = None
    vendor: Optional[Name] = None
    packager: Optional[Name] = None
    distribution: Optional[Name] = None
    repository: Optional[Name] = None  # dnf repo id: fedora, updates, rpmfusion-free, copr:...


class SoftwareItem(_Model):
    name: _text(512, 1)
    version: Name
    source: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9:_-]{0,31}$")]
    publisher: Optional[Long] = None
    arch: Optional[_text(32)] = None
    install_date: Optional[_text(32)] = None
    id: Optional[Long] = None
    scope: Optional[Literal["system", "user"]] = None
    user: Optional[Name] = None
    location: Optional[Path] = None
    extra: Extra = Field(default_factory=dict, max_length=MAX_EXTRA_KEYS)
    provenance: Optional[Provenance] = None


class AgentInfo(_Model):
    name: Short
    version: Short
    duration_ms: Optional[int] = Field(default=None, ge=0)


class SourceError(_Model):
    source: Short
    path: Optional[Path] = None
    message: _text(2048)


class Report(_Model):
    """A whole `footprint.report/1`."""

    schema_: Literal["footprint.report/1"] = Field(alias="schema")
    report_id: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z-]{8,64}$")]
    collected_at: AwareDatetime
    inventory_hash: Optional[Sha256Hex] = None
    agent: Optional[AgentInfo] = None
    host: Host
    hardware: Hardware = Field(default_factory=Hardware)
    network: Network = Field(default_factory=Network)
    software: List[SoftwareItem] = Field(max_length=MAX_SOFTWARE_ITEMS)
    errors: List[SourceError] = Field(default_factory=list, max_length=MAX_ERRORS)


class EnrollRequest(_Model):
    secret: Secret
    host_id: HostId
    hostname: _text(255, 1)


class EnrollResponse(BaseModel):
    host_id: str
    host_key: str
    next_checkin_seconds: int


class CheckinRequest(_Model):
    host_id: HostId
    inventory_hash: Sha256Hex
    agent_version: Optional[Short] = None


class CheckinResponse(BaseModel):
    full_report: bool
    next_checkin_seconds: int


class ReportResponse(BaseModel):
    accepted: bool
    duplicate: bool
    next_checkin_seconds: int


class TokenCreate(_Model):
    kind: Literal["enroll", "admin"]
    name: Optional[Name] = None
    read_only: bool = False
    expires_at: Optional[datetime] = None
    tags: Dict[Short, Name] = Field(default_factory=dict, max_length=MAX_TAGS)


class ErrorBody(BaseModel):
    error: str
    detail: str
