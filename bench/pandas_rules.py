"""The same rules written in pandas, for the side-by-side benchmark in bench/screen.py.

A faithful, idiomatic pandas version of a representative part of the library: the shared
context the rules read (net fee lines after reversals and full refunds, each line with its
encounter, person, institution and the catalogue row in force on its date), then
line rules over catalogue restrictions and prices, an exact-copy rule, two inpatient-stay
rules and the traceability-code rule. Each returns the key of its findings so that the
benchmark can check both engines found the same things.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

_FEE = ("feedetl_sn, mdtrt_id, psn_no, fixmedins_code, fee_ocur_time, med_list_codg, list_type, "
        "CAST(cnt AS DOUBLE) AS cnt, CAST(pric AS DOUBLE) AS pric, "
        "CAST(det_item_fee_sumamt AS DOUBLE) AS det_item_fee_sumamt, bilg_dr_codg, drug_trac_codg")


def _read(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.sql(sql).df()


def load(db: Path) -> dict[str, pd.DataFrame]:
    """Read the store's tables into pandas (the usual starting point of a pandas job)."""
    con = duckdb.connect(str(db), read_only=True)
    t = {
        "fee": _read(con, f"SELECT {_FEE} FROM fee"),
        "mdtrt": _read(con, "SELECT mdtrt_id, psn_no, fixmedins_code, med_type, begntime, endtime, dise_codg, "
                            "atddr_no, dscg_way FROM mdtrt"),
        "setl": _read(con, "SELECT mdtrt_id, CAST(medfee_sumamt AS DOUBLE) AS medfee_sumamt, "
                           "CAST(fund_pay_sumamt AS DOUBLE) AS fund_pay_sumamt, refd_setl_flag FROM setl"),
        "psn": _read(con, "SELECT psn_no, gend, brdy FROM psn"),
        "medins": _read(con, "SELECT fixmedins_code, hosp_lv FROM medins"),
        "catalog": _read(con, "SELECT med_list_codg, name, CAST(pric_uplmt AS DOUBLE) AS pric_uplmt, lmt_gend, "
                              "lmt_hosp_lv, lmt_med_type, begndate, enddate FROM catalog"),
    }
    con.close()
    return t


def context(t: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Net fee lines with context, and encounters with context (the prelude's fee_ctx / enc_ctx)."""
    setl = t["setl"]
    refunded = setl[setl["mdtrt_id"].isin(setl.loc[setl["refd_setl_flag"] == "1", "mdtrt_id"])]
    refunded = refunded.groupby("mdtrt_id")["medfee_sumamt"].sum()
    refunded = set(refunded[refunded <= 0.005].index)

    fee = t["fee"]
    rev = (fee[fee["cnt"] < 0].groupby(["mdtrt_id", "med_list_codg", "pric"], as_index=False)["cnt"].sum()
           .rename(columns={"cnt": "rev_cnt"}))
    rev["rev_cnt"] = -rev["rev_cnt"]
    pos = fee[(fee["cnt"] > 0) & ~fee["mdtrt_id"].isin(refunded)]
    hit = pos.merge(rev, on=["mdtrt_id", "med_list_codg", "pric"], how="inner")
    hit = hit.sort_values(["mdtrt_id", "med_list_codg", "pric", "fee_ocur_time", "feedetl_sn"],
                          ascending=[True, True, True, False, False])
    hit["cum"] = hit.groupby(["mdtrt_id", "med_list_codg", "pric"])["cnt"].cumsum()
    hit["net"] = np.maximum(0, np.minimum(hit["cnt"], hit["cum"] - hit["rev_cnt"]))
    net = pos.merge(hit[["feedetl_sn", "net"]], on="feedetl_sn", how="left")
    changed = net["net"].notna() & (net["net"] != net["cnt"])
    net.loc[changed, "det_item_fee_sumamt"] = (net.loc[changed, "net"] * net.loc[changed, "pric"]).round(2)
    net["cnt"] = net["net"].fillna(net["cnt"])
    net = net[net["cnt"] > 0].drop(columns="net")

    money = setl.groupby("mdtrt_id", as_index=False)[["medfee_sumamt", "fund_pay_sumamt"]].sum()
    enc = (t["mdtrt"][~t["mdtrt"]["mdtrt_id"].isin(refunded)]
           .merge(t["psn"], on="psn_no", how="left")
           .merge(t["medins"], on="fixmedins_code", how="left")
           .merge(money, on="mdtrt_id", how="left"))
    enc[["medfee_sumamt", "fund_pay_sumamt"]] = enc[["medfee_sumamt", "fund_pay_sumamt"]].fillna(0)
    enc["begn_date"] = enc["begntime"].dt.normalize()
    enc["end_date"] = enc["endtime"].dt.normalize()

    ctx = net.merge(enc[["mdtrt_id", "med_type", "gend", "hosp_lv"]], on="mdtrt_id", how="inner")
    ctx["fee_date"] = ctx["fee_ocur_time"].dt.normalize()
    cat = t["catalog"].copy()
    cat["begndate"] = pd.to_datetime(cat["begndate"]).fillna(pd.Timestamp("1900-01-01"))
    cat = cat.sort_values(["med_list_codg", "begndate"])
    nxt = cat.groupby("med_list_codg")["begndate"].shift(-1) - pd.Timedelta(days=1)
    cat["span_end"] = pd.concat([pd.to_datetime(cat["enddate"]).fillna(pd.Timestamp("2999-12-31")),
                                 nxt.fillna(pd.Timestamp("2999-12-31"))], axis=1).min(axis=1)
    ctx = ctx.merge(cat.drop(columns=["enddate"]), on="med_list_codg", how="left")
    ok = ctx["begndate"].isna() | ((ctx["fee_date"] >= ctx["begndate"]) & (ctx["fee_date"] <= ctx["span_end"]))
    # a line whose code has rows but none in force keeps the line with no catalogue row
    ctx = ctx[ok]
    return ctx, enc


def gender_restricted_item(ctx: pd.DataFrame, enc: pd.DataFrame) -> list[str]:
    m = ctx["lmt_gend"].isin(["1", "2"]) & ctx["gend"].isin(["1", "2"]) & (ctx["gend"] != ctx["lmt_gend"])
    return sorted(ctx.loc[m, "feedetl_sn"])


def level_restricted_item(ctx: pd.DataFrame, enc: pd.DataFrame) -> list[str]:
    lv = pd.to_numeric(ctx["hosp_lv"].fillna("9"), errors="coerce")
    m = ctx["lmt_hosp_lv"].isin(["1", "2", "3"]) & (lv > pd.to_numeric(ctx["lmt_hosp_lv"], errors="coerce"))
    return sorted(ctx.loc[m, "feedetl_sn"])


def med_type_restricted_item(ctx: pd.DataFrame, enc: pd.DataFrame) -> list[str]:
    sub = ctx[ctx["lmt_med_type"].notna()]
    allowed = ";" + sub["lmt_med_type"].str.replace(" ", "", regex=False) + ";"
    inside = [f";{mt};" in a for a, mt in zip(allowed, sub["med_type"], strict=True)]
    return sorted(sub.loc[~np.array(inside, dtype=bool), "feedetl_sn"])


def price_above_ceiling(ctx: pd.DataFrame, enc: pd.DataFrame) -> list[str]:
    m = ctx["pric_uplmt"].notna() & (ctx["pric"] > ctx["pric_uplmt"])
    return sorted(ctx.loc[m, "feedetl_sn"])


def duplicate_line(ctx: pd.DataFrame, enc: pd.DataFrame) -> list[str]:
    sub = ctx[ctx["list_type"].isin(["201", "301"])].sort_values("feedetl_sn")
    dup = sub.duplicated(["mdtrt_id", "med_list_codg", "fee_ocur_time", "cnt", "pric"], keep="first")
    return sorted(sub.loc[dup, "feedetl_sn"])


def _stays(enc: pd.DataFrame) -> pd.DataFrame:
    ip = enc[enc["med_type"] == "21"].sort_values(["psn_no", "fixmedins_code", "begntime", "mdtrt_id"])
    g = ip.groupby(["psn_no", "fixmedins_code"])
    for c in ("mdtrt_id", "end_date", "dscg_way", "dise_codg"):
        ip["prev_" + c] = g[c].shift(1)
    return ip


def split_admission(ctx: pd.DataFrame, enc: pd.DataFrame, window_days: int = 15) -> list[str]:
    ip = _stays(enc)
    ip = ip[ip["prev_mdtrt_id"].notna()]
    gap = (ip["begn_date"] - ip["prev_end_date"]).dt.days
    exempt_way = ip["prev_dscg_way"].fillna("").isin(["2", "3", "5", "9"])
    dx = ip["dise_codg"].fillna("")
    exempt_dx = dx.str.startswith("Z51") | dx.str.startswith("Z49")
    m = (gap >= 0) & (gap <= window_days) & ~exempt_way & ~exempt_dx
    return sorted(ip.loc[m, "mdtrt_id"])


def overlapping_inpatient_stay(ctx: pd.DataFrame, enc: pd.DataFrame) -> list[str]:
    ip = enc[enc["med_type"] == "21"][["mdtrt_id", "psn_no", "begntime", "begn_date", "end_date"]]
    pair = ip.merge(ip, on="psn_no", suffixes=("", "_a"))
    earlier = (pair["begntime_a"] < pair["begntime"]) | (
        (pair["begntime_a"] == pair["begntime"]) & (pair["mdtrt_id_a"] < pair["mdtrt_id"]))
    pair = pair[earlier & (pair["mdtrt_id_a"] != pair["mdtrt_id"]) & (pair["begn_date"] < pair["end_date_a"])]
    overlap = (np.minimum(pair["end_date_a"], pair["end_date"]) - pair["begn_date"]).dt.days.clip(lower=1)
    return sorted(set(pair.loc[overlap > 0, "mdtrt_id"]))


def trace_code_reuse(ctx: pd.DataFrame, enc: pd.DataFrame, min_code_len: int = 20) -> list[str]:
    lines = ctx.loc[ctx["drug_trac_codg"].notna(), ["feedetl_sn", "fee_ocur_time", "drug_trac_codg"]]
    codes = lines.assign(trac_code=lines["drug_trac_codg"].str.split(",")).explode("trac_code")
    codes["trac_code"] = codes["trac_code"].str.strip()
    codes = codes[codes["trac_code"] != ""]
    codes = codes[codes.duplicated("trac_code", keep=False)].sort_values(["trac_code", "fee_ocur_time", "feedetl_sn"])
    codes["seq"] = codes.groupby("trac_code").cumcount() + 1
    hit = codes[(codes["seq"] > 1) & (codes["trac_code"].str.len() >= min_code_len)]
    return sorted(set(hit["feedetl_sn"]))


RULES = (gender_restricted_item, level_restricted_item, med_type_restricted_item, price_above_ceiling,
         duplicate_line, split_admission, overlapping_inpatient_stay, trace_code_reuse)


def run_all(db: Path) -> tuple[list[tuple[str, float]], dict[str, list[str]], int]:
    timings: list[tuple[str, float]] = []
    t = time.perf_counter()
    tables = load(db)
    timings.append(("(read tables)", time.perf_counter() - t))
    t = time.perf_counter()
    ctx, enc = context(tables)
    timings.append(("(context: net lines, encounters, catalogue)", time.perf_counter() - t))
    hits = {}
    for rule in RULES:
        t = time.perf_counter()
        hits[rule.__name__] = rule(ctx, enc)
        timings.append((rule.__name__, time.perf_counter() - t))
    return timings, hits, len(tables["fee"])
