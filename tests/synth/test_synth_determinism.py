"""Same arguments, same bytes; another seed, another city. Also a short, late window: injectors cope."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from yibao.synth import SynthReport, generate

ARGS = {"persons": 1500, "months": 3, "start": dt.date(2025, 10, 1)}


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthReport, list[tuple[str, float]]]:
    out = tmp_path_factory.mktemp("det") / "a"
    seen: list[tuple[str, float]] = []
    report = generate(out, seed=11, progress=lambda s, f: seen.append((s, f)), **ARGS)  # type: ignore[arg-type]
    return out, report, seen


@pytest.mark.slow
def test_determinism_same_seed_same_bytes(first: tuple[Path, SynthReport, list[tuple[str, float]]],
                                          tmp_path: Path) -> None:
    out, report, _ = first
    again = generate(tmp_path / "b", seed=11, **ARGS)  # type: ignore[arg-type]
    assert len(_files(out)) == 13
    assert _files(out) == _files(tmp_path / "b")
    assert report.rows == again.rows and report.labels == again.labels


@pytest.mark.slow
def test_determinism_other_seed_differs(first: tuple[Path, SynthReport, list[tuple[str, float]]],
                                        tmp_path: Path) -> None:
    out, _, _ = first
    generate(tmp_path / "c", seed=12, **ARGS)  # type: ignore[arg-type]
    fa, fc = _files(out), _files(tmp_path / "c")
    assert fa["catalog.csv"] == fc["catalog.csv"]  # the catalogue is policy, not chance
    assert fa["psn.csv"] != fc["psn.csv"] and fa["fee.csv"] != fc["fee.csv"]


def test_report_shape_and_progress(first: tuple[Path, SynthReport, list[tuple[str, float]]]) -> None:
    _, report, seen = first
    assert set(report.rows) == {"psn", "death", "medins", "practitioner", "mdtrt", "diag", "setl", "fee", "catalog",
                                "item_rule", "item_limit", "purchase", "labels"}
    assert report.rows["fee"] > 0 and report.seconds > 0 and sum(report.labels.values()) > 0
    assert seen[0][1] == 0.0 and seen[-1][1] == 1.0
    assert all(b >= a for (_, a), (_, b) in itertools.pairwise(seen))
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in stage) for stage, _ in seen)  # stage names in Chinese
