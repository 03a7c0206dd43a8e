"""Tiny hand-made stores for the model detectors: only the rows a test needs, every other column NULL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb
import pyarrow as pa

from yibao.store import ensure_schema

Row = dict[str, object]
T0 = dt.datetime(2025, 1, 1)


def store(tables: dict[str, Iterable[Row]], *, schema: bool = True) -> duckdb.DuckDBPyConnection:
    """An in-memory store holding these rows (with `schema=False` only the given tables exist)."""
    con = duckdb.connect()
    if schema:
        ensure_schema(con)
    for name, rows in tables.items():
        rows = list(rows)
        if not rows:
            continue
        cols = sorted({k for r in rows for k in r})
        data = pa.table({c: [None if r.get(c) is None else r.get(c) for r in rows] for c in cols})
        con.register("_rows", data)
        if schema:
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _rows")
        else:
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM _rows")
        con.unregister("_rows")
    return con


def hospital(
    code: str, lv: str = "2", inst_type: str = "A100", admdvs: str = "430102", kind: str = "1"
) -> Row:
    return {
        "fixmedins_code": code,
        "fixmedins_name": code,
        "fixmedins_type": kind,
        "hosp_lv": lv,
        "inst_type": inst_type,
        "admdvs": admdvs,
        "city": "长沙市",
        "ownership": "民营",
        "beds": 100,
    }


def person(psn: str, birth: str = "1950-01-01", hshld: str | None = None, admdvs: str = "430102") -> Row:
    return {
        "psn_no": psn,
        "gend": "1",
        "brdy": dt.date.fromisoformat(birth),
        "insutype": "390",
        "insuplc_admdvs": admdvs,
        "hshld_no": hshld or f"HH{psn}",
    }


def encounter(
    mid: str,
    psn: str,
    inst: str,
    begin: dt.datetime,
    end: dt.datetime,
    *,
    med_type: str = "21",
    dx: str | None = "I10.x00",
    dept: str = "A03",
    doctor: str | None = None,
) -> Row:
    return {
        "mdtrt_id": mid,
        "psn_no": psn,
        "fixmedins_code": inst,
        "med_type": med_type,
        "begntime": begin,
        "endtime": end,
        "dise_codg": dx,
        "adm_dept_codg": dept,
        "dscg_dept_codg": dept,
        "atddr_no": doctor,
        "dscg_way": "1",
    }


def line(
    sn: str,
    enc: Row,
    code: str,
    amount: float,
    *,
    at: dt.datetime | None = None,
    cnt: float = 1,
    list_type: str = "201",
    doctor: str | None = None,
    trace: str | None = None,
) -> Row:
    return {
        "feedetl_sn": sn,
        "mdtrt_id": enc["mdtrt_id"],
        "psn_no": enc["psn_no"],
        "fixmedins_code": enc["fixmedins_code"],
        "fee_ocur_time": at or enc["begntime"],
        "med_list_codg": code,
        "list_type": list_type,
        "cnt": cnt,
        "pric": amount / cnt,
        "det_item_fee_sumamt": amount,
        "bilg_dr_codg": doctor,
        "drug_trac_codg": trace,
    }


def days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)
