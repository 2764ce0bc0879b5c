"""Every table of the collector, in SQLAlchemy Core; the migrations under migrations/ create them.

A software title is stored once per distinct (name, version, source, publisher, arch, id) under
`title_key` (SHA-256), so per-title tables (classification) join on `software_titles.id` cheaply.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
    text,
    true,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

HOST_ID_LENGTH = 128
REFUSAL_DETAIL_LENGTH = 1024
EVENT_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER keys only


def _bytewise(length: int) -> String:
    """An identifier compared byte by byte on PostgreSQL too (COLLATE "C", as SQLite always compares): host ids
    and hashes are never shown in a language's order, and under a libc locale every sort and index on them went
    through strcoll (migration 0016)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


HOST_ID = _bytewise(HOST_ID_LENGTH)
HASH_KEY = _bytewise(64)  # title_key, name_key: SHA-256 hex


class UtcDateTime(TypeDecorator):
    """An instant, stored in UTC on both databases and returned aware in UTC.

    SQLite keeps timestamps as text without an offset: values are converted to UTC on the way in
    (a naive value is taken as UTC), so text order is time order and comparisons are between instants.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if not isinstance(value, datetime):
            return value
        moment = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _ts(name: str, nullable: bool = True) -> Column:
    return Column(name, UtcDateTime(), nullable=nullable)


hosts = Table(
    "hosts",
    metadata,
    Column("id", HOST_ID, primary_key=True),
    Column("id_source", String(64)),
    Column("hostname", String(255), nullable=False),
    Column("fqdn", String(255)),
    Column("kind", String(16), nullable=False, server_default="computer"),  # computer | phone | tablet
    Column("os_family", String(32)),
    Column("os_name", String(255)),
    Column("os_version", String(128)),
    Column("os_distro_id", String(64)),
    Column("os_id_like", String(1040)),  # space-separated, as in os-release ID_LIKE (16 of 64)
    Column("os_codename", String(128)),
    Column("os_kernel", String(255)),
    Column("os_arch", String(32)),
    Column("os_build", String(80)),  # build and UBR: "19045.5247"
    Column("os_product_name", String(255)),
    Column("os_display_version", String(64)),
    Column("os_security_patch", String(32)),
    Column("cpu_model", String(255)),
    Column("cpu_cores", Integer),
    Column("cpu_threads", Integer),
    Column("memory_bytes", BigInteger),
    Column("hw_vendor", String(255)),
    Column("hw_model", String(255)),
    Column("hw_serial", String(255)),
    _ts("boot_time"),
    Column("agent_version", String(64)),
    _ts("first_seen", nullable=False),
    _ts("last_seen", nullable=False),
    _ts("last_report_at"),  # when the last applied full report was received
    _ts("collected_at"),  # collected_at of the last applied report: older reports are not applied
    Column("inventory_hash", String(64)),
    Column("software_count", Integer, nullable=False, server_default="0"),
    Column("revoked", Boolean, nullable=False, server_default=false()),
    # the last report refused from this host (server/store/refusals.py): kept after a later accepted one
    _ts("refused_at"),
    Column("refused_status", Integer),
    Column("refused_error", String(32)),
    Column("refused_detail", String(REFUSAL_DETAIL_LENGTH)),
    Index(None, "last_seen"),
    Index(None, "os_family", "os_distro_id"),
    Index(None, "hostname"),
    Index(None, "kind"),
)

host_tags = Table(
    "host_tags",
    metadata,
    Column("host_id", ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("value", String(255), nullable=False),
    Index(None, "key", "value"),
)

host_keys = Table(
    "host_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("host_id", ForeignKey("hosts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("token_id", Integer),  # the enrollment secret it was issued for
    _ts("created_at", nullable=False),
    _ts("revoked_at"),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # enroll | admin | reenroll
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("name", String(255)),
    Column("read_only", Boolean, nullable=False, server_default=false()),
    Column("tags", Text),  # JSON object of tags applied to hosts enrolled with it
    _ts("created_at", nullable=False),
    _ts("expires_at"),
    _ts("revoked_at"),
    # a reenroll allowance: the one host it lets enroll again, the admin token that issued it,
    # and when it was used (single use)
    Column("host_id", HOST_ID),
    Column("created_by", Integer),
    _ts("used_at"),
)

software_titles = Table(
    "software_titles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title_key", HASH_KEY, nullable=False, unique=True),
    Column("name", String(512), nullable=False),
    Column("version", String(255), nullable=False),
    Column("source", String(32), nullable=False),
    Column("publisher", String(512)),
    Column("arch", String(32)),
    Column("package_id", String(512)),
    # evidence the classifier weighs beside the name (report `extra`), kept with the title
    Column("upgrade_code", String(1024)),  # as long as any `extra` value
    Column("team_id", String(1024)),
    Column("packager", String(1024)),
    Column("os_id", String(64)),  # a package's host distribution (os-release ID) when first seen
    Column("provenance", Text),  # the report's `provenance` object as compact JSON
    _ts("first_seen", nullable=False),
    # name_key(name, source, publisher): the titles `footprint unknown` lists as one line, whatever the version
    Column("name_key", HASH_KEY),  # always set; nullable only because SQLite cannot add NOT NULL in place
    Index(None, "name"),
    Index(None, "source", "name"),
    Index(None, "name_key"),
)

host_software = Table(
    "host_software",
    metadata,
    Column("host_id", ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True),
    Column("title_id", ForeignKey("software_titles.id"), primary_key=True),
    Column("username", String(255), primary_key=True, server_default=""),  # "" when system-wide
    # an extension's browser or IDE and its profile ("" for programs): one install per user, application, profile
    Column("application", String(255), primary_key=True, server_default=""),
    Column("profile", String(255), primary_key=True, server_default=""),
    Column("scope", String(16)),
    Column("install_date", String(32)),
    Column("location", String(1024)),
    Column("install_source", String(16)),  # store | policy | sideloaded | unpacked | bundled
    Column("last_used", Date),  # the UTC day the OS last recorded this install in use; NULL: no record
    Index(None, "title_id", "host_id"),
    # only the installs with a recorded use: the hosts that record last use are found without a scan
    Index(None, "host_id", "last_used", sqlite_where=text("last_used IS NOT NULL"),
          postgresql_where=text("last_used IS NOT NULL")),
)

software_events = Table(
    "software_events",
    metadata,
    Column("id", EVENT_ID, primary_key=True, autoincrement=True),
    Column("host_id", ForeignKey("hosts.id", ondelete="CASCADE"), nullable=False),
    Column("title_id", ForeignKey("software_titles.id"), nullable=False),
    Column("username", String(255), nullable=False, server_default=""),
    Column("application", String(255), nullable=False, server_default=""),
    Column("profile", String(255), nullable=False, server_default=""),
    Column("kind", String(8), nullable=False),  # install | remove
    _ts("at", nullable=False),  # collected_at of the report that showed the change
    # true for the items of a host's first inventory: seen, not necessarily installed, at `at`
    Column("initial", Boolean, nullable=False, server_default=false()),
    Column("report_id", String(64)),
    Index(None, "title_id", "at"),
    Index(None, "host_id", "at"),
    Index(None, "at"),
)

reports_seen = Table(
    "reports_seen",
    metadata,
    Column("host_id", HOST_ID, primary_key=True),  # report ids are unique per host
    Column("report_id", String(64), primary_key=True),
    _ts("received_at", nullable=False),
    Column("applied", Boolean, nullable=False, server_default=true()),
    Index(None, "received_at"),
)

raw_reports = Table(
    "raw_reports",
    metadata,
    Column("host_id", ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True),
    Column("report_id", String(64), nullable=False),
    _ts("received_at", nullable=False),
    Column("body", Text, nullable=False),
)

host_interfaces = Table(
    "host_interfaces",
    metadata,
    Column("host_id", ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("name", String(255), nullable=False),
    Column("mac", String(64)),
    Column("addresses", Text),  # space-separated CIDR addresses
)

host_disks = Table(
    "host_disks",
    metadata,
    Column("host_id", ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("device", String(255)),
    Column("mount", String(1024)),
    Column("fstype", String(64)),
    Column("size_bytes", BigInteger),
)

# the source errors of the host's last applied report: any row makes its inventory incomplete
host_errors = Table(
    "host_errors",
    metadata,
    Column("host_id", ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("source", String(64), nullable=False),
    Column("path", String(1024)),
    Column("message", String(2048), nullable=False),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(128), primary_key=True),  # metric name with labels, Prometheus style
    Column("shard", Integer, primary_key=True),  # spreads a hot counter over rows
    Column("value", BigInteger, nullable=False, server_default="0"),
)


def title_key(
    name: str,
    version: str,
    source: str,
    publisher: str | None,
    arch: str | None,
    package_id: str | None,
    provenance: str | None = None,
) -> str:
    """The identity of a distinct title: SHA-256 over its fields, NUL-separated.

    `provenance` (the title's stored JSON) is part of it: the same package from Debian and from a third-party
    archive, or signed by two keys, is two titles, each classified by its own evidence. A title without
    provenance keeps the key it had before provenance existed.
    """
    parts: tuple = (name, version, source, publisher or "", arch or "", package_id or "")
    if provenance:
        parts += (provenance,)
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def name_key(name: str, source: str, publisher: str | None) -> str:
    """The identity of a title whatever its version, arch or id: SHA-256 over name, source and publisher."""
    return hashlib.sha256("\0".join((name, source, publisher or "")).encode("utf-8")).hexdigest()

# --- Classification and maintained totals (docs/architecture.md, "Totals") ---

# One row per distinct classification outcome: a product, a vendor only, an OS component, or unknown.
classes = Table(
    "classes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("class_key", String(300), nullable=False, unique=True),
    Column("vendor", String(128), nullable=False, server_default=""),
    Column("vendor_name", String(255), nullable=False, server_default=""),
    Column("product", String(128), nullable=False, server_default=""),
    Column("product_name", String(255), nullable=False, server_default=""),
    Column("category", String(64), nullable=False, server_default=""),
    Column("country", String(2), nullable=False, server_default=""),
    Column("status", String(16), nullable=False, server_default="unknown"),
    Column("license", String(16), nullable=False, server_default=""),
    Column("grp", String(32), nullable=False, server_default="unknown"),
    Column("register", String(64), nullable=False, server_default=""),
    Column("os_component", Boolean, nullable=False, server_default=false()),
    # a browser or IDE extension's class: counted apart from programs (docs/architecture.md, "Totals")
    Column("extension", Boolean, nullable=False, server_default=false()),
)

# The classification of each distinct title under the current catalog and policy, with its rule.
title_classes = Table(
    "title_classes",
    metadata,
    Column("title_id", ForeignKey("software_titles.id", ondelete="CASCADE"), primary_key=True),
    Column("class_id", ForeignKey("classes.id"), nullable=False),
    Column("rule", String(512), nullable=False, server_default=""),
    Column("level", String(16), nullable=False, server_default="none"),
    Index(None, "class_id"),
)

# The host's operating system as a title (source "os"), kept apart from its software list.
host_os = Table(
    "host_os",
    metadata,
    Column("host_id", ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True),
    Column("title_id", ForeignKey("software_titles.id"), nullable=False),
)

# Changes of a host's operating system, like software_events (a migration Windows → Astra shows here).
os_events = Table(
    "os_events",
    metadata,
    Column("id", EVENT_ID, primary_key=True, autoincrement=True),
    Column("host_id", ForeignKey("hosts.id", ondelete="CASCADE"), nullable=False),
    Column("title_id", ForeignKey("software_titles.id"), nullable=False),
    Column("kind", String(8), nullable=False),
    _ts("at", nullable=False),
    Column("initial", Boolean, nullable=False, server_default=false()),
    Index(None, "host_id", "at"),
)

# Maintained per host: installs per class (OS components included, flagged by their class).
host_classes = Table(
    "host_classes",
    metadata,
    Column("host_id", ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True),
    Column("class_id", ForeignKey("classes.id"), primary_key=True),
    Column("installs", Integer, nullable=False),
    Index(None, "class_id"),
)

# Maintained per host: the figures the host-level questions ask (foreign or not, OS class).
host_totals = Table(
    "host_totals",
    metadata,
    Column("host_id", ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True),
    Column("installs", Integer, nullable=False, server_default="0"),
    Column("domestic", Integer, nullable=False, server_default="0"),
    Column("foreign_proprietary", Integer, nullable=False, server_default="0"),
    Column("foreign_open_source", Integer, nullable=False, server_default="0"),
    Column("unknown", Integer, nullable=False, server_default="0"),
    Column("os_class_id", Integer),
    # any of its installs carries a last use (Windows and macOS record it): its installs count in usage_totals
    Column("recording", Boolean, nullable=False, server_default=false()),
    Index(None, "foreign_proprietary"),
)

# Maintained over every stored host: sum of host_classes per class (current totals subtract excluded hosts).
class_totals = Table(
    "class_totals",
    metadata,
    Column("class_id", ForeignKey("classes.id"), primary_key=True),
    Column("installs", BigInteger, nullable=False, server_default="0"),
    Column("hosts", Integer, nullable=False, server_default="0"),
)

# Maintained over every stored host: per vendor, the hosts having any of its classes (OS components left out),
# and those having one of its programs or one of its extensions — a vendor's hosts without a scan of its rows.
vendor_totals = Table(
    "vendor_totals",
    metadata,
    Column("vendor", String(128), primary_key=True),
    Column("hosts", Integer, nullable=False, server_default="0"),
    Column("program_hosts", Integer, nullable=False, server_default="0"),
    Column("extension_hosts", Integer, nullable=False, server_default="0"),
)

# Maintained over every stored host that records last use: per class and day of last use ('': none recorded),
# its software installs — the "not used in N days" share without reading those hosts' installs.
usage_totals = Table(
    "usage_totals",
    metadata,
    Column("class_id", ForeignKey("classes.id"), primary_key=True),
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD of the last use, '' where none is recorded
    Column("installs", Integer, nullable=False),
)

# Maintained per day: change of installs and of hosts having the class, from each applied report.
class_daily = Table(
    "class_daily",
    metadata,
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD (UTC) of the report's collected_at
    Column("class_id", ForeignKey("classes.id"), primary_key=True),
    Column("d_installs", Integer, nullable=False, server_default="0"),
    Column("d_hosts", Integer, nullable=False, server_default="0"),
)

# Maintained per class, host and day: the change in that host's installs of the class, so a question about some
# hosts (a migration target's scope) sums its hosts' rows instead of replaying their events.
host_class_daily = Table(
    "host_class_daily",
    metadata,
    Column("class_id", ForeignKey("classes.id"), primary_key=True),
    Column("host_id", ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True),
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD (UTC) of the report's collected_at
    Column("d_installs", Integer, nullable=False),
    Index(None, "host_id"),
    sqlite_with_rowid=False,  # the rows are the key's B-tree: a class's rows are read without a lookup each
)

# Maintained per day: change in the number of hosts known, and of hosts with any foreign software.
flag_daily = Table(
    "flag_daily",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("flag", String(32), primary_key=True),  # hosts | foreign | foreign-proprietary
    Column("d_hosts", Integer, nullable=False, server_default="0"),
)

# Maintained over every stored host: per name_key of the titles classified unknown (not OS components), the
# hosts having any of them and their installs — `footprint unknown` without reading every unknown install.
unknown_names = Table(
    "unknown_names",
    metadata,
    Column("name_key", HASH_KEY, primary_key=True),
    Column("name", String(512), nullable=False),
    Column("source", String(32), nullable=False),
    Column("publisher", String(512)),
    Column("hosts", Integer, nullable=False, server_default="0"),
    Column("installs", BigInteger, nullable=False, server_default="0"),
    Index(None, "hosts"),
)

# What the stored classification was computed with: catalog fingerprint and home countries.
catalog_state = Table(
    "catalog_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Migration targets (server/target_model.py): what must be gone from which hosts by when.
targets = Table(
    "targets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("remove_kind", String(32), nullable=False),  # foreign | foreign-proprietary | foreign-os | category | …
    Column("remove_value", String(128), nullable=False, server_default=""),
    Column("due", Date, nullable=False),
    Column("tags", Text, nullable=False, server_default="[]"),  # JSON list of "KEY=VALUE"
    Column("os", String(64)),
    Column("kind", String(16)),
    Column("stale_days", Integer),
    _ts("updated_at", nullable=False),
)

target_milestones = Table(
    "target_milestones",
    metadata,
    Column("target_id", ForeignKey("targets.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("due", Date, nullable=False),
    Column("share", Float, nullable=False),  # compliant hosts, percent
    Column("tags", Text, nullable=False, server_default="[]"),
)

# Every add, edit and removal of a target: who (the admin token), when, and the definition before and after.
target_changes = Table(
    "target_changes",
    metadata,
    Column("id", EVENT_ID, primary_key=True, autoincrement=True),
    Column("target", String(64), nullable=False, index=True),
    Column("action", String(8), nullable=False),  # add | edit | remove
    Column("token_id", Integer),
    Column("who", String(300), nullable=False),
    _ts("at", nullable=False),
    Column("before", Text),  # JSON, as target_model.target_dict writes it
    Column("after", Text),
)
