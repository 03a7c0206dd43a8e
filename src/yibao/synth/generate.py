"""The public entry point: build a synthetic city and write it as a contract dataset."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from yibao.synth._rng import stream
from yibao.synth.billing import assign_pathways, encounter_context, items_frame, price_lines
from yibao.synth.care import bill
from yibao.synth.catalog import build_catalog
from yibao.synth.conditions import build_conditions
from yibao.synth.conform import conform
from yibao.synth.encounters import build_diag, build_encounters
from yibao.synth.institutions import build_institutions
from yibao.synth.knowledge import build_item_limit, build_item_rule
from yibao.synth.output import Keys, catalog_text, limit_text, rule_text, write_csv
from yibao.synth.persons import build_persons
from yibao.synth.placement import Places
from yibao.synth.population import Population
from yibao.synth.practitioners import build_practitioners
from yibao.synth.refunds import add_refunds
from yibao.synth.schedule import build_schedule
from yibao.synth.settlement import build_settlements
from yibao.synth.stock import build_purchases
from yibao.synth.trace import assign_trace
from yibao.synth.violations import injectors
from yibao.synth.world import World

__all__ = ["SynthReport", "generate"]

Progress = Callable[[str, float], None]


@dataclass(frozen=True, slots=True)
class SynthReport:
    """What `generate` wrote: rows per table, labels per violation code, wall time in seconds."""

    rows: dict[str, int]
    labels: dict[str, int]
    seconds: float
    out_dir: Path | None = None


def _window(start: dt.date, months: int) -> int:
    y, m = divmod(start.month - 1 + months, 12)
    end = dt.date(start.year + y, m + 1, 1) if start.day == 1 else start + dt.timedelta(days=round(months * 30.4))
    return (end - start).days


def _size_beds(medins: pl.DataFrame, enc: pl.DataFrame) -> pl.DataFrame:
    """Approved beds: the nominal figure, raised to 130 % of the clean peak midnight census where needed."""
    st = enc.filter(pl.col("med_type") == "21").select(
        "inst_idx", pl.date_ranges(pl.col("begin").dt.date(), pl.col("end").dt.date(), closed="left").alias("d"))
    census = st.explode("d").drop_nulls("d").group_by("inst_idx", "d").len().group_by("inst_idx").agg(
        pl.col("len").max().alias("peak"))
    return medins.join(census, on="inst_idx", how="left", maintain_order="left").with_columns(
        pl.when(pl.col("peak").is_not_null())
        .then(pl.max_horizontal("beds", ((pl.col("peak") * 1.3 / 10).ceil() * 10).cast(pl.Int64)))
        .otherwise(pl.col("beds")).alias("beds")).drop("peak")


def build_world(persons: int, days: int, seed: int, start: dt.date, tick: Progress) -> World:
    """The clean city."""
    tick("生成机构与人员", 0.0)
    medins, inst_dept = build_institutions(stream(seed, "institutions"), persons)
    prac = build_practitioners(stream(seed, "practitioners"), medins, inst_dept)
    psn, death = build_persons(stream(seed, "persons"), persons, start, days)
    age0 = -(psn.select((pl.col("brdy") - pl.lit(start)).dt.total_days())["brdy"].to_numpy()) / 365.25
    pop = Population.build(start, days, psn, death, build_conditions(stream(seed, "conditions"), psn, age0))
    places = Places(medins, inst_dept, prac)
    tick("生成目录与规则", 0.08)
    cat = build_catalog(start, days)
    w = World(seed, start, days, medins, inst_dept, prac, psn, death, cat, build_item_rule(cat), build_item_limit(cat),
              items_frame(cat), pop, places)
    tick("安排就诊", 0.1)
    sched, _ = build_schedule(stream(seed, "schedule"), pop, places, medins)
    enc = build_encounters(stream(seed, "encounters"), sched, pop, places)
    w.enc = enc
    w.diag = build_diag(enc, pop)
    w.medins = _size_beds(medins, enc)
    tick("生成费用明细", 0.25)
    ctx = encounter_context(enc, pop, w.medins)
    assign = assign_pathways(stream(seed, "pathways"), enc, pop)
    key_index = dict(zip(w.items["key_name"].to_list(), w.items["key"].to_list(), strict=True))
    raw = bill(stream(seed, "billing"), ctx, assign, key_index)
    lines = price_lines(raw, ctx, w.items, cat, w.medins, places, stream(seed, "pricing"), pop)
    lines = lines.with_columns(pl.int_range(1, lines.height + 1, dtype=pl.Int64).alias("uid"))
    tick("规则校正", 0.45)
    lines, _ = conform(lines, w.conform_context())
    w.fee = lines.drop("fixed")
    w.fee = _fallback_lines(w)
    tick("生成追溯码", 0.6)
    w.fee = assign_trace(w.fee, w.trace_next)
    return w


def _fallback_lines(w: World) -> pl.DataFrame:
    """An encounter left with no line after cleaning keeps its registration (clinic) or one OTC box (pharmacy)."""
    empty = w.enc.join(w.fee.select("enc").unique(), on="enc", how="anti")
    if empty.is_empty():
        return w.fee
    key = pl.when(pl.col("med_type") == "41").then(pl.lit(w.code("paracetamol"))).otherwise(
        pl.lit(w.code("reg_outpt")))
    items = w.items.select("code", "list_type")
    x = empty.select(
        pl.lit(None, dtype=pl.Int64).alias("uid"), "enc", "psn_idx", "inst_idx",
        (pl.col("begin") + pl.duration(seconds=60)).alias("time"), key.alias("code"), pl.lit(1, dtype=pl.Int64)
        .alias("cnt"), "dept", "doctor", "med_type",
    ).join(items, on="code", how="left", maintain_order="left").join(
        w.catalog.frame.select(pl.col("med_list_codg").alias("code"), "pric4").unique("code"), on="code", how="left", maintain_order="left")
    x = x.filter(pl.col("med_type") != "21").with_columns(
        ((pl.col("cnt") * pl.col("pric4") + 50) // 100).alias("amt"),
        pl.lit(None, dtype=pl.String).alias("trace"), pl.lit(None, dtype=pl.String).alias("local_code"),
        pl.int_range(w.next_uid, w.next_uid + pl.len(), dtype=pl.Int64).alias("uid"))
    return pl.concat([w.fee, x.select(w.fee.columns)], how="vertical_relaxed")


def _local_code(inst: pl.Expr, key: pl.Expr) -> pl.Expr:
    """The institution's own item code (医药机构目录编码): institution number + item number."""
    return pl.concat_str((inst + 1).cast(pl.String).str.zfill(3), (key + 1).cast(pl.String).str.zfill(5))


def finish(w: World, out: Path, tick: Progress) -> dict[str, int]:
    """Refunds, settlements, purchases, keys; write every table."""
    tick("生成结算与进货", 0.85)
    w.fee = _fallback_lines(w)
    w.fee = assign_trace(w.fee, w.trace_next)
    labelled = {int(x) for x in w.touched_enc}
    refunds = add_refunds(stream(w.seed, "refunds"), w.fee, w.enc, labelled, w.next_uid)
    fee = pl.concat([w.fee, refunds], how="vertical_relaxed")
    key_of = w.items.select("code", pl.col("key").alias("k"))
    fee = fee.join(key_of, on="code", how="left", maintain_order="left").with_columns(
        pl.coalesce("local_code", _local_code(pl.col("inst_idx"), pl.col("k"))).alias("local_code")).drop("k")
    chrg = w.catalog.frame.select(pl.col("med_list_codg").alias("code"), "chrgitm_lv").unique("code")
    setl = build_settlements(fee, w.enc, w.psn, w.medins, chrg)
    goods = [w.code(k) for k in w.items["key_name"].to_list() if k.startswith("g_")]
    pharm = w.medins.filter(pl.col("tier") == "PHA")["inst_idx"].to_list()
    stocked = fee.filter(~pl.col("uid").is_in(list(w.off_book)))
    purchase = build_purchases(stream(w.seed, "purchases"), stocked, w.start, w.purchase_factor, w.purchase_extra,
                               goods, pharm)
    # one stock-in record per institution, item and day: two deliveries of one item on one day
    # would be identical rows, which the contract's purchase table cannot tell apart
    purchase = purchase.group_by(["inst_idx", "code", "purc_date"], maintain_order=True).agg(pl.col("cnt").sum())
    tick("写出文件", 0.9)
    keys = Keys(w.enc, fee, w.psn, w.medins)
    out.mkdir(parents=True, exist_ok=True)
    inst_code = w.medins.select("inst_idx", "fixmedins_code")
    rows: dict[str, int] = {}
    rows["psn"] = write_csv(w.psn.select("psn_no", "certno", "psn_name", "gend", pl.col("brdy").dt.strftime("%Y-%m-%d"),
                                         "insutype", "insuplc_admdvs", "hshld_no", "resd_addr"), out / "psn.csv")
    rows["death"] = write_csv(w.death.sort("psn_idx").select("psn_no", pl.col("dead_date").dt.strftime("%Y-%m-%d")),
                              out / "death.csv")
    rows["medins"] = write_csv(w.medins.select("fixmedins_code", "fixmedins_name", "fixmedins_type", "hosp_lv",
                                               "inst_type", "admdvs", "city", "ownership", "beds"), out / "medins.csv")
    rows["practitioner"] = write_csv(w.prac.select("prac_code", "prac_name", "prac_type", "fixmedins_code",
                                                   "dept_codg"), out / "practitioner.csv")
    rows["mdtrt"] = write_csv(keys.mdtrt(w.enc, w.psn), out / "mdtrt.csv")
    rows["diag"] = write_csv(keys.diag(w.diag), out / "diag.csv")
    rows["setl"] = write_csv(keys.setl(setl), out / "setl.csv")
    rows["fee"] = write_csv(keys.fee_table(), out / "fee.csv")
    rows["catalog"] = write_csv(catalog_text(w.catalog.frame), out / "catalog.csv")
    rows["item_rule"] = write_csv(rule_text(w.item_rule), out / "item_rule.csv")
    rows["item_limit"] = write_csv(limit_text(w.item_limit), out / "item_limit.csv")
    rows["purchase"] = write_csv(purchase.join(inst_code, on="inst_idx", how="left", maintain_order="left").select(
        "fixmedins_code", pl.col("code").alias("med_list_codg"), pl.col("purc_date").dt.strftime("%Y-%m-%d"),
        pl.col("cnt").cast(pl.String)), out / "purchase.csv")
    schema = {"violation": pl.String, "level": pl.String, "form": pl.String, "note": pl.String, "amount": pl.Int64,
              "uid": pl.Int64, "enc": pl.Int64, "psn_idx": pl.Int32, "prac_code": pl.String, "inst_idx": pl.Int32}
    labels = pl.DataFrame(w.labels, schema=schema)
    rows["labels"] = write_csv(keys.labels(labels, fee), out / "labels.csv")
    return rows


def generate(out_dir: Path, persons: int = 100_000, months: int = 12, seed: int = 20260101,
             start: dt.date = dt.date(2025, 1, 1), progress: Progress | None = None) -> SynthReport:
    """Generate a synthetic city into `out_dir`; same arguments give byte-identical files."""
    t0 = time.perf_counter()
    tick: Progress = progress or (lambda _stage, _f: None)
    w = build_world(persons, _window(start, months), seed, start, tick)
    steps = injectors()
    for i, (code, inject) in enumerate(steps):
        tick(f"注入违规：{code}", 0.6 + 0.25 * i / max(len(steps), 1))
        inject(w)
    rows = finish(w, Path(out_dir), tick)
    tick("完成", 1.0)
    counts: dict[str, int] = {}
    for lab in w.labels:
        counts[str(lab["violation"])] = counts.get(str(lab["violation"]), 0) + 1
    return SynthReport(rows, dict(sorted(counts.items())), round(time.perf_counter() - t0, 3), Path(out_dir))


