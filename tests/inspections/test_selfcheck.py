"""Self-inspection: institutions report their own problems; unreported kinds found later are marked heavier."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cases.storefix import H1, findings_store
from yibao.auth.roles import PermissionDenied
from yibao.cases.clues import intake_findings
from yibao.cases.db import open_session
from yibao.cases.errors import CaseError
from yibao.inspections.selfcheck import self_reports, submit_self_report, unreported_findings


def test_selfcheck_unreported_findings_marked_heavier(engine, staff, tmp_path):
    year = datetime.now(UTC).year
    with open_session(engine) as s:
        submit_self_report(
            s,
            staff["hosp"],
            year=year,
            violation="DUPLICATE_BILLING",
            item="血透与血液灌流同时收费",
            amount="800",
            refunded="800",
        )
        with pytest.raises(PermissionDenied):
            submit_self_report(
                s,
                staff["hosp"],
                year=year,
                violation="OVER_PRICE",
                item="x",
                amount=1,
                fixmedins_code="H43010200002",
            )
        with pytest.raises(CaseError):
            submit_self_report(s, staff["hosp"], year=year, violation="NOPE", item="x", amount=1)
        with pytest.raises(CaseError):
            submit_self_report(
                s, staff["hosp"], year=year, violation="OVER_PRICE", item="x", amount=1, refunded=2
            )
        with pytest.raises(PermissionDenied):
            self_reports(s, staff["hosp2"], H1, year)
        intake_findings(s, staff["wang"], findings_store(tmp_path / "s.duckdb"))
    with open_session(engine) as s:
        marks = unreported_findings(s, staff["wang"], H1, year)
        kinds = {(u.violation, u.heavier) for u in marks}
        assert ("DUPLICATE_BILLING", False) in kinds and ("SPLIT_ADMISSION", True) in kinds
        assert all(u.heavier == (u.violation != "DUPLICATE_BILLING") for u in marks)
        assert len(self_reports(s, staff["hosp"], H1, year)) == 1
        assert unreported_findings(s, staff["wang"], H1, year - 1) == []
