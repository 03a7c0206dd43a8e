"""Run every registered detector over the store and keep their findings (批量筛查)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from yibao.detectors import registered
from yibao.findings_store import replace_findings
from yibao.rules.model import RuleError

__all__ = ["DetectorRun", "ScreenReport", "screen"]


@dataclass(frozen=True, slots=True)
class DetectorRun:
    """One detector's outcome; `error` is set when it could not run on this data."""

    detector: str
    findings: int
    seconds: float
    error: str | None = None


@dataclass(slots=True)
class ScreenReport:
    runs: list[DetectorRun] = field(default_factory=list)

    @property
    def findings(self) -> int:
        return sum(r.findings for r in self.runs)


def screen(
    con: duckdb.DuckDBPyConnection, progress: Callable[[str, int, int], None] | None = None
) -> ScreenReport:
    """Each detector replaces its own earlier findings, so a re-run never doubles them.

    A detector that fails on this data (a table or column the dataset lacks) is
    reported and skipped; the others still run.
    """
    report = ScreenReport()
    detectors = registered()
    for i, det in enumerate(detectors):
        name = f"{det.id}@{det.version}"
        if progress:
            progress(name, i, len(detectors))
        start = time.perf_counter()
        try:
            found = det.fit(con).findings(con)
            n = replace_findings(con, name, found)
            report.runs.append(DetectorRun(name, n, time.perf_counter() - start))
        except (duckdb.Error, RuleError) as exc:
            report.runs.append(DetectorRun(name, 0, time.perf_counter() - start, str(exc).splitlines()[0]))
    if progress:
        progress("", len(detectors), len(detectors))
    return report
