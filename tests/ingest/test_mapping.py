"""Foreign schemas: `yibao ingest DIR --mapping MAP.yaml` maps other layouts onto the contract.

Every dataset here is fabricated in the test: a "province B" export of the same content as
`helpers.minimal_tables()` under other names and codes, and encounter-level claims shaped
like the public US provider-fraud data. Each goes through the real CLI into a real store.
"""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from helpers import minimal_tables, write_dataset
from yibao.cli import app
from yibao.ingest import ingest
from yibao.ingest.mapping_expr import ExprError, parse_expr, sandbox
from yibao.ingest.mapping_load import ingest_mapped
from yibao.ingest.mapping_model import MappingError, builtin_mappings, load_mapping

runner = CliRunner()
Rows = list[dict[str, str]]


def _write(path: Path, rows: Rows, columns: list[str] | None = None, encoding: str = "utf-8") -> None:
    cols = columns or list(dict.fromkeys(k for r in rows for k in r))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols)
        writer.writeheader()
        for r in rows:
            writer.writerow({c: r.get(c, "") for c in cols})


def _rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def _ingest(folder: Path, db: Path, mapping: str | Path) -> object:
    result = runner.invoke(app, ["ingest", str(folder), "--db", str(db), "--mapping", str(mapping)])
    return result


# ---------------------------------------------------------------- province B


def _ymd(date: str) -> str:
    return date[:10].replace("-", "")


def _hms(time: str) -> str:
    return time[11:19].replace(":", "")


_GEND = {"1": "男", "2": "女", "9": ""}
_INSUTYPE = {"310": "职工", "390": "居民"}
_MED_TYPE = {"11": "普通门诊", "14": "门诊慢特病", "21": "住院", "41": "药店购药"}
_LIST_TYPE = {"101": "西药中成药", "102": "中药饮片", "201": "医疗服务项目", "301": "医用耗材"}
_LEVEL = {"1": "三级", "2": "二级", "3": "一级", "9": "未定级", "": ""}


def province_b(tables: dict[str, Rows], folder: Path) -> Path:
    """Write `tables` (contract shape) as the province B export: other names, codes and time layout."""
    dead = {d["psn_no"]: d["dead_date"] for d in tables.get("death", [])}
    _write(
        folder / "CBRY.csv",
        [
            {
                "RYBH": p["psn_no"],
                "ZJHM": p.get("certno", ""),
                "XM": p.get("psn_name", ""),
                "XB": _GEND[p["gend"]],
                "CSRQ": _ymd(p["brdy"]),
                "XZLX": _INSUTYPE[p["insutype"]],
                "CBDQ": p["insuplc_admdvs"],
                "HH": p.get("hshld_no", ""),
                "JZDZ": p.get("resd_addr", ""),
                "SWSJ": f"{dead[p['psn_no']]} 14:05:00" if p["psn_no"] in dead else "",
            }
            for p in tables["psn"]
        ],
    )
    _write(
        folder / "DDJG.csv",
        [
            {
                "JGBM": m["fixmedins_code"],
                "JGMC": m["fixmedins_name"],
                "JGLX": {"1": "医疗机构", "2": "零售药店"}[m["fixmedins_type"]],
                "YYDJ": _LEVEL[m.get("hosp_lv", "")],
                "JGLB": m.get("inst_type", ""),
                "XZQH": m["admdvs"],
                "SSCS": m["city"],
                "JJXZ": m.get("ownership", ""),
                "HDCW": m.get("beds", ""),
            }
            for m in tables["medins"]
        ],
    )
    _write(
        folder / "YSXX.csv",
        [
            {
                "YSBM": d["prac_code"],
                "YSXM": d.get("prac_name", ""),
                "YSLX": {"doctor": "医师", "pharmacist": "药师", "nurse": "护士"}[d["prac_type"]],
                "JGBM": d["fixmedins_code"],
                "KSBM": d.get("dept_codg", ""),
            }
            for d in tables["practitioner"]
        ],
    )
    _write(
        folder / "MLXX.csv",
        [
            {
                "XMBM": c["med_list_codg"],
                "XMMC": c["name"],
                "MLLB": _LIST_TYPE[c["list_type"]],
                "SFDJ": {"01": "甲类", "02": "乙类", "03": "丙类", "": ""}[c.get("chrgitm_lv", "")],
                "BZJG": c.get("pric", ""),
                "ZGXJ": c.get("pric_uplmt", ""),
                "DRZDSL": c.get("max_daily_cnt", ""),
                "KSRQ": _ymd(c["begndate"]) if c.get("begndate") else "",
            }
            for c in tables["catalog"]
        ],
    )
    _write(
        folder / "JZXX_202503.csv",
        [
            {
                "JZID": e["mdtrt_id"],
                "RYBH": e["psn_no"],
                "JGBM": e["fixmedins_code"],
                "YLLB": _MED_TYPE[e["med_type"]],
                "RYRQ": _ymd(e["begntime"]),
                "RYSJ": _hms(e["begntime"]),
                "CYRQ": _ymd(e["endtime"]),
                "CYSJ": _hms(e["endtime"]),
                "ZZDDM": e.get("dise_codg", ""),
                "ZZDMC": e.get("dise_name", ""),
                "ZZYS": e.get("atddr_no", ""),
                "PZLX": {"01": "医保电子凭证", "02": "身份证", "03": "社保卡", "": ""}[e.get("mdtrt_cert_type", "")],
            }
            for e in tables["mdtrt"]
        ],
    )
    _write(
        folder / "JSXX.csv",
        [
            {
                "JSID": s["setl_id"],
                "JZID": s["mdtrt_id"],
                "RYBH": s["psn_no"],
                "JGBM": s["fixmedins_code"],
                "JSSJ": s["setl_time"].replace("-", "/"),
                "YLFZE": s["medfee_sumamt"],
                "TCZF": s["hifp_pay"],
                "JJZFZE": s["fund_pay_sumamt"],
                "GRZHZF": s["acct_pay"],
                "XJZF": s["psn_cash_pay"],
                "TFBZ": {"1": "是", "0": "否", "": ""}[s.get("refd_setl_flag", "")],
            }
            for s in tables["setl"]
        ],
    )
    _write(
        folder / "FYMX.csv",
        [
            {
                "MXLSH": f["feedetl_sn"],
                "JZID": f["mdtrt_id"],
                "RYBH": f["psn_no"],
                "JGBM": f["fixmedins_code"],
                "FYRQ": _ymd(f["fee_ocur_time"]),
                "FYSJ": f["fee_ocur_time"][11:19],
                "XMBM": f["med_list_codg"],
                "XMLB": _LIST_TYPE[f["list_type"]],
                "SL": f["cnt"],
                "DJ": f["pric"],
                "JE": f["det_item_fee_sumamt"],
                "KDKS": f.get("bilg_dept_codg", ""),
                "KDYS": f.get("bilg_dr_codg", ""),
                "ZSM": f.get("drug_trac_codg", "").replace(",", ";"),
            }
            for f in tables["fee"]
        ],
    )
    if tables.get("diag"):
        _write(
            folder / "ZDXX.csv",
            [
                {"JZID": d["mdtrt_id"], "ZDDM": d["dise_codg"], "ZZDBZ": {"1": "是", "0": "否"}[d["maindiag_flag"]]}
                for d in tables["diag"]
            ],
        )
    return folder


@pytest.fixture
def tables() -> dict[str, Rows]:
    t = copy.deepcopy(minimal_tables())
    t["death"] = [{"psn_no": "P002", "dead_date": "2025-06-30"}]
    t["diag"] = [
        {"mdtrt_id": "M001", "dise_codg": "J06.9", "maindiag_flag": "1"},
        {"mdtrt_id": "M001", "dise_codg": "I10", "maindiag_flag": "0"},
    ]
    return t


_COMPARED = ("medins", "psn", "death", "practitioner", "catalog", "mdtrt", "diag", "setl", "fee")


def test_province_b_export_loads_exactly_like_the_contract_dataset(tmp_path, tables):
    direct = tmp_path / "direct.duckdb"
    ingest(write_dataset(tmp_path / "contract", tables), direct)
    mapped = tmp_path / "mapped.duckdb"
    result = _ingest(province_b(tables, tmp_path / "b"), mapped, "province_b")
    assert result.exit_code == 0, result.output
    assert "映射 / mapping province_b" in result.output
    from yibao.contract import CONTRACT

    for name in _COMPARED:
        cols = ", ".join(f'"{c}"' for c in CONTRACT[name].field_names)
        want = _rows(direct, f"SELECT {cols} FROM {name} ORDER BY ALL")
        got = _rows(mapped, f"SELECT {cols} FROM {name} ORDER BY ALL")
        assert got == want, name
        assert want, name
    assert _rows(mapped, "SELECT count(*) FROM quarantine") == [(0,)]
    # date and time from separate columns, combined
    assert _rows(mapped, "SELECT CAST(begntime AS VARCHAR) FROM mdtrt WHERE mdtrt_id = 'M001'") == [
        ("2025-03-01 09:00:00",)
    ]


def test_province_b_bad_codes_are_quarantined_in_source_terms(tmp_path, tables):
    folder = province_b(tables, tmp_path / "b")
    with (folder / "CBRY.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[1]["XZLX"] = "农民工"  # no such scheme code in the mapping: passed on, validation rejects it
    rows[0]["CSRQ"] = "1980-13-45"
    _write(folder / "CBRY.csv", rows)
    db = tmp_path / "s.duckdb"
    result = _ingest(folder, db, "province_b")
    assert result.exit_code == 0, result.output
    got = _rows(
        db,
        "SELECT table_name, file_name, row_no, field, reason_zh, reason_en, raw FROM quarantine "
        "WHERE table_name = 'psn' ORDER BY row_no",
    )
    assert [(r[1], r[2], r[3]) for r in got] == [("CBRY.csv", 2, "CSRQ→brdy"), ("CBRY.csv", 3, "XZLX→insutype")]
    assert got[0][4].startswith("CSRQ→brdy：日期格式错误") and "1980-13-45" in got[0][4]
    assert got[1][4].startswith("XZLX→insutype：代码值不在允许范围") and "农民工" in got[1][4]
    assert got[1][5].startswith("XZLX→insutype: code not allowed")
    assert json.loads(got[1][6])["xzlx"] == "农民工"  # the source record, as the user has it
    # the person's encounter, settlement and fees are quarantined as orphans, named by source file
    files = {r[0] for r in _rows(db, "SELECT file_name FROM quarantine WHERE table_name <> 'psn'")}
    # (the death row comes from the person file itself, the diagnoses from ZDXX)
    assert files == {"CBRY.csv", "JZXX_202503.csv", "ZDXX.csv", "JSXX.csv", "FYMX.csv"}


# ---------------------------------------------------------------- US claims shape

_DX = [f"ClmDiagnosisCode_{i}" for i in range(1, 11)]
_PX = [f"ClmProcedureCode_{i}" for i in range(1, 7)]
_BENE_COLS = ["BeneID", "DOB", "DOD", "Gender", "Race", "RenalDiseaseIndicator", "State", "County"]
_CLAIM_COLS = [
    "BeneID", "ClaimID", "ClaimStartDt", "ClaimEndDt", "Provider", "InscClaimAmtReimbursed",
    "AttendingPhysician", "OperatingPhysician", "OtherPhysician", "AdmissionDt", "ClmAdmitDiagnosisCode",
    "DeductibleAmtPaid", "DischargeDt", "DiagnosisGroupCode", *_DX, *_PX,
]  # fmt: skip
_OUT_COLS = [c for c in _CLAIM_COLS if c not in ("AdmissionDt", "DischargeDt", "DiagnosisGroupCode")]


def _claim(bene: str, cid: str, start: str, end: str, prv: str, amt: str, att: str, dx: list[str], **kw: str):
    row = {
        "BeneID": bene,
        "ClaimID": cid,
        "ClaimStartDt": start,
        "ClaimEndDt": end,
        "Provider": prv,
        "InscClaimAmtReimbursed": amt,
        "AttendingPhysician": att,
        "DeductibleAmtPaid": kw.pop("ded", "0"),
    }
    row.update({f"ClmDiagnosisCode_{i}": c for i, c in enumerate(dx, start=1)})
    row.update(kw)
    return row


def claims(folder: Path) -> Path:
    """Beneficiaries and inpatient/outpatient claims: a stay, a readmission 3 days later, a
    claim after death, a physician seen at two providers, a repeated diagnosis code."""
    _write(
        folder / "Train_Beneficiarydata-1542865627584.csv",
        [
            {"BeneID": "BENE11001", "DOB": "1943-01-01", "DOD": "", "Gender": "1", "Race": "1",
             "RenalDiseaseIndicator": "0", "State": "39", "County": "230"},
            {"BeneID": "BENE11002", "DOB": "1936-09-01", "DOD": "2009-10-01", "Gender": "2", "Race": "1",
             "RenalDiseaseIndicator": "Y", "State": "39", "County": "280"},
            {"BeneID": "BENE11003", "DOB": "1936-08-01", "DOD": "", "Gender": "2", "Race": "2",
             "RenalDiseaseIndicator": "0", "State": "52", "County": "590"},
        ],
        _BENE_COLS,
    )
    inpatient = [
        _claim("BENE11001", "CLM46614", "2009-04-12", "2009-04-18", "PRV55912", "26000", "PHY390922",
               ["1970", "4019", "5853", "4019"], ded="1068", AdmissionDt="2009-04-12", DischargeDt="2009-04-18",
               ClmAdmitDiagnosisCode="7866", DiagnosisGroupCode="201", OtherPhysician="PHY412132",
               ClmProcedureCode_1="3893"),
        _claim("BENE11001", "CLM66048", "2009-04-21", "2009-04-26", "PRV55912", "5000", "PHY318495",
               ["6186", "2948"], ded="1068", AdmissionDt="2009-04-21", DischargeDt="2009-04-26",
               OperatingPhysician="PHY318495", DiagnosisGroupCode="750"),
        _claim("BENE11003", "CLM68358", "2009-09-02", "2009-09-10", "PRV55907", "3000", "PHY372395",
               ["43491", "2762"], ded="1068", AdmissionDt="2009-09-02", DischargeDt="2009-09-10"),
    ]  # fmt: skip
    _write(folder / "Train_Inpatientdata-1542865627584.csv", inpatient, _CLAIM_COLS)
    outpatient = [
        _claim("BENE11002", "CLM624349", "2009-08-10", "2009-08-10", "PRV56011", "50", "PHY326117", ["78943"]),
        _claim("BENE11002", "CLM189947", "2009-10-20", "2009-10-20", "PRV56011", "30", "PHY326117", ["V5861"],
               ded=""),
        _claim("BENE11003", "CLM438021", "2009-02-12", "2009-02-12", "PRV56011", "80", "PHY372395", ["2724"]),
        _claim("BENE11003", "CLM121801", "2009-06-23", "2009-06-23", "PRV56011", "200", "PHY372395",
               ["71947", "V5869"], ded="100"),
    ]  # fmt: skip
    _write(folder / "Train_Outpatientdata-1542865627584.csv", outpatient, _OUT_COLS)
    return folder


def test_claims_map_to_persons_encounters_settlements_and_diagnoses(tmp_path):
    db = tmp_path / "s.duckdb"
    result = _ingest(claims(tmp_path / "us"), db, "us_claims")
    assert result.exit_code == 0, result.output
    assert _rows(db, "SELECT count(*) FROM quarantine") == [(0,)]
    assert _rows(db, "SELECT psn_no, gend, CAST(brdy AS VARCHAR), insutype FROM psn ORDER BY 1") == [
        ("BENE11001", "1", "1943-01-01", "390"),
        ("BENE11002", "2", "1936-09-01", "390"),
        ("BENE11003", "2", "1936-08-01", "390"),
    ]
    extra = json.loads(_rows(db, "SELECT _extra FROM psn WHERE psn_no = 'BENE11002'")[0][0])
    assert extra["state"] == "39" and extra["county"] == "280" and extra["renaldiseaseindicator"] == "Y"
    assert _rows(db, "SELECT psn_no, CAST(dead_date AS VARCHAR) FROM death") == [("BENE11002", "2009-10-01")]
    # institutions and practitioners are the distinct ids; a physician's institution is where most claims are
    assert _rows(db, "SELECT fixmedins_code, fixmedins_type FROM medins ORDER BY 1") == [
        ("PRV55907", "1"),
        ("PRV55912", "1"),
        ("PRV56011", "1"),
    ]
    assert _rows(db, "SELECT prac_code, fixmedins_code FROM practitioner ORDER BY 1") == [
        ("PHY318495", "PRV55912"),
        ("PHY326117", "PRV56011"),
        ("PHY372395", "PRV56011"),  # first seen at PRV55907, but two of its three claims are at PRV56011
        ("PHY390922", "PRV55912"),
        ("PHY412132", "PRV55912"),
    ]
    # encounter type from the admission date; inpatient times are the admission and discharge dates
    assert _rows(
        db,
        "SELECT mdtrt_id, med_type, CAST(begntime AS VARCHAR), CAST(endtime AS VARCHAR), dise_codg, atddr_no "
        "FROM mdtrt WHERE mdtrt_id IN ('CLM46614', 'CLM624349') ORDER BY 1",
    ) == [
        ("CLM46614", "21", "2009-04-12 00:00:00", "2009-04-18 00:00:00", "1970", "PHY390922"),
        ("CLM624349", "11", "2009-08-10 00:00:00", "2009-08-10 00:00:00", "78943", "PHY326117"),
    ]
    assert _rows(db, "SELECT med_type, count(*) FROM mdtrt GROUP BY 1 ORDER BY 1") == [("11", 4), ("21", 3)]
    extra = json.loads(_rows(db, "SELECT _extra FROM mdtrt WHERE mdtrt_id = 'CLM46614'")[0][0])
    assert extra["clmprocedurecode_1"] == "3893" and extra["diagnosisgroupcode"] == "201"
    # one diagnosis row per code, the first is the main one; a repeated code is one row
    assert _rows(db, "SELECT dise_codg, maindiag_flag FROM diag WHERE mdtrt_id = 'CLM46614' ORDER BY 2 DESC, 1") == [
        ("1970", "1"),
        ("4019", "0"),
        ("5853", "0"),
    ]
    assert "diag 1" in result.output  # the folded repeat is reported
    # settlement: total = reimbursed + deductible; the fund paid what was reimbursed
    assert _rows(
        db,
        "SELECT setl_id, medfee_sumamt, fund_pay_sumamt, hifp_pay, acct_pay, psn_cash_pay, CAST(setl_time AS VARCHAR) "
        "FROM setl WHERE setl_id IN ('CLM46614', 'CLM189947') ORDER BY 1",
    ) == [
        ("CLM189947", 30, 30, 30, 0, 0, "2009-10-20 00:00:00"),
        ("CLM46614", 27068, 26000, 26000, 0, 1068, "2009-04-18 00:00:00"),
    ]
    assert _rows(db, "SELECT (SELECT count(*) FROM fee), (SELECT count(*) FROM catalog)") == [(0, 0)]
    assert "fee" in result.output and "not in the source" in result.output


def test_claims_bad_rows_are_named_by_source_file_row_and_column(tmp_path):
    folder = claims(tmp_path / "us")
    bene = folder / "Train_Beneficiarydata-1542865627584.csv"
    with bene.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[2]["DOB"] = "01/08/1936"
    _write(bene, rows, _BENE_COLS)
    inp = folder / "Train_Inpatientdata-1542865627584.csv"
    with inp.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[1]["InscClaimAmtReimbursed"] = "5,000"
    _write(inp, rows, _CLAIM_COLS)
    out = folder / "Train_Outpatientdata-1542865627584.csv"
    with out.open("a", encoding="utf-8", newline="") as fh:
        fh.write("BENE11001,CLM999,2009-01-01,only four fields\n")  # a ragged record, row 6
    db = tmp_path / "s.duckdb"
    result = _ingest(folder, db, "us_claims")
    assert result.exit_code == 0, result.output
    got = _rows(
        db,
        "SELECT table_name, file_name, row_no, field, reason_zh FROM quarantine ORDER BY table_name, file_name, row_no",
    )
    by_table = {}
    for r in got:
        by_table.setdefault(r[0], []).append(r[1:])
    assert by_table["psn"] == [
        ("Train_Beneficiarydata-1542865627584.csv", 4, "DOB→brdy", "DOB→brdy：日期格式错误（应为YYYY-MM-DD）：01/08/1936")
    ]
    setl = [r for r in by_table["setl"] if "Insc" in r[2]]
    assert [(f, r) for f, r, *_ in setl] == [("Train_Inpatientdata-1542865627584.csv", 3)]
    assert "InscClaimAmtReimbursed→hifp_pay" in setl[0][2]
    assert "InscClaimAmtReimbursed+DeductibleAmtPaid→medfee_sumamt：金额格式错误（数字，最多2位小数）：5,000|1068" in setl[0][3]
    # the ragged record never became a row: quarantined against the first table its file feeds
    ragged = [r for rows_ in by_table.values() for r in rows_ if r[2] == "*"]
    assert ragged == [
        ("Train_Outpatientdata-1542865627584.csv", 6, "*", "*：字段数4与表头列数27不符"),
    ]
    # BENE11003 is quarantined, so are their encounters, settlements and diagnoses (orphans)
    orphans = _rows(db, "SELECT DISTINCT table_name FROM quarantine WHERE reason_zh LIKE '%引用不存在%'")
    assert {t for (t,) in orphans} >= {"mdtrt", "setl", "diag"}
    assert _rows(db, "SELECT count(*) FROM mdtrt WHERE psn_no = 'BENE11003'") == [(0,)]
    # the encounter of the bad settlement is still loaded; only its settlement is held back
    assert _rows(db, "SELECT count(*) FROM mdtrt WHERE mdtrt_id = 'CLM66048'") == [(1,)]
    shown = runner.invoke(app, ["quarantine", "--db", str(db), "--table", "psn"])
    assert shown.exit_code == 0 and "01/08/1936" in shown.output


def test_reingest_of_the_same_mapped_dataset_changes_nothing(tmp_path):
    folder = claims(tmp_path / "us")
    with (folder / "Train_Outpatientdata-1542865627584.csv").open("a", encoding="utf-8", newline="") as fh:
        fh.write("BENE11001,CLM999,ragged\n")
    db = tmp_path / "s.duckdb"
    assert _ingest(folder, db, "us_claims").exit_code == 0
    counts = "SELECT (SELECT count(*) FROM mdtrt), (SELECT count(*) FROM diag), (SELECT count(*) FROM setl), " \
        "(SELECT count(*) FROM psn), (SELECT count(*) FROM practitioner), (SELECT count(*) FROM quarantine)"  # fmt: skip
    before = _rows(db, counts)
    report = ingest_mapped(folder, "us_claims", db)
    assert _rows(db, counts) == before
    assert all(f.skipped for t in report.ingest.tables for f in t.files)
    assert report.ingest.balanced and report.ingest.quarantined == 0
    # the next export repeats the known claims and adds one: known rows count as unchanged
    again = claims(tmp_path / "again")
    out = again / "Train_Outpatientdata-1542865627584.csv"
    with out.open("a", encoding="utf-8", newline="") as fh:
        csv.DictWriter(fh, _OUT_COLS).writerow(
            _claim("BENE11001", "CLM700001", "2009-11-02", "2009-11-02", "PRV56011", "40", "PHY326117", ["4019"])
        )
    out.rename(again / "Train_Outpatientdata-2.csv")
    report = ingest_mapped(again, "us_claims", db)
    mdtrt = next(t for t in report.ingest.tables if t.table == "mdtrt")
    assert (mdtrt.new, mdtrt.unchanged, mdtrt.quarantined) == (1, 7, 0)
    assert report.ingest.balanced and report.ingest.quarantined == 0
    assert _rows(db, "SELECT count(*) FROM quarantine") == [before[0][-1:]]


def test_encounter_rules_find_patterns_in_claims_data(tmp_path):
    db = tmp_path / "s.duckdb"
    assert _ingest(claims(tmp_path / "us"), db, "us_claims").exit_code == 0
    from yibao.rules.engine import run_rules
    from yibao.rules.loader import load_library

    wanted = ("post_death_care", "split_admission", "overlapping_inpatient_stay", "frequent_admission")
    with duckdb.connect(str(db)) as con:
        runs = run_rules(con, [r for r in load_library() if r.id in wanted])
    assert len(runs) == len(wanted) and all(run.error is None for run in runs), [r.error for r in runs]
    hits = {(str(f.violation.value), f.mdtrt_id) for run in runs for f in run.findings}
    assert hits == {
        ("POST_DEATH", "CLM189947"),  # a claim three weeks after the date of death
        ("SPLIT_ADMISSION", "CLM66048"),  # readmitted 3 days after discharge, same provider
    }


@pytest.fixture
def screened_claims(tmp_path) -> tuple[Path, object]:
    db = tmp_path / "s.duckdb"
    assert _ingest(claims(tmp_path / "us"), db, "us_claims").exit_code == 0
    return db, runner.invoke(app, ["screen", "--db", str(db)])


def test_full_screen_of_claims_data_does_not_crash(screened_claims):
    db, result = screened_claims
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    found = _rows(db, "SELECT violation, mdtrt_id, feedetl_sn FROM findings ORDER BY 1, 2")
    assert all(f is None for _v, _m, f in found)  # no line-level findings: there are no lines
    hits = {(v, m) for v, m, _f in found}
    assert ("POST_DEATH", "CLM189947") in hits and ("SPLIT_ADMISSION", "CLM66048") in hits


def test_rules_that_need_fee_lines_are_skipped_on_claims_data(screened_claims):
    db, result = screened_claims
    assert result.exit_code == 0, result.output
    assert _rows(db, "SELECT violation, count(*) FROM findings WHERE violation = 'GHOST_BED' GROUP BY 1") == []
    text = " ".join(result.output.split())
    # the run says what it could not do and why, and still runs the rest
    assert "跳过 skipped" in text and "no rows in fee" in text
    assert "ghost_bed_empty_days" in text


# ---------------------------------------------------------------- mapping-file errors

_GOOD = """
version: 1
name: tiny
label: 测试
sources:
  people: {files: ["people*.csv"]}
tables:
  psn:
    - source: people
      fields:
        psn_no: id
        gend: {column: sex, codes: {M: "1", F: "2"}, default: "9"}
        brdy: {column: born, format: "%Y%m%d"}
        insutype: {const: "390"}
        insuplc_admdvs: {const: "430102"}
  medins: empty
  practitioner: empty
  catalog: empty
  mdtrt: empty
  setl: empty
  fee: empty
"""


def test_a_small_handwritten_mapping_loads(tmp_path):
    (tmp_path / "m.yaml").write_text(_GOOD, encoding="utf-8")
    _write(tmp_path / "d" / "people_2025.csv", [{"id": "A1", "sex": "F", "born": "19700102"}, {"id": "A2", "sex": "X", "born": ""}])
    db = tmp_path / "s.duckdb"
    result = _ingest(tmp_path / "d", db, tmp_path / "m.yaml")
    assert result.exit_code == 0, result.output
    assert _rows(db, "SELECT psn_no, gend, CAST(brdy AS VARCHAR) FROM psn") == [("A1", "2", "1970-01-02")]
    assert _rows(db, "SELECT file_name, row_no, field FROM quarantine") == [("people_2025.csv", 3, "born→brdy")]


@pytest.mark.parametrize(
    ("old", "new", "key", "zh"),
    [
        ("  fee: empty\n", "", "tables.fee", "缺少必需表 fee"),
        ("  fee: empty\n", "  fee: empty\n  fees: empty\n", "tables.fees", "数据契约中没有表 fees"),
        ("        psn_no: id\n", "        psn_no: id\n        gender: sex\n", "tables.psn.parts[0].fields.gender", "没有字段 gender"),
        ("        psn_no: id\n", "", "tables.psn.parts[0].fields", "未映射必填字段 psn_no"),
        ('F: "2"', 'F: "F"', "tables.psn.parts[0].fields.gend.codes.F", "F 不是 gend 的合法代码"),
        ('{const: "390"}', "{const: 390, column: x}", "tables.psn.parts[0].fields.insutype", "只能给出"),
        ("        psn_no: id\n", "        psn_no: {expr: \"(SELECT max(id) FROM psn)\"}\n",
         "tables.psn.parts[0].fields.psn_no.expr", "子查询"),
        ("        psn_no: id\n", "        psn_no: {expr: \"read_text('/etc/passwd')\"}\n",
         "tables.psn.parts[0].fields.psn_no.expr", "不允许的函数"),
        ("        psn_no: id\n", "        psn_no: {expr: \"sum(id)\"}\n", "tables.psn.parts[0].fields.psn_no.expr", "非标量函数"),
        ("    - source: people\n", "    - source: persons\n", "tables.psn.parts[0].source", "未定义的源 persons"),
        ("      fields:\n", "      feilds: {}\n      fields:\n", "tables.psn.parts[0].feilds", "不认识的键"),
        ('format: "%Y%m%d"', 'format: "%Y%m%d"}\n  broken: [', "第", "YAML 语法错误"),
        ("  medins: empty\n", "  medins: {empty: true, parts: [{source: people, fields: {}}]}\n",
         "tables.medins", "二者取一"),
        ("version: 1\n", "version: 2\n", "version", "不支持的映射文件版本 2"),
        ("        psn_no: id\n", "        psn_no: {expr: \"id + 1\"}\n", "tables.psn.parts[0].fields.psn_no.expr",
         "表达式无法求值"),
        ('{const: "430102"}', '{const: "430102", format: "%Y"}', "insuplc_admdvs.format", "format 只用于日期"),
    ],
)  # fmt: skip
def test_mapping_file_errors_name_file_key_and_reason(tmp_path, old, new, key, zh):
    assert old in _GOOD
    (tmp_path / "bad.yaml").write_text(_GOOD.replace(old, new, 1), encoding="utf-8")
    db = tmp_path / "s.duckdb"
    # no data folder at all: the mapping is checked before any data is looked at
    result = _ingest(tmp_path / "no-such-folder", db, tmp_path / "bad.yaml")
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "bad.yaml" in text and key in text, text
    if zh:
        assert zh in text, text
    assert "mapping file bad.yaml is invalid:" in text
    assert "Traceback" not in result.output
    assert not db.exists()


def test_mapping_errors_are_collected_not_stopped_at_the_first(tmp_path):
    text = _GOOD.replace("  fee: empty\n", "").replace("        psn_no: id\n", "        psn_no: id\n        x: y\n")
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as info:
        load_mapping(tmp_path / "bad.yaml")
    lines = {p.key: p.line for p in info.value.problems}
    assert "tables.fee" in lines and "tables.psn.parts[0].fields.x" in lines
    assert lines["tables.psn.parts[0].fields.x"] == text.splitlines().index("        x: y") + 1
    assert info.value.file == "bad.yaml"
    assert f"tables.psn.parts[0].fields.x（第{lines['tables.psn.parts[0].fields.x']}行）" in info.value.zh


def test_dataset_lacking_a_mapped_column_names_file_and_column(tmp_path):
    (tmp_path / "m.yaml").write_text(_GOOD, encoding="utf-8")
    _write(tmp_path / "d" / "people.csv", [{"id": "A1", "sex": "F"}])
    result = _ingest(tmp_path / "d", tmp_path / "s.duckdb", tmp_path / "m.yaml")
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "people.csv" in text and "born" in text and "tables.psn.parts[0]" in text
    (tmp_path / "empty").mkdir()
    result = _ingest(tmp_path / "empty", tmp_path / "s.duckdb", tmp_path / "m.yaml")
    assert result.exit_code == 2 and "people*.csv" in " ".join(result.output.split())


def test_unknown_mapping_name_lists_the_builtin_ones(tmp_path):
    result = _ingest(tmp_path, tmp_path / "s.duckdb", "province_z")
    assert result.exit_code == 2
    assert "province_b" in result.output and "us_claims" in result.output


def test_builtin_mappings_are_valid():
    assert {"province_b", "us_claims"} <= set(builtin_mappings())
    for name in builtin_mappings():
        assert load_mapping(name).name == name


def test_loading_a_mapping_leaves_yaml_parsing_elsewhere_alone():
    import yaml

    load_mapping("us_claims")  # mapping files read every scalar as text ...
    assert yaml.safe_load("a: 1\nb: true") == {"a": 1, "b": True}  # ... nobody else's


def test_expressions_are_row_local_and_the_sandbox_reads_no_files(tmp_path):
    assert parse_expr("coalesce(AdmissionDt, ClaimStartDt)").columns == {"admissiondt", "claimstartdt"}
    assert parse_expr("list_transform(codes, lambda c: upper(c))").columns == {"codes"}
    for bad in ("now()", "random()", "t.a", "a; DROP TABLE psn", "a FROM psn", "row_number() OVER ()"):
        with pytest.raises(ExprError):
            parse_expr(bad)
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n", encoding="utf-8")
    con = sandbox()
    with pytest.raises(duckdb.Error):
        con.execute(f"SELECT * FROM read_csv('{secret}')").fetchall()
    with pytest.raises(duckdb.Error):
        con.execute("SET enable_external_access = true")
