"""The one contract every detector speaks (rules, models, in-settlement checks), and the registry.

A detector reads the store through a DuckDB connection and returns findings in the
contract's shape; `yibao screen` runs every registered detector. Built-in rule
packs and models register here the same way a province's own pack would.
"""

from __future__ import annotations

import importlib
import weakref
from collections.abc import Callable
from typing import Protocol, Self

import duckdb

from yibao.findings import Finding

__all__ = ["Detector", "DetectorSkipped", "new_run", "register", "registered", "run_token"]


class DetectorSkipped(Exception):
    """Raised by `fit` when this dataset lacks what the detector needs (e.g. no fee lines).

    Screening reports the reason and goes on with the other detectors: data from another
    export may hold encounters only, and what can run on it still should.
    """


class Detector(Protocol):
    """`fit` learns from the data (rules: nothing to learn); `findings` scores it.

    `id@version` goes into every finding's `detector` field, so a changed rule is
    never confused with its earlier self.
    """

    id: str
    version: str

    def fit(self, con: duckdb.DuckDBPyConnection) -> Self: ...

    def findings(self, con: duckdb.DuckDBPyConnection) -> list[Finding]: ...


_FACTORIES: list[Callable[[], list[Detector]]] = []
# Built-in packs register themselves on import; imported lazily to keep start-up light.
_BUILTIN = ("yibao.rules.detector", "yibao.models.detector")


_RUNS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, int] = weakref.WeakKeyDictionary()


def new_run(con: duckdb.DuckDBPyConnection) -> int:
    """Start a screening run: detectors that share work across a run rebuild it once per run."""
    _RUNS[con] = _RUNS.get(con, 0) + 1
    return _RUNS[con]


def run_token(con: duckdb.DuckDBPyConnection) -> int:
    """The current run on this connection (0 before any)."""
    return _RUNS.get(con, 0)


def register(factory: Callable[[], list[Detector]]) -> Callable[[], list[Detector]]:
    """Register a function that returns detectors; usable as a decorator."""
    _FACTORIES.append(factory)
    return factory


def registered() -> list[Detector]:
    """Every registered detector, in registration order."""
    for module in _BUILTIN:
        importlib.import_module(module)
    return [d for factory in _FACTORIES for d in factory()]
