"""The pure-Python LZ4 decoder against data the real `lz4` tool compressed, in each of its frame options."""

from __future__ import annotations

import glob
import hashlib
import io
import random
import shutil
import subprocess

import pytest

from agent.sources.linux.lz4frame import LZ4Error, decompress, decompress_stream

pytestmark = pytest.mark.skipif(shutil.which("lz4") is None, reason="needs the lz4 tool")


def _sample() -> bytes:
    """Packages-like text, incompressible noise (stored blocks), long and overlapping runs: every path."""
    generator = random.Random(11)
    text = "".join(
        f"Package: pkg-{n}\nVersion: {n % 7}.{n % 13}-{n % 3}\nArchitecture: amd64\n"
        f"Maintainer: Person {n % 50} <p{n % 50}@example.org>\nDescription: package number {n}\n\n"
        for n in range(30000)
    ).encode()
    noise = bytes(generator.getrandbits(8) for _ in range(300_000))
    runs = b"a" * 100_000 + b"ab" * 70_000 + b"xyz" * 1000 + bytes(range(256)) * 300
    return text[:1_500_000] + noise + runs + text[1_500_000:]


SAMPLE = _sample()


def _lz4(data: bytes, *options: str) -> bytes:
    return subprocess.run(["lz4", "-c", "-q", *options], input=data, capture_output=True, check=True).stdout


@pytest.mark.parametrize(
    "options",
    [
        (),  # tool defaults: 4 MiB independent blocks, content checksum
        ("-BD",),  # linked blocks, as liblz4's streaming API (apt) writes them
        ("-B4", "-BD"),  # 64 KiB linked blocks: matches reach into the previous block
        ("-B5", "--content-size"),
        ("-B6", "-BX", "--no-frame-crc"),  # block checksums, no content checksum
        ("-9", "-BD"),  # high compression: long matches
        ("-1", "--fast=5"),
        ("-l",),  # legacy format
    ],
)
def test_decodes_what_the_lz4_tool_wrote(options):
    compressed = _lz4(SAMPLE, *options)
    assert hashlib.sha256(decompress(compressed)).digest() == hashlib.sha256(SAMPLE).digest()


def test_concatenated_and_skippable_frames():
    skippable = (0x184D2A5A).to_bytes(4, "little") + (5).to_bytes(4, "little") + b"12345"
    data = _lz4(SAMPLE[:50_000]) + skippable + _lz4(SAMPLE[50_000:], "-BD")
    assert decompress(data) == SAMPLE


def test_streams_block_by_block():
    blocks = list(decompress_stream(io.BytesIO(_lz4(SAMPLE, "-B4", "-BD"))))
    assert max(len(block) for block in blocks) <= 1 << 16
    assert b"".join(blocks) == SAMPLE


def test_empty_input_is_empty():
    assert decompress(_lz4(b"")) == b""


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda data: b"\x00\x01\x02\x03" + data[4:], "not an LZ4 stream"),
        (lambda data: data[: len(data) // 2], "truncated"),
        (lambda data: data[:4] + bytes([data[4] & 0x3F]) + data[5:], "unsupported frame version"),
        (lambda data: b"\x04\x22\x4d", "truncated"),
    ],
)
def test_damaged_streams_are_refused(damage, message):
    with pytest.raises(LZ4Error, match=message):
        decompress(damage(_lz4(SAMPLE[:200_000], "-BD")))


def test_a_bad_match_offset_is_refused():
    # one block: token 0x04 (no literals, match of 8), offset 9 into an empty history
    frame = b"\x04\x22\x4d\x18" + bytes([0x60, 0x40, 0x82]) + (3).to_bytes(4, "little") + b"\x04\x09\x00"
    with pytest.raises(LZ4Error, match="offset 9"):
        decompress(frame + b"\x00\x00\x00\x00")


@pytest.mark.parametrize("path", sorted(glob.glob("/var/lib/apt/lists/*.lz4"))[:3] or [None])
def test_this_machines_apt_lists_decode_as_the_tool_decodes_them(path):
    if path is None:
        pytest.skip("no lz4-compressed apt lists on this machine")
    with open(path, "rb") as stream:
        ours = hashlib.sha256()
        for block in decompress_stream(stream):
            ours.update(block)
    tool = subprocess.run(["lz4", "-dc", path], capture_output=True, check=True).stdout
    assert ours.digest() == hashlib.sha256(tool).digest()
