"""Contract keys and CSV text: the only place internal ids become mdtrt_id, feedetl_sn and friends.

mdtrt_id = institution division + start date + 8-digit encounter number;
feedetl_sn = mdtrt_id + 4-digit line number in time order; setl_id = mdtrt_id +
1 (settlement) or 2 (refund).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from yibao.synth.diseases import DISEASE_NAMES
from yibao.synth.formats import bool_text, date_text, money_text, price_text, time_text

__all__ = ["LABEL_COLUMNS", "Keys", "write_csv"]

LABEL_COLUMNS = ("violation", "level", "feedetl_sn", "mdtrt_id", "psn_no", "prac_code", "fixmedins_code", "amount",
                 "form", "note")


def _num(col: str) -> pl.Expr:
    """A decimal as text without a trailing .0 (1.0 → '1', 0.5 → '0.5')."""
    c = pl.col(col)
    return pl.when(c.is_null()).then(None).when(c == c.round(0)).then(c.cast(pl.Int64).cast(pl.String)) \
        .otherwise(c.cast(pl.String)).alias(col)


def write_csv(df: pl.DataFrame, path: Path) -> int:
    """Write a frame as UTF-8 CSV with a header row; returns the row count."""
    df.write_csv(path, include_header=True, null_value="", line_terminator="\n", batch_size=65536)
    return df.height


class Keys:
    """Maps internal ids to contract keys for one finished world."""

    def __init__(self, enc: pl.DataFrame, fee: pl.DataFrame, psn: pl.DataFrame, medins: pl.DataFrame) -> None:
        self.inst = medins.select("inst_idx", "fixmedins_code", "admdvs")
        self.psn = psn.select("psn_idx", "psn_no")
        self.enc = enc.join(self.inst, on="inst_idx", how="left", maintain_order="left").select(
            "enc", pl.concat_str("admdvs", pl.col("begin").dt.strftime("%Y%m%d"),
                                 pl.col("enc").cast(pl.String).str.zfill(8)).alias("mdtrt_id"))
        # lines in encounter and time order (integer sorts only); feedetl_sn numbers them within the encounter
        self.lines = fee.sort("enc", "time", "uid").join(self.enc, on="enc", how="left", maintain_order="left")
        self.lines = self.lines.with_columns(pl.concat_str(
            "mdtrt_id", pl.int_range(1, pl.len() + 1).over("enc").cast(pl.String).str.zfill(4)).alias("feedetl_sn"))
        self.fee = self.lines.select("uid", "feedetl_sn")

    def mdtrt(self, enc: pl.DataFrame, psn: pl.DataFrame) -> pl.DataFrame:
        names = pl.DataFrame({"dx": list(DISEASE_NAMES), "dise_name": list(DISEASE_NAMES.values())})
        x = enc.sort("enc").join(self.enc, on="enc", how="left", maintain_order="left").join(
            self.psn, on="psn_idx", how="left", maintain_order="left").join(
            self.inst.select("inst_idx", "fixmedins_code"), on="inst_idx", how="left", maintain_order="left").join(
            names, on="dx", how="left", maintain_order="left")
        return x.select(
            "mdtrt_id", "psn_no", "fixmedins_code", "med_type", time_text("begin").alias("begntime"),
            time_text("end").alias("endtime"), pl.col("dx").alias("dise_codg"), "dise_name",
            pl.col("dept").alias("adm_dept_codg"), pl.col("dept").alias("dscg_dept_codg"),
            pl.when(pl.col("med_type") == "41").then(None).otherwise(pl.col("doctor")).alias("atddr_no"),
            "dscg_way", pl.col("cert_type").alias("mdtrt_cert_type"), "term_admdvs",
        )

    def diag(self, diag: pl.DataFrame) -> pl.DataFrame:
        return diag.join(self.enc, on="enc", how="inner", maintain_order="left").sort("enc", "maindiag_flag", "dise_codg",
                                                               descending=[False, True, False]).select(
            "mdtrt_id", "dise_codg", "maindiag_flag")

    def fee_table(self) -> pl.DataFrame:
        """The fee table of the lines given at construction, in encounter and time order."""
        x = self.lines.join(self.psn, on="psn_idx", how="left", maintain_order="left").join(
            self.inst.select("inst_idx", "fixmedins_code"), on="inst_idx", how="left", maintain_order="left")
        return x.select(
            "feedetl_sn", "mdtrt_id", "psn_no", "fixmedins_code", time_text("time").alias("fee_ocur_time"),
            pl.col("code").alias("med_list_codg"), pl.col("local_code").alias("medins_list_codg"), "list_type",
            pl.col("cnt").cast(pl.String), price_text("pric4").alias("pric"),
            money_text("amt").alias("det_item_fee_sumamt"), pl.col("dept").alias("bilg_dept_codg"),
            pl.col("doctor").alias("bilg_dr_codg"), pl.col("trace").alias("drug_trac_codg"),
        )

    def setl(self, setl: pl.DataFrame) -> pl.DataFrame:
        x = setl.join(self.enc, on="enc", how="left", maintain_order="left").join(
            self.psn, on="psn_idx", how="left", maintain_order="left").join(
            self.inst.select("inst_idx", "fixmedins_code"), on="inst_idx", how="left", maintain_order="left")
        money = ("medfee_sumamt", "fulamt_ownpay_amt", "inscp_scp_amt", "hifp_pay", "fund_pay_sumamt", "acct_pay",
                 "psn_cash_pay")
        return x.sort("enc", "refund").select(
            pl.concat_str("mdtrt_id", pl.when(pl.col("refund")).then(pl.lit("2")).otherwise(pl.lit("1")))
            .alias("setl_id"), "mdtrt_id", "psn_no", "fixmedins_code", time_text("setl_time"),
            *[money_text(m) for m in money],
            pl.when(pl.col("refund")).then(pl.lit("1")).otherwise(pl.lit("0")).alias("refd_setl_flag"),
        )

    def labels(self, labels: pl.DataFrame, fee: pl.DataFrame) -> pl.DataFrame:
        line_amt = fee.select("uid", pl.col("amt").alias("_la"))
        enc_amt = fee.group_by("enc").agg(pl.col("amt").sum().alias("_ea"))
        x = labels.join(self.fee, on="uid", how="left", maintain_order="left").join(
            self.enc, on="enc", how="left", maintain_order="left").join(
            self.psn, on="psn_idx", how="left", maintain_order="left").join(
            self.inst.select("inst_idx", "fixmedins_code"), on="inst_idx", how="left", maintain_order="left").join(
            line_amt, on="uid", how="left", maintain_order="left").join(enc_amt, on="enc", how="left",
                                                                        maintain_order="left")
        x = x.with_columns(
            pl.coalesce("amount", pl.when(pl.col("level") == "line").then(pl.col("_la")).otherwise(pl.col("_ea")),
                        pl.lit(0)).alias("amount"))
        x = x.sort("violation", "form", "level", "feedetl_sn", "mdtrt_id", "psn_no", "prac_code", "fixmedins_code",
                   nulls_last=True, maintain_order=True)
        return x.select(*[money_text("amount") if c == "amount" else pl.col(c) for c in LABEL_COLUMNS])


def catalog_text(cat: pl.DataFrame) -> pl.DataFrame:
    """The catalogue in contract columns and text formats."""
    return cat.select(
        "med_list_codg", "name", "list_type", "chrgitm_lv", price_text("pric4").alias("pric"),
        price_text("uplmt4").alias("pric_uplmt"), "lmt_gend", "lmt_age_min", "lmt_age_max", "lmt_age_max_days",
        "lmt_hosp_lv", "lmt_dise", "lmt_med_type", _num("max_daily_cnt"), bool_text("single_herb_unpaid"),
        bool_text("is_lab"), bool_text("is_tcm_therapy"), "lmt_dept", "lmt_dept_excl", "lmt_inst_type",
        date_text("begndate"), date_text("enddate"),
    )


def rule_text(rules: pl.DataFrame) -> pl.DataFrame:
    return rules.with_columns(_num("ratio"), date_text("begndate"), date_text("enddate"))


def limit_text(limits: pl.DataFrame) -> pl.DataFrame:
    return limits.with_columns(
        _num("max_cnt"), (pl.col("max_amount") * 100).round(0).cast(pl.Int64).alias("max_amount"),
        bool_text("per_stay_day"), date_text("begndate"), date_text("enddate"),
    ).with_columns(money_text("max_amount"))
