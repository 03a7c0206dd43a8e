"""What every model detector shares: the detector contract's shape and the score scale.

A model detector is a `Detector` like any rule: `fit` builds (or reuses) the run's feature
tables, `findings` reports in the contract's shape, and its id@version lands in every finding.
"""

from __future__ import annotations

import math
from typing import ClassVar, Self

import duckdb

from yibao.findings import Finding, Violation
from yibao.models.features import Features, ensure_features

__all__ = ["ModelDetector", "prior_findings", "surprise_score"]


class ModelDetector:
    """Base for the pattern detectors; subclasses implement `detect`."""

    id: ClassVar[str]
    version: ClassVar[str]
    violation: ClassVar[Violation]

    def __init__(self) -> None:
        self.features_: Features | None = None

    def fit(self, con: duckdb.DuckDBPyConnection) -> Self:
        self.features_ = ensure_features(con)
        return self

    @property
    def detector(self) -> str:
        return f"{self.id}@{self.version}"

    def findings(self, con: duckdb.DuckDBPyConnection) -> list[Finding]:
        if self.features_ is None:
            self.fit(con)
        assert self.features_ is not None
        return self.detect(con, self.features_)

    def detect(self, con: duckdb.DuckDBPyConnection, feats: Features) -> list[Finding]:
        raise NotImplementedError


def surprise_score(log10_p: float, floor: float = 6.0, span: float = 20.0) -> float:
    """Map a tail probability (as -log10 p) onto 0.5..1: at the flagging threshold 0.5, rising with surprise."""
    if math.isnan(log10_p):
        return 0.5
    return round(min(1.0, max(0.5, 0.5 + 0.5 * (log10_p - floor) / span)), 4)


def prior_findings(con: duckdb.DuckDBPyConnection, violation: Violation, key: str) -> set[str]:
    """Entities already reported under another code in the store (e.g. stays the rules call 挂床)."""
    rows = con.execute(
        f"SELECT DISTINCT {key} FROM findings WHERE violation = ? AND {key} IS NOT NULL", [str(violation)]
    ).fetchall()
    return {r[0] for r in rows}
