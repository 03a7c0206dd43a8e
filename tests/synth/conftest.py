"""A small synthetic city generated once per test session, loaded into DuckDB with typed views.

`clean_fee`, `clean_mdtrt`, … hold only rows no label points at: the line, its
encounter, its person (person-level labels), its institution (institution-level
labels) or its doctor (practitioner-level labels). Clean-data tests query those.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from yibao.synth import SynthReport, generate

SMALL = {"persons": 4000, "months": 12, "seed": 7}

TABLES = ("psn", "death", "medins", "practitioner", "mdtrt", "diag", "setl", "fee", "catalog", "item_rule",
          "item_limit", "purchase", "labels")

_TYPED = {
    "psn": "SELECT *, CAST(brdy AS DATE) AS brdy_d FROM raw_psn",
    "death": "SELECT psn_no, CAST(dead_date AS DATE) AS dead_date FROM raw_death",
    "medins": "SELECT *, CAST(beds AS INTEGER) AS beds_n FROM raw_medins",
    "mdtrt": "SELECT *, CAST(begntime AS TIMESTAMP) AS b, CAST(endtime AS TIMESTAMP) AS e FROM raw_mdtrt",
    "fee": "SELECT *, CAST(fee_ocur_time AS TIMESTAMP) AS t, CAST(fee_ocur_time AS DATE) AS d, "
           "CAST(cnt AS DECIMAL(18,4)) AS n, CAST(pric AS DECIMAL(18,4)) AS p, "
           "CAST(det_item_fee_sumamt AS DECIMAL(18,2)) AS amt FROM raw_fee",
    "setl": "SELECT *, CAST(medfee_sumamt AS DECIMAL(18,2)) AS medfee, CAST(fund_pay_sumamt AS DECIMAL(18,2)) AS fund, "
            "CAST(hifp_pay AS DECIMAL(18,2)) AS hifp, CAST(acct_pay AS DECIMAL(18,2)) AS acct, "
            "CAST(psn_cash_pay AS DECIMAL(18,2)) AS cash FROM raw_setl",
    "catalog": "SELECT *, CAST(pric AS DECIMAL(18,4)) AS p, CAST(pric_uplmt AS DECIMAL(18,4)) AS up, "
               "CAST(begndate AS DATE) AS bd, CAST(enddate AS DATE) AS ed, CAST(lmt_age_min AS INTEGER) AS amin, "
               "CAST(lmt_age_max AS INTEGER) AS amax, CAST(lmt_age_max_days AS INTEGER) AS adays, "
               "CAST(max_daily_cnt AS DECIMAL(18,4)) AS mdc FROM raw_catalog",
    "item_rule": "SELECT *, CAST(ratio AS DECIMAL(18,4)) AS r, CAST(begndate AS DATE) AS bd, "
                 "CAST(enddate AS DATE) AS ed FROM raw_item_rule",
    "item_limit": "SELECT * FROM raw_item_limit",
    "purchase": "SELECT *, CAST(purc_date AS DATE) AS d, CAST(cnt AS DECIMAL(18,4)) AS n FROM raw_purchase",
}

_CLEAN = """
CREATE VIEW bad_line AS SELECT DISTINCT feedetl_sn FROM labels WHERE feedetl_sn IS NOT NULL;
CREATE VIEW bad_enc AS SELECT DISTINCT mdtrt_id FROM labels WHERE mdtrt_id IS NOT NULL;
CREATE VIEW bad_psn AS SELECT DISTINCT psn_no FROM labels WHERE level IN ('person', 'practitioner', 'institution')
    AND psn_no IS NOT NULL;
CREATE VIEW bad_inst AS SELECT DISTINCT fixmedins_code FROM labels WHERE level = 'institution';
CREATE VIEW bad_prac AS SELECT DISTINCT prac_code FROM labels WHERE level = 'practitioner';
CREATE VIEW clean_mdtrt AS SELECT * FROM mdtrt
    WHERE mdtrt_id NOT IN (SELECT * FROM bad_enc) AND psn_no NOT IN (SELECT * FROM bad_psn)
      AND fixmedins_code NOT IN (SELECT * FROM bad_inst) AND coalesce(atddr_no, '') NOT IN (SELECT * FROM bad_prac);
CREATE VIEW clean_fee AS SELECT f.* FROM fee f JOIN clean_mdtrt m USING (mdtrt_id)
    WHERE f.feedetl_sn NOT IN (SELECT * FROM bad_line) AND coalesce(f.bilg_dr_codg, '') NOT IN (SELECT * FROM bad_prac);
CREATE VIEW refunded AS SELECT mdtrt_id, med_list_codg, t FROM fee WHERE n < 0;
CREATE VIEW clean_sold AS SELECT f.* FROM clean_fee f WHERE f.n > 0
    AND NOT EXISTS (SELECT 1 FROM refunded r WHERE r.mdtrt_id = f.mdtrt_id AND r.med_list_codg = f.med_list_codg
                    AND r.t = f.t);
CREATE VIEW fee_ctx AS SELECT f.*, m.med_type, m.b, m.e, m.adm_dept_codg, m.dscg_dept_codg, m.dise_codg,
    p.gend, p.brdy_d, i.hosp_lv, i.inst_type, i.city
    FROM clean_sold f JOIN mdtrt m USING (mdtrt_id) JOIN psn p ON p.psn_no = f.psn_no
    JOIN medins i ON i.fixmedins_code = f.fixmedins_code;
CREATE VIEW fee_cat AS SELECT f.*, c.name, c.lmt_gend, c.amin, c.amax, c.adays, c.lmt_hosp_lv, c.lmt_dise,
    c.lmt_med_type, c.lmt_dept, c.lmt_dept_excl, c.lmt_inst_type, c.up, c.p AS std_p, c.mdc, c.is_lab,
    c.is_tcm_therapy, c.single_herb_unpaid
    FROM fee_ctx f JOIN catalog c ON c.med_list_codg = f.med_list_codg
    AND (c.bd IS NULL OR f.d >= c.bd) AND (c.ed IS NULL OR f.d <= c.ed);
"""


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthReport]:
    """The small city; YIBAO_SYNTH_CITY=<folder> checks an already generated dataset instead (e.g. full size)."""
    given = os.environ.get("YIBAO_SYNTH_CITY")
    if given:
        folder = Path(given)
        rows = {t: (folder / f"{t}.csv").read_bytes().count(b"\n") - 1 for t in TABLES}
        return folder, SynthReport(rows, {}, 1.0, folder)
    out = tmp_path_factory.mktemp("city")
    report = generate(out, **SMALL)
    return out, report


@pytest.fixture(scope="session")
def con(city: tuple[Path, SynthReport]) -> Iterator[duckdb.DuckDBPyConnection]:
    out, _ = city
    c = duckdb.connect()
    for t in TABLES:
        c.execute(f"CREATE TABLE raw_{t} AS SELECT * FROM read_csv('{out / (t + '.csv')}', all_varchar = true, "
                  "header = true)")
        c.execute(f"CREATE VIEW {t} AS {_TYPED.get(t, f'SELECT * FROM raw_{t}')}")
    c.execute(_CLEAN)
    yield c
    c.close()


@pytest.fixture(scope="session")
def q(con: duckdb.DuckDBPyConnection) -> Callable[[str], list[tuple[object, ...]]]:
    """Run a query and return its rows (tests mostly assert these are empty)."""

    def run(sql: str) -> list[tuple[object, ...]]:
        return con.execute(sql).fetchall()

    return run
