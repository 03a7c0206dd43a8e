"""The store's knowledge tables as inspectors browse them: catalogue restrictions, item_rule pairs and
item_limit rows, filtered by item code or name and by the date a row must be in force on, a page at a time.

Read over the console's short-lived read-only connection (`Store.read`); values go into SQL as bound
parameters only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from yibao.web.data import Store, has_table, rows_as_dicts

__all__ = ["KNOWLEDGE_PAGE", "KnowledgeFilter", "KnowledgePage", "knowledge_page", "restriction_text"]

KNOWLEDGE_PAGE = 50

# a catalogue row is a "restriction" when it limits who, where, what for or how much
_RESTRICTED = (
    "lmt_gend IS NOT NULL OR lmt_age_min IS NOT NULL OR lmt_age_max IS NOT NULL OR lmt_age_max_days IS NOT NULL "
    "OR lmt_hosp_lv IS NOT NULL OR lmt_dise IS NOT NULL OR lmt_med_type IS NOT NULL OR lmt_dept IS NOT NULL "
    "OR lmt_dept_excl IS NOT NULL OR lmt_inst_type IS NOT NULL OR max_daily_cnt IS NOT NULL "
    "OR coalesce(single_herb_unpaid, false) OR pric_uplmt IS NOT NULL"
)
_HOSP_LV = {"1": "三级", "2": "二级", "3": "一级"}
_GEND = {"1": "男", "2": "女"}
RELATIONS = {
    "exclusive": "互斥",
    "includes": "包含（套餐含子项）",
    "requires": "须伴随",
    "discount": "同日折价",
}
PERIODS = {"day": "每日", "encounter": "每次就诊", "week": "每自然周", "month": "每月", "year": "每年"}


@dataclass(frozen=True)
class KnowledgeFilter:
    table: str = "catalog"
    q: str = ""  # item code or name, matched anywhere in either
    on: date | None = None  # rows in force on this date; None: every row
    page: int = 1


@dataclass(frozen=True)
class KnowledgePage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    present: bool  # the table exists and holds rows


def _num(v: Any) -> str:
    text = f"{v}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def restriction_text(r: dict[str, Any]) -> str:
    """A catalogue row's restrictions in one Chinese line, as the knowledge base phrases them."""
    parts = []
    if r.get("lmt_gend"):
        parts.append(f"限{_GEND.get(str(r['lmt_gend']), r['lmt_gend'])}性")
    lo, hi = r.get("lmt_age_min"), r.get("lmt_age_max")
    if lo is not None or hi is not None:
        parts.append(f"限{lo if lo is not None else 0}–{hi if hi is not None else '∞'}岁")
    if r.get("lmt_age_max_days") is not None:
        parts.append(f"限出生{r['lmt_age_max_days']}天内")
    if r.get("lmt_hosp_lv"):
        parts.append(f"限{_HOSP_LV.get(str(r['lmt_hosp_lv']), r['lmt_hosp_lv'])}及以上医院")
    if r.get("lmt_dise"):
        parts.append(f"限适应症 {r['lmt_dise']}")
    if r.get("lmt_med_type"):
        parts.append(f"限就医方式 {r['lmt_med_type']}")
    if r.get("lmt_dept"):
        parts.append(f"限科室 {r['lmt_dept']}")
    if r.get("lmt_dept_excl"):
        parts.append(f"除外科室 {r['lmt_dept_excl']}")
    if r.get("lmt_inst_type"):
        parts.append(f"机构类别 {r['lmt_inst_type']} 不限科室")
    if r.get("max_daily_cnt") is not None:
        parts.append(f"单日最多{_num(r['max_daily_cnt'])}")
    if r.get("single_herb_unpaid"):
        parts.append("单味使用不予支付")
    if r.get("pric_uplmt") is not None:
        parts.append(f"最高限价{_num(r['pric_uplmt'])}元")
    return "；".join(parts)


def limit_text(r: dict[str, Any]) -> str:
    parts = [PERIODS.get(str(r.get("period")), str(r.get("period")))]
    if r.get("window_days") is not None:
        parts[0] = f"任意{r['window_days']}天"
    if r.get("per_stay_day"):
        parts.append("×住院天数")
    if r.get("max_cnt") is not None:
        parts.append(f"最多{_num(r['max_cnt'])}次")
    if r.get("max_amount") is not None:
        parts.append(f"最多{_num(r['max_amount'])}元")
    if r.get("max_days") is not None:
        parts.append(f"最多{r['max_days']}天")
    if r.get("min_interval_days") is not None:
        parts.append(f"间隔不少于{r['min_interval_days']}天")
    if r.get("lmt_age_min") is not None or r.get("lmt_age_max") is not None:
        parts.append(f"适用{r.get('lmt_age_min') or 0}–{r.get('lmt_age_max') or '∞'}岁")
    if r.get("dept_excl"):
        parts.append(f"除外科室 {r['dept_excl']}")
    if r.get("med_type"):
        parts.append(f"就医方式 {r['med_type']}")
    return " ".join(parts)


# a name per code: the catalogue's name for the code (any of its dated rows)
_NAMES = "(SELECT med_list_codg, min(name) AS name FROM catalog GROUP BY med_list_codg)"

_QUERIES = {
    "catalog": (
        f"SELECT * FROM catalog WHERE ({_RESTRICTED})",
        "(med_list_codg ILIKE ? OR name ILIKE ?)",
        2,
        "med_list_codg, begndate NULLS FIRST",
    ),
    "item_rule": (
        f"SELECT r.*, a.name AS name_a, b.name AS name_b FROM item_rule r "
        f"LEFT JOIN {_NAMES} a ON a.med_list_codg = r.code_a LEFT JOIN {_NAMES} b ON b.med_list_codg = r.code_b "
        "WHERE true",
        "(code_a ILIKE ? OR code_b ILIKE ? OR a.name ILIKE ? OR b.name ILIKE ?)",
        4,
        "relation, code_a, code_b, begndate NULLS FIRST",
    ),
    "item_limit": (
        f"SELECT l.*, n.name FROM item_limit l LEFT JOIN {_NAMES} n ON n.med_list_codg = l.med_list_codg "
        "WHERE true",
        "(l.med_list_codg ILIKE ? OR n.name ILIKE ?)",
        2,
        "l.med_list_codg, period, l.begndate NULLS FIRST",
    ),
}


def knowledge_page(store: Store, flt: KnowledgeFilter, page_size: int = KNOWLEDGE_PAGE) -> KnowledgePage:
    base, match, n_match, order = _QUERIES[flt.table]
    where, params = [], []
    if flt.q:
        where.append(match)
        params.extend([f"%{flt.q}%"] * n_match)
    if flt.on is not None:
        alias = {"catalog": "", "item_rule": "r.", "item_limit": "l."}[flt.table]
        where.append(
            f"({alias}begndate IS NULL OR {alias}begndate <= ?) AND ({alias}enddate IS NULL OR {alias}enddate >= ?)"
        )
        params.extend([flt.on, flt.on])
    sql = base + "".join(f" AND {w}" for w in where)

    def work(con: duckdb.DuckDBPyConnection) -> KnowledgePage:
        if not has_table(con, flt.table):
            return KnowledgePage([], 0, 1, 1, False)
        total = int((con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone() or (0,))[0])
        pages = max(1, -(-total // page_size))
        page = min(max(1, flt.page), pages)
        rows = rows_as_dicts(
            con.execute(f"{sql} ORDER BY {order} LIMIT {page_size} OFFSET {(page - 1) * page_size}", params)
        )
        present = total > 0 or bool((con.execute(f"SELECT count(*) FROM {flt.table}").fetchone() or (0,))[0])
        for r in rows:
            if flt.table == "catalog":
                r["restriction"] = restriction_text(r)
            elif flt.table == "item_limit":
                r["limit"] = limit_text(r)
            else:
                r["relation_label"] = RELATIONS.get(str(r.get("relation")), str(r.get("relation")))
        return KnowledgePage(rows, total, page, pages, present)

    return store.read(work)
