"""Host, hardware and network facts for the report; OS-specific parts are agent/_host_<os>.py."""

from __future__ import annotations

import os
import socket
import sys
import uuid
from importlib import import_module
from typing import Dict, List, Optional, Tuple

from agent.paths import state_dir
from agent.sources.base import SourceError, rfc3339

_PLATFORM_MODULES = {
    "linux": "agent._host_linux",
    "win32": "agent._host_windows",
    "darwin": "agent._host_macos",
}
_FAMILIES = {"linux": "linux", "win32": "windows", "darwin": "macos"}
GENERATED_ID_FILE = "host-id"
# Network and pseudo file systems: sizing them can hang (NFS) or means nothing (overlay, squashfs).
_SKIPPED_FSTYPES = frozenset(
    "nfs nfs4 cifs smbfs smb3 sshfs squashfs overlay tmpfs devtmpfs autofs 9p afs ceph glusterfs".split()
)


def collect_host(
    root: str = "/", platform: str = sys.platform
) -> Tuple[dict, dict, dict, List[SourceError]]:
    """(host, hardware, network, errors) for the report. Under a --root other than "/", only facts
    of that root (id, hostname, OS) are reported: this machine's hardware is not the image's."""
    errors: List[SourceError] = []
    key = "linux" if platform.startswith("linux") else platform
    module = _platform_module(key, errors)
    live = os.path.abspath(root) == "/"

    # Only the Linux module reads a --root; the others read their own live system.
    rooted = (root,) if key == "linux" else ()
    identity = _call(module, "host_id", errors, *rooted) if module else None
    if not identity:
        identity = _generated_id(root, live, errors)
    os_facts = _call(module, "os_facts", errors, *rooted) if module else None
    host: Dict[str, object] = {"id": identity[0], "id_source": identity[1]}
    host.update(_names(root, live))
    if live:
        host["boot_time"] = _boot_time()
    host["os"] = os_facts or {"family": _FAMILIES.get(key, key)}
    if not live:
        return _prune(host), {}, {"interfaces": []}, errors

    hardware = _hardware()
    platform_hardware = _call(module, "hardware_facts", errors) if module else None
    hardware.update(platform_hardware or {})
    return _prune(host), _prune(hardware), {"interfaces": _interfaces()}, errors


def _platform_module(key: str, errors: List[SourceError]):
    name = _PLATFORM_MODULES.get(key)
    if name is None:
        errors.append(SourceError("host", f"unsupported platform {key!r}: OS facts left out"))
        return None
    try:
        return import_module(name)
    except ImportError as err:
        errors.append(SourceError("host", f"cannot load {name}: {err}"))
        return None


def _call(module, function: str, errors: List[SourceError], *args):
    """Platform modules differ in what they can read; one failing fact must not cost the report."""
    func = getattr(module, function, None)
    if func is None:
        return None
    try:
        return func(*args)
    except Exception as err:  # noqa: BLE001 - reported, never fatal
        errors.append(SourceError("host", f"{function} failed: {type(err).__name__}: {err}"))
        return None


def _generated_id(root: str, live: bool, errors: List[SourceError]) -> Tuple[str, str]:
    """No machine id: a random UUID kept (0600) in the state directory, so the host stays itself."""
    if not live:
        # Never write the live machine's state on behalf of an image: derive from the mount path.
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "file://" + os.path.abspath(root))), "generated"
    path = os.path.join(state_dir(), GENERATED_ID_FILE)
    try:
        with open(path, encoding="ascii") as handle:
            value = handle.read().strip()
        if value:
            return value, "generated"
    except OSError:
        pass
    value = str(uuid.uuid4())
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(value + "\n")
    except OSError as err:
        errors.append(
            SourceError("host", f"cannot persist generated host id: {err.strerror}", path)
        )
    return value, "generated"


def _names(root: str, live: bool) -> Dict[str, str]:
    if not live:
        try:
            with open(os.path.join(root, "etc", "hostname"), encoding="utf-8") as handle:
                return {"hostname": handle.read().strip()}
        except OSError:
            return {}
    hostname = socket.gethostname()
    names = {"hostname": hostname.split(".", 1)[0]}
    fqdn = _fqdn(hostname)
    if fqdn:
        names["fqdn"] = fqdn
    return names


def _fqdn(hostname: str) -> Optional[str]:
    """The canonical name from resolution (hosts file first on most systems); None if not a FQDN."""
    if "." in hostname:
        return hostname
    try:
        infos = socket.getaddrinfo(hostname, None, 0, socket.SOCK_DGRAM, 0, socket.AI_CANONNAME)
    except OSError:
        return None
    for info in infos:
        if "." in info[3]:
            return info[3]
    return None


def _boot_time() -> Optional[str]:
    import psutil

    return rfc3339(psutil.boot_time())


def _hardware() -> Dict[str, object]:
    import psutil

    disks = []
    for part in psutil.disk_partitions(all=False):
        if part.fstype in _SKIPPED_FSTYPES or part.fstype.startswith("fuse"):
            continue
        try:
            size = psutil.disk_usage(part.mountpoint).total
        except OSError:
            continue
        disks.append(
            {
                "device": part.device,
                "mount": part.mountpoint,
                "fstype": part.fstype,
                "size_bytes": size,
            }
        )
    return {
        "cpu_cores": psutil.cpu_count(logical=False),
        "cpu_threads": psutil.cpu_count(logical=True),
        "memory_bytes": psutil.virtual_memory().total,
        "disks": disks,
    }


def _interfaces() -> List[Dict[str, object]]:
    import psutil

    interfaces = []
    for name, addresses in sorted(psutil.net_if_addrs().items()):
        entry: Dict[str, object] = {"name": name}
        listed = []
        for address in addresses:
            if address.family == psutil.AF_LINK:
                if address.address and address.address != "00:00:00:00:00:00":
                    entry["mac"] = address.address.lower()
            elif address.family in (socket.AF_INET, socket.AF_INET6):
                listed.append(_with_prefix(address.address, address.netmask))
        if name == "lo" or (not listed and "mac" not in entry):
            continue
        entry["addresses"] = listed
        interfaces.append(entry)
    return interfaces


def _with_prefix(address: str, netmask: Optional[str]) -> str:
    """'10.0.0.5' + '255.255.255.0' -> '10.0.0.5/24' (IPv6 likewise; zone suffixes dropped)."""
    address = address.split("%", 1)[0]
    if not netmask:
        return address
    family = socket.AF_INET6 if ":" in netmask else socket.AF_INET
    try:
        packed = socket.inet_pton(family, netmask)
    except OSError:
        return address
    return f"{address}/{sum(bin(byte).count('1') for byte in packed)}"


def _prune(facts: Dict[str, object]) -> Dict[str, object]:
    """Unknown values are left out rather than sent as null (docs/report-format.md)."""
    return {key: value for key, value in facts.items() if value is not None and value != ""}
