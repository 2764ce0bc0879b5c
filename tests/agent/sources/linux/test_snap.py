"""The snap source: snapd's REST API over a real Unix socket, and the `snap list` fallback parser."""

from __future__ import annotations

import socket
import threading
from types import SimpleNamespace

import pytest

from agent.sources.linux.snap import SnapSource, parse_snap_list


@pytest.fixture
def snapd(tmp_path):
    """A stand-in snapd: a real Unix socket server answering each request with the given bytes."""
    path = str(tmp_path / "snapd.socket")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    fake = SimpleNamespace(path=path, answer=b"", requests=[])

    def serve():
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with connection:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += connection.recv(4096)
                fake.requests.append(request.split(b"\r\n", 1)[0])
                connection.sendall(fake.answer)

    threading.Thread(target=serve, daemon=True).start()
    yield fake
    server.close()


def _chunked(body: bytes, size: int = 700) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    encoded = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts)
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    return head + encoded + b"0\r\n\r\n"


def test_snaps_from_the_rest_api(snapd, fixtures):
    snapd.answer = _chunked((fixtures / "snap" / "v2-snaps.json").read_bytes())
    result = SnapSource("/", socket_path=snapd.path).collect()
    assert snapd.requests == [b"GET /v2/snaps HTTP/1.1"]
    assert result.errors == []
    items = {item.name: item.to_dict() for item in result.items}
    assert set(items) == {"core22", "firefox", "zoom-client", "hello-local"}
    assert items["firefox"] == {
        "name": "firefox",
        "version": "132.0.2-1",
        "source": "snap",
        "publisher": "Mozilla",
        "install_date": "2024-11-20T08:01:12Z",
        "id": "3wdHCAVyZEmYsCMFDE9qt92UV8rC8Wdk",
        "scope": "system",
        "location": "/snap/firefox/5273",
        "extra": {"channel": "latest/stable", "revision": "5273"},
    }
    assert items["zoom-client"]["install_date"] == "2024-10-02T11:00:00Z"  # +03:00 to UTC
    assert items["hello-local"]["id"] == "hello-local" and "publisher" not in items["hello-local"]


def test_an_error_answer_is_reported(snapd):
    body = (
        b'{"type":"error","status-code":401,"status":"Unauthorized",'
        b'"result":{"message":"access denied"}}'
    )
    snapd.answer = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    result = SnapSource("/", socket_path=snapd.path).collect()
    assert result.items == []
    assert [(e.message, e.path) for e in result.errors] == [
        ("snapd answered 401: access denied", snapd.path)
    ]


def test_garbage_on_the_socket_falls_back_and_says_so(snapd, monkeypatch):
    snapd.answer = b"SSH-2.0-OpenSSH_9.2\r\n\r\n"
    monkeypatch.setenv("PATH", "/nonexistent")
    result = SnapSource("/", socket_path=snapd.path).collect()
    assert result.items == []
    messages = [error.message for error in result.errors]
    assert messages[0] == "snapd's socket did not answer and the snap tool is missing"
    assert messages[1].startswith(f"snapd API on {snapd.path} failed (not an HTTP response")


def test_snap_list_output(fixtures):
    items = parse_snap_list((fixtures / "snap" / "snap-list.txt").read_text(encoding="utf-8"))
    found = {(item.name, item.version, item.publisher, item.extra.get("channel")) for item in items}
    assert found == {
        ("core22", "20241001", "canonical", "latest/stable"),
        ("firefox", "132.0.2-1", "mozilla", "latest/stable"),  # the disabled 131 revision is gone
        ("hello-local", "0.1", None, None),
        ("snapd", "2.66.1", "canonical", "latest/stable"),
        ("zoom-client", "6.2.5.3010", "ogra", "latest/stable"),
    }


def test_snaps_in_a_mounted_root_are_not_silently_skipped(make_root):
    root = make_root({"var/lib/snapd/snaps/zoom-client_236.snap": ""})
    source = SnapSource(str(root))
    assert source.available()
    result = source.collect()
    assert result.items == []
    assert result.errors[0].message == "snaps are present, but only a running snapd can list them"


def test_no_snapd_means_not_available(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert not SnapSource("/", socket_path=str(tmp_path / "none.socket")).available()
    assert not SnapSource(str(tmp_path)).available()
