"""Run every registered detector over the store and keep their findings (批量筛查)."""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import duckdb

from yibao.detectors import DetectorSkipped, new_run, registered
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
    amount: float = 0.0
    skipped: bool = False


@dataclass(slots=True)
class ScreenReport:
    runs: list[DetectorRun] = field(default_factory=list)

    @property
    def findings(self) -> int:
        return sum(r.findings for r in self.runs)


def screen(
    con: duckdb.DuckDBPyConnection,
    progress: Callable[[str, int, int], None] | None = None,
    *,
    window: tuple[date, date] | None = None,
    only: str | None = None,
) -> ScreenReport:
    """Each detector replaces its own earlier findings, so a re-run never doubles them.

    `only` is a glob over detector ids (`--rules 'split_*'`); `window` limits which
    findings are replaced to those dated within it (see `findings_store`).

    A detector that fails on this data (a table or column the dataset lacks) is
    reported and skipped; the others still run.
    """
    report = ScreenReport()
    new_run(con)
    detectors = [d for d in registered() if only is None or fnmatch.fnmatch(d.id, only)]
    for i, det in enumerate(detectors):
        name = f"{det.id}@{det.version}"
        if progress:
            progress(name, i, len(detectors))
        start = time.perf_counter()
        try:
            found = det.fit(con).findings(con)
            n = replace_findings(con, name, found, window)
            ((amount,),) = con.execute(
                "SELECT coalesce(sum(amount), 0) FROM findings WHERE detector = ?", [name]
            ).fetchall()
            report.runs.append(DetectorRun(name, n, time.perf_counter() - start, None, float(amount)))
        except DetectorSkipped as exc:
            report.runs.append(DetectorRun(name, 0, time.perf_counter() - start, str(exc), skipped=True))
        except (duckdb.Error, RuleError) as exc:
            report.runs.append(DetectorRun(name, 0, time.perf_counter() - start, str(exc).splitlines()[0]))
        except Exception as exc:  # a model failing on odd data must not stop the other detectors
            report.runs.append(
                DetectorRun(name, 0, time.perf_counter() - start, f"{type(exc).__name__}: {exc}".splitlines()[0])
            )
    if progress:
        progress("", len(detectors), len(detectors))
    return report
