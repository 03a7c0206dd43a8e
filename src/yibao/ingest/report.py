"""What an ingest did, per table and file: read = new + updated + unchanged + quarantined."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

__all__ = ["FileReport", "IngestReport", "TableReport"]


@dataclass(slots=True)
class FileReport:
    """One source file. `skipped` means the identical file was ingested before."""

    file: str
    encoding: str | None = None
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    skipped: bool = False
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def balanced(self) -> bool:
        """Nothing silently dropped: every row read is accounted for."""
        return self.read == self.new + self.updated + self.unchanged + self.quarantined


@dataclass(slots=True)
class TableReport:
    """All files of one contract table."""

    table: str
    label: str
    files: list[FileReport] = field(default_factory=list)

    def _sum(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    read = property(lambda self: self._sum("read"))
    new = property(lambda self: self._sum("new"))
    updated = property(lambda self: self._sum("updated"))
    unchanged = property(lambda self: self._sum("unchanged"))
    quarantined = property(lambda self: self._sum("quarantined"))

    @property
    def reasons(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for f in self.files:
            total.update(f.reasons)
        return total


@dataclass(slots=True)
class IngestReport:
    """The whole batch."""

    batch_id: int
    source: str
    db: str
    tables: list[TableReport] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return all(f.balanced for t in self.tables for f in t.files)

    @property
    def quarantined(self) -> int:
        return sum(t.quarantined for t in self.tables)
