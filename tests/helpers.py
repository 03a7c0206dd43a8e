"""Small hand-made datasets for ingest tests: every row here is valid unless a test breaks it."""

from __future__ import annotations

import csv
from pathlib import Path

Rows = list[dict[str, str]]


def minimal_tables() -> dict[str, Rows]:
    """A tiny but complete dataset: one hospital, one pharmacy, two persons, two encounters."""
    return {
        "medins": [
            {
                "fixmedins_code": "H43010200001",
                "fixmedins_name": "长沙市第一人民医院",
                "fixmedins_type": "1",
                "hosp_lv": "1",
                "inst_type": "A100",
                "admdvs": "430102",
                "city": "长沙市",
                "ownership": "公立",
                "beds": "800",
            },
            {
                "fixmedins_code": "P43010200001",
                "fixmedins_name": "仁和大药房",
                "fixmedins_type": "2",
                "hosp_lv": "",
                "inst_type": "P",
                "admdvs": "430102",
                "city": "长沙市",
                "ownership": "民营",
                "beds": "",
            },
        ],
        "psn": [
            {
                "psn_no": "P001",
                "certno": "430102198001010012",
                "psn_name": "张三",
                "gend": "1",
                "brdy": "1980-01-01",
                "insutype": "310",
                "insuplc_admdvs": "430102",
                "hshld_no": "HH1",
                "resd_addr": "芙蓉区五一大道1号",
            },
            {
                "psn_no": "P002",
                "certno": "430102199002020026",
                "psn_name": "李四",
                "gend": "2",
                "brdy": "1990-02-02",
                "insutype": "390",
                "insuplc_admdvs": "430102",
                "hshld_no": "HH2",
                "resd_addr": "芙蓉区五一大道2号",
            },
        ],
        "practitioner": [
            {
                "prac_code": "D430102000001",
                "prac_name": "王医生",
                "prac_type": "doctor",
                "fixmedins_code": "H43010200001",
                "dept_codg": "A03",
            },
        ],
        "catalog": [
            {
                "med_list_codg": "001102000010000",
                "name": "普通门诊诊查费",
                "list_type": "201",
                "chrgitm_lv": "01",
                "pric": "10.00",
                "pric_uplmt": "10.00",
                "begndate": "2025-01-01",
            },
            {
                "med_list_codg": "XA01BAA001",
                "name": "阿莫西林胶囊",
                "list_type": "101",
                "chrgitm_lv": "01",
                "pric": "12.50",
                "pric_uplmt": "15.00",
                "max_daily_cnt": "2",
                "begndate": "2025-01-01",
            },
        ],
        "mdtrt": [
            {
                "mdtrt_id": "M001",
                "psn_no": "P001",
                "fixmedins_code": "H43010200001",
                "med_type": "11",
                "begntime": "2025-03-01 09:00:00",
                "endtime": "2025-03-01 09:30:00",
                "dise_codg": "J06.9",
                "dise_name": "急性上呼吸道感染",
                "atddr_no": "D430102000001",
                "mdtrt_cert_type": "01",
            },
            {
                "mdtrt_id": "M002",
                "psn_no": "P002",
                "fixmedins_code": "P43010200001",
                "med_type": "41",
                "begntime": "2025-03-02 10:00:00",
                "endtime": "2025-03-02 10:05:00",
            },
        ],
        "setl": [
            {
                "setl_id": "S001",
                "mdtrt_id": "M001",
                "psn_no": "P001",
                "fixmedins_code": "H43010200001",
                "setl_time": "2025-03-01 09:30:00",
                "medfee_sumamt": "35.00",
                "hifp_pay": "20.00",
                "fund_pay_sumamt": "20.00",
                "acct_pay": "10.00",
                "psn_cash_pay": "5.00",
                "refd_setl_flag": "0",
            },
            {
                "setl_id": "S002",
                "mdtrt_id": "M002",
                "psn_no": "P002",
                "fixmedins_code": "P43010200001",
                "setl_time": "2025-03-02 10:05:00",
                "medfee_sumamt": "25.00",
                "hifp_pay": "0.00",
                "fund_pay_sumamt": "0.00",
                "acct_pay": "25.00",
                "psn_cash_pay": "0.00",
            },
        ],
        "fee": [
            {
                "feedetl_sn": "F001",
                "mdtrt_id": "M001",
                "psn_no": "P001",
                "fixmedins_code": "H43010200001",
                "fee_ocur_time": "2025-03-01 09:10:00",
                "med_list_codg": "001102000010000",
                "list_type": "201",
                "cnt": "1",
                "pric": "10.00",
                "det_item_fee_sumamt": "10.00",
                "bilg_dept_codg": "A03",
                "bilg_dr_codg": "D430102000001",
            },
            {
                "feedetl_sn": "F002",
                "mdtrt_id": "M001",
                "psn_no": "P001",
                "fixmedins_code": "H43010200001",
                "fee_ocur_time": "2025-03-01 09:20:00",
                "med_list_codg": "XA01BAA001",
                "list_type": "101",
                "cnt": "2",
                "pric": "12.50",
                "det_item_fee_sumamt": "25.00",
                "bilg_dept_codg": "A03",
                "bilg_dr_codg": "D430102000001",
                "drug_trac_codg": "81234567890123456789,81234567890123456790",
            },
            {
                "feedetl_sn": "F003",
                "mdtrt_id": "M002",
                "psn_no": "P002",
                "fixmedins_code": "P43010200001",
                "fee_ocur_time": "2025-03-02 10:01:00",
                "med_list_codg": "XA01BAA001",
                "list_type": "101",
                "cnt": "2",
                "pric": "12.50",
                "det_item_fee_sumamt": "25.00",
                "drug_trac_codg": "81234567890123456791,81234567890123456792",
            },
        ],
    }


def write_table(path: Path, rows: Rows, encoding: str = "utf-8", columns: list[str] | None = None) -> None:
    cols = columns or list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({c: r.get(c, "") for c in cols})


def write_dataset(folder: Path, tables: dict[str, Rows], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        write_table(folder / f"{name}.csv", rows, encoding)
    return folder
