"""Browser and IDE profiles laid out as the browsers and IDEs write them, for tests and bench/collect.py.

The files carry the keys real ones carry (a Chrome 131 Preferences, a Firefox 133 extensions.json, a
VS Code 1.95 extensions.json, a JetBrains plugin jar), trimmed of what the agent never reads.
`sample_machine` builds two users with extensions in Chrome, Yandex Browser and Firefox, plus VS Code and
a JetBrains IDE, and returns what the agent must find there.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

# Chrome's own component extensions, listed in Preferences but part of the browser (location 5).
COMPONENTS = {
    "mhjfbmdgcfjbbpaeojofohoefgiehjai": {"location": 5, "path": "/opt/google/chrome/resources/pdf",
                                         "manifest": {"name": "Chrome PDF Viewer", "version": "1"}},
    "nkeimhogjdpnpccoofpliimaahmaaome": {"location": 5, "path": "/opt/google/chrome/resources/hangout_services",
                                         "manifest": {"name": "Google Hangouts", "version": "1.3.21"}},
}


def _write(path: Path, document) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")


def chromium_extension(profile: Path, ext_id: str, manifest: dict, messages: Optional[Dict[str, str]] = None,
                       location: int = 1, from_webstore: bool = True, state: Optional[int] = 1,
                       disable_reasons=None, unpacked_at: Optional[Path] = None) -> dict:
    """Install one extension's files under `profile`/Extensions (an unpacked one at `unpacked_at`, which
    Preferences names by its absolute path) and return its `extensions.settings` entry."""
    version_dir = f"{manifest['version']}_0"
    folder = unpacked_at or profile / "Extensions" / ext_id / version_dir
    _write(folder / "manifest.json", manifest)
    if messages:
        locale = manifest["default_locale"]
        _write(folder / "_locales" / locale / "messages.json",
               {key: {"message": text, "description": "Extension name"} for key, text in messages.items()})
    entry = {
        "active_permissions": {"api": manifest.get("permissions", []), "explicit_host": [],
                               "manifest_permissions": [], "scriptable_host": []},
        "commands": {}, "content_settings": [], "creation_flags": 9 if from_webstore else 1,
        "first_install_time": "13370000000000000", "from_webstore": from_webstore,
        "incognito_content_settings": [], "incognito_preferences": {}, "last_update_time": "13375000000000000",
        "location": location, "newAllowFileAccess": True, "preferences": {},
        "path": str(unpacked_at) if unpacked_at else f"{ext_id}/{version_dir}",
        "regular_only_preferences": {}, "was_installed_by_default": False, "was_installed_by_oem": False,
        "withholding_permissions": False,
    }
    if state is not None:
        entry["state"] = state
    if disable_reasons is not None:
        entry["disable_reasons"] = disable_reasons
    return entry


def chromium_profile(data_dir: Path, profile: str, display: str, settings: Dict[str, dict],
                     secure: bool = False) -> Path:
    """Write a profile's Preferences (or Secure Preferences, as on Windows and macOS) and list it in Local State."""
    folder = data_dir / profile
    prefs = {"browser": {"has_seen_welcome_page": True}, "profile": {"name": display, "avatar_index": 26},
             "extensions": {"alerts": {"initialized": True}, "chrome_url_overrides": {}, "last_chrome_version":
                            "131.0.6778.85"}}
    settings = {**COMPONENTS, **settings}
    if secure:
        _write(folder / "Preferences", prefs)
        _write(folder / "Secure Preferences", {"extensions": {"settings": settings}, "protection": {"macs": {}}})
    else:
        prefs["extensions"]["settings"] = settings
        _write(folder / "Preferences", prefs)
    state_path = data_dir / "Local State"
    state = json.loads(state_path.read_text("utf-8")) if state_path.exists() else {
        "browser": {"enabled_labs_experiments": []}, "profile": {"info_cache": {}, "last_used": profile}}
    state["profile"]["info_cache"][profile] = {"active_time": 1733130000.0, "name": display,
                                               "is_using_default_name": display.startswith("Person")}
    _write(state_path, state)
    return folder


def firefox_profile(ff_dir: Path, name: str, folder: str, addons: List[dict]) -> Path:
    """Add a profile to profiles.ini and write its extensions.json with `addons` (plus Firefox's built-ins)."""
    ini = ff_dir / "profiles.ini"
    text = ini.read_text("utf-8") if ini.exists() else "[General]\nStartWithLastProfile=1\nVersion=2\n"
    index = text.count("[Profile")
    text += f"\n[Profile{index}]\nName={name}\nIsRelative=1\nPath={folder}\n" + ("Default=1\n" if not index else "")
    _write(ini, text)
    builtins = [
        _firefox_addon("formautofill@mozilla.org", "Form Autofill", "1.0.1", "app-builtin", None),
        _firefox_addon("default-theme@mozilla.org", "System theme — auto", "1.4", "app-builtin", None,
                       kind="theme"),
        _firefox_addon("ru@dictionaries.addons.mozilla.org", "Russian spellchecking dictionary", "0.4.5.1webext",
                       "app-profile", "amo", kind="dictionary"),
    ]
    _write(ff_dir / folder / "extensions.json", {"schemaVersion": 36, "addons": addons + builtins})
    return ff_dir / folder


def _firefox_addon(addon_id: str, name: str, version: str, location: str, origin: Optional[str],
                   kind: str = "extension", active: bool = True, creator: Optional[str] = None,
                   permissions: Tuple[List[str], List[str]] = ([], []), path: str = "") -> dict:
    addon = {
        "id": addon_id, "syncGUID": "{3c1f4e2a-7b5d-4f0e-9a8c-2d6b1e0f9a7c}", "version": version, "type": kind,
        "loader": None, "updateURL": None, "installOrigins": None, "manifestVersion": 2,
        "defaultLocale": {"name": name, "description": None, "creator": creator, "homepageURL": None,
                          "developers": None, "translators": None, "contributors": None},
        "visible": True, "active": active, "userDisabled": not active, "appDisabled": False,
        "embedderDisabled": False, "installDate": 1730000000000, "updateDate": 1731000000000,
        "applyBackgroundUpdates": 1, "path": path or None, "skinnable": False, "softDisabled": False,
        "foreignInstall": location != "app-profile", "strictCompatibility": True, "locales": [],
        "targetApplications": [{"id": "toolkit@mozilla.org", "minVersion": "115.0", "maxVersion": None}],
        "signedState": 2, "seen": True, "dependencies": [], "incognito": "spanning",
        "userPermissions": {"permissions": permissions[0], "origins": permissions[1]},
        "optionalPermissions": {"permissions": [], "origins": []}, "hidden": False, "location": location,
    }
    if origin:
        addon["installTelemetryInfo"] = {"source": origin, "method": "amWebAPI"}
    if origin == "amo":
        addon["sourceURI"] = f"https://addons.mozilla.org/firefox/downloads/file/4391011/{addon_id}-{version}.xpi"
    return addon


firefox_addon = _firefox_addon


def vscode_extensions(folder: Path, extensions: List[dict], obsolete: Tuple[str, ...] = ()) -> None:
    """Write a VS Code extensions folder: each extension's package.json (and package.nls.json) plus
    extensions.json, with the `obsolete` folders present on disk but marked in `.obsolete`."""
    listed = []
    for ext in extensions:
        publisher, name, version = ext["publisher"], ext["name"], ext["version"]
        relative = f"{publisher.lower()}.{name.lower()}-{version}"
        package = {"name": name, "displayName": ext["displayName"], "publisher": publisher, "version": version,
                   "engines": {"vscode": "^1.90.0"}, "categories": ["Other"]}
        _write(folder / relative / "package.json", package)
        if ext.get("nls"):
            _write(folder / relative / "package.nls.json", ext["nls"])
        listed.append({
            "identifier": {"id": f"{publisher.lower()}.{name.lower()}",
                           "uuid": "23c4aeee-f844-43cd-b53e-1113e483f1a6"},
            "version": version,
            "location": {"$mid": 1, "path": str(folder / relative), "scheme": "file"},
            "relativeLocation": relative,
            "metadata": {"installedTimestamp": 1730000000000, "pinned": False, "source": ext.get("source", "gallery"),
                         "id": "23c4aeee-f844-43cd-b53e-1113e483f1a6", "publisherId": "7c1c19cd-78eb-4dfb-8999",
                         "publisherDisplayName": ext.get("publisherDisplayName", publisher),
                         "targetPlatform": "undefined", "updated": False, "isPreReleaseVersion": False,
                         "hasPreReleaseVersion": False, "isApplicationScoped": False, "isMachineScoped": False,
                         "isBuiltin": False, "preRelease": False},
        })
    for relative in obsolete:
        _write(folder / relative / "package.json", {"name": "old", "publisher": "old", "version": "0.1.0"})
    _write(folder / "extensions.json", listed)
    if obsolete:
        _write(folder / ".obsolete", {relative: True for relative in obsolete})


def jetbrains_plugin(plugins: Path, folder: str, plugin_id: str, name: str, version: str, vendor: str) -> None:
    """A plugin folder as the IDE unpacks it: <folder>/lib/<folder>.jar holding META-INF/plugin.xml."""
    lib = plugins / folder / "lib"
    lib.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(lib / "dependency.jar", "w") as jar:
        jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
    with zipfile.ZipFile(lib / f"{folder}.jar", "w") as jar:
        jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        jar.writestr("META-INF/plugin.xml", (
            '<idea-plugin require-restart="true">\n'
            f"  <id>{plugin_id}</id>\n  <name>{name}</name>\n  <version>{version}</version>\n"
            f'  <vendor url="https://example.invalid">{vendor}</vendor>\n'
            '  <idea-version since-build="241" until-build="243.*"/>\n'
            "  <depends>com.intellij.modules.platform</depends>\n</idea-plugin>\n"))


TRANSLATE = {"manifest_version": 3, "name": "__MSG_extName__", "default_locale": "en", "version": "2.0.14",
             "description": "__MSG_extDescription__", "permissions": ["activeTab", "contextMenus", "storage"],
             "host_permissions": ["<all_urls>"],
             "update_url": "https://clients2.google.com/service/update2/crx"}
GRAMMARLY = {"manifest_version": 3, "name": "Grammarly: AI Writing and Grammar Checker App", "version": "14.1195.0",
             "author": "Grammarly", "permissions": ["tabs", "storage", "scripting", "cookies"],
             "host_permissions": ["<all_urls>"],
             "update_url": "https://clients2.google.com/service/update2/crx"}
ZOOM = {"manifest_version": 3, "name": "__MSG_APP_NAME__", "default_locale": "en", "version": "2.3.4",
        "permissions": ["identity", "storage"], "update_url": "https://clients2.google.com/service/update2/crx"}
EDITOR = {"manifest_version": 3, "name": "Microsoft Editor: Spelling & Grammar Checker", "version": "1.47.0",
          "permissions": ["storage", "contextMenus"], "host_permissions": ["http://*/*", "https://*/*"],
          "update_url": "https://clients2.google.com/service/update2/crx"}
THEME = {"manifest_version": 3, "name": "Just Black", "version": "3", "theme": {"colors": {"frame": [0, 0, 0]}}}
IDS = {"translate": "aapbdbdomjkkjkaonfhkkikfgjllcleb", "grammarly": "kbfnbcaeplbcioakkpcpgfkobkghlhen",
       "zoom": "kgjfgplpablkjnlkjmjdecgdpfankdle", "editor": "gpaiobkfhnonedkhhfjpmhdalgeoebfa",
       "theme": "aghfnjkcakhmadgdomlmlhhaocbkloab"}

# (source, application, user, profile, id, name, install_source, enabled)
Expected = Tuple[str, str, str, Optional[str], str, str, Optional[str], str]


def sample_machine(root: Path, chrome_dir: str = ".config/google-chrome",
                   yandex_dir: str = ".config/yandex-browser", firefox_dir: str = ".mozilla/firefox",
                   jetbrains_dir: str = ".local/share/JetBrains/IntelliJIdea2024.3",
                   secure: bool = False, homes: str = "home", names: Tuple[str, str] = ("ivanov", "petrova"),
                   home_base: Optional[Path] = None) -> List[Expected]:
    """Two users (ivanov, petrova) with extensions in Chrome (two profiles), Yandex Browser and Firefox, plus
    VS Code and IntelliJ IDEA; the default paths are Linux's (`homes` "Users" and the folder arguments for
    Windows or macOS). `names` renames the users, `home_base` puts their homes there instead of under the root
    (bench/collect.py: under this machine's /home). Returns every extension the agent must report."""
    base = home_base or root / homes
    home = {"ivanov": base / names[0], "petrova": base / names[1]}
    passwd = root / "etc" / "passwd"
    passwd.parent.mkdir(parents=True, exist_ok=True)
    passwd.write_text(f"root:x:0:0:root:/root:/bin/bash\n{names[0]}:x:1000:1000:Иван Иванов:/home/{names[0]}:"
                      f"/bin/bash\n{names[1]}:x:1001:1001::/home/{names[1]}:/bin/bash\n", encoding="utf-8")
    chrome = home["ivanov"] / chrome_dir
    default = chrome / "Default"
    work = chrome / "Profile 1"
    chromium_profile(chrome, "Default", "Person 1", {
        IDS["translate"]: chromium_extension(default, IDS["translate"], TRANSLATE,
                                             {"extName": "Google Translate", "extDescription": "View translations"}),
        IDS["grammarly"]: chromium_extension(default, IDS["grammarly"], GRAMMARLY, state=None, disable_reasons=[1]),
        IDS["theme"]: chromium_extension(default, IDS["theme"], THEME),
    }, secure=secure)
    chromium_profile(chrome, "Profile 1", "Work", {
        IDS["translate"]: chromium_extension(work, IDS["translate"], TRANSLATE,
                                             {"extName": "Google Translate", "extDescription": "View translations"}),
        IDS["zoom"]: chromium_extension(work, IDS["zoom"], ZOOM, {"app_name": "Zoom Chrome Extension"},
                                        location=7, from_webstore=False),
    }, secure=secure)
    yandex = home["petrova"] / yandex_dir
    chromium_profile(yandex, "Default", "Пользователь 1", {
        IDS["editor"]: chromium_extension(yandex / "Default", IDS["editor"], EDITOR, location=4,
                                          from_webstore=False, unpacked_at=home["petrova"] / "src" / "editor"),
    }, secure=secure)
    ff = home["petrova"] / firefox_dir
    firefox_profile(ff, "default-release", "k3x9q2ab.default-release", [
        _firefox_addon("uBlock0@raymondhill.net", "uBlock Origin", "1.61.2", "app-profile", "amo",
                       creator="Raymond Hill & contributors",
                       permissions=(["dns", "menus", "storage", "tabs"], ["<all_urls>"])),
        _firefox_addon("87677a2c52b84ad3a151a4a72f5bd3c4@jetpack", "Grammarly: AI Writing and Grammar Checker",
                       "8.923.0", "app-profile", "enterprise-policy", active=False),
    ])
    firefox_profile(home["ivanov"] / firefox_dir, "default", "w8n2m4cd.default", [
        _firefox_addon("uBlock0@raymondhill.net", "uBlock Origin", "1.61.2", "app-profile", "amo"),
    ])
    vscode_extensions(home["ivanov"] / ".vscode" / "extensions", [
        {"publisher": "GitHub", "name": "copilot", "version": "1.245.0", "displayName": "GitHub Copilot"},
        {"publisher": "amazonwebservices", "name": "aws-toolkit-vscode", "version": "3.33.0",
         "displayName": "%displayName%", "nls": {"displayName": "AWS Toolkit"},
         "publisherDisplayName": "Amazon Web Services"},
        {"publisher": "ms-python", "name": "python", "version": "2024.20.0", "displayName": "Python",
         "source": "vsix", "publisherDisplayName": "Microsoft"},
    ], obsolete=("ms-python.python-2024.18.0",))
    jetbrains_plugin(home["petrova"] / jetbrains_dir, "github-copilot-intellij", "com.github.copilot",
                     "GitHub Copilot", "1.5.29-243", "GitHub")
    ide = "IntelliJ IDEA Ultimate 2024.3"
    return [
        ("browser-extension", "Google Chrome", names[0], "Default", IDS["translate"], "Google Translate", "store",
         "true"),
        ("browser-extension", "Google Chrome", names[0], "Default", IDS["grammarly"],
         "Grammarly: AI Writing and Grammar Checker App", "store", "false"),
        ("browser-extension", "Google Chrome", names[0], "Profile 1", IDS["translate"], "Google Translate", "store",
         "true"),
        ("browser-extension", "Google Chrome", names[0], "Profile 1", IDS["zoom"], "Zoom Chrome Extension", "policy",
         "true"),
        ("browser-extension", "Yandex Browser", names[1], "Default", IDS["editor"],
         "Microsoft Editor: Spelling & Grammar Checker", "unpacked", "true"),
        ("browser-extension", "Firefox", names[1], "default-release", "uBlock0@raymondhill.net", "uBlock Origin",
         "store", "true"),
        ("browser-extension", "Firefox", names[1], "default-release", "87677a2c52b84ad3a151a4a72f5bd3c4@jetpack",
         "Grammarly: AI Writing and Grammar Checker", "policy", "false"),
        ("browser-extension", "Firefox", names[0], "default", "uBlock0@raymondhill.net", "uBlock Origin", "store",
         "true"),
        ("ide-extension", "Visual Studio Code", names[0], None, "github.copilot", "GitHub Copilot", "store", None),
        ("ide-extension", "Visual Studio Code", names[0], None, "amazonwebservices.aws-toolkit-vscode", "AWS Toolkit",
         "store", None),
        ("ide-extension", "Visual Studio Code", names[0], None, "ms-python.python", "Python", "sideloaded", None),
        ("ide-extension", ide, names[1], None, "com.github.copilot", "GitHub Copilot", None, None),
    ]


def found(items: List[dict]) -> List[Expected]:
    """The report items of the extension sources in the shape `sample_machine` returns, sorted."""
    return sorted((
        (i["source"], i.get("application"), i.get("user"), i.get("profile"), i.get("id"), i["name"],
         i.get("install_source"), i.get("extra", {}).get("enabled"))
        for i in items if i["source"] in ("browser-extension", "ide-extension")),
        key=lambda found: tuple(part or "" for part in found))
