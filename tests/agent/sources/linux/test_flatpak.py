"""The flatpak source on realistic installation trees: system-wide and per user."""

from __future__ import annotations

import os
import shutil

from agent.sources.linux.flatpak import FlatpakSource, parse_metainfo

COMMIT = "5f0f2a4c7b8e9d1a3c6b0e2f4a8d7c9b1e3f5a7c9d2b4e6f8a0c1d3e5f7a9b2c"


def _deploy(installation, kind, ref, metainfo=None, metainfo_dir="metainfo", origin="flathub"):
    """Lay out one deployment the way flatpak does: <kind>/<id>/<arch>/<branch>/<commit> + active link."""
    ref_id, arch, branch = ref.split("/")
    branch_dir = installation / kind / ref_id / arch / branch
    deployment = branch_dir / COMMIT
    (deployment / "files").mkdir(parents=True)
    (deployment / "metadata").write_text(f"[Application]\nname={ref_id}\n", encoding="utf-8")
    # deploy is a GVariant (ssasta{sv}); its first member, the origin remote, starts the file.
    (deployment / "deploy").write_bytes(
        origin.encode() + b"\0" + COMMIT[:40].encode() + b"\0\x05\x2a"
    )
    os.symlink(COMMIT, branch_dir / "active")
    if metainfo is not None:
        target = deployment / "files" / "share" / metainfo_dir
        target.mkdir(parents=True)
        shutil.copyfile(metainfo, target / metainfo.name)
    return deployment


def _machine(make_root, fixtures):
    root = make_root(
        {
            "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n"
            "ivanov:x:1000:1000:Иван Иванов:/home/ivanov:/bin/bash\n"
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
        }
    )
    system = root / "var/lib/flatpak"
    data = fixtures / "flatpak"
    _deploy(
        system,
        "app",
        "org.telegram.desktop/x86_64/stable",
        data / "org.telegram.desktop.metainfo.xml",
    )
    _deploy(
        system,
        "app",
        "us.zoom.Zoom/x86_64/stable",
        data / "us.zoom.Zoom.appdata.xml",
        metainfo_dir="appdata",
    )
    _deploy(system, "runtime", "org.freedesktop.Platform/x86_64/23.08")
    user = root / "home/ivanov/.local/share/flatpak"
    _deploy(
        user,
        "app",
        "org.onlyoffice.desktopeditors/x86_64/stable",
        data / "org.onlyoffice.desktopeditors.metainfo.xml",
        origin="flathub-beta",
    )
    return root


def test_system_and_user_installations(make_root, fixtures):
    root = _machine(make_root, fixtures)
    source = FlatpakSource(str(root))
    assert source.available()
    result = source.collect()
    assert result.errors == []
    found = {(i.id, i.name, i.version, i.publisher, i.scope, i.user) for i in result.items}
    assert found == {
        ("org.telegram.desktop", "Telegram Desktop", "5.8.3", "Telegram FZ-LLC", "system", None),
        ("us.zoom.Zoom", "Zoom", "6.2.5.3010", "Zoom Video Communications, Inc.", "system", None),
        ("org.freedesktop.Platform", "org.freedesktop.Platform", "23.08", None, "system", None),
        (
            "org.onlyoffice.desktopeditors",
            "ONLYOFFICE Desktop Editors",
            "8.2.0",
            "Ascensio System SIA",
            "user",
            "ivanov",
        ),
    }
    by_id = {item.id: item.to_dict() for item in result.items}
    assert by_id["org.onlyoffice.desktopeditors"]["extra"] == {
        "branch": "stable",
        "origin": "flathub-beta",
    }
    assert by_id["org.freedesktop.Platform"]["extra"]["kind"] == "runtime"
    assert by_id["us.zoom.Zoom"]["arch"] == "x86_64"
    assert by_id["us.zoom.Zoom"]["location"].endswith("us.zoom.Zoom/x86_64/stable/" + COMMIT)
    assert by_id["us.zoom.Zoom"]["install_date"].endswith("Z")


def test_broken_active_link_is_reported_and_the_rest_kept(make_root, fixtures):
    root = _machine(make_root, fixtures)
    dangling = root / "var/lib/flatpak/app/com.example.Gone/x86_64/stable"
    dangling.mkdir(parents=True)
    os.symlink("0" * 64, dangling / "active")
    result = FlatpakSource(str(root)).collect()
    assert len(result.items) == 4
    assert [(e.message, e.path) for e in result.errors] == [
        ("broken active deployment link", str(dangling / "active"))
    ]


def test_unparsable_metainfo_falls_back_to_id_and_branch(make_root, fixtures):
    root = make_root({})
    _deploy(
        root / "var/lib/flatpak",
        "app",
        "com.example.Broken/aarch64/beta",
        fixtures / "flatpak" / "broken.metainfo.xml",
    )
    [item] = FlatpakSource(str(root)).collect().items
    assert (item.name, item.version, item.arch) == ("com.example.Broken", "beta", "aarch64")
    assert parse_metainfo(str(fixtures / "flatpak" / "broken.metainfo.xml")) == {}


def test_no_installation_means_not_available(tmp_path):
    assert not FlatpakSource(str(tmp_path)).available()
