"""Feature tables shared by every model detector, built once per screening run in DuckDB.

`mdl_enc` has one row per encounter: who, where, when, diagnosis, length of stay, money by kind
(drugs, tests, consumables, CT/MRI) and the institution's and person's attributes. The detectors
read it instead of re-reading the fee table. Tables or columns a dataset lacks (an encounter-only
claims export has no fee lines) become NULL features, and `Features.notes` says what was skipped.
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass, field
from typing import Any

import duckdb

from yibao.detectors import DetectorSkipped, run_token
from yibao.models.params import ParamError, load_params

__all__ = ["Availability", "DataUnavailable", "Features", "ensure_features"]

_CHECKED_COLUMNS = {
    "psn": ("brdy", "hshld_no", "insuplc_admdvs"),
    "medins": ("hosp_lv", "inst_type", "admdvs", "fixmedins_type"),
    "practitioner": ("dept_codg",),
    "mdtrt": ("dise_codg", "atddr_no", "adm_dept_codg", "dscg_dept_codg"),
    "setl": ("medfee_sumamt", "fund_pay_sumamt"),
    "fee": ("list_type", "bilg_dr_codg", "drug_trac_codg", "med_list_codg"),
    "catalog": ("is_lab", "name"),
}


class DataUnavailable(DetectorSkipped):
    """The data lacks what a detector needs; `yibao screen` reports the detector as skipped."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")


@dataclass(frozen=True, slots=True)
class Availability:
    """Which tables have rows and which columns hold any value."""

    rows: dict[str, int]
    columns: frozenset[str]

    def has(self, table: str, *columns: str) -> bool:
        return self.rows.get(table, 0) > 0 and all(f"{table}.{c}" in self.columns for c in columns)

    @classmethod
    def probe(cls, con: duckdb.DuckDBPyConnection) -> Availability:
        present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        present |= {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
        rows: dict[str, int] = {}
        cols: set[str] = set()
        for table, wanted in _CHECKED_COLUMNS.items():
            if table not in present:
                continue
            have = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
            usable = [c for c in wanted if c in have]
            counts = ", ".join(f"count({c})" for c in ("*", *usable))
            got = con.execute(f"SELECT {counts} FROM (SELECT * FROM {table} LIMIT 200000)").fetchone()
            assert got is not None
            rows[table] = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
            cols |= {f"{table}.{c}" for c, n in zip(usable, got[1:], strict=True) if n}
        if "mdtrt" in present:
            have = {r[0] for r in con.execute("DESCRIBE mdtrt").fetchall()}
            cols |= {
                f"mdtrt.{c}"
                for c in ("psn_no", "fixmedins_code", "med_type", "begntime", "endtime")
                if c in have
            }
        return cls(rows, frozenset(cols))


@dataclass(slots=True)
class Features:
    """What one run built: availability, the parameters in force and notes on what was skipped."""

    avail: Availability
    as_of: dt.date
    params: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    built: set[str] = field(default_factory=set)  # derived tables already built in this run

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


_BUILT: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, tuple[int, Features]] = (
    weakref.WeakKeyDictionary()
)


def ensure_features(con: duckdb.DuckDBPyConnection) -> Features:
    """Build `mdl_enc` once per screening run (every call when outside a run)."""
    token = run_token(con)
    cached = _BUILT.get(con)
    if cached and cached[0] == token and token != 0:
        return cached[1]
    feats = _build(con)
    _BUILT[con] = (token, feats)
    return feats


def _build(con: duckdb.DuckDBPyConnection) -> Features:
    con.execute("SET enable_progress_bar = false")  # the CLI draws its own; DuckDB's would interleave with it
    avail = Availability.probe(con)
    if not avail.has("mdtrt", "psn_no", "fixmedins_code", "med_type", "begntime", "endtime"):
        raise DataUnavailable(
            "缺少就诊信息（mdtrt）表，模型无法运行", "no encounters (mdtrt): models cannot run"
        )
    as_of = con.execute("SELECT max(CAST(endtime AS DATE)) FROM mdtrt").fetchone()[0]  # type: ignore[index]
    try:
        params = load_params().at(as_of)
    except ParamError as exc:
        raise DataUnavailable(str(exc), "model parameters not in force for this data's dates") from exc
    feats = Features(avail, as_of or dt.date.today(), params)
    has_fee = avail.has("fee", "list_type", "med_list_codg")
    has_cat = avail.has("catalog", "name") and has_fee
    has_setl = avail.has("setl", "medfee_sumamt")
    if not has_fee:
        feats.note(
            "无费用明细（fee），药品/检查/耗材占比与模板化住院等明细特征跳过 / no fee lines: line features skipped"
        )
    if not has_setl and not has_fee:
        feats.note("无结算与费用明细，费用类指标跳过 / no settlements or fee lines: cost indicators skipped")
    cat = (
        """SELECT med_list_codg, bool_or(coalesce(is_lab, false)) AS is_lab,
                  bool_or(regexp_matches(name, 'CT|磁共振|MRI')) AS imaging
           FROM catalog GROUP BY 1"""
        if has_cat
        else "SELECT NULL::VARCHAR AS med_list_codg, false AS is_lab, false AS imaging WHERE false"
    )
    fee_agg = (
        f"""SELECT f.mdtrt_id, sum(f.det_item_fee_sumamt)::DOUBLE AS fee_amt,
               sum(f.det_item_fee_sumamt) FILTER (WHERE f.list_type IN ('101', '102'))::DOUBLE AS drug_amt,
               sum(f.det_item_fee_sumamt) FILTER (WHERE c.is_lab)::DOUBLE AS test_amt,
               sum(f.det_item_fee_sumamt) FILTER (WHERE f.list_type = '301')::DOUBLE AS cons_amt,
               sum(f.det_item_fee_sumamt) FILTER (WHERE c.imaging)::DOUBLE AS img_amt,
               count(*) FILTER (WHERE f.cnt > 0) AS n_lines,
               count(DISTINCT f.med_list_codg) FILTER (WHERE f.list_type = '101' AND f.cnt > 0) AS n_drugs
           FROM fee f LEFT JOIN ({cat}) c USING (med_list_codg) GROUP BY 1"""
        if has_fee
        else """SELECT NULL::VARCHAR AS mdtrt_id, NULL::DOUBLE AS fee_amt, NULL::DOUBLE AS drug_amt,
                NULL::DOUBLE AS test_amt, NULL::DOUBLE AS cons_amt, NULL::DOUBLE AS img_amt,
                NULL::BIGINT AS n_lines, NULL::BIGINT AS n_drugs WHERE false"""
    )
    setl_agg = (
        """SELECT mdtrt_id, sum(medfee_sumamt)::DOUBLE AS setl_amt, sum(fund_pay_sumamt)::DOUBLE AS fund_amt
           FROM setl GROUP BY 1"""
        if has_setl
        else "SELECT NULL::VARCHAR AS mdtrt_id, NULL::DOUBLE AS setl_amt, NULL::DOUBLE AS fund_amt WHERE false"
    )
    a = avail
    dise = "m.dise_codg" if a.has("mdtrt", "dise_codg") else "NULL::VARCHAR"
    dept_cols = [f"m.{c}" for c in ("adm_dept_codg", "dscg_dept_codg") if a.has("mdtrt", c)]
    dept = f"coalesce({', '.join(dept_cols)})" if dept_cols else "NULL::VARCHAR"
    dr = "m.atddr_no" if a.has("mdtrt", "atddr_no") else "NULL::VARCHAR"
    dscg_way = "m.dscg_way" if "dscg_way" in _columns(con, "mdtrt") else "NULL::VARCHAR"
    psn = (
        f"""SELECT psn_no, {"brdy" if a.has("psn", "brdy") else "NULL::DATE AS brdy"},
                   {"hshld_no" if a.has("psn", "hshld_no") else "NULL::VARCHAR AS hshld_no"},
                   {"insuplc_admdvs" if a.has("psn", "insuplc_admdvs") else "NULL::VARCHAR AS insuplc_admdvs"}
            FROM psn"""
        if a.rows.get("psn")
        else "SELECT NULL::VARCHAR AS psn_no, NULL::DATE AS brdy, NULL::VARCHAR AS hshld_no, "
        "NULL::VARCHAR AS insuplc_admdvs WHERE false"
    )
    if not a.has("psn", "hshld_no"):
        feats.note(
            "无户号（psn.hshld_no），同户同进同出检测跳过 / no household numbers: co-admission skipped"
        )
    med_cols = {c: a.has("medins", c) for c in ("fixmedins_type", "hosp_lv", "inst_type", "admdvs")}
    medins = (
        "SELECT fixmedins_code, "
        + ", ".join(c if ok else f"NULL::VARCHAR AS {c}" for c, ok in med_cols.items())
        + (", ownership" if "ownership" in _columns(con, "medins") else ", NULL::VARCHAR AS ownership")
        + " FROM medins"
        if a.rows.get("medins")
        else "SELECT NULL::VARCHAR AS fixmedins_code, NULL::VARCHAR AS fixmedins_type, NULL::VARCHAR AS hosp_lv, "
        "NULL::VARCHAR AS inst_type, NULL::VARCHAR AS admdvs, NULL::VARCHAR AS ownership WHERE false"
    )
    low = feats.params["low_acuity_dx"]
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE mdl_enc AS
        WITH fa AS ({fee_agg}), sa AS ({setl_agg}), p AS ({psn}), i AS ({medins})
        SELECT m.mdtrt_id, m.psn_no, m.fixmedins_code, m.med_type, m.begntime, m.endtime,
               CAST(m.begntime AS DATE) AS adm_date, CAST(m.endtime AS DATE) AS dscg_date,
               greatest(date_diff('day', CAST(m.begntime AS DATE), CAST(m.endtime AS DATE)), 1) AS los,
               date_trunc('month', m.begntime)::DATE AS month,
               {dise} AS dise_codg, left({dise}, 3) AS dx3, {dept} AS dept, {dr} AS prac_code,
               {dscg_way} AS dscg_way,
               coalesce(fa.fee_amt, sa.setl_amt) AS amt, sa.fund_amt AS fund,
               coalesce(fa.drug_amt, 0) AS drug_amt, coalesce(fa.test_amt, 0) AS test_amt,
               coalesce(fa.cons_amt, 0) AS cons_amt, coalesce(fa.img_amt, 0) AS img_amt,
               fa.n_lines, fa.n_drugs,
               floor(date_diff('day', p.brdy, CAST(m.begntime AS DATE)) / 365.25)::INTEGER AS age,
               p.hshld_no, p.insuplc_admdvs,
               i.fixmedins_type, i.hosp_lv, i.inst_type, i.admdvs, i.ownership,
               coalesce(len(list_filter($low, lambda x: starts_with({dise}, x))) > 0, false) AS low_acuity
        FROM mdtrt m LEFT JOIN fa USING (mdtrt_id) LEFT JOIN sa USING (mdtrt_id)
        LEFT JOIN p USING (psn_no) LEFT JOIN i USING (fixmedins_code)""",
        {"low": list(low)},
    )
    return feats


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    try:
        return {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    except duckdb.Error:
        return set()
