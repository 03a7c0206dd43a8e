"""Directories, saved plans that redo identically, results against checklists, coverage and the ledger."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook

from yibao.auth.roles import PermissionDenied
from yibao.cases.db import open_session
from yibao.cases.errors import CaseError
from yibao.inspections.coverage import coverage, write_ledger
from yibao.inspections.directory import add_relation, import_inspectors, import_targets
from yibao.inspections.params import checklist
from yibao.inspections.plans import build_inputs, get_plan, redo_plan, save_plan
from yibao.inspections.results import public_list, publish_results, record_result


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def dirs(tmp_path, engine, staff):
    targets = "fixmedins_code,name,kind,admdvs\n" + "".join(
        f"{k[0].upper()}{n:03d},{k}{n},{k},42010{n % 2}\n"
        for k in ("hospital", "clinic", "pharmacy")
        for n in range(1, 11)
    )
    people = "code,name,category,cert_no,org_code\n" + "".join(
        f"I{n},员{n},officer,执法{n},\n" for n in range(1, 7)
    )
    people += "I7,员7,officer,执法7,H001\nE1,药师甲,pharmacist,,\nE2,医生乙,clinician,,H002\n"
    with open_session(engine) as s:
        import_targets(s, staff["boss"], _write(tmp_path / "t.csv", targets))
        import_inspectors(s, staff["boss"], _write(tmp_path / "i.csv", people))
        add_relation(s, staff["boss"], "I1", "H003", "配偶在该院任职")
    return tmp_path


def _answers(kind: str, fail: int = 0) -> dict[str, str]:
    codes = sorted(checklist(kind).codes())
    return {c: ("fail" if n < fail else "pass") for n, c in enumerate(codes)}


def test_directories_import_validate_and_permissions(engine, staff, dirs, tmp_path):
    with open_session(engine) as s:
        with pytest.raises(PermissionDenied):
            import_targets(s, staff["wang"], dirs / "t.csv")
        with pytest.raises(CaseError, match="kind"):
            import_targets(
                s,
                staff["boss"],
                _write(tmp_path / "bad.csv", "fixmedins_code,name,kind,admdvs\nX,x,zoo,420100\n"),
            )
        with pytest.raises(CaseError):
            import_inspectors(
                s, staff["boss"], _write(tmp_path / "b.csv", "code,name,category\nI9,x,officer\n")
            )


def test_plan_saved_and_redone_identically_even_after_directories_change(engine, staff, dirs, tmp_path):
    with open_session(engine) as s:
        inputs = build_inputs(s, seed="2026-03 公开种子", n_targets=12, on=date(2026, 3, 1))
        plan = save_plan(s, staff["boss"], inputs, month="2026-03")
        assert plan.plan_no == "CJ202603-01"
        with pytest.raises(PermissionDenied):
            save_plan(s, staff["wang"], inputs, month="2026-03")
    with open_session(engine) as s:
        import_inspectors(
            s,
            staff["boss"],
            _write(tmp_path / "more.csv", "code,name,category,cert_no\nI0,新人,officer,执法0\n"),
        )
    with open_session(engine) as s:
        same, view = redo_plan(s, "CJ202603-01")
        assert same and len(view.assignments) == 12
        for _rank, code, team in view.assignments:
            assert "I0" not in team  # drawn from the published snapshot, not today's directory
            assert not (code == "H003" and "I1" in team) and not (code == "H001" and "I7" in team)


def test_results_checklist_public_list_and_coverage_ledger(engine, staff, dirs, tmp_path):
    with open_session(engine) as s:
        plan = save_plan(
            s, staff["boss"], build_inputs(s, seed="s", n_targets=5, kinds=["pharmacy"]), month="2026-01"
        )
        drawn = [a[1] for a in get_plan(s, plan.plan_no).assignments]
        with pytest.raises(CaseError, match="P0"):
            record_result(s, staff["wang"], drawn[0], inspected_on=date(2026, 1, 10), answers={"P01": "pass"})
        with pytest.raises(CaseError):
            record_result(
                s,
                staff["wang"],
                "H001",
                inspected_on=date(2026, 1, 10),
                answers=_answers("hospital"),
                plan_no=plan.plan_no,
            )  # not drawn in that plan
        with pytest.raises(PermissionDenied):
            record_result(
                s, staff["shen"], "H001", inspected_on=date(2026, 1, 10), answers=_answers("hospital")
            )
        r1 = record_result(
            s,
            staff["wang"],
            drawn[0],
            inspected_on=date(2026, 1, 10),
            answers=_answers("pharmacy", 2),
            plan_no=plan.plan_no,
            summary="执业药师不在岗，限期整改",
            amount="1200.50",
        )
        assert r1.problems == 2
        # all 10 hospitals in Feb and again in May (two visits each), one clinic in April as a supervisory check
        for n in range(1, 11):
            for m in (2, 5):
                record_result(
                    s, staff["wang"], f"H{n:03d}", inspected_on=date(2026, m, 3), answers=_answers("hospital")
                )
        record_result(
            s,
            staff["wang"],
            "C001",
            inspected_on=date(2026, 4, 1),
            answers=_answers("clinic"),
            kind="supervisory",
        )
        publish_results(s, staff["boss"], [r1.id])
    with open_session(engine) as s:
        [pub] = public_list(s, 2026)
        assert pub.fixmedins_code == drawn[0] and pub.problems == 2 and pub.plan_no == plan.plan_no
        rep = coverage(s, staff["wang"], 2026, month=5)
        t = rep.total
        assert (t.designated, t.covered, t.visits, t.supervisory) == (30, 12, 22, 1)
        assert rep.kinds[0].visits_per_institution == 2.0 and rep.kinds[0].coverage == 1.0
        assert [c[3] for c in rep.checks] == [
            False,
            False,
            False,
        ]  # 40% covered, 0.73 visits, 3.3% supervisory
        assert [p.covered_to_date for p in rep.months] == [1, 11, 11, 12, 12]
        assert rep.quarters == [(1, 11, 11 / 30), (2, 11, 12 / 30)]
        assert len(rep.uncovered) == 18
        assert coverage(s, staff["wang"], 2026, month=5, admdvs="420101").total.designated == 15
        out = tmp_path / "ledger.xlsx"
        with pytest.raises(PermissionDenied):
            write_ledger(s, staff["zhao"], out, 2026, 5)
        write_ledger(s, staff["wang"], out, 2026, 5)
    wb = load_workbook(out)
    ws = wb["统计表"]
    assert ws["A1"].value == "定点医药机构现场检查全覆盖情况统计表"
    rows = {r[0]: r for r in ws.iter_rows(min_row=4, max_row=7, values_only=True)}
    assert rows["医院"][1:8] == (10, 10, 10, 10, 1.0, 20, 2.0)
    assert rows["合计"][8] == 1 and rows["药店"][10] == 1 and rows["药店"][11] == 1200.5
    assert len(list(wb["未检查机构"].iter_rows(min_row=2))) == 18


def test_targets_from_the_store_medins_table(engine, staff, tmp_path):
    from cases.storefix import findings_store
    from yibao.inspections.directory import import_targets_from_store, target_records

    con = findings_store(tmp_path / "s.duckdb")
    con.execute(
        "INSERT INTO medins (fixmedins_code, fixmedins_name, fixmedins_type, inst_type, admdvs, city) VALUES "
        "('P43010200001', '某药店', '2', 'P', '430102', '长沙市'), ('D43010200001', '某诊所', '1', 'D', '430102', '长沙市')"
    )
    with open_session(engine) as s:
        rep = import_targets_from_store(s, staff["boss"], con)
        assert (rep.added, rep.updated) == (4, 0)
        kinds = {t.fixmedins_code: t.kind for t in target_records(s)}
        assert kinds["P43010200001"] == "pharmacy" and kinds["D43010200001"] == "clinic"
        assert kinds["H43010200001"] == "hospital"
        assert import_targets_from_store(s, staff["boss"], con).updated == 4
