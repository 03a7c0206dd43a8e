"""Settlements (结算): one per encounter, plus one per refund, with the fund split.

All in integer cents so that medfee_sumamt = fund_pay_sumamt + acct_pay +
psn_cash_pay holds exactly. Class C (丙类) items are fully self-paid; 10 % of
class B (乙类) is paid first by the patient; admissions carry a deductible
(起付线) by hospital level; the pooled fund (统筹) pays a share by insurance
type and level; residents' large inpatient bills get serious-illness insurance
(大病保险) on top; employees pay part of the rest from their personal account.
"""

from __future__ import annotations

import polars as pl

__all__ = ["build_settlements"]

_DEDUCT = {"1": 100_000, "2": 60_000, "3": 30_000, "9": 30_000}  # cents, per admission
_RATIO_21 = {("310", "1"): 0.85, ("310", "2"): 0.88, ("310", "3"): 0.92, ("390", "1"): 0.60, ("390", "2"): 0.70,
             ("390", "3"): 0.80}


def _split(x: pl.DataFrame) -> pl.DataFrame:
    """Fund split of amounts (positive; refunds are split on their absolute value and negated)."""
    lv = pl.col("hosp_lv").fill_null("9")
    emp = pl.col("insutype") == "310"
    ratio = (
        pl.when(pl.col("med_type") == "21").then(
            pl.concat_str("insutype", pl.lit("|"), pl.when(lv == "9").then(pl.lit("3")).otherwise(lv))
            .replace_strict({f"{a}|{b}": v for (a, b), v in _RATIO_21.items()}, default=0.6))
        .when(pl.col("med_type") == "14").then(pl.when(emp).then(0.80).otherwise(0.60))
        .when(pl.col("med_type") == "11").then(pl.when(lv.is_in(["3", "9"])).then(0.60).otherwise(0.50))
        .otherwise(0.0)
    )
    ded = pl.when(pl.col("med_type") == "21").then(lv.replace_strict(_DEDUCT, default=30_000)).otherwise(0)
    inscp = pl.col("m") - pl.col("own") - pl.col("bself")
    hifp = ((inscp - ded).clip(0, None) * ratio).floor().cast(pl.Int64)
    big = pl.when((pl.col("insutype") == "390") & (pl.col("med_type") == "21")).then(
        ((inscp - ded - hifp - 1_500_000).clip(0, None) * 0.6).floor().cast(pl.Int64)).otherwise(0)
    x = x.with_columns(inscp.clip(0, None).alias("inscp"), hifp.alias("hifp"))
    x = x.with_columns((pl.col("hifp") + big).alias("fund"))
    acct_share = pl.when(pl.col("med_type") == "21").then(0.3).otherwise(0.8)
    x = x.with_columns(
        pl.when(emp).then(((pl.col("m") - pl.col("fund")) * acct_share).floor().cast(pl.Int64)).otherwise(0)
        .alias("acct"))
    return x.with_columns((pl.col("m") - pl.col("fund") - pl.col("acct")).alias("cash"))


def build_settlements(fee: pl.DataFrame, enc: pl.DataFrame, psn: pl.DataFrame, medins: pl.DataFrame,
                      chrg_lv: pl.DataFrame) -> pl.DataFrame:
    """One settlement per encounter (its positive lines) and one per encounter with reversals."""
    lines = fee.join(chrg_lv, on="code", how="left", maintain_order="left").with_columns(
        (pl.col("cnt") < 0).alias("refund"))
    agg = lines.group_by("enc", "refund").agg(
        pl.col("amt").sum().abs().alias("m"),
        pl.col("amt").filter(pl.col("chrgitm_lv") == "03").sum().abs().alias("own"),
        (pl.col("amt").filter(pl.col("chrgitm_lv") == "02").sum().abs() // 10).alias("bself"),
    )
    x = agg.join(enc.select("enc", "psn_idx", "inst_idx", "med_type", "end"), on="enc", how="left", maintain_order="left").join(
        psn.select("psn_idx", "insutype"), on="psn_idx", how="left", maintain_order="left").join(
        medins.select("inst_idx", "hosp_lv"), on="inst_idx", how="left", maintain_order="left")
    x = _split(x)
    sign = pl.when(pl.col("refund")).then(-1).otherwise(1)
    return x.select(
        "enc", "psn_idx", "inst_idx", "refund",
        pl.when(pl.col("refund")).then(pl.col("end") + pl.duration(minutes=30)).otherwise(pl.col("end"))
        .alias("setl_time"),
        (pl.col("m") * sign).alias("medfee_sumamt"), (pl.col("own") * sign).alias("fulamt_ownpay_amt"),
        (pl.col("inscp") * sign).alias("inscp_scp_amt"), (pl.col("hifp") * sign).alias("hifp_pay"),
        (pl.col("fund") * sign).alias("fund_pay_sumamt"), (pl.col("acct") * sign).alias("acct_pay"),
        (pl.col("cash") * sign).alias("psn_cash_pay"),
    ).sort("enc", "refund")
