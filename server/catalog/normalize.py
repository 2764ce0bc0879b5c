"""String normalization shared by catalog patterns and inventory titles (docs/catalog-format.md)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Lowercase Cyrillic letters that look like a Latin letter (in either case); folded only inside Latin text.
_LOOKALIKES = str.maketrans(
    {"а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
     "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w"}
)
_LOOKALIKE_SET = frozenset("авеёкмнорстухіїјѕԁԛԝ")
_CYRILLIC = re.compile(r"[\u0400-\u04ff\u0500-\u052f]")
_LATIN = re.compile(r"[a-z]")
_WORD = re.compile(r"[^\W\d_]+|[\d_]+|\W+")

_ARCH = (r"x64|x86|x86_64|x86-64|amd64|arm64|aarch64|ia32|i386|i686|win32|win64|"
         r"(?:32|64)[- ]?bits?|(?:32|64)-разрядная|(?:32|64)-разрядный")
_LANGS = ("en ru de fr es it pt zh ja ko uk be kk pl cs nl sv fi da nb no tr ar he hu ro sk sl bg hr sr "
          "et lv lt el th vi id ms uz hy ka az").split()
_LANG_CODES = "|".join(_LANGS)
_LANG = rf"(?:{_LANG_CODES})(?:[-_][a-z]{{2,4}})?"
_LANGUAGE_NAMES = "english|russian|german|french|multilingual|русский|английский|русская версия"
_VERSION = r"v?\d+(?:[.,]\d+)+[a-z0-9+~-]*|v\d+"
_DECORATION_TOKEN = re.compile(
    rf"(?:{_ARCH}|{_LANG}|{_LANGUAGE_NAMES}|{_VERSION}|\d+|version|versión|версия|версии|ver\.?|build|bit|edition|mui|user|machine)",
    re.I,
)
_TRAILING = [
    re.compile(r"\s*[\(\[]([^()\[\]]*)[\)\]]$"),  # a bracketed group, kept unless every token is a decoration
    # the keyword is a word of its own: "Server 2005" and "Driver 10.0" keep their last word
    re.compile(r"(?:\s+|\s*[-,:]\s*)(?:version|версия|версии|ver\.?|release|build)\s*:?\s*v?\d[\w.+~-]*$"),
    re.compile(rf"\s*(?:[-,]\s*)?(?:{_VERSION})$"),
    re.compile(rf"\s+(?:-\s*)?(?:{_ARCH})$"),
    re.compile(rf"\s+(?:-\s*)?(?:{_LANG_CODES})[-_][a-z]{{2,4}}$"),
    re.compile(rf"\s+-\s*(?:{_LANG_CODES}|{_LANGUAGE_NAMES})$"),
    re.compile(rf"(?<=\d)\s+(?:{_LANG_CODES})$"),  # "24.1.0.2570 en": a language code right after a version
    re.compile(r"\s*[-,:;]$"),
]
_SYMBOLS = str.maketrans({"®": "", "™": "", "©": "", "\u2013": "-", "\u2014": "-", "\u00a0": " "})
_SPACES = re.compile(r"\s+")

LEGAL_FORMS = frozenset(
    """inc incorporated llc l.l.c ltd limited corp corporation co gmbh ag kg kgaa se sa s.a s.a.s sas sarl
    s.a.r.l s.à r.l srl s.r.l s.r.o sro a.s a/s ab oy oyj bv b.v nv n.v plc pty pte lp llp kk spa s.p.a ltda ooo ao
    zao pao oao ооо ао зао пао оао нао ип фгуп гуп ано""".split()
)
_QUOTES = re.compile(r"[«»\"'“”„`]")
# U+FFFD and its UTF-8 bytes read as Latin-1 ("ï¿½"): what a lost byte leaves in front of "Adobe Systems Inc."
_MOJIBAKE = re.compile(r"^(?:\ufffd|ï¿½|ï¿1⁄2|\?(?=[^\W\d_]))+")  # ½ is "1⁄2" after NFKC
_EDGE_PUNCTUATION = " .,;:!?-_*/\\|()[]{}<>"


def _fold_lookalikes(text: str) -> str:
    if not _CYRILLIC.search(text) or not _LATIN.search(text):
        return text
    cyrillic = set(_CYRILLIC.findall(text))
    if cyrillic <= _LOOKALIKE_SET:
        return text.translate(_LOOKALIKES)
    parts = []
    for word in text.split(" "):
        letters = set(_CYRILLIC.findall(word))
        if letters and letters <= _LOOKALIKE_SET and _LATIN.search(word):
            word = word.translate(_LOOKALIKES)
        parts.append(word)
    return " ".join(parts)


def _strip_decorations(text: str) -> str:
    changed = True
    while changed:
        changed = False
        for pattern in _TRAILING:
            m = pattern.search(text)
            if not m or m.start() == 0:
                continue
            if m.groups() and not all(
                _DECORATION_TOKEN.fullmatch(t) for t in re.split(r"[\s,;/]+", m.group(1).strip()) if t
            ):
                continue
            text = text[: m.start()].rstrip()
            changed = True
    return text


@lru_cache(maxsize=65536)
def normalize(text: str | None) -> str:
    """Lowercase, fold look-alikes, collapse spaces, drop trailing arch/language/version decorations."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text.translate(_SYMBOLS)).lower()
    text = _SPACES.sub(" ", text).strip()
    text = _fold_lookalikes(text)
    return _strip_decorations(text)


@lru_cache(maxsize=65536)
def normalize_publisher(text: str | None) -> str:
    """`normalize` plus mojibake, quotes, commas, edge punctuation and leading/trailing legal forms removed."""
    cleaned = _MOJIBAKE.sub("", _QUOTES.sub(" ", normalize(text)).replace(",", " ").strip())
    words = cleaned.strip(_EDGE_PUNCTUATION).split()
    while words and words[-1].rstrip(".") in LEGAL_FORMS | {"&"}:
        words.pop()
    while words and words[0].rstrip(".") in LEGAL_FORMS:
        words.pop(0)
    return " ".join(words)
