"""Errors that stop an ingest: input the store cannot use at all."""

from __future__ import annotations

__all__ = ["UnusableInput"]


class UnusableInput(Exception):
    """A missing required table or column, or an unreadable file: nothing is loaded.

    Bad *rows* never raise; they are quarantined. Messages are bilingual because the
    users are Chinese inspectors and the operators may not be.
    """

    def __init__(self, zh: str, en: str, file: str | None = None) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en
        self.file = file
