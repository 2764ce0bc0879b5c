"""Browser and IDE extension sources on profiles shaped like the real ones, for two users on three platforms."""

from __future__ import annotations

import json
import os

import pytest

from agent.contract import problems
from agent.inventory import collect
from agent.sources import sources_for
from agent.sources.browser_extensions import BrowserExtensionSource
from agent.sources.ide_extensions import IdeExtensionSource
from agent.sources.user_homes import Home, UserFileRefused, read_user_file, user_homes
from tests.support.extension_homes import (
    IDS,
    TRANSLATE,
    chromium_extension,
    chromium_profile,
    found,
    sample_machine,
)


def _items(root, platform="linux"):
    items, errors = [], []
    for source in (BrowserExtensionSource(str(root), platform), IdeExtensionSource(str(root), platform)):
        assert source.available()
        result = source.collect()
        items += [item.to_dict() for item in result.items]
        errors += [error.to_dict() for error in result.errors]
    return items, errors


def test_every_extension_of_three_browsers_and_two_users_with_its_user_and_profile(tmp_path):
    expected = sample_machine(tmp_path)
    items, errors = _items(tmp_path)
    assert errors == []
    assert found(items) == sorted(expected, key=lambda e: tuple(p or "" for p in e))
    assert len(items) == len(expected) == 12  # the theme, Chrome's own components and Firefox's built-ins left out


def test_the_whole_collect_carries_them_within_the_contract(tmp_path):
    expected = sample_machine(tmp_path)
    report = collect(str(tmp_path))
    assert problems(report) == []
    assert len(found(report["software"])) == len(expected)


def test_chromium_item_fields(tmp_path):
    sample_machine(tmp_path)
    items, _ = _items(tmp_path)
    translate = next(i for i in items if i["id"] == IDS["translate"] and i["profile"] == "Default")
    assert translate["version"] == "2.0.14"
    assert translate["extra"]["permissions"] == "activeTab contextMenus storage <all_urls>"
    assert translate["extra"]["update_url"] == "https://clients2.google.com/service/update2/crx"
    # 13370000000000000 µs after 1601-01-01
    assert translate["install_date"] == "2024-09-05T08:53:20Z"
    assert translate["location"] == (
        "/home/ivanov/.config/google-chrome/Default/Extensions/aapbdbdomjkkjkaonfhkkikfgjllcleb/2.0.14_0")
    assert translate["scope"] == "user"
    editor = next(i for i in items if i["id"] == IDS["editor"])
    assert editor["location"] == "/home/petrova/src/editor"  # unpacked: Preferences names its own folder


def test_firefox_and_vscode_item_fields(tmp_path):
    sample_machine(tmp_path)
    items, _ = _items(tmp_path)
    ublock = next(i for i in items if i["id"] == "uBlock0@raymondhill.net" and i["user"] == "petrova")
    assert ublock["publisher"] == "Raymond Hill & contributors"
    assert ublock["extra"]["permissions"] == "dns menus storage tabs <all_urls>"
    assert ublock["install_date"] == "2024-10-27T03:33:20Z"
    aws = next(i for i in items if i["id"] == "amazonwebservices.aws-toolkit-vscode")
    assert aws["publisher"] == "Amazon Web Services" and aws["extra"]["publisher_id"] == "amazonwebservices"
    assert aws["version"] == "3.33.0"
    python = [i for i in items if i["id"] == "ms-python.python"]
    assert [i["version"] for i in python] == ["2024.20.0"]  # the folder in .obsolete is not reported
    copilot = next(i for i in items if i["application"].startswith("IntelliJ"))
    assert (copilot["version"], copilot["publisher"]) == ("1.5.29-243", "GitHub")


@pytest.mark.parametrize("platform, layout", [
    ("win32", {"chrome_dir": "AppData/Local/Google/Chrome/User Data",
               "yandex_dir": "AppData/Local/Yandex/YandexBrowser/User Data",
               "firefox_dir": "AppData/Roaming/Mozilla/Firefox",
               "jetbrains_dir": "AppData/Roaming/JetBrains/IntelliJIdea2024.3/plugins"}),
    ("darwin", {"chrome_dir": "Library/Application Support/Google/Chrome",
                "yandex_dir": "Library/Application Support/Yandex/YandexBrowser",
                "firefox_dir": "Library/Application Support/Firefox",
                "jetbrains_dir": "Library/Application Support/JetBrains/IntelliJIdea2024.3/plugins"}),
])
def test_windows_and_macos_homes_and_secure_preferences(tmp_path, platform, layout):
    expected = sample_machine(tmp_path, homes="Users", secure=True, **layout)
    (tmp_path / "Users" / "Public" / "Documents").mkdir(parents=True)
    items, errors = _items(tmp_path, platform)
    assert errors == []
    assert found(items) == sorted(expected, key=lambda e: tuple(p or "" for p in e))


def test_opera_profile_is_its_own_data_folder(tmp_path):
    home = tmp_path / "home" / "ivanov"
    opera = home / ".config" / "opera"
    entry = chromium_extension(opera, IDS["translate"], TRANSLATE, {"extName": "Google Translate"})
    (opera / "Preferences").write_text(json.dumps({"extensions": {"settings": {IDS["translate"]: entry}}}))
    (opera / "Local State").write_text(json.dumps({"browser": {}}))
    items, errors = _items_browsers(tmp_path)
    assert errors == []
    assert [(i["application"], i["profile"], i["name"]) for i in items] == [("Opera", "Default", "Google Translate")]


def _items_browsers(root):
    result = BrowserExtensionSource(str(root), "linux").collect()
    return [item.to_dict() for item in result.items], [error.to_dict() for error in result.errors]


def test_a_broken_preferences_is_an_error_naming_the_browser_and_other_profiles_still_count(tmp_path):
    sample_machine(tmp_path)
    prefs = tmp_path / "home/ivanov/.config/google-chrome/Profile 1/Preferences"
    prefs.write_text('{"extensions": {"settings": {', encoding="utf-8")
    items, errors = _items_browsers(tmp_path)
    assert len(errors) == 1
    assert errors[0]["message"].startswith("Google Chrome: ")
    assert "Profile 1/Preferences: not JSON (JSONDecodeError at line 1 column" in errors[0]["message"]
    assert {(i["application"], i["profile"]) for i in items if "Chrome" in i["application"]} == {
        ("Google Chrome", "Default")}
    assert {i["application"] for i in items} == {"Google Chrome", "Yandex Browser", "Firefox"}


def test_a_symlink_to_a_secret_is_refused_not_read(tmp_path):
    sample_machine(tmp_path)
    secret = tmp_path / "secret"
    secret.write_text('{"extensions": {"settings": {}}}  root:$6$hash', encoding="utf-8")
    prefs = tmp_path / "home/petrova/.config/yandex-browser/Default/Preferences"
    prefs.unlink()
    os.symlink(secret, prefs)
    items, errors = _items_browsers(tmp_path)
    assert [e["message"] for e in errors if "Yandex" in e["message"]] == [
        f"Yandex Browser: {prefs}: a symbolic link, not followed"]
    assert "hash" not in json.dumps(items + errors)


def test_a_folder_linked_out_of_the_home_is_refused(tmp_path):
    home = tmp_path / "home" / "ivanov"
    outside = tmp_path / "etc"
    outside.mkdir()
    (outside / "shadow").write_text("root:$6$hash")
    home.mkdir(parents=True)
    os.symlink(outside, home / "linked")
    with pytest.raises(UserFileRefused, match="resolves outside the home of ivanov"):
        read_user_file(Home("ivanov", str(home)), str(home / "linked" / "shadow"))


def test_a_fifo_or_a_huge_file_is_refused(tmp_path):
    home = Home("ivanov", str(tmp_path))
    os.mkfifo(tmp_path / "Preferences")
    with pytest.raises(UserFileRefused, match="not a regular file"):
        read_user_file(home, str(tmp_path / "Preferences"))
    (tmp_path / "big").write_bytes(b"x" * 2048)
    with pytest.raises(UserFileRefused, match="2048 bytes, more than the 1024 read"):
        read_user_file(home, str(tmp_path / "big"), limit=1024)
    assert read_user_file(home, str(tmp_path / "absent")) is None


def test_homes_per_platform(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/passwd").write_text("ivanov:x:1000:1000::/srv/ivanov:/bin/bash\nnobody:x:1:1::/nonexistent:/x\n")
    for folder in ("srv/ivanov", "home/petrova", "Users/ivanov", "Users/Public", "Users/Default", "Users/Shared"):
        (tmp_path / folder).mkdir(parents=True)
    assert [(h.user, h.path) for h in user_homes(str(tmp_path), "linux")] == [
        ("ivanov", str(tmp_path / "srv/ivanov")), ("petrova", str(tmp_path / "home/petrova"))]
    assert [h.user for h in user_homes(str(tmp_path), "win32")] == ["ivanov"]


def test_disabled_by_state_zero_in_older_chrome(tmp_path):
    home = tmp_path / "home" / "ivanov" / ".config" / "chromium"
    entry = chromium_extension(home / "Default", IDS["translate"], TRANSLATE, {"extName": "Google Translate"},
                               state=0)
    chromium_profile(home, "Default", "Person 1", {IDS["translate"]: entry})
    items, _ = _items_browsers(tmp_path)
    assert [(i["application"], i["extra"]["enabled"]) for i in items] == [("Chromium", "false")]


def test_no_browser_or_ide_means_the_sources_do_not_apply(tmp_path):
    (tmp_path / "home" / "ivanov").mkdir(parents=True)
    sources, errors = sources_for(str(tmp_path), platform="linux")
    assert (sources, errors) == ([], [])
