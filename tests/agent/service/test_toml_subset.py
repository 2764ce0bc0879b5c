"""The TOML subset parser for Python < 3.11: same results as tomllib, strict refusals otherwise."""

from __future__ import annotations

import sys

import pytest

from agent.toml_subset import TOMLSubsetError, loads

DOCUMENT = r'''
# comment line
server = "https://collector.example:8443/"   # trailing comment
path = 'C:\ProgramData\Footprint\ca.pem'
escaped = "tab\there \"quoted\" \u00e9 \\ end"
count = 1_000
negative = -3
ratio = 0.25
big = 1e3
enabled = true
disabled = false
list = ["a", 'b', 3, ]
empty = []

[tags]
dept = "finance"
'''


def test_values():
    assert loads(DOCUMENT) == {
        "server": "https://collector.example:8443/",
        "path": "C:\\ProgramData\\Footprint\\ca.pem",
        "escaped": 'tab\there "quoted" \u00e9 \\ end',
        "count": 1000, "negative": -3, "ratio": 0.25, "big": 1000.0,
        "enabled": True, "disabled": False, "list": ["a", "b", 3], "empty": [],
        "tags": {"dept": "finance"},
    }


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib arrived in Python 3.11")
def test_same_as_tomllib():
    import tomllib

    assert loads(DOCUMENT) == tomllib.loads(DOCUMENT)


@pytest.mark.parametrize("text, message", [
    ("a.b = 1\n", "expected '=' after key 'a'"),
    ("a = {x = 1}\n", "unsupported value"),
    ('a = """x\n"""\n', "multi-line strings are not supported"),
    ("a = 1979-05-27\n", "unsupported value '1979-05-27'"),
    ('a = "open\n', "unterminated string"),
    ("a = [1, 2\n", "expected ',' or ']'"),
    ("a = 1\na = 2\n", "key 'a' is defined twice"),
    ("[t]\n[t]\n", r"table \[t\] is defined twice"),
    ("[a.b]\n", "unsupported table header"),
    ('a = "x" y\n', "unexpected text after the value"),
    ('a = "\\q"\n', r"unsupported escape \\q"),
    ("= 3\n", "expected a bare key"),
])
def test_refusals_name_the_line(text, message):
    with pytest.raises(TOMLSubsetError, match=message) as caught:
        loads(text)
    assert str(caught.value).startswith("line ")
