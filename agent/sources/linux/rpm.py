"""RPM packages via `rpm -qa --queryformat`: the database formats (bdb, ndb, sqlite) are rpm's business."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import List, Optional, Tuple

from agent.sources.base import SoftwareItem, Source, SourceError, SourceResult, person_name, rfc3339
from agent.sources.linux.rpm_history import add_repositories

# Fedora 36+ and openSUSE keep the database in /usr/lib/sysimage/rpm; RHEL, RED OS, ALT in /var/lib/rpm.
DB_DIRS = ("usr/lib/sysimage/rpm", "var/lib/rpm")
DB_FILES = ("rpmdb.sqlite", "Packages.db", "Packages")
TAGS = (
    "NAME",
    "EPOCH",
    "VERSION",
    "RELEASE",
    "ARCH",
    "VENDOR",
    "PACKAGER",
    "INSTALLTIME",
    "SOURCERPM",
    "URL",
    "DISTRIBUTION",
    "SIGNATURE",
)
# The header signature rpm checked, whichever kind the package carries (RSA or DSA/EdDSA header-only,
# else the older header+payload ones); `pgpsig` prints "RSA/SHA256, <date>, Key ID 809a8d7ceb10b464".
SIGNATURE_FORMAT = (
    "%|RSAHEADER?{%{RSAHEADER:pgpsig}}:{%|DSAHEADER?{%{DSAHEADER:pgpsig}}:"
    "{%|SIGPGP?{%{SIGPGP:pgpsig}}:{%|SIGGPG?{%{SIGGPG:pgpsig}}:{(none)}|}|}|}|"
)
QUERY_FORMAT = (
    "\\t".join(SIGNATURE_FORMAT if tag == "SIGNATURE" else f"%{{{tag}}}" for tag in TAGS) + "\\n"
)
_KEY_ID = re.compile(r"Key ID ([0-9a-fA-F]{16})\b")
TIMEOUT_SECONDS = 120
MAX_VALUE = 255
# Imported signing keys are listed by rpm as packages; they are not software.
PSEUDO_PACKAGES = frozenset(("gpg-pubkey", "gpg-pubkey-release"))


class RpmSource(Source):
    """Installed RPM packages of `<root>`, with epoch:version-release as rpm prints them."""

    name = "rpm"

    def available(self) -> bool:
        return self._database() is not None

    def _database(self) -> Optional[str]:
        for relative in DB_DIRS:
            directory = os.path.join(self.root, relative)
            if any(os.path.isfile(os.path.join(directory, name)) for name in DB_FILES):
                return "/" + relative
        return None

    def collect(self) -> SourceResult:
        database = self._database() or "/" + DB_DIRS[-1]
        where = os.path.join(self.root, database.lstrip("/"))
        tool = shutil.which("rpm")
        if tool is None:
            return _failed("an rpm database is present but the rpm tool is not installed", where)
        command = [
            tool,
            "--root",
            self.root,
            "--dbpath",
            database,
            "-qa",
            "--queryformat",
            QUERY_FORMAT,
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            return _failed(
                f"rpm -qa did not finish within {TIMEOUT_SECONDS} s (database locked?)", where
            )
        except OSError as err:
            return _failed(f"cannot run rpm: {err.strerror}", where)
        stdout = done.stdout.decode("utf-8", errors="replace")
        items, errors = parse_query_output(stdout, where)
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
            message = detail[0] if detail else f"exit status {done.returncode}"
            errors.append(SourceError(self.name, f"rpm -qa failed: {message}", where))
        errors.extend(add_repositories(self.root, items))
        return SourceResult(items, errors)


def _failed(message: str, path: str) -> SourceResult:
    return SourceResult(errors=[SourceError("rpm", message, path)])


def parse_query_output(text: str, path: str) -> Tuple[List[SoftwareItem], List[SourceError]]:
    """Items from the output of `rpm -qa --queryformat QUERY_FORMAT`; bad lines become errors."""
    items: List[SoftwareItem] = []
    errors: List[SourceError] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line:
            continue
        values = line.split("\t")
        if len(values) != len(TAGS):
            errors.append(
                SourceError(
                    "rpm",
                    f"output line {number}: expected {len(TAGS)} fields, got "
                    f"{len(values)}: {line[:80]!r}",
                    path,
                )
            )
            continue
        fields = {
            tag: (None if value == "(none)" or not value else value)
            for tag, value in zip(TAGS, values)
        }
        if fields["NAME"] in PSEUDO_PACKAGES or not fields["NAME"] or not fields["VERSION"]:
            continue
        items.append(_item(fields))
    return items, errors


def _item(fields: dict) -> SoftwareItem:
    epoch, version, release = fields["EPOCH"], fields["VERSION"], fields["RELEASE"]
    full = (f"{epoch}:" if epoch else "") + version + (f"-{release}" if release else "")
    extra = {
        key: fields[tag]
        for key, tag in (
            ("epoch", "EPOCH"),
            ("release", "RELEASE"),
            ("packager", "PACKAGER"),
            ("homepage", "URL"),
        )
        if fields[tag]
    }
    if fields["SOURCERPM"]:
        extra["source_package"] = _source_name(fields["SOURCERPM"])
    provenance = {
        key: fields[tag][:MAX_VALUE]
        for key, tag in (("vendor", "VENDOR"), ("packager", "PACKAGER"), ("distribution", "DISTRIBUTION"))
        if fields[tag]
    }
    key_id = _KEY_ID.search(fields["SIGNATURE"] or "")
    if key_id:
        provenance["signing_key"] = key_id.group(1).lower()
    return SoftwareItem(
        name=fields["NAME"],
        version=full,
        source="rpm",
        publisher=fields["VENDOR"] or person_name(fields["PACKAGER"]),
        arch=fields["ARCH"],
        install_date=_timestamp(fields["INSTALLTIME"]),
        id=fields["NAME"],
        scope="system",
        extra=extra,
        provenance=provenance,
    )


def _source_name(source_rpm: str) -> str:
    """'glibc-2.34-60.el9.src.rpm' -> 'glibc' (name is everything before version-release)."""
    stem = source_rpm[: -len(".src.rpm")] if source_rpm.endswith(".src.rpm") else source_rpm
    parts = stem.rsplit("-", 2)
    return parts[0] if len(parts) == 3 else stem


def _timestamp(value: Optional[str]) -> Optional[str]:
    if not value or not value.isdigit():
        return None
    return rfc3339(int(value))
