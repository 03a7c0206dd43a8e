"""Labels: every taxonomy code is injected, in several forms, and every label points at real rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from yibao.findings import LEVEL_KEYS, Level, Violation

Q = Callable[[str], list[tuple[object, ...]]]

# Codes injected in a single form: none. Each has at least two, most three.
MIN_FORMS = 2


def test_labels_cover_every_taxonomy_code(q: Q) -> None:
    seen = {r[0] for r in q("SELECT DISTINCT violation FROM labels")}
    assert seen == {v.value for v in Violation}


@pytest.mark.parametrize("code", sorted(v.value for v in Violation))
def test_labels_have_several_forms(q: Q, code: str) -> None:
    forms = q(f"SELECT DISTINCT form FROM labels WHERE violation = '{code}'")
    assert len(forms) >= MIN_FORMS, forms


def test_labels_level_key_filled(q: Q) -> None:
    for level, key in LEVEL_KEYS.items():
        assert q(f"SELECT * FROM labels WHERE level = '{level.value}' AND {key} IS NULL LIMIT 3") == [], level
    assert {r[0] for r in q("SELECT DISTINCT level FROM labels")} <= {lv.value for lv in Level}


def test_labels_keys_exist(q: Q) -> None:
    for key, table, col in (("feedetl_sn", "fee", "feedetl_sn"), ("mdtrt_id", "mdtrt", "mdtrt_id"),
                            ("psn_no", "psn", "psn_no"), ("prac_code", "practitioner", "prac_code"),
                            ("fixmedins_code", "medins", "fixmedins_code")):
        assert q(f"SELECT {key} FROM labels WHERE {key} IS NOT NULL AND {key} NOT IN (SELECT {col} FROM raw_{table}) "
                 "LIMIT 3") == [], key


def test_labels_keys_agree_with_the_data(q: Q) -> None:
    """A line label's encounter, person and institution are the line's; an encounter label's are the encounter's."""
    assert q("""SELECT l.feedetl_sn FROM labels l JOIN raw_fee f USING (feedetl_sn)
                WHERE l.mdtrt_id <> f.mdtrt_id OR l.psn_no <> f.psn_no OR l.fixmedins_code <> f.fixmedins_code
                LIMIT 3""") == []
    assert q("""SELECT l.mdtrt_id FROM labels l JOIN raw_mdtrt m USING (mdtrt_id) WHERE l.level = 'encounter'
                AND (l.psn_no <> m.psn_no OR l.fixmedins_code <> m.fixmedins_code) LIMIT 3""") == []


def test_labels_forms_and_notes_readable(q: Q) -> None:
    assert q("SELECT form FROM labels WHERE NOT regexp_full_match(form, '[a-z0-9_]+') LIMIT 3") == []
    assert q("SELECT note FROM labels WHERE note IS NULL OR NOT regexp_matches(note, '[一-龥]') LIMIT 3") == []
    assert q("SELECT count(*) FROM labels WHERE CAST(amount AS DECIMAL(18,2)) <= 0")[0][0] == 0


def test_labels_line_prevalence_low(q: Q) -> None:
    lines, labelled = q("SELECT (SELECT count(*) FROM raw_fee), (SELECT count(*) FROM labels WHERE level = 'line')")[0]
    assert 0 < labelled < 0.01 * lines  # type: ignore[operator]


def test_labels_refunds_present(q: Q) -> None:
    assert q("SELECT count(*) FROM setl WHERE refd_setl_flag = '1'")[0][0] > 0
    assert q("SELECT count(*) FROM fee WHERE n < 0")[0][0] > 0


def test_registry_has_one_injector_per_code() -> None:
    from yibao import synth
    from yibao.synth.violations import REGISTRY, injectors

    assert synth.__all__ == ["SynthReport", "generate"]
    assert set(REGISTRY) == {v.value for v in Violation}
    assert len(set(REGISTRY.values())) == len(REGISTRY)
    assert [code for code, _ in injectors()] == list(REGISTRY)
