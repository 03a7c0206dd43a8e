"""A small DuckDB store with findings, written through the store's own functions."""

from __future__ import annotations

from pathlib import Path

import duckdb

from yibao.findings import Finding, Grade, Level, Violation
from yibao.findings_store import replace_findings
from yibao.store import connect

H1, H2 = "H43010200001", "H43010200002"


def findings_store(path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(path)
    con.execute(
        "INSERT INTO medins (fixmedins_code, fixmedins_name, fixmedins_type, admdvs, city) VALUES "
        f"('{H1}', '长沙市第一人民医院', '1', '430102', '长沙市'), ('{H2}', '芙蓉区某诊所', '1', '430102', '长沙市')"
    )
    con.execute(
        "INSERT INTO psn (psn_no, certno, psn_name, gend, brdy, insutype, insuplc_admdvs) VALUES "
        "('P1', '430102198001010012', '张三', '1', DATE '1980-01-01', '310', '430102')"
    )
    dup = [
        Finding(
            Violation.DUPLICATE_BILLING,
            "exclusive_pair@1",
            Level.LINE,
            100.0 * (i + 1),
            0.9,
            Grade.DEFINITE,
            f"重复收费第{i}条",
            feedetl_sn=f"F{i}",
            mdtrt_id=f"M{i}",
            psn_no=f"P{i % 2}",
            fixmedins_code=H1,
        )
        for i in range(4)
    ]
    split = [
        Finding(
            Violation.SPLIT_ADMISSION,
            "split_admission@1",
            Level.ENCOUNTER,
            5000.0,
            0.75,
            Grade.SUSPECT,
            "疑似分解住院",
            mdtrt_id="M9",
            psn_no="P1",
            fixmedins_code=H1,
        ),
        Finding(
            Violation.SPLIT_ADMISSION,
            "split_admission@1",
            Level.ENCOUNTER,
            300.0,
            0.75,
            Grade.SUSPECT,
            "疑似分解住院",
            mdtrt_id="M10",
            psn_no="P5",
            fixmedins_code=H2,
        ),
    ]
    # a second rule hitting line F0 again: the line's money must count once
    again = [
        Finding(
            Violation.OVER_PRICE,
            "price_ceiling@1",
            Level.LINE,
            100.0,
            0.5,
            Grade.DEFINITE,
            "超限价",
            feedetl_sn="F0",
            mdtrt_id="M0",
            psn_no="P0",
            fixmedins_code=H1,
        )
    ]
    replace_findings(con, "exclusive_pair@1", dup)
    replace_findings(con, "split_admission@1", split)
    replace_findings(con, "price_ceiling@1", again)
    return con
