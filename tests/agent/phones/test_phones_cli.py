"""`footprint-agent phones` and `collect --phone` end to end through the real CLI, the phone tools replaced by
scripts printing the real tools' output (tests/support/phone_tools.py)."""

from __future__ import annotations

import json

from agent.contract import problems
from tests.support.phone_tools import HUAWEI, IPAD, IPHONE, SAMSUNG, UNAUTHORISED, UNTRUSTED, XIAOMI

ALL_ANDROID = (SAMSUNG, XIAOMI, HUAWEI, UNAUTHORISED)
ALL_IOS = (IPHONE, IPAD, UNTRUSTED)


def test_phones_lists_every_device_with_its_state(fake_tools, run_agent):
    fake_tools.attach(ALL_ANDROID, ALL_IOS)
    done = run_agent("phones", "--json")
    assert done.returncode == 0, done.stderr
    listed = {d["serial"]: d for d in json.loads(done.stdout)}
    assert set(listed) == set(ALL_ANDROID + ALL_IOS)
    assert listed[SAMSUNG] == {"platform": "android", "serial": SAMSUNG, "state": "device", "usb": "3-2",
                               "product": "dm1qxeea", "model": "SM_S911B", "device": "dm1q"}
    assert listed[UNAUTHORISED]["state"] == "unauthorized" and "model" not in listed[UNAUTHORISED]
    assert listed[IPAD]["state"] == "device" and listed[IPAD]["model"] == "iPad13,16"
    assert listed[UNTRUSTED]["state"] == "untrusted" and listed[UNTRUSTED]["model"] == "iPhone14,5"
    assert "tap Trust" in listed[UNTRUSTED]["reason"]
    text = run_agent("phones")
    assert text.returncode == 0 and f"{UNTRUSTED:26} untrusted" in text.stdout


def test_no_phone_attached_is_exit_3_with_a_plain_message(fake_tools, run_agent):
    fake_tools.attach()
    for args in (["phones"], ["collect", "--phone", "all", "--output", "out"]):
        done = run_agent(*args)
        assert done.returncode == 3 and "no phone attached" in done.stderr and "Traceback" not in done.stderr


def test_no_tool_installed_names_the_debian_packages(fake_tools, run_agent):
    fake_tools.attach(tools=())
    done = run_agent("phones")
    assert done.returncode == 5
    assert "apt install adb" in done.stderr and "apt install libimobiledevice-utils" in done.stderr


def test_one_tool_missing_still_lists_the_other_platform(fake_tools, run_agent):
    fake_tools.attach(ios=[IPHONE], tools=("idevice_id", "idevicepair", "ideviceinfo", "ideviceinstaller"))
    done = run_agent("phones")
    assert done.returncode == 0 and IPHONE in done.stdout
    assert "apt install adb" in done.stderr


def test_collect_all_writes_one_report_per_phone_and_says_which_refused(fake_tools, run_agent, tmp_path):
    fake_tools.attach(ALL_ANDROID, ALL_IOS)
    out = tmp_path / "phones"
    done = run_agent("collect", "--phone", "all", "--output", str(out))
    assert done.returncode == 4, done.stderr  # two devices refused; the others were written
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(f"{h}.json" for h in (f"android-{SAMSUNG}", f"android-{XIAOMI}", f"android-{HUAWEI}",
                                                    f"ios-{IPHONE}", f"ios-{IPAD}"))
    assert f"Android device {UNAUTHORISED} is unauthorized: unlock the phone and accept this computer's key" \
        in done.stderr
    assert f"iOS device {UNTRUSTED} waits for an answer to \"Trust This Computer?\"" in done.stderr
    assert "Traceback" not in done.stderr
    for path in out.iterdir():
        assert problems(json.loads(path.read_text(encoding="utf-8"))) == []


def test_collect_one_phone_prints_its_report(fake_tools, run_agent):
    fake_tools.attach([SAMSUNG, XIAOMI], [IPHONE])
    done = run_agent("collect", "--phone", f"ios-{IPHONE}")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["host"]["id"] == f"ios-{IPHONE}"
    several = run_agent("collect", "--phone", "all")
    assert several.returncode == 2 and "--output DIR" in several.stderr


def test_a_phone_not_attached_is_named_with_those_that_are(fake_tools, run_agent):
    fake_tools.attach([SAMSUNG])
    done = run_agent("collect", "--phone", "R5CW99ZZZZZ")
    assert done.returncode == 3 and f"no phone R5CW99ZZZZZ attached (attached: {SAMSUNG})" in done.stderr


def test_an_unauthorised_phone_alone_is_exit_4(fake_tools, run_agent):
    fake_tools.attach([UNAUTHORISED])
    done = run_agent("collect", "--phone", UNAUTHORISED)
    assert done.returncode == 4 and "Allow USB debugging?" in done.stderr and done.stdout == ""


def test_phone_options_do_not_mix_with_a_computers(fake_tools, run_agent):
    fake_tools.attach([SAMSUNG])
    done = run_agent("collect", "--phone", SAMSUNG, "--root", "/mnt")
    assert done.returncode == 2 and "--phone goes with --output and --pretty only" in done.stderr
