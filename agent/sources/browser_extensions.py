"""Browser extensions of every user and profile: the Chromium family from Preferences, Firefox from extensions.json.

Foreign code with access to everything a user types can sit in a browser on a machine free of foreign
programs, so each extension is an item of its own (source `browser-extension`), with the browser, profile,
user, install source, enabled state and requested permissions (docs/report-format.md, "Extensions").
Only files are read: no browser is started, and a profile in use is read as last written.
"""

from __future__ import annotations

import configparser
import os
import sys
from typing import Dict, Iterator, List, Optional, Tuple

from agent.sources.base import SoftwareItem, Source, SourceError, SourceResult, rfc3339
from agent.sources.user_homes import Home, listdir, read_user_file, read_user_json, shown, text, user_homes

SOURCE = "browser-extension"
LINUX, WINDOWS, MACOS = "linux", "win32", "darwin"
# Each browser's user data directory under a home, per platform (the folder holding `Local State`).
CHROMIUM: Dict[str, Dict[str, Tuple[str, ...]]] = {
    "Google Chrome": {LINUX: (".config/google-chrome",), WINDOWS: ("AppData/Local/Google/Chrome/User Data",),
                      MACOS: ("Library/Application Support/Google/Chrome",)},
    "Chromium": {LINUX: (".config/chromium", "snap/chromium/common/chromium"),
                 WINDOWS: ("AppData/Local/Chromium/User Data",), MACOS: ("Library/Application Support/Chromium",)},
    "Microsoft Edge": {LINUX: (".config/microsoft-edge",), WINDOWS: ("AppData/Local/Microsoft/Edge/User Data",),
                       MACOS: ("Library/Application Support/Microsoft Edge",)},
    "Yandex Browser": {LINUX: (".config/yandex-browser", ".config/yandex-browser-beta"),
                       WINDOWS: ("AppData/Local/Yandex/YandexBrowser/User Data",),
                       MACOS: ("Library/Application Support/Yandex/YandexBrowser",)},
    "Brave": {LINUX: (".config/BraveSoftware/Brave-Browser",),
              WINDOWS: ("AppData/Local/BraveSoftware/Brave-Browser/User Data",),
              MACOS: ("Library/Application Support/BraveSoftware/Brave-Browser",)},
    # Opera's data directory is its only profile: `Local State` and `Preferences` side by side.
    "Opera": {LINUX: (".config/opera",), WINDOWS: ("AppData/Roaming/Opera Software/Opera Stable",),
              MACOS: ("Library/Application Support/com.operasoftware.Opera",)},
    "Vivaldi": {LINUX: (".config/vivaldi",), WINDOWS: ("AppData/Local/Vivaldi/User Data",),
                MACOS: ("Library/Application Support/Vivaldi",)},
    # CryptoPro's GOST build: its Linux launcher passes --user-data-dir=$HOME/.config/chromium-gost.
    "Chromium-Gost": {LINUX: (".config/chromium-gost",)},
}
FIREFOX: Dict[str, Tuple[str, ...]] = {
    LINUX: (".mozilla/firefox", "snap/firefox/common/.mozilla/firefox",
            ".var/app/org.mozilla.firefox/.mozilla/firefox"),
    WINDOWS: ("AppData/Roaming/Mozilla/Firefox",),
    MACOS: ("Library/Application Support/Firefox",),
}
# Chromium's ManifestLocation (extensions/common/mojom/manifest.mojom) as the install source reported.
COMPONENT_LOCATIONS = {5}  # compiled into the browser (its PDF viewer, its web store): part of the browser
LOCATIONS = {1: "store", 2: "sideloaded", 3: "sideloaded", 4: "unpacked", 6: "sideloaded", 7: "policy",
             8: "unpacked", 9: "policy", 10: "bundled"}
# Firefox: where the add-on lives (XPIProvider locations) and how it came (installTelemetryInfo.source).
FIREFOX_BUILTIN = {"app-builtin", "app-system-defaults", "app-system-addons"}
FIREFOX_SIDELOADED = {"app-system-share", "app-system-local", "app-global", "app-system-user", "winreg-app-user",
                      "winreg-app-global"}
FIREFOX_ORIGINS = {"amo": "store", "disco": "store", "enterprise-policy": "policy", "file-url": "sideloaded",
                   "about:debugging": "unpacked", "temporary-addon": "unpacked", "system-addon": "bundled"}
WEBKIT_EPOCH = 11644473600  # seconds from 1601-01-01 (Chromium's install_time) to 1970-01-01
MAX_PERMISSIONS = 1024  # an `extra` value's limit in the contract


class BrowserExtensionSource(Source):
    """Extensions of the Chromium-family browsers and Firefox in every user's home under the root."""

    name = SOURCE

    def __init__(self, root: str = "/", platform: str = sys.platform) -> None:
        super().__init__(root)
        self.platform = LINUX if platform.startswith("linux") else platform

    def data_dirs(self) -> Iterator[Tuple[Home, str, str, bool]]:
        """(home, browser, data directory, is Firefox) of each browser some user has used."""
        for home in user_homes(self.root, self.platform):
            for browser, places in CHROMIUM.items():
                for relative in places.get(self.platform, ()):
                    directory = os.path.join(home.path, *relative.split("/"))
                    if os.path.isfile(os.path.join(directory, "Local State")):
                        yield home, browser, directory, False
            for relative in FIREFOX.get(self.platform, ()):
                directory = os.path.join(home.path, *relative.split("/"))
                if os.path.isfile(os.path.join(directory, "profiles.ini")):
                    yield home, "Firefox", directory, True

    def available(self) -> bool:
        return next(iter(self.data_dirs()), None) is not None

    def collect(self) -> SourceResult:
        result = SourceResult()
        for home, browser, directory, firefox in self.data_dirs():
            reader = _firefox_profiles if firefox else _chromium_profiles
            extensions = _firefox_extensions if firefox else _chromium_extensions
            try:
                profiles = reader(home, directory)
            except (OSError, ValueError) as err:
                result.errors.append(SourceError(SOURCE, f"{browser}: {err}", shown(self.root, directory)))
                continue
            for profile, path in profiles:  # a broken profile costs only itself
                try:
                    items = list(extensions(home, browser, profile, path, result.errors))
                except (OSError, ValueError) as err:
                    result.errors.append(SourceError(SOURCE, f"{browser}: {err}", shown(self.root, path)))
                    continue
                for item in items:
                    if not firefox:  # Firefox records the system's own path already
                        item.location = shown(self.root, item.location)
                    result.items.append(item)
        return result


def _chromium_profiles(home: Home, directory: str) -> List[Tuple[str, str]]:
    """(profile folder name, its path) of each profile: `Local State` lists them, Opera's folder is its own."""
    state = read_user_json(home, os.path.join(directory, "Local State")) or {}
    cache = state.get("profile", {}).get("info_cache") if isinstance(state, dict) else None
    names = sorted(cache) if isinstance(cache, dict) else []
    if not names:
        names = [entry for entry in listdir(directory) if entry == "Default" or entry.startswith("Profile ")]
    found = [(name, os.path.join(directory, name)) for name in names
             if "/" not in name and "\\" not in name and name not in ("", ".", "..")]
    found = [(name, path) for name, path in found if os.path.isfile(os.path.join(path, "Preferences"))]
    if not found and os.path.isfile(os.path.join(directory, "Preferences")):
        found.append(("Default", directory))
    return found


def _chromium_extensions(home: Home, browser: str, profile: str, path: str,
                         errors: List[SourceError]) -> Iterator[SoftwareItem]:
    """Items for a Chromium profile's `extensions.settings`, from Preferences and Secure Preferences merged."""
    settings: Dict[str, dict] = {}
    for name in ("Preferences", "Secure Preferences"):
        document = read_user_json(home, os.path.join(path, name))
        found = document.get("extensions", {}).get("settings") if isinstance(document, dict) else None
        for ext_id, entry in (found.items() if isinstance(found, dict) else ()):
            if isinstance(entry, dict):
                settings.setdefault(ext_id, {}).update(entry)
    for ext_id in sorted(settings):
        entry = settings[ext_id]
        location = entry.get("location")
        if location in COMPONENT_LOCATIONS or not isinstance(entry.get("path"), str):
            continue  # built into the browser, or a pref left by an extension no longer installed
        folder = entry["path"] if os.path.isabs(entry["path"]) else os.path.join(path, "Extensions", entry["path"])
        manifest = entry.get("manifest") if isinstance(entry.get("manifest"), dict) else None
        try:
            manifest = read_user_json(home, os.path.join(folder, "manifest.json")) or manifest
        except (OSError, ValueError) as err:
            errors.append(SourceError(SOURCE, f"{browser} {profile} {ext_id}: {err}"))
        if not isinstance(manifest, dict):
            manifest = {}
        if "theme" in manifest:
            continue  # a theme carries colours and images, no code
        yield _chromium_item(home, browser, profile, ext_id, entry, manifest, folder, errors)


def _chromium_item(home: Home, browser: str, profile: str, ext_id: str, entry: dict, manifest: dict,
                   folder: str, errors: List[SourceError]) -> SoftwareItem:
    messages = _messages(home, folder, manifest, errors)
    name = _localized(manifest.get("name"), messages) or ext_id
    extra = {"enabled": "true" if _chromium_enabled(entry) else "false"}
    permissions = [p for key in ("permissions", "host_permissions") for p in _strings(manifest.get(key))]
    if permissions:
        extra["permissions"] = _joined(permissions)
    for key, field in (("update_url", "update_url"), ("homepage_url", "homepage")):
        if isinstance(manifest.get(key), str) and manifest[key]:
            extra[field] = manifest[key][:MAX_PERMISSIONS]
    source = LOCATIONS.get(entry.get("location"))
    if source == "store" and entry.get("from_webstore") is False:
        source = "sideloaded"  # an internal install not from the store: a .crx opened by hand
    if source == "sideloaded" and (entry.get("was_installed_by_default") or entry.get("was_installed_by_oem")):
        source = "bundled"
    author = manifest.get("author")
    return SoftwareItem(
        name=name[:512], version=text(manifest.get("version")) or text(entry.get("path", "").rsplit("/", 1)[-1]),
        source=SOURCE, publisher=text(author) if isinstance(author, str) else None,
        install_date=_webkit_time(entry.get("install_time") or entry.get("first_install_time")),
        id=ext_id, scope="user", user=home.user, location=folder, extra=extra,
        application=browser, profile=profile, install_source=source,
    )


def _chromium_enabled(entry: dict) -> bool:
    """Enabled unless a disable reason is recorded (a bit mask, newer builds a list) or the older `state` is 0."""
    reasons = entry.get("disable_reasons")
    if reasons:
        return False
    return entry.get("state", 1) != 0


def _messages(home: Home, folder: str, manifest: dict, errors: List[SourceError]) -> Dict[str, str]:
    """The default locale's messages (lowercase keys), only when the name is a `__MSG_…__` placeholder."""
    name, locale = manifest.get("name"), manifest.get("default_locale")
    if not (isinstance(name, str) and name.startswith("__MSG_") and isinstance(locale, str)):
        return {}
    if not locale or any(c in locale for c in "/\\."):
        return {}
    path = os.path.join(folder, "_locales", locale, "messages.json")
    try:
        document = read_user_json(home, path)
    except (OSError, ValueError) as err:
        errors.append(SourceError(SOURCE, str(err)))
        return {}
    if not isinstance(document, dict):
        return {}
    return {key.lower(): value["message"] for key, value in document.items()
            if isinstance(value, dict) and isinstance(value.get("message"), str)}


def _localized(value: object, messages: Dict[str, str]) -> Optional[str]:
    """`__MSG_appName__` resolved from the messages (Chrome matches keys case-insensitively)."""
    if not isinstance(value, str):
        return None
    if value.startswith("__MSG_") and value.endswith("__"):
        return text(messages.get(value[6:-2].lower()))
    return text(value)


def _firefox_profiles(home: Home, directory: str) -> List[Tuple[str, str]]:
    """(profile name, its path) of each [Profile*] section of profiles.ini."""
    data = read_user_file(home, os.path.join(directory, "profiles.ini")) or b""
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(data.decode("utf-8", "replace"))
    except configparser.Error as err:
        raise ValueError(f"profiles.ini: {type(err).__name__}") from None
    found = []
    for section in parser.sections():
        if not section.startswith("Profile") or not parser.get(section, "Path", fallback=""):
            continue
        relative = parser.get(section, "IsRelative", fallback="1") != "0"
        place = parser.get(section, "Path")
        path = os.path.join(directory, *place.split("/")) if relative else place
        found.append((parser.get(section, "Name", fallback=place) or place, path))
    return found


def _firefox_extensions(home: Home, browser: str, profile: str, path: str,
                        errors: List[SourceError]) -> Iterator[SoftwareItem]:
    """Items for the extensions of a Firefox profile's extensions.json (built-in add-ons, themes and
    dictionaries left out)."""
    try:
        document = read_user_json(home, os.path.join(path, "extensions.json"))
    except (OSError, ValueError) as err:
        errors.append(SourceError(SOURCE, f"{browser} {profile}: {err}"))
        return
    addons = document.get("addons") if isinstance(document, dict) else None
    for addon in addons if isinstance(addons, list) else ():
        if not isinstance(addon, dict) or addon.get("type") != "extension" or not text(addon.get("id")):
            continue
        if addon.get("location") in FIREFOX_BUILTIN:
            continue
        yield _firefox_item(home, browser, profile, addon)


def _firefox_item(home: Home, browser: str, profile: str, addon: dict) -> SoftwareItem:
    locale = addon.get("defaultLocale") if isinstance(addon.get("defaultLocale"), dict) else {}
    telemetry = addon.get("installTelemetryInfo") if isinstance(addon.get("installTelemetryInfo"), dict) else {}
    source = FIREFOX_ORIGINS.get(telemetry.get("source"))
    if addon.get("location") in FIREFOX_SIDELOADED:
        source = "policy" if source == "policy" else "sideloaded"
    enabled = bool(addon.get("active", not addon.get("userDisabled")))
    extra = {"enabled": "true" if enabled else "false"}
    granted = addon.get("userPermissions") if isinstance(addon.get("userPermissions"), dict) else {}
    permissions = _strings(granted.get("permissions")) + _strings(granted.get("origins"))
    if permissions:
        extra["permissions"] = _joined(permissions)
    if text(addon.get("sourceURI")):
        extra["source_uri"] = addon["sourceURI"][:MAX_PERMISSIONS]
    installed = addon.get("installDate")
    return SoftwareItem(
        name=(text(locale.get("name")) or addon["id"])[:512], version=text(addon.get("version")), source=SOURCE,
        publisher=text(locale.get("creator")),
        install_date=rfc3339(installed / 1000) if isinstance(installed, (int, float)) and installed > 0 else None,
        id=addon["id"], scope="user", user=home.user, location=text(addon.get("path")), extra=extra,
        application=browser, profile=profile, install_source=source,
    )


def _strings(value: object) -> List[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _joined(permissions: List[str]) -> str:
    """Permissions in order, once each, space-separated, cut at a whole one within the contract's limit."""
    out: List[str] = []
    size = 0
    for permission in dict.fromkeys(permissions):
        if size + len(permission) + bool(out) > MAX_PERMISSIONS:
            break
        out.append(permission)
        size += len(permission) + (len(out) > 1)
    return " ".join(out)


def _webkit_time(value: object) -> Optional[str]:
    """Chromium's install_time (microseconds since 1601, as a string) as RFC 3339."""
    try:
        seconds = int(str(value)) / 1_000_000 - WEBKIT_EPOCH
    except ValueError:
        return None
    return rfc3339(seconds) if 0 < seconds < 32503680000 else None
