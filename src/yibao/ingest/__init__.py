"""Ingest: validate contract tables and load them into the embedded store."""

from __future__ import annotations

from yibao.ingest.errors import UnusableInput
from yibao.ingest.load import Progress, ingest
from yibao.ingest.report import FileReport, IngestReport, TableReport

__all__ = ["FileReport", "IngestReport", "Progress", "TableReport", "UnusableInput", "ingest"]
