"""The draw: same seed and inputs give the same plan, conflicts are excluded, risk weights tilt it."""

from __future__ import annotations

import hashlib
import math
from collections import Counter

import pytest

from yibao.inspections.draw import DrawError, DrawInputs, InspectorRec, TargetRec, draw, uniform

TARGETS = tuple(TargetRec(f"H{n:03d}", f"医院{n}", "hospital", "420102", "ABCDE"[n % 5]) for n in range(40))
PEOPLE = (
    *tuple(InspectorRec(f"I{n:02d}", f"检查员{n}", "officer", "H001" if n == 0 else "") for n in range(8)),
    InspectorRec("E1", "药学专家", "pharmacist"),
    InspectorRec("E2", "临床专家", "clinician", "H002"),
)


def inputs(seed: str = "20260301", **kw) -> DrawInputs:
    base = dict(seed=seed, n_targets=10, targets=TARGETS, inspectors=PEOPLE, relations=(("I01", "H003"),))
    return DrawInputs(**{**base, **kw})


def test_draw_same_seed_same_plan_whatever_the_input_order():
    a = draw(inputs())
    b = draw(inputs(targets=tuple(reversed(TARGETS)), inspectors=tuple(reversed(PEOPLE))))
    assert a == b and a.inputs_sha256 == b.inputs_sha256
    assert draw(inputs("another seed")).teams != a.teams


def test_draw_targets_can_be_recomputed_with_sha256_alone():
    """A third party needs only the seed, the published codes and SHA-256 (unweighted draw)."""
    seed = "公开种子-2026-03"
    expected = sorted(
        (t.fixmedins_code for t in TARGETS),
        key=lambda c: (
            -math.log((int(hashlib.sha256(f"{seed}|{c}".encode()).hexdigest()[:15], 16) + 1) / (16**15 + 1))
        ),
    )[:10]
    assert [t.fixmedins_code for t in draw(inputs(seed)).teams] == expected
    assert 0 < uniform(seed, "x") < 1


def test_draw_excludes_own_institution_and_declared_relations():
    targets = (TARGETS[1], TARGETS[2], TARGETS[3])
    res = draw(inputs(n_targets=3, targets=targets, experts_per_team=1))
    teams = {t.fixmedins_code: t for t in res.teams}
    assert "I00" not in teams["H001"].inspectors and "I00" in res.excluded["H001"]
    assert "E2" not in teams["H002"].experts and teams["H002"].experts == ("E1",)
    assert "I01" not in teams["H003"].inspectors
    for t in res.teams:
        assert len(t.officers) == 2 and len(set(t.inspectors)) == 3


def test_draw_spreads_work_across_inspectors():
    res = draw(inputs(n_targets=40))
    load = Counter(code for t in res.teams for code in t.officers)
    assert max(load.values()) - min(load.values()) <= 2


def test_draw_risk_weighted_favours_poor_grades():
    weights = (("A", 0.5), ("B", 0.8), ("C", 1.0), ("D", 1.5), ("E", 4.0))
    grade = {t.fixmedins_code: t.grade for t in TARGETS}
    counts: Counter[str] = Counter()
    for s in range(200):
        for t in draw(inputs(str(s), n_targets=5, weights=weights, officers_per_team=1)).teams:
            counts[grade[t.fixmedins_code]] += 1
    assert counts["E"] > 2 * counts["A"]
    assert not math.isclose(counts["E"], counts["C"], rel_tol=0.1)


def test_draw_refuses_without_seed_or_enough_free_inspectors():
    with pytest.raises(DrawError):
        draw(inputs(""))
    with pytest.raises(DrawError):
        draw(inputs(n_targets=41))
    with pytest.raises(DrawError):
        draw(inputs(n_targets=2, targets=(TARGETS[1], TARGETS[2]), experts_per_team=2))


def test_draw_inputs_round_trip_through_json():
    i = inputs(weights=(("E", 2.0),), experts_per_team=1)
    assert draw(DrawInputs.from_dict(i.as_dict())) == draw(i)
