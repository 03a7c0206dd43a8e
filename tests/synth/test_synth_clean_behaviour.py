"""Clean data is clean, encounter by encounter and person by person: stays, deaths, stock, trace codes,
frequencies and places all stay inside the thresholds documented in docs/synth.md."""

from __future__ import annotations

from collections.abc import Callable

Q = Callable[[str], list[tuple[object, ...]]]

STAYS = """(SELECT mdtrt_id, psn_no, fixmedins_code, dise_codg, b, e, CAST(b AS DATE) AS ad, CAST(e AS DATE) AS dd
            FROM clean_mdtrt WHERE med_type = '21')"""
BED = "starts_with(med_list_codg, '001201')"
NURSING = "(starts_with(med_list_codg, '00121') OR med_list_codg = '001209000020000')"
ROUTINE = f"({BED} OR {NURSING} OR med_list_codg = '001109000010000')"


def test_clean_every_stay_day_has_bed_nursing_and_treatment(q: Q) -> None:
    days = f"""WITH s AS {STAYS}, d AS (SELECT mdtrt_id, unnest(generate_series(ad, greatest(dd - 1, ad), INTERVAL 1 DAY))
               ::DATE AS day FROM s)"""
    for what in (BED, NURSING, f"NOT {ROUTINE}"):
        bad = q(days + f""" SELECT d.mdtrt_id, d.day FROM d WHERE NOT EXISTS (SELECT 1 FROM clean_sold f
                 WHERE f.mdtrt_id = d.mdtrt_id AND f.d = d.day AND {what}) LIMIT 5""")
        assert bad == [], what


def test_clean_occupancy_within_beds(q: Q) -> None:
    bad = q("""WITH s AS (SELECT fixmedins_code, unnest(generate_series(CAST(b AS DATE), CAST(e AS DATE) - 1,
                   INTERVAL 1 DAY))::DATE AS night FROM mdtrt WHERE med_type = '21'
                   AND fixmedins_code NOT IN (SELECT * FROM bad_inst))
               SELECT s.fixmedins_code, night, count(*) FROM s JOIN medins USING (fixmedins_code)
               GROUP BY s.fixmedins_code, night, beds_n HAVING count(*) > beds_n LIMIT 5""")
    assert bad == []


def test_clean_no_overlapping_stays(q: Q) -> None:
    bad = q(f"""WITH s AS {STAYS} SELECT x.mdtrt_id, y.mdtrt_id FROM s x JOIN s y ON x.psn_no = y.psn_no
                AND x.mdtrt_id < y.mdtrt_id AND x.b < y.e AND y.b < x.e LIMIT 5""")
    assert bad == []


def test_clean_no_activity_during_a_stay(q: Q) -> None:
    bad = q(f"""WITH s AS {STAYS} SELECT m.mdtrt_id FROM clean_mdtrt m JOIN s ON s.psn_no = m.psn_no
                WHERE m.med_type <> '21' AND m.b < s.e AND m.e > s.b LIMIT 5""")
    assert bad == []


def test_clean_readmissions_respect_window_except_planned(q: Q) -> None:
    """Same person, same institution, next admission ≤ 15 days after discharge: only chemotherapy (Z51)."""
    base = f"""WITH s AS {STAYS}, p AS (SELECT y.mdtrt_id, y.dise_codg, y.ad - x.dd AS gap FROM s x JOIN s y
               ON x.psn_no = y.psn_no AND x.fixmedins_code = y.fixmedins_code AND y.b > x.e)"""
    assert q(base + " SELECT * FROM p WHERE gap <= 15 AND NOT starts_with(dise_codg, 'Z51') LIMIT 5") == []
    assert q(base + " SELECT count(*) FROM p WHERE gap = 16")[0][0] > 0  # just outside the window: clean
    assert q(base + " SELECT count(*) FROM p WHERE gap <= 15 AND starts_with(dise_codg, 'Z51')")[0][0] > 0


def test_clean_nothing_after_death(q: Q) -> None:
    assert q("SELECT feedetl_sn FROM clean_fee f JOIN death USING (psn_no) WHERE f.d > dead_date LIMIT 5") == []
    assert q("SELECT mdtrt_id FROM clean_mdtrt m JOIN death USING (psn_no) WHERE CAST(m.b AS DATE) > dead_date "
             "LIMIT 5") == []
    assert q("SELECT count(*) FROM mdtrt WHERE dscg_way = '5'")[0][0] > 0  # some die in hospital, on the day


def test_clean_trace_codes_sold_once(q: Q) -> None:
    bad = q("""SELECT code, count(*) FROM (SELECT unnest(string_split(drug_trac_codg, ',')) AS code FROM clean_fee
               WHERE n > 0 AND drug_trac_codg IS NOT NULL) GROUP BY code HAVING count(*) > 1 LIMIT 5""")
    assert bad == []


def test_clean_sales_covered_by_stock_in(q: Q) -> None:
    bad = q("""WITH s AS (SELECT fixmedins_code, med_list_codg, date_trunc('month', d) AS mo, sum(n) AS sold
                          FROM fee WHERE list_type IN ('101', '102', '301')
                          AND feedetl_sn NOT IN (SELECT * FROM bad_line) GROUP BY ALL),
                    p AS (SELECT fixmedins_code, med_list_codg, date_trunc('month', d) AS mo, sum(n) AS bought
                          FROM purchase GROUP BY ALL),
                    c AS (SELECT coalesce(s.fixmedins_code, p.fixmedins_code) AS inst,
                                 coalesce(s.med_list_codg, p.med_list_codg) AS code, coalesce(s.mo, p.mo) AS mo,
                                 coalesce(sold, 0) AS sold, coalesce(bought, 0) AS bought
                          FROM s FULL JOIN p USING (fixmedins_code, med_list_codg, mo))
               SELECT inst, code, mo FROM (SELECT *, sum(sold) OVER w AS cs, sum(bought) OVER w AS cb FROM c
                    WINDOW w AS (PARTITION BY inst, code ORDER BY mo))
               WHERE cs > cb AND inst NOT IN (SELECT * FROM bad_inst) LIMIT 5""")
    assert bad == []


def test_clean_labs_have_indication_and_spacing(q: Q) -> None:
    assert q("SELECT feedetl_sn FROM fee_cat WHERE is_lab = '1' AND dise_codg IS NULL LIMIT 5") == []
    bad = q("""SELECT * FROM (SELECT psn_no, med_list_codg, d, d - lag(d) OVER (PARTITION BY psn_no, med_list_codg
               ORDER BY d) AS gap FROM (SELECT DISTINCT psn_no, med_list_codg, d FROM fee_cat WHERE is_lab = '1'))
               WHERE gap < 7 LIMIT 5""")
    assert bad == []


def test_clean_tcm_within_frequency(q: Q) -> None:
    assert q("SELECT psn_no, d FROM fee_cat WHERE is_tcm_therapy = '1' GROUP BY ALL HAVING sum(n) > 2 LIMIT 5") == []
    bad = q("""WITH t AS (SELECT DISTINCT psn_no, d FROM fee_cat WHERE is_tcm_therapy = '1')
               SELECT a.psn_no, a.d FROM t a JOIN t b ON a.psn_no = b.psn_no AND b.d > a.d - 30 AND b.d <= a.d
               GROUP BY a.psn_no, a.d HAVING count(*) > 10 LIMIT 5""")
    assert bad == []


def test_clean_visit_frequency_plausible(q: Q) -> None:
    def rolling(mt: str, cap: int) -> str:
        return f"""WITH v AS (SELECT psn_no, CAST(b AS DATE) AS d FROM clean_mdtrt WHERE med_type = '{mt}')
                   SELECT a.psn_no, a.d FROM v a JOIN v b ON a.psn_no = b.psn_no AND b.d > a.d - 30 AND b.d <= a.d
                   GROUP BY a.psn_no, a.d HAVING count(*) > {cap} LIMIT 5"""

    assert q(rolling("11", 6)) == []
    assert q(rolling("41", 4)) == []
    assert q("SELECT psn_no FROM clean_mdtrt WHERE med_type = '21' AND NOT starts_with(dise_codg, 'Z51') "
             "GROUP BY psn_no HAVING count(*) > 4 LIMIT 5") == []
    assert q("SELECT psn_no, CAST(b AS DATE) FROM clean_mdtrt GROUP BY ALL HAVING count(*) > 2 LIMIT 5") == []


def test_clean_never_in_two_cities_within_two_days(q: Q) -> None:
    bad = q("""WITH v AS (SELECT m.psn_no, m.b, m.e, coalesce(t.city, i.city) AS city FROM clean_mdtrt m
                         JOIN medins i USING (fixmedins_code)
                         LEFT JOIN (SELECT DISTINCT admdvs, city FROM medins) t ON t.admdvs = m.term_admdvs),
                    w AS (SELECT *, lag(city) OVER p AS pcity, max(e) OVER (p ROWS BETWEEN UNBOUNDED PRECEDING
                          AND 1 PRECEDING) AS pend FROM v WINDOW p AS (PARTITION BY psn_no ORDER BY b, e))
               SELECT psn_no, b FROM w WHERE pcity IS NOT NULL AND city <> pcity AND b - pend < INTERVAL 48 HOUR
               LIMIT 5""")
    assert bad == []
    assert q("SELECT count(*) FROM clean_mdtrt m JOIN medins i USING (fixmedins_code) WHERE i.city <> '长沙市'")[0][0] > 0


def test_clean_costs_near_peers(q: Q) -> None:
    """No clean stay of 3+ days costs 3.5× its peers' median per stay day (same main diagnosis and level,
    ≥ 20 peers of 3+ days, chemotherapy excluded); injected OVER_TREATMENT is at least 5.5×."""
    bad = q("""WITH c AS (SELECT m.mdtrt_id, any_value(m.dise_codg) AS dise_codg, any_value(i.hosp_lv) AS hosp_lv,
                          any_value(m.med_type) AS med_type, sum(f.amt) / greatest(date_diff('day',
                          CAST(any_value(m.b) AS DATE), CAST(any_value(m.e) AS DATE)), 1) AS per_day
                          FROM clean_mdtrt m JOIN clean_fee f USING (mdtrt_id)
                          JOIN medins i ON i.fixmedins_code = m.fixmedins_code
                          WHERE m.med_type = '21' AND NOT starts_with(m.dise_codg, 'Z51')
                          AND date_diff('day', CAST(m.b AS DATE), CAST(m.e AS DATE)) >= 3 GROUP BY m.mdtrt_id),
                    p AS (SELECT dise_codg, hosp_lv, med_type, median(per_day) AS med, count(*) AS k FROM c GROUP BY ALL)
               SELECT c.mdtrt_id, c.per_day / p.med AS x FROM c JOIN p USING (dise_codg, hosp_lv, med_type)
               WHERE p.k >= 20 AND c.per_day > 3.5 * p.med ORDER BY x DESC LIMIT 5""")
    assert bad == []
