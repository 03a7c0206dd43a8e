"""Errors of the case service, in Chinese and English."""

from __future__ import annotations

from yibao.auth.roles import BilingualError

__all__ = ["CaseError"]


class CaseError(BilingualError):
    """A step the procedure does not allow now (wrong state, missing officers, Art. 41 ...)."""
