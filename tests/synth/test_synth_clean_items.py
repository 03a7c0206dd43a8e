"""Clean data is clean, item by item: no line outside the labels breaks a catalogue restriction,
a pair rule or a frequency/amount limit. Written as plain SQL, independently of the generator."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pytest

Q = Callable[[str], list[tuple[object, ...]]]

YEARS = ("(year({d}) - year(brdy_d) - CASE WHEN month({d}) * 100 + day({d}) < month(brdy_d) * 100 + day(brdy_d) "
         "THEN 1 ELSE 0 END)")
RANK = "CASE {0} WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN '3' THEN 3 ELSE 4 END"


def _in(lst: str, val: str) -> str:
    return f"list_contains(string_split({lst}, ';'), {val})"


RESTRICTIONS = {
    "gender": "lmt_gend IS NOT NULL AND gend <> lmt_gend",
    "age_min": f"amin IS NOT NULL AND least({YEARS.format(d='d')}, {YEARS.format(d='CAST(b AS DATE)')}) < amin",
    "age_max": f"amax IS NOT NULL AND greatest({YEARS.format(d='d')}, {YEARS.format(d='CAST(b AS DATE)')}) > amax",
    "age_days": "adays IS NOT NULL AND d - brdy_d > adays",
    "level": f"lmt_hosp_lv IS NOT NULL AND {RANK.format('hosp_lv')} > {RANK.format('lmt_hosp_lv')}",
    "med_type": f"lmt_med_type IS NOT NULL AND NOT {_in('lmt_med_type', 'med_type')}",
    "dept": f"lmt_dept IS NOT NULL AND NOT coalesce({_in('lmt_dept', 'bilg_dept_codg')}, false) AND NOT "
            f"coalesce({_in('lmt_dept', 'adm_dept_codg')}, false) AND NOT coalesce({_in('lmt_dept', 'dscg_dept_codg')}, "
            f"false) AND NOT coalesce({_in('lmt_inst_type', 'inst_type')}, false)",
    "dept_excl": f"lmt_dept_excl IS NOT NULL AND (coalesce({_in('lmt_dept_excl', 'bilg_dept_codg')}, false) OR "
                 f"coalesce({_in('lmt_dept_excl', 'adm_dept_codg')}, false))",
    "price_ceiling": "up IS NOT NULL AND p > up",
    "indication": "lmt_dise IS NOT NULL AND NOT EXISTS (SELECT 1 FROM diag g, unnest(string_split(lmt_dise, ';')) "
                  "AS u(pre) WHERE g.mdtrt_id = fee_cat.mdtrt_id AND starts_with(g.dise_codg, u.pre))",
}


@pytest.mark.parametrize("name", sorted(RESTRICTIONS))
def test_clean_lines_meet_catalogue_restrictions(q: Q, name: str) -> None:
    bad = q(f"SELECT feedetl_sn, med_list_codg, name FROM fee_cat WHERE {RESTRICTIONS[name]} LIMIT 5")
    assert bad == []


def test_clean_restricted_items_are_really_used(q: Q) -> None:
    """The restrictions above are exercised, not vacuous: restricted items appear in clean lines."""
    for cond in ("lmt_gend IS NOT NULL", "amax IS NOT NULL", "adays IS NOT NULL", "lmt_hosp_lv IS NOT NULL",
                 "lmt_dise IS NOT NULL", "lmt_dept IS NOT NULL", "lmt_inst_type IS NOT NULL", "p = up"):
        assert q(f"SELECT count(*) FROM fee_cat WHERE {cond}")[0][0] > 0, cond


def test_clean_boundary_cases_present(q: Q) -> None:
    """Just-inside cases exist: a 14-year-old given a child-only item, a newborn item at exactly 28 days."""
    assert q(f"SELECT count(*) FROM fee_cat WHERE amax = 14 AND {YEARS.format(d='d')} = 14")[0][0] > 0
    assert q("SELECT count(*) FROM fee_cat WHERE adays = 28 AND d - brdy_d = 28")[0][0] > 0
    # psychiatric items paid in a non-psychiatry department of a psychiatric hospital (lmt_inst_type)
    assert q("SELECT count(*) FROM fee_cat WHERE lmt_inst_type = 'A520' AND inst_type = 'A520'")[0][0] > 0


def _rule_lines(side: str) -> str:
    code = f"r.code_{side}"
    return (f"JOIN item_rule r ON (f.med_list_codg = {code} OR (ends_with({code}, '*') AND starts_with("
            f"f.med_list_codg, rtrim({code}, '*'))))")


def _pairs(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    return f"""
        WITH a AS (SELECT f.*, r.code_a, r.code_b, coalesce(r.scope, CASE WHEN r.relation = 'discount' THEN 'day'
                          ELSE 'encounter' END) AS scope, r.r
                   FROM fee_ctx f {_rule_lines('a')}
                   WHERE r.relation = '{relation}' AND (r.bd IS NULL OR f.d >= r.bd) AND (r.ed IS NULL OR f.d <= r.ed)
                     AND (r.med_type IS NULL OR list_contains(string_split(r.med_type, ';'), f.med_type))),
             b AS (SELECT f.*, r.code_a, r.code_b FROM fee_ctx f {_rule_lines('b')} WHERE r.relation = '{relation}')
    """


def test_clean_no_exclusive_or_included_pairs(q: Q, con: duckdb.DuckDBPyConnection) -> None:
    for rel in ("exclusive", "includes"):
        bad = q(_pairs(con, rel) + """
            SELECT b.feedetl_sn, b.med_list_codg FROM a JOIN b ON a.code_a = b.code_a AND a.code_b = b.code_b
                AND a.mdtrt_id = b.mdtrt_id WHERE a.scope = 'encounter'
            UNION ALL
            SELECT b.feedetl_sn, b.med_list_codg FROM a JOIN b ON a.code_a = b.code_a AND a.code_b = b.code_b
                AND a.psn_no = b.psn_no AND a.d = b.d WHERE a.scope = 'day' LIMIT 5""")
        assert bad == [], rel


def test_clean_requires_satisfied(q: Q, con: duckdb.DuckDBPyConnection) -> None:
    bad = q(_pairs(con, "requires") + """
        SELECT a.feedetl_sn, a.med_list_codg FROM a
        WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.code_a = a.code_a AND
              ((a.scope = 'encounter' AND a.mdtrt_id = b.mdtrt_id) OR (a.scope = 'day' AND a.mdtrt_id = b.mdtrt_id
               AND a.d = b.d))) LIMIT 5""")
    assert bad == []


def test_clean_discounts_applied(q: Q, con: duckdb.DuckDBPyConnection) -> None:
    sql = _pairs(con, "discount") + """
        SELECT b.feedetl_sn, b.p, c.p FROM a JOIN b ON a.code_a = b.code_a AND a.code_b = b.code_b
             AND a.psn_no = b.psn_no AND a.d = b.d
        JOIN catalog c ON c.med_list_codg = b.med_list_codg AND (c.bd IS NULL OR b.d >= c.bd)
             AND (c.ed IS NULL OR b.d <= c.ed)
        WHERE b.p > a.r * c.p {} LIMIT 5"""
    assert q(sql.format("")) == []
    assert q(sql.format("OR TRUE")) != []  # discount pairs exist in clean data, charged at (or under) the ratio


def test_clean_daily_max_count(q: Q) -> None:
    bad = q("""SELECT psn_no, d, med_list_codg, sum(n) FROM fee_cat WHERE mdc IS NOT NULL
               GROUP BY psn_no, d, med_list_codg, mdc HAVING sum(n) > mdc LIMIT 5""")
    assert bad == []
    assert q("SELECT count(*) FROM (SELECT psn_no, d, med_list_codg FROM fee_cat WHERE mdc IS NOT NULL "
             "GROUP BY psn_no, d, med_list_codg, mdc HAVING sum(n) = mdc AND mdc > 1)")[0][0] > 0  # exactly at the limit is clean


def test_clean_item_limits(q: Q, con: duckdb.DuckDBPyConnection) -> None:
    cur = con.execute("SELECT * FROM item_limit")
    names = [d[0] for d in cur.description]
    limits = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    assert len(limits) >= 10
    seen_kinds = set()
    for lim in limits:
        codes = str(lim["med_list_codg"]).split(";")
        match = " OR ".join(
            f"starts_with(f.med_list_codg, '{c[:-1]}')" if c.endswith("*") else f"f.med_list_codg = '{c}'" for c in codes)
        where = [f"({match})"]
        for col, expr in (("begndate", "f.d >= DATE '{}'"), ("enddate", "f.d <= DATE '{}'")):
            if lim[col] is not None:
                where.append(expr.format(lim[col]))
        if lim["med_type"] is not None:
            where.append(f"list_contains(string_split('{lim['med_type']}', ';'), f.med_type)")
        if lim["dept_excl"] is not None:
            where.append(f"NOT list_contains(string_split('{lim['dept_excl']}', ';'), coalesce(f.bilg_dept_codg, ''))")
        if lim["lmt_age_min"] is not None or lim["lmt_age_max"] is not None:
            age = YEARS.format(d="f.d")
            where.append(f"{age} BETWEEN {lim['lmt_age_min'] or 0} AND {lim['lmt_age_max'] or 200}")
        base = f"SELECT f.*, m.b AS adm, m.e AS dis FROM fee_cat f JOIN mdtrt m USING (mdtrt_id) WHERE {' AND '.join(where)}"
        period = lim["period"]
        grp = {"day": "psn_no, d", "encounter": "mdtrt_id", "week": "psn_no, date_trunc('week', d)",
               "month": "psn_no, date_trunc('month', d)", "year": "psn_no, year(d)"}[period]
        window = lim["window_days"]
        if lim["max_cnt"] is not None or lim["max_amount"] is not None:
            val, cap = ("n", lim["max_cnt"]) if lim["max_cnt"] is not None else ("amt", lim["max_amount"])
            cap_sql = f"{cap} * greatest(date_diff('day', CAST(any_value(adm) AS DATE), CAST(any_value(dis) AS DATE)), 1)" \
                if lim["per_stay_day"] == "1" else str(cap)
            if window:
                sql = f"""WITH x AS ({base}) SELECT a.feedetl_sn FROM x a JOIN x b ON a.psn_no = b.psn_no
                          AND b.d > a.d - INTERVAL {int(window)} DAY AND b.d <= a.d
                          GROUP BY a.feedetl_sn HAVING sum(b.{val}) > {cap} LIMIT 5"""
            else:
                sql = f"WITH x AS ({base}) SELECT {grp}, sum({val}) FROM x GROUP BY {grp} HAVING sum({val}) > {cap_sql} LIMIT 5"
            assert q(sql) == [], lim
            seen_kinds.add("per_stay_day" if lim["per_stay_day"] == "1" else period)
        if lim["max_days"] is not None:
            sql = f"WITH x AS ({base}) SELECT {grp} FROM x GROUP BY {grp} HAVING count(DISTINCT d) > {lim['max_days']} LIMIT 5"
            assert q(sql) == [], lim
            seen_kinds.add("max_days")
        if lim["min_interval_days"] is not None:
            sql = f"""WITH x AS ({base}), y AS (SELECT psn_no, d, lag(d) OVER (PARTITION BY psn_no ORDER BY d) AS pd
                      FROM (SELECT DISTINCT psn_no, d FROM x))
                      SELECT * FROM y WHERE d - pd < {lim['min_interval_days']} LIMIT 5"""
            assert q(sql) == [], lim
            seen_kinds.add("min_interval")
    assert {"day", "encounter", "per_stay_day", "week", "month", "year", "max_days", "min_interval"} <= seen_kinds


def test_clean_single_herb_never_alone(q: Q) -> None:
    bad = q("""SELECT mdtrt_id FROM fee_cat WHERE list_type = '102' GROUP BY mdtrt_id
               HAVING count(DISTINCT med_list_codg) FILTER (WHERE single_herb_unpaid = '1') > 0
                  AND count(DISTINCT med_list_codg) FILTER (WHERE single_herb_unpaid = '0') < 2 LIMIT 5""")
    assert bad == []
    assert q("SELECT count(*) FROM fee_cat WHERE single_herb_unpaid = '1'")[0][0] > 0


def test_clean_no_duplicate_lines(q: Q) -> None:
    assert q("SELECT mdtrt_id, med_list_codg, d FROM clean_sold GROUP BY ALL HAVING count(*) > 1 LIMIT 5") == []


def test_clean_local_codes_map_one_to_one(q: Q) -> None:
    assert q("SELECT fixmedins_code, medins_list_codg FROM clean_fee GROUP BY ALL "
             "HAVING count(DISTINCT med_list_codg) > 1 LIMIT 5") == []
    assert q("SELECT fixmedins_code, med_list_codg FROM clean_fee GROUP BY ALL "
             "HAVING count(DISTINCT medins_list_codg) > 1 LIMIT 5") == []
