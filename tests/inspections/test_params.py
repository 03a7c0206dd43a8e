"""Coverage quotas and checklists are data: dated, referenced, validated when loaded."""

from __future__ import annotations

from datetime import date

import pytest

from yibao.inspections.params import KINDS, checklist, coverage_rule, load_coverage
from yibao.whistle.dated import ParamError


def test_coverage_rule_defaults_are_the_documented_quotas():
    r = coverage_rule("420102", date(2026, 1, 1))
    assert (r.coverage, r.visits_per_institution, r.supervisory_ratio, r.officers_per_team) == (
        1.0,
        1.5,
        0.05,
        2,
    )
    assert r.risk_weights["E"] > r.risk_weights["A"] and r.reference


def test_coverage_local_override_by_prefix(tmp_path):
    (tmp_path / "4201.yaml").write_text(
        "description: 武汉\nregion: '4201'\nvalues:\n  2026-01-01: {reference: 本地方案, coverage: 1.0, "
        "visits_per_institution: 2, supervisory_ratio: 0.1, officers_per_team: 2, experts_per_team: 1}\n",
        encoding="utf-8",
    )
    tables = load_coverage(tmp_path)
    assert tables.at("420102", date(2026, 2, 1)).values["visits_per_institution"] == 2
    assert tables.at("420102", date(2025, 12, 31)).region == "000000"  # before the local edition
    assert tables.at("430102", date(2026, 2, 1)).region == "000000"


def test_coverage_loader_rejects_out_of_range_values(tmp_path):
    (tmp_path / "42.yaml").write_text(
        "description: x\nregion: '42'\nvalues:\n  2026-01-01: {reference: r, coverage: 1.5, "
        "visits_per_institution: 2, supervisory_ratio: 0.1, officers_per_team: 2, experts_per_team: 0}\n",
        encoding="utf-8",
    )
    with pytest.raises(ParamError) as info:
        load_coverage(tmp_path)
    assert "42.yaml" in str(info.value) and "coverage" in info.value.key


@pytest.mark.parametrize("kind", list(KINDS))
def test_checklists_have_codes_texts_and_references(kind):
    cl = checklist(kind)
    assert len(cl.items) >= 5 and all(i.reference and i.text for i in cl.items)


def test_pharmacy_checklist_covers_what_the_seed_plans_ask():
    texts = " ".join(i.text for i in checklist("pharmacy").items)
    for word in ("执业药师", "药品经营许可证", "进销存", "医保服务协议", "生活日用品"):
        assert word in texts
