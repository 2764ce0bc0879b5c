"""A pure-Python LZ4 decoder (frame and legacy formats), for apt lists when no `lz4` tool is installed.

apt writes `/var/lib/apt/lists/*.lz4` through liblz4, which needs no `lz4` command, and Python's
standard library has no LZ4 codec; the agent's dependencies stay pure Python, so this decoder is the
last resort after the `lz4` command (agent/sources/linux/apt_lists.py). Checksums are not verified: a
corrupt stream still fails on its structure (bad magic, sizes or match offsets).
Format: https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md and lz4_Block_format.md.
"""

from __future__ import annotations

from typing import BinaryIO, Iterator

FRAME_MAGIC = 0x184D2204
LEGACY_MAGIC = 0x184C2102
_SKIPPABLE = 0x184D2A50  # .. 0x184D2A5F
_WINDOW = 65536
_BLOCK_SIZES = {4: 1 << 16, 5: 1 << 18, 6: 1 << 20, 7: 1 << 22}
_LEGACY_BLOCK = 8 << 20


class LZ4Error(ValueError):
    """The data is not a well-formed LZ4 stream."""


def decompress_stream(stream: BinaryIO) -> Iterator[bytes]:
    """Decompressed data of every frame in `stream`, one block at a time (memory stays ~ 2 blocks)."""
    first = True
    while True:
        head = stream.read(4)
        if not head and not first:
            return
        if len(head) != 4:
            raise LZ4Error("truncated: no frame header")
        first = False
        magic = int.from_bytes(head, "little")
        if magic == FRAME_MAGIC:
            yield from _frame(stream)
        elif magic == LEGACY_MAGIC:
            for block in _legacy(stream):
                if isinstance(block, int):  # the magic of a frame that follows the legacy one
                    magic = block
                    break
                yield block
            else:
                return
            if magic != FRAME_MAGIC:
                raise LZ4Error(f"unknown magic number {magic:#010x} after a legacy frame")
            yield from _frame(stream)
        elif magic & 0xFFFFFFF0 == _SKIPPABLE:
            _read(stream, int.from_bytes(_read(stream, 4), "little"))
        else:
            raise LZ4Error(f"not an LZ4 stream (magic number {magic:#010x})")


def decompress(data: bytes) -> bytes:
    """The whole decompressed content of `data` (for small inputs and tests)."""
    import io

    return b"".join(decompress_stream(io.BytesIO(data)))


def _read(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise LZ4Error(f"truncated: wanted {size} bytes, got {len(data)}")
    return data


def _frame(stream: BinaryIO) -> Iterator[bytes]:
    flg, bd = _read(stream, 2)
    if flg >> 6 != 1:
        raise LZ4Error(f"unsupported frame version {flg >> 6}")
    independent, block_checksum = flg & 0x20, flg & 0x10
    content_size, content_checksum, dict_id = flg & 0x08, flg & 0x04, flg & 0x01
    if dict_id:
        raise LZ4Error("frames that need a dictionary are not supported")
    max_block = _BLOCK_SIZES.get((bd >> 4) & 7)
    if max_block is None:
        raise LZ4Error(f"invalid block maximum size code {(bd >> 4) & 7}")
    _read(stream, (8 if content_size else 0) + 1)  # content size, header checksum
    history = bytearray()
    while True:
        size = int.from_bytes(_read(stream, 4), "little")
        if size == 0:
            break
        stored, size = size & 0x80000000, size & 0x7FFFFFFF
        if size > max_block:
            raise LZ4Error(f"block of {size} bytes exceeds the frame's maximum of {max_block}")
        data = _read(stream, size)
        if block_checksum:
            _read(stream, 4)
        if stored:
            block = data
            out = history + data
        else:
            out = history[:]
            _decode_block(data, out)
            block = bytes(out[len(history):])
        if len(block) > max_block:
            raise LZ4Error(f"block decodes to {len(block)} bytes, over the frame's maximum of {max_block}")
        history = bytearray() if independent else out[-_WINDOW:]
        yield block
    if content_checksum:
        _read(stream, 4)


def _legacy(stream: BinaryIO) -> Iterator[object]:
    """Blocks of the legacy format; ends at end of data or yields the int magic of a following frame."""
    while True:
        head = stream.read(4)
        if not head:
            return
        if len(head) != 4:
            raise LZ4Error("truncated legacy block header")
        size = int.from_bytes(head, "little")
        if size in (FRAME_MAGIC, LEGACY_MAGIC) or size & 0xFFFFFFF0 == _SKIPPABLE:
            yield size
            return
        out = bytearray()
        _decode_block(_read(stream, size), out)
        if len(out) > _LEGACY_BLOCK:
            raise LZ4Error("legacy block decodes to more than 8 MiB")
        yield bytes(out)


def _decode_block(src: bytes, out: bytearray) -> None:
    """Append the decoded LZ4 block `src` to `out` (which already holds the history matches may use)."""
    end = len(src)
    i = 0
    try:
        while True:
            token = src[i]
            i += 1
            length = token >> 4
            if length == 15:
                length, i = _extended(src, i, length)
            if length:
                if i + length > end:
                    raise LZ4Error("literals run past the end of the block")
                out += src[i : i + length]
                i += length
            if i >= end:
                return
            offset = src[i] | (src[i + 1] << 8)
            i += 2
            length = token & 15
            if length == 15:
                length, i = _extended(src, i, length)
            length += 4
            here = len(out)
            if offset == 0 or offset > here:
                raise LZ4Error(f"match offset {offset} points before the start of the data")
            if offset >= length:
                out += out[here - offset : here - offset + length]
            else:
                repeat = out[here - offset :]
                whole, rest = divmod(length, offset)
                out += repeat * whole + repeat[:rest]
    except IndexError:
        raise LZ4Error("block ends in the middle of a sequence") from None


def _extended(src: bytes, i: int, length: int) -> tuple:
    """A length of 15 goes on in the following bytes, each added, until one is not 255."""
    while True:
        more = src[i]
        i += 1
        length += more
        if more != 255:
            return length, i
