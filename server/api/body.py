"""Request bodies, read while streaming, with limits before and after gzip: bombs never inflate."""

from __future__ import annotations

import zlib

from fastapi import Request

from server.api.errors import ApiError

JSON_TYPES = ("application/json", "application/gzip")  # gzip alone is accepted for plain uploads


async def read_json_body(request: Request, max_bytes: int, max_inflated: int) -> bytearray:
    """The (decompressed) body; 413/415 with the limit or the encoding named."""
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media not in JSON_TYPES:
        raise ApiError(
            415, "unsupported_media_type", f"Content-Type {media!r}: send application/json"
        )
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip"):
        raise ApiError(
            415, "unsupported_encoding", f"Content-Encoding {encoding!r}: use gzip or none"
        )
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large("body", max_bytes)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
    received = 0
    out = bytearray()
    async for chunk in request.stream():
        received += len(chunk)
        if received > max_bytes:
            raise _too_large("body", max_bytes)
        if inflater is None:
            out += chunk
            continue
        try:
            # max_length bounds what one chunk may inflate to, so memory stays at the limit
            out += inflater.decompress(chunk, max_inflated - len(out) + 1)
        except zlib.error as exc:
            raise ApiError(400, "invalid_gzip", f"the gzip body is corrupt: {exc}") from None
        if len(out) > max_inflated or inflater.unconsumed_tail:
            raise _too_large("decompressed body", max_inflated)
    if inflater is not None:
        if not inflater.eof:
            raise ApiError(400, "invalid_gzip", "the gzip body is truncated")
        if inflater.unused_data:  # a second member or trailing bytes: nothing an agent sends
            raise ApiError(400, "invalid_gzip", "data after the end of the gzip stream")
    if not out:
        raise ApiError(400, "empty_body", "the request has no body")
    return out  # bytearray: parsed in place, never copied


def _too_large(what: str, limit: int) -> ApiError:
    return ApiError(413, "too_large", f"the {what} is larger than the limit of {limit} bytes")
