"""Secrets of the collector: `secrets`-generated (256 bits), kept only as SHA-256, never logged."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIXES = {"enroll": "fpe_", "admin": "fpa_", "host": "fph_", "reenroll": "fpr_"}


def new_secret(kind: str) -> str:
    """A fresh secret; the prefix says what it is, so a leaked one is recognisable in a scan."""
    return PREFIXES[kind] + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_hash(stored: str, secret: str) -> bool:
    """Constant-time comparison of a stored hash with a presented secret."""
    return hmac.compare_digest(stored, hash_secret(secret))
