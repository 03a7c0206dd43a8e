"""The generated dataset speaks the data contract: columns, formats, keys, references, arithmetic."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from yibao.synth import SynthReport

Q = Callable[[str], list[tuple[object, ...]]]

COLUMNS = {
    "psn": "psn_no certno psn_name gend brdy insutype insuplc_admdvs hshld_no resd_addr",
    "death": "psn_no dead_date",
    "medins": "fixmedins_code fixmedins_name fixmedins_type hosp_lv inst_type admdvs city ownership beds",
    "practitioner": "prac_code prac_name prac_type fixmedins_code dept_codg",
    "mdtrt": "mdtrt_id psn_no fixmedins_code med_type begntime endtime dise_codg dise_name adm_dept_codg "
             "dscg_dept_codg atddr_no dscg_way mdtrt_cert_type term_admdvs",
    "diag": "mdtrt_id dise_codg maindiag_flag",
    "setl": "setl_id mdtrt_id psn_no fixmedins_code setl_time medfee_sumamt fulamt_ownpay_amt inscp_scp_amt hifp_pay "
            "fund_pay_sumamt acct_pay psn_cash_pay refd_setl_flag",
    "fee": "feedetl_sn mdtrt_id psn_no fixmedins_code fee_ocur_time med_list_codg medins_list_codg list_type cnt pric "
           "det_item_fee_sumamt bilg_dept_codg bilg_dr_codg drug_trac_codg",
    "catalog": "med_list_codg name list_type chrgitm_lv pric pric_uplmt lmt_gend lmt_age_min lmt_age_max "
               "lmt_age_max_days lmt_hosp_lv lmt_dise lmt_med_type max_daily_cnt single_herb_unpaid is_lab "
               "is_tcm_therapy lmt_dept lmt_dept_excl lmt_inst_type begndate enddate",
    "item_rule": "code_a code_b relation ratio scope med_type violation begndate enddate",
    "item_limit": "med_list_codg period max_cnt max_amount per_stay_day min_interval_days max_days window_days "
                  "lmt_age_min lmt_age_max dept_excl med_type begndate enddate",
    "purchase": "fixmedins_code med_list_codg purc_date cnt",
    "labels": "violation level feedetl_sn mdtrt_id psn_no prac_code fixmedins_code amount form note",
}

DATE = r"^\d{4}-\d{2}-\d{2}$"
TIME = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
MONEY = r"^-?\d+\.\d{2}$"
PRICE = r"^\d+\.\d{2}(\d{2})?$"
FORMATS = [
    ("psn", "brdy", DATE), ("death", "dead_date", DATE), ("mdtrt", "begntime", TIME), ("mdtrt", "endtime", TIME),
    ("setl", "setl_time", TIME), ("fee", "fee_ocur_time", TIME), ("purchase", "purc_date", DATE),
    ("setl", "medfee_sumamt", MONEY), ("setl", "hifp_pay", MONEY), ("setl", "fund_pay_sumamt", MONEY),
    ("setl", "acct_pay", MONEY), ("setl", "psn_cash_pay", MONEY), ("setl", "inscp_scp_amt", MONEY),
    ("setl", "fulamt_ownpay_amt", MONEY), ("fee", "det_item_fee_sumamt", MONEY), ("fee", "pric", PRICE),
    ("catalog", "pric", PRICE), ("catalog", "pric_uplmt", PRICE), ("labels", "amount", MONEY),
    ("catalog", "is_lab", r"^[01]$"), ("catalog", "single_herb_unpaid", r"^[01]$"), ("catalog", "is_tcm_therapy", r"^[01]$"),
    ("psn", "certno", r"^\d{17}[\dX]$"), ("medins", "admdvs", r"^\d{6}$"), ("psn", "insuplc_admdvs", r"^\d{6}$"),
    ("fee", "list_type", r"^(101|102|201|301)$"), ("mdtrt", "med_type", r"^(11|14|21|41)$"),
    ("psn", "gend", r"^[129]$"), ("psn", "insutype", r"^(310|390)$"), ("fee", "cnt", r"^-?\d+$"),
    ("medins", "fixmedins_code", r"^[HP]\d{11}$"), ("practitioner", "prac_code", r"^[DNY]\d{12}$"),
    ("fee", "drug_trac_codg", r"^\d{20}(,\d{20})*$"), ("medins", "beds", r"^\d+$"),
]


@pytest.mark.parametrize("table", sorted(COLUMNS))
def test_contract_columns_exact(city: tuple[Path, SynthReport], table: str) -> None:
    out, _ = city
    header = (out / f"{table}.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    assert header.split(",") == COLUMNS[table].split()


@pytest.mark.parametrize(("table", "col", "pattern"), FORMATS)
def test_contract_formats(q: Q, table: str, col: str, pattern: str) -> None:
    bad = q(f"SELECT {col} FROM raw_{table} WHERE {col} IS NOT NULL AND NOT regexp_full_match({col}, "
                    f"'{pattern}') LIMIT 5")
    assert bad == []


@pytest.mark.parametrize(("table", "key"), [
    ("psn", "psn_no"), ("psn", "certno"), ("medins", "fixmedins_code"), ("practitioner", "prac_code"),
    ("mdtrt", "mdtrt_id"), ("setl", "setl_id"), ("fee", "feedetl_sn"), ("catalog", "med_list_codg, begndate"),
    ("diag", "mdtrt_id, dise_codg"), ("death", "psn_no"),
])
def test_contract_unique_keys(q: Q, table: str, key: str) -> None:
    assert q(f"SELECT {key}, count(*) FROM raw_{table} GROUP BY ALL HAVING count(*) > 1 LIMIT 5") == []


@pytest.mark.parametrize(("child", "col", "parent", "pcol"), [
    ("fee", "mdtrt_id", "mdtrt", "mdtrt_id"), ("setl", "mdtrt_id", "mdtrt", "mdtrt_id"),
    ("diag", "mdtrt_id", "mdtrt", "mdtrt_id"), ("mdtrt", "psn_no", "psn", "psn_no"),
    ("mdtrt", "fixmedins_code", "medins", "fixmedins_code"), ("fee", "med_list_codg", "catalog", "med_list_codg"),
    ("fee", "bilg_dr_codg", "practitioner", "prac_code"), ("mdtrt", "atddr_no", "practitioner", "prac_code"),
    ("practitioner", "fixmedins_code", "medins", "fixmedins_code"), ("death", "psn_no", "psn", "psn_no"),
    ("purchase", "med_list_codg", "catalog", "med_list_codg"), ("purchase", "fixmedins_code", "medins", "fixmedins_code"),
])
def test_contract_references_resolve(q: Q, child: str, col: str, parent: str,
                                     pcol: str) -> None:
    assert q(f"SELECT {col} FROM raw_{child} WHERE {col} IS NOT NULL AND {col} NOT IN "
                     f"(SELECT {pcol} FROM raw_{parent}) LIMIT 5") == []


def test_contract_fee_keys_match_encounter(q: Q) -> None:
    assert q("SELECT f.feedetl_sn FROM fee f JOIN mdtrt m USING (mdtrt_id) WHERE f.psn_no <> m.psn_no "
                     "OR f.fixmedins_code <> m.fixmedins_code OR f.t < m.b OR f.t > m.e LIMIT 5") == []


def test_contract_line_total_is_cnt_times_price(q: Q) -> None:
    assert q("SELECT feedetl_sn FROM fee WHERE abs(n * p - amt) > 0.005 OR n = 0 LIMIT 5") == []


def test_contract_settlement_split_is_exact(q: Q) -> None:
    assert q("SELECT setl_id FROM setl WHERE medfee <> fund + acct + cash OR abs(hifp) > abs(fund) "
                     "OR (refd_setl_flag = '0' AND (fund < 0 OR acct < 0 OR cash < 0 OR hifp < 0)) LIMIT 5") == []


def test_contract_settlements_sum_to_lines(q: Q) -> None:
    assert q("""
        SELECT m.mdtrt_id FROM mdtrt m
        LEFT JOIN (SELECT mdtrt_id, sum(medfee) s FROM setl GROUP BY 1) s USING (mdtrt_id)
        LEFT JOIN (SELECT mdtrt_id, sum(amt) f FROM fee GROUP BY 1) f USING (mdtrt_id)
        WHERE s.s IS DISTINCT FROM f.f LIMIT 5""") == []


def test_contract_diagnosis_required_for_chronic_and_inpatient(q: Q) -> None:
    assert q("SELECT mdtrt_id FROM mdtrt WHERE med_type IN ('14', '21') AND dise_codg IS NULL LIMIT 5") == []
    assert q("SELECT mdtrt_id FROM mdtrt WHERE dise_codg IS NOT NULL AND mdtrt_id NOT IN "
                     "(SELECT mdtrt_id FROM diag WHERE maindiag_flag = '1') LIMIT 5") == []


def test_contract_certno_consistent_with_birth_and_sex(q: Q) -> None:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    bad = []
    for certno, brdy, gend in q("SELECT certno, brdy, gend FROM raw_psn"):
        c = str(certno)
        total = sum(int(d) * w for d, w in zip(c[:17], weights, strict=True))
        ok = "10X98765432"[total % 11] == c[17] and c[6:14] == str(brdy).replace("-", "")
        ok = ok and (int(c[16]) % 2 == 1) == (gend == "1")
        if not ok:
            bad.append(c)
    assert bad == []


def test_contract_trace_codes_one_per_pack(q: Q) -> None:
    assert q("SELECT feedetl_sn FROM fee WHERE drug_trac_codg IS NOT NULL AND "
                     "len(string_split(drug_trac_codg, ',')) <> abs(n) LIMIT 5") == []
    assert q("SELECT feedetl_sn FROM clean_sold WHERE list_type = '101' AND drug_trac_codg IS NULL "
                     "LIMIT 5") == []


def test_contract_rows_reported(city: tuple[Path, SynthReport]) -> None:
    out, report = city
    for table, n in report.rows.items():
        lines = (out / f"{table}.csv").read_text(encoding="utf-8").count("\n") - 1
        assert lines >= n  # quoted values never hold newlines, so equal; >= guards the header only
        assert re.match(r"^\w+$", table)
