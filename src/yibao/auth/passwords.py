"""Password hashing with Argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["MIN_LENGTH", "configure", "hash_password", "needs_rehash", "verify_password"]

MIN_LENGTH = 8
_HASHER = PasswordHasher()


def configure(hasher: PasswordHasher) -> PasswordHasher:
    """Swap the hasher (tests use a cheap one); returns the previous one. Stored hashes carry
    their own parameters, so every hash still verifies; `needs_rehash` upgrades them on login."""
    global _HASHER
    previous, _HASHER = _HASHER, hasher
    return previous


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
