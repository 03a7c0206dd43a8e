"""Practitioner and person profiles: risk score with reasons, findings by type, the findings, encounters.

A practitioner's findings are those naming the practitioner, those on fee lines the practitioner
ordered (`bilg_dr_codg`) and encounter findings of encounters the practitioner attended (`atddr_no`).
A person's are those naming the person. The person's name and ID number are returned raw here; the
route masks them with `auth.masking.reveal`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import duckdb

from yibao.web.data import (
    FINDING_SELECT,
    FindingRow,
    Store,
    finding_rows,
    has_table,
    rows_as_dicts,
    violation_label,
)

__all__ = ["EntityView", "person_profile", "practitioner_profile"]

LIMIT = 100


@dataclass(frozen=True)
class EntityView:
    level: str
    key: str
    info: dict[str, Any]
    risk: dict[str, Any] | None
    reasons: list[str]
    by_violation: list[dict[str, Any]]
    findings: list[FindingRow]
    encounters: list[dict[str, Any]]


def _risk(con: duckdb.DuckDBPyConnection, level: str, key: str) -> tuple[dict[str, Any] | None, list[str]]:
    if not has_table(con, "risk_scores"):
        return None, []
    found = rows_as_dicts(
        con.execute(
            "SELECT risk, rule, iso, sup, rank, reasons, "
            "(SELECT count(*) FROM risk_scores WHERE level = ?) AS of "
            "FROM risk_scores WHERE level = ? AND entity_key = ?",
            [level, level, key],
        )
    )
    if not found:
        return None, []
    text = str(found[0].get("reasons") or "")
    reasons = [
        re.sub(r"^\d+\.\s*", "", p.strip()) for p in re.split(r"[；;\n](?=\s*\d+\.\s)", text) if p.strip()
    ]
    return found[0], reasons


def _profile(
    con: duckdb.DuckDBPyConnection, level: str, key: str, info: dict[str, Any], cond: str, args: list[Any]
) -> EntityView:
    risk, reasons = _risk(con, level, key)
    by_violation = rows_as_dicts(
        con.execute(
            f"SELECT violation, count(*) AS n, coalesce(sum(amount), 0) AS amount FROM findings f WHERE {cond} "
            "GROUP BY violation ORDER BY amount DESC, violation",
            args,
        )
    )
    for row in by_violation:
        row["label"] = violation_label(row["violation"])
    findings = finding_rows(
        rows_as_dicts(
            con.execute(
                f"{FINDING_SELECT} WHERE {cond} ORDER BY f.amount DESC NULLS LAST, f.finding_id LIMIT {LIMIT}",
                args,
            )
        )
    )
    return EntityView(level, key, info, risk, reasons, by_violation, findings, [])


def _practitioner(con: duckdb.DuckDBPyConnection, code: str) -> EntityView | None:
    info = rows_as_dicts(
        con.execute(
            "SELECT p.prac_code, p.prac_name, p.prac_type, p.fixmedins_code, p.dept_codg, m.fixmedins_name "
            "FROM practitioner p LEFT JOIN medins m USING (fixmedins_code) WHERE p.prac_code = ?",
            [code],
        )
    )
    if not info:
        return None
    cond = (
        "(f.prac_code = ? OR f.feedetl_sn IN (SELECT feedetl_sn FROM fee WHERE bilg_dr_codg = ?) "
        "OR (f.feedetl_sn IS NULL AND f.mdtrt_id IN (SELECT mdtrt_id FROM mdtrt WHERE atddr_no = ?)))"
    )
    return _profile(con, "practitioner", code, info[0], cond, [code, code, code])


def _person(con: duckdb.DuckDBPyConnection, psn_no: str) -> EntityView | None:
    info = rows_as_dicts(
        con.execute(
            "SELECT psn_no, psn_name, certno, gend, brdy, insutype, insuplc_admdvs FROM psn WHERE psn_no = ?",
            [psn_no],
        )
    )
    if not info:
        return None
    view = _profile(con, "person", psn_no, info[0], "f.psn_no = ?", [psn_no])
    encounters = rows_as_dicts(
        con.execute(
            f"""
            SELECT e.mdtrt_id, e.fixmedins_code, m.fixmedins_name, e.med_type, e.begntime, e.endtime,
                   e.dise_name, (SELECT count(*) FROM findings f WHERE f.mdtrt_id = e.mdtrt_id) AS findings
            FROM mdtrt e LEFT JOIN medins m USING (fixmedins_code)
            WHERE e.psn_no = ? ORDER BY e.begntime DESC, e.mdtrt_id LIMIT {LIMIT}
            """,
            [psn_no],
        )
    )
    return EntityView(**{**view.__dict__, "encounters": encounters})


def practitioner_profile(store: Store, code: str) -> EntityView | None:
    return store.read(lambda con: _practitioner(con, code))


def person_profile(store: Store, psn_no: str) -> EntityView | None:
    return store.read(lambda con: _person(con, psn_no))
