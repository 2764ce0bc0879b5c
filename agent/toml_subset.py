"""A strict parser for the flat TOML subset agent.toml uses, for Pythons before 3.11 (no tomllib).

Accepted: comments, `key = value` with bare keys, one level of `[table]` headers, and values that
are basic ("...") or literal ('...') one-line strings, integers, floats, booleans, or one-line
arrays of those. Anything else (dotted keys, inline tables, multi-line strings, dates) is refused
with the line number, so a config never means one thing on Python 3.9 and another on 3.11.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Tuple

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_INTEGER = re.compile(r"[+-]?(0|[1-9](_?[0-9])*)")
_FLOAT = re.compile(r"[+-]?(0|[1-9](_?[0-9])*)(\.[0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class TOMLSubsetError(ValueError):
    """The text is not in the accepted subset; the message names the line and the problem."""


def loads(text: str) -> Dict[str, Any]:
    """Parse `text` into nested dicts the way tomllib.loads would for the accepted subset."""
    document: Dict[str, Any] = {}
    table = document
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            if line.startswith("["):
                table = _open_table(document, line)
                continue
            key, rest = _split_key(line)
            value, rest = _parse_value(rest.lstrip())
            _expect_end(rest)
            if key in table:
                raise TOMLSubsetError(f"key {key!r} is defined twice")
            table[key] = value
        except TOMLSubsetError as error:
            raise TOMLSubsetError(f"line {number}: {error}") from None
    return document


def _open_table(document: Dict[str, Any], line: str) -> Dict[str, Any]:
    match = re.fullmatch(r"\[\s*([A-Za-z0-9_-]+)\s*\]\s*(#.*)?", line)
    if not match:
        raise TOMLSubsetError(f"unsupported table header {line!r} (only [name] is accepted)")
    name = match.group(1)
    if name in document:
        raise TOMLSubsetError(f"table [{name}] is defined twice")
    document[name] = {}
    return document[name]


def _split_key(line: str) -> Tuple[str, str]:
    match = _BARE_KEY.match(line)
    if not match:
        raise TOMLSubsetError(f"expected a bare key (letters, digits, _ or -) in {line!r}")
    rest = line[match.end():].lstrip()
    if not rest.startswith("="):
        raise TOMLSubsetError(f"expected '=' after key {match.group(0)!r}")
    return match.group(0), rest[1:]


def _expect_end(rest: str) -> None:
    rest = rest.strip()
    if rest and not rest.startswith("#"):
        raise TOMLSubsetError(f"unexpected text after the value: {rest!r}")


def _parse_value(text: str) -> Tuple[Any, str]:
    if text.startswith('"'):
        if text.startswith('"""'):
            raise TOMLSubsetError("multi-line strings are not supported")
        return _parse_basic_string(text)
    if text.startswith("'"):
        if text.startswith("'''"):
            raise TOMLSubsetError("multi-line strings are not supported")
        end = text.find("'", 1)
        if end < 0:
            raise TOMLSubsetError("unterminated string")
        return text[1:end], text[end + 1:]
    if text.startswith("["):
        return _parse_array(text[1:])
    for word, value in (("true", True), ("false", False)):
        if text.startswith(word) and not _BARE_KEY.match(text[len(word):len(word) + 1]):
            return value, text[len(word):]
    return _parse_number(text)


def _parse_basic_string(text: str) -> Tuple[str, str]:
    out: List[str] = []
    index = 1
    while index < len(text):
        char = text[index]
        if char == '"':
            return "".join(out), text[index + 1:]
        if char == "\\":
            code = text[index + 1:index + 2]
            if code in _ESCAPES:
                out.append(_ESCAPES[code])
                index += 2
                continue
            if code in ("u", "U"):
                width = 4 if code == "u" else 8
                digits = text[index + 2:index + 2 + width]
                if not re.fullmatch(f"[0-9A-Fa-f]{{{width}}}", digits):
                    raise TOMLSubsetError(f"bad unicode escape \\{code}{digits}")
                out.append(chr(int(digits, 16)))
                index += 2 + width
                continue
            raise TOMLSubsetError(f"unsupported escape \\{code} in a string")
        if ord(char) < 0x20 and char != "\t":
            raise TOMLSubsetError("control character in a string")
        out.append(char)
        index += 1
    raise TOMLSubsetError("unterminated string")


def _parse_array(text: str) -> Tuple[List[Any], str]:
    items: List[Any] = []
    rest = text.lstrip()
    while not rest.startswith("]"):
        if not rest:
            raise TOMLSubsetError("unterminated array (arrays must fit on one line)")
        value, rest = _parse_value(rest)
        items.append(value)
        rest = rest.lstrip()
        if rest.startswith(","):
            rest = rest[1:].lstrip()
        elif not rest.startswith("]"):
            raise TOMLSubsetError("expected ',' or ']' in an array")
    return items, rest[1:]


def _parse_number(text: str) -> Tuple[Any, str]:
    token = re.match(r"[^\s,\]#]*", text).group(0)
    if _INTEGER.fullmatch(token):
        return int(token.replace("_", "")), text[len(token):]
    if _FLOAT.fullmatch(token):
        return float(token.replace("_", "")), text[len(token):]
    raise TOMLSubsetError(f"unsupported value {token or text!r} (quote strings with \"...\")")
