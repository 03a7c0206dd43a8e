"""Scoring and grading parameters are dated data with references; broken files are refused."""

from __future__ import annotations

from datetime import date

import pytest

from yibao.credit.params import grade_rules, point_rules
from yibao.whistle.dated import ParamError


def test_point_rules_carry_the_national_bands_and_thresholds():
    r = point_rules().at("420102", date(2025, 1, 1))
    assert r.values["bands"] == {"1-3": [1, 3], "4-6": [4, 6], "7-9": [7, 9], "10-12": [10, 12]}
    assert (r.values["suspend_at"], r.values["terminate_at"], r.values["suspend_months"]) == (9, 12, [1, 6])
    assert "医保发〔2024〕23号" in r.reference


def test_grade_rules_refuse_unordered_thresholds(tmp_path):
    (tmp_path / "grades").mkdir()
    (tmp_path / "grades" / "44.yaml").write_text(
        "description: 广东\nregion: '44'\nvalues:\n  2024-01-01: {reference: r, base: 100, "
        "thresholds: {A: 80, B: 90, C: 70, D: 60}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ParamError) as info:
        grade_rules(tmp_path)
    assert "44.yaml" in str(info.value) and "thresholds" in info.value.key
