"""Software sources: one module per package database or application store, chosen at run time.

The path tells what inventories what, as in the GLPI agent: `linux/`, `macos/` and `windows/` hold each
platform's own sources; `homebrew.py` sits beside them because Homebrew serves macOS and Linux alike.
Modules are named by dotted path and imported only when their platform applies, so a Linux run never
imports Windows code (and a missing or broken module becomes a report error, not a crash).
"""

from __future__ import annotations

import os
import sys
from importlib import import_module
from typing import List, Tuple

from agent.sources.base import Source, SourceError

HOMEBREW = "agent.sources.homebrew:HomebrewSource"
# Per-user browser and IDE extensions: the same modules on every platform, each knowing its paths.
EXTENSIONS = [
    "agent.sources.browser_extensions:BrowserExtensionSource",
    "agent.sources.ide_extensions:IdeExtensionSource",
]
SOURCES = {
    "linux": [
        "agent.sources.linux.dpkg:DpkgSource",
        "agent.sources.linux.rpm:RpmSource",
        "agent.sources.linux.snap:SnapSource",
        "agent.sources.linux.flatpak:FlatpakSource",
    ],
    "win32": ["agent.sources.windows.uninstall:UninstallSource", "agent.sources.windows.msix:MsixSource"],
    "darwin": [
        "agent.sources.macos.apps:MacAppsSource",
        "agent.sources.macos.pkgutil:PkgutilSource",
        HOMEBREW,
    ],
}
for _specs in SOURCES.values():
    _specs.extend(EXTENSIONS)
# Homebrew on Linux ("Linuxbrew") lives here; only then is the module worth loading.
LINUXBREW_PREFIX = "home/linuxbrew/.linuxbrew"


def source_specs(root: str = "/", platform: str = sys.platform) -> List[str]:
    """Dotted `module:Class` paths of the sources that apply to this platform (and root)."""
    key = "linux" if platform.startswith("linux") else platform
    specs = list(SOURCES.get(key, []))
    if key == "linux" and os.path.isdir(os.path.join(root, LINUXBREW_PREFIX)):
        specs.insert(len(specs) - len(EXTENSIONS), HOMEBREW)
    return specs


def load_source(spec: str, root: str = "/") -> Source:
    """Import `module:Class` and instantiate it for `root`."""
    module_name, _, class_name = spec.partition(":")
    return getattr(import_module(module_name), class_name)(root)


def sources_for(
    root: str = "/", platform: str = sys.platform
) -> Tuple[List[Source], List[SourceError]]:
    """The sources present on this machine, plus an error for each that failed to load or probe."""
    sources: List[Source] = []
    errors: List[SourceError] = []
    for spec in source_specs(root, platform):
        try:
            source = load_source(spec, root)
            if source.available():
                sources.append(source)
        except Exception as err:  # noqa: BLE001 - one broken source must not cost the others
            errors.append(
                SourceError(
                    spec.partition(":")[0].rsplit(".", 1)[-1],
                    f"cannot load {spec}: {type(err).__name__}: {err}",
                )
            )
    return sources, errors
