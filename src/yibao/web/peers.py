"""Peer comparison for the practitioner and person profiles (医师、参保人同类对比).

A practitioner is shown on the indicators and against the peers the practitioner-outlier model
uses (`yibao.models.outliers.PractitionerOutlier`): department × hospital level (falling back to
the department city-wide when the group is too small), and the same department of the own
institution. The indicators are rebuilt from the contract tables with the model's own feature
code (`mdl_enc`, `mdl_rel` as temporary tables of the read-only connection) and compared with the
model's `compare_with_peers`, so the medians are the ones the score was based on.

A person's year is compared with every insured person of the same 10-year age band, insurance
type and city (persons without encounters that year count as zero): the group's median and the
person's percentile rank. Both whole-store aggregates are computed once per store file version
(`Store._cached`, a few MB for 100k persons); a page then only looks its entity up in them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import polars as pl

from yibao.models.features import DataUnavailable, ensure_features
from yibao.models.outliers import PRAC_INDICATORS, PractitionerOutlier
from yibao.models.peers import Indicator, PeerResult, compare_with_peers
from yibao.web.data import Store, has_table, rows_as_dicts

__all__ = [
    "PERSON_METRICS",
    "PersonPeers",
    "PersonRow",
    "PracPeers",
    "PracRow",
    "person_peers",
    "practitioner_peers",
]

# 诊疗科目 codes as the contract's dept_codg uses them; an unknown code is shown as is.
_DEPT_NAMES = {
    "A01": "预防保健科", "A02": "全科医疗科", "A03": "内科", "A04": "外科", "A05": "妇产科",
    "A06": "妇女保健科", "A07": "儿科", "A08": "小儿外科", "A09": "儿童保健科", "A10": "眼科",
    "A11": "耳鼻咽喉科", "A12": "口腔科", "A13": "皮肤科", "A14": "医疗美容科", "A15": "精神科",
    "A16": "传染科", "A17": "结核病科", "A18": "地方病科", "A19": "肿瘤科", "A20": "急诊医学科",
    "A21": "康复医学科", "A22": "运动医学科", "A23": "职业病科", "A24": "临终关怀科", "A26": "麻醉科",
    "A27": "疼痛科", "A28": "重症医学科", "A30": "医学检验科", "A31": "病理科", "A32": "医学影像科",
    "A50": "中医科", "A51": "民族医学科", "A52": "中西医结合科",
}  # fmt: skip
_LEVELS = {"1": "三级", "2": "二级", "3": "一级", "9": "未定级"}
_INSUTYPES = {"310": "职工基本医疗保险", "390": "城乡居民基本医疗保险"}


def dept_name(code: str | None) -> str:
    if not code or code == "?":
        return "科室不详"
    return _DEPT_NAMES.get(code, code)


# --- practitioners ---------------------------------------------------------------------------------

_CASES = {"n_op": "门诊", "n_ip": "住院"}


@dataclass(frozen=True)
class _PracTable:
    rows: dict[str, dict[str, Any]]
    level: dict[tuple[str, str], PeerResult]
    local: dict[tuple[str, str], PeerResult]
    min_cases: int


@dataclass(frozen=True)
class PracRow:
    """One indicator of one doctor: own value, the model's peer-group median, the own department's."""

    column: str
    label: str
    value: float | None
    value_text: str
    peer_median: float | None
    peer_text: str
    group: str
    peers: int
    z: float | None
    local_median: float | None
    local_text: str
    local_group: str
    local_peers: int
    note: str


@dataclass(frozen=True)
class PracPeers:
    dept: str
    hosp_lv: str
    min_cases: int
    rows: list[PracRow]

    def chart(self) -> dict[str, Any]:
        """Each indicator as a multiple of the model's peer median (1 = the median), for one axis."""
        out = []
        for r in self.rows:
            base = r.peer_median
            ok = base is not None and base > 0 and r.value is not None
            out.append(
                {
                    "label": r.label,
                    "self": round(r.value / base, 4) if ok else None,  # type: ignore[operator]
                    "local": round(r.local_median / base, 4)  # type: ignore[operator]
                    if ok and r.local_median is not None
                    else None,
                    "value": r.value_text,
                    "median": r.peer_text,
                    "local_median": r.local_text,
                    "group": r.group,
                }
            )
        return {"kind": "practitioner", "rows": out}


def _fmt(ind: Indicator, value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return ind.fmt.format(value)


def _group_name(result: PeerResult) -> str:
    """'dept×hosp_lv=A03×1' → 内科 · 三级医院医师 (the grouping the model fell back to, in words)."""
    cols, _, vals = result.group.partition("=")
    named = dict(zip(cols.split("×"), vals.split("×"), strict=False))
    dept = dept_name(named.get("dept"))
    if "fixmedins_code" in named:
        return f"本院{dept}医师"
    if "hosp_lv" in named:
        return f"{_LEVELS.get(named['hosp_lv'], named['hosp_lv'])}医院{dept}医师"
    return f"全市{dept}医师（不分医院级别）"


def _prac_table(con: duckdb.DuckDBPyConnection) -> _PracTable | None:
    try:
        feats = ensure_features(con)
    except DataUnavailable:
        return None
    if not feats.avail.has("mdtrt", "atddr_no"):
        return None
    frame = PractitionerOutlier.indicators(con, feats)
    min_cases = int(feats.params["outlier_min_cases"])
    level = compare_with_peers(
        frame, "prac_code", PRAC_INDICATORS, [("dept", "hosp_lv"), ("dept",)], min_cases=min_cases
    )
    local = compare_with_peers(
        frame, "prac_code", PRAC_INDICATORS, [("fixmedins_code", "dept")], min_peers=1, min_cases=min_cases
    )
    return _PracTable(
        {r["prac_code"]: r for r in frame.to_dicts()},
        {(r.key, r.indicator.column): r for r in level},
        {(r.key, r.indicator.column): r for r in local},
        min_cases,
    )


def _prac_rows(table: _PracTable, code: str) -> PracPeers | None:
    row = table.rows.get(code)
    if row is None:
        return None
    out = []
    for ind in PRAC_INDICATORS:
        value = row.get(ind.column)
        value = None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
        lv, loc = table.level.get((code, ind.column)), table.local.get((code, ind.column))
        note = ""
        if value is None:
            note = "无此类就诊或无费用明细"
        elif ind.min_count_column and int(row.get(ind.min_count_column) or 0) < table.min_cases:
            note = f"{_CASES.get(ind.min_count_column, '')}不足{table.min_cases}例，模型不作比较"
        elif lv is None:
            note = "同类组医师不足，模型不作比较"
        out.append(
            PracRow(
                column=ind.column,
                label=ind.label,
                value=value,
                value_text=_fmt(ind, value),
                peer_median=lv.peer_median if lv else None,
                peer_text=_fmt(ind, lv.peer_median if lv else None),
                group=_group_name(lv) if lv else "—",
                peers=lv.peers if lv else 0,
                z=round(lv.z, 2) if lv else None,
                local_median=loc.peer_median if loc else None,
                local_text=_fmt(ind, loc.peer_median if loc else None),
                local_group=_group_name(loc) if loc else "—",
                local_peers=loc.peers if loc else 0,
                note=note,
            )
        )
    return PracPeers(str(row.get("dept") or ""), str(row.get("hosp_lv") or ""), table.min_cases, out)


def practitioner_peers(store: Store, code: str) -> PracPeers | None:
    """None when the store cannot support the comparison or the doctor attended no encounter."""
    table = store._cached("peers:practitioners", _prac_table)
    return _prac_rows(table, code) if table is not None else None


# --- persons ---------------------------------------------------------------------------------------

# (column, label, format)
PERSON_METRICS: list[tuple[str, str, str]] = [
    ("fund", "基金支付（元）", "{:,.2f}"),
    ("visits", "就诊次数（门诊、门诊慢特病、住院）", "{:,.0f}"),
    ("stays", "住院次数", "{:,.0f}"),
    ("insts", "就诊与购药机构数", "{:,.0f}"),
    ("pharmacy", "定点药店购药次数", "{:,.0f}"),
]


_PERSON_SQL = """
    WITH enc AS (SELECT psn_no,
                        count(*) FILTER (WHERE med_type IN ('11', '14', '21')) AS visits,
                        count(*) FILTER (WHERE med_type = '21') AS stays,
                        count(DISTINCT fixmedins_code) AS insts,
                        count(*) FILTER (WHERE med_type = '41') AS pharmacy
                 FROM mdtrt WHERE year(begntime) = $year GROUP BY 1),
         fund AS (SELECT psn_no, sum(fund_pay_sumamt)::DOUBLE AS fund
                  FROM setl WHERE year(setl_time) = $year GROUP BY 1)
    SELECT p.psn_no,
           floor(date_diff('day', p.brdy, make_date($year, 7, 1)) / 365.25)::INTEGER // 10 * 10 AS band,
           coalesce(p.insutype, '?') AS insutype, coalesce(left(p.insuplc_admdvs, 4), '?') AS city,
           coalesce(fund.fund, 0) AS fund, coalesce(enc.visits, 0) AS visits,
           coalesce(enc.stays, 0) AS stays, coalesce(enc.insts, 0) AS insts,
           coalesce(enc.pharmacy, 0) AS pharmacy
    FROM psn p LEFT JOIN enc USING (psn_no) LEFT JOIN fund USING (psn_no)"""


@dataclass(frozen=True)
class _PersonTable:
    year: int
    people: pl.DataFrame  # one row per person: group columns and the metrics
    groups: dict[tuple[int | None, str, str], dict[str, np.ndarray]]  # sorted values per metric
    cities: dict[str, str]


@dataclass(frozen=True)
class PersonRow:
    column: str
    label: str
    value: float
    value_text: str
    median: float
    median_text: str
    percentile: float  # mid-rank in the group, 0–100


@dataclass(frozen=True)
class PersonPeers:
    year: int
    group: str
    size: int
    rows: list[PersonRow]

    def chart(self) -> dict[str, Any]:
        return {
            "kind": "person",
            "rows": [
                {"label": r.label, "percentile": r.percentile, "value": r.value_text, "median": r.median_text}
                for r in self.rows
            ],
        }


def _person_table(con: duckdb.DuckDBPyConnection) -> _PersonTable | None:
    if not (has_table(con, "psn") and has_table(con, "mdtrt") and has_table(con, "setl")):
        return None
    got = con.execute("SELECT year(max(begntime)) FROM mdtrt").fetchall()
    if not got or got[0][0] is None:
        return None
    year = int(got[0][0])
    frame = pl.from_arrow(con.sql(_PERSON_SQL, params={"year": year}).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    groups: dict[tuple[int | None, str, str], dict[str, np.ndarray]] = {}
    for (band, insutype, city), part in frame.group_by(["band", "insutype", "city"]):
        groups[(band, str(insutype), str(city))] = {  # type: ignore[index]
            col: np.sort(part[col].cast(pl.Float64).to_numpy()) for col, _, _ in PERSON_METRICS
        }
    cities = {}
    if has_table(con, "medins"):
        cities = {
            str(r["code"]): str(r["city"])
            for r in rows_as_dicts(
                con.execute(
                    "SELECT left(admdvs, 4) AS code, mode(city) AS city FROM medins "
                    "WHERE admdvs IS NOT NULL AND city IS NOT NULL GROUP BY 1"
                )
            )
        }
    return _PersonTable(year, frame, groups, cities)


def _group_label(table: _PersonTable, band: int | None, insutype: str, city: str) -> str:
    place = table.cities.get(city, f"参保地{city}xx") if city != "?" else "参保地不详"
    age = f"{band}–{band + 9}岁" if band is not None else "年龄不详"
    return f"{place} · {age} · {_INSUTYPES.get(insutype, '险种不详' if insutype == '?' else insutype)}"


def _percentile(sorted_values: np.ndarray, value: float) -> float:
    below = int(np.searchsorted(sorted_values, value, side="left"))
    not_above = int(np.searchsorted(sorted_values, value, side="right"))
    return round(100.0 * (below + 0.5 * (not_above - below)) / len(sorted_values), 1)


def _person(table: _PersonTable, psn_no: str) -> PersonPeers | None:
    mine = table.people.filter(pl.col("psn_no") == psn_no).to_dicts()
    if not mine:
        return None
    me = mine[0]
    key = (me["band"], str(me["insutype"]), str(me["city"]))
    group = table.groups[key]
    rows = []
    for col, label, fmt in PERSON_METRICS:
        values = group[col]
        value, median = float(me[col]), float(np.median(values))
        rows.append(
            PersonRow(
                col, label, value, fmt.format(value), median, fmt.format(median), _percentile(values, value)
            )
        )
    size = len(next(iter(group.values())))
    return PersonPeers(table.year, _group_label(table, *key), size, rows)


def person_peers(store: Store, psn_no: str) -> PersonPeers | None:
    """None when the store has no encounters to compare or the person is unknown."""
    table = store._cached("peers:persons", _person_table)
    if table is None:
        return None
    return _person(table, psn_no)
