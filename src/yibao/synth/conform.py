"""Makes generated fee lines clean: what a rule would refuse is removed, not billed.

The passes mirror the data contract's semantics, each a little stricter than a
reasonable detector: catalogue restrictions (dated rows), frequency and amount
limits (item_limit, max_daily_cnt, and the pattern thresholds of the docs),
pair rules (exclusive, includes, requires, discount) and single-herb
prescriptions. Lines marked `fixed` (already in the dataset) are never dropped;
new lines give way to them.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from yibao.synth.catalog import join_in_force
from yibao.synth.knowledge import INTERNAL_LIMITS
from yibao.synth.population import whole_years

__all__ = ["ConformContext", "conform"]

_RANK = {"1": 1, "2": 2, "3": 3, "9": 4}


@dataclass(frozen=True, slots=True)
class ConformContext:
    """Everything the passes read besides the lines themselves."""

    enc: pl.DataFrame  # enc, med_type, los, adm_dept, inst_type, hosp_lv, begin
    psn: pl.DataFrame  # psn_idx, gend, brdy
    diag: pl.DataFrame  # enc, dise_codg
    catalog: pl.DataFrame
    rules: pl.DataFrame
    limits: pl.DataFrame


def _in_list(lst: str, val: pl.Expr) -> pl.Expr:
    return pl.col(lst).str.split(";").list.contains(val).fill_null(False)


def _with_row(lines: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Add `row`, the index of the catalogue row in force for each line (dated codes by date)."""
    cat = catalog.with_row_index("row")
    counts = cat.group_by("med_list_codg").len()
    single = cat.join(counts.filter(pl.col("len") == 1), on="med_list_codg", how="semi")
    row = pl.col("code").replace_strict(single["med_list_codg"], single["row"], default=None, return_dtype=pl.UInt32)
    d = pl.col("time").dt.date()
    for r in cat.join(counts.filter(pl.col("len") > 1), on="med_list_codg", how="semi").iter_rows(named=True):
        hit = (pl.col("code") == r["med_list_codg"])
        if r["begndate"] is not None:
            hit = hit & (d >= r["begndate"])
        if r["enddate"] is not None:
            hit = hit & (d <= r["enddate"])
        row = pl.when(hit).then(pl.lit(r["row"], dtype=pl.UInt32)).otherwise(row)
    return lines.with_columns(row.alias("row"))


def _restrictions(lines: pl.DataFrame, ctx: ConformContext) -> pl.Series:
    """True where every catalogue restriction of the line's item is met.

    Checks that depend only on the item and the encounter are evaluated once per distinct combination;
    age and indication checks only for the lines whose item has them.
    """
    cat = ctx.catalog.with_row_index("row")
    x = _with_row(lines.select("uid", "enc", "psn_idx", "time", "code", "dept", "pric4"), ctx.catalog)
    x = x.join(ctx.enc.select("enc", "med_type", "adm_dept", "inst_type", "hosp_lv", "begin"), on="enc", how="left",
               maintain_order="left").join(ctx.psn, on="psn_idx", how="left", maintain_order="left")
    combo_cols = ["row", "med_type", "adm_dept", "inst_type", "hosp_lv", "dept", "gend"]
    combos = x.select(combo_cols).unique().join(cat, on="row", how="left", maintain_order="left")
    lv = pl.col("hosp_lv").replace_strict(_RANK, default=9)
    depts = [pl.col("dept"), pl.col("adm_dept")]
    combos = combos.with_columns((
        (pl.col("lmt_gend").is_null() | (pl.col("gend") == pl.col("lmt_gend")))
        & (pl.col("lmt_hosp_lv").is_null() | (lv <= pl.col("lmt_hosp_lv").replace_strict(_RANK, default=0)))
        & (pl.col("lmt_med_type").is_null() | _in_list("lmt_med_type", pl.col("med_type")))
        & (pl.col("lmt_dept").is_null() | _in_list("lmt_dept", depts[0]) | _in_list("lmt_dept", depts[1])
           | _in_list("lmt_inst_type", pl.col("inst_type")))
        & (pl.col("lmt_dept_excl").is_null() | ~(_in_list("lmt_dept_excl", depts[0]) | _in_list("lmt_dept_excl", depts[1])))
    ).alias("ok")).select(*combo_cols, "ok")
    x = x.join(combos, on=combo_cols, how="left", maintain_order="left", nulls_equal=True)
    x = x.join(cat.select("row", "uplmt4"), on="row", how="left", maintain_order="left")
    bad = [x.filter(~pl.col("ok") | (pl.col("uplmt4").is_not_null() & (pl.col("pric4") > pl.col("uplmt4"))))["uid"]]
    aged = cat.filter(pl.col("lmt_age_min").is_not_null() | pl.col("lmt_age_max").is_not_null()
                      | pl.col("lmt_age_max_days").is_not_null()).select("row", "lmt_age_min", "lmt_age_max",
                                                                         "lmt_age_max_days")
    a = x.join(aged, on="row", how="inner", maintain_order="left")
    d, b = pl.col("time").dt.date(), pl.col("brdy")
    age_hi = pl.max_horizontal(whole_years(b, d), whole_years(b, pl.col("begin").dt.date()))
    age_lo = pl.min_horizontal(whole_years(b, d), whole_years(b, pl.col("begin").dt.date()))
    bad.append(a.filter(~(
        (pl.col("lmt_age_min").is_null() | (age_lo >= pl.col("lmt_age_min")))
        & (pl.col("lmt_age_max").is_null() | (age_hi <= pl.col("lmt_age_max")))
        & (pl.col("lmt_age_max_days").is_null() | ((d - b).dt.total_days() <= pl.col("lmt_age_max_days")))
    ))["uid"])
    # indication: any diagnosis of the encounter starts with one of the item's prefixes
    dise = cat.filter(pl.col("lmt_dise").is_not_null()).select("row", pl.col("lmt_dise").str.split(";").alias("p"))
    r = x.select("uid", "enc", "row").join(dise, on="row", how="inner", maintain_order="left")
    met = (
        r.explode("p").join(ctx.diag, on="enc", how="inner", maintain_order="left")
        .filter(pl.col("dise_codg").str.starts_with(pl.col("p")))["uid"].unique()
    )
    bad.append(r.filter(~pl.col("uid").is_in(met.implode()))["uid"])
    return ~lines["uid"].is_in(pl.concat(bad).unique().implode())


def _match(codes: str) -> pl.Expr:
    exact = [c for c in codes.split(";") if not c.endswith("*")]
    expr = pl.col("code").is_in(exact)
    for c in codes.split(";"):
        if c.endswith("*"):
            expr = expr | pl.col("code").str.starts_with(c[:-1])
    return expr


def _drop_over(x: pl.DataFrame, keys: list[str], value: str, cap: pl.Expr) -> pl.Series:
    """uids of non-fixed lines whose running total in their group passes the cap (fixed lines count first)."""
    x = x.with_columns(cap.alias("_cap"))
    over = x.group_by(keys).agg(pl.col(value).sum().alias("_tot"), pl.col("_cap").min()).filter(
        pl.col("_tot") > pl.col("_cap"))
    if over.is_empty():
        return pl.Series("uid", [], dtype=pl.Int64)
    x = x.join(over.select(keys), on=keys, how="semi")
    x = x.sort([*keys, "fixed", "time", "uid"], descending=[*([False] * len(keys)), True, False, False])
    run = pl.col(value).cum_sum().over(keys)
    return x.filter((run > pl.col("_cap")) & ~pl.col("fixed"))["uid"]


def _limit_drops(lines: pl.DataFrame, ctx: ConformContext, spec: dict[str, object], sel: pl.Expr) -> pl.Series:
    x = lines.filter(sel)
    if x.is_empty():
        return pl.Series("uid", [], dtype=pl.Int64)
    d = pl.col("time").dt.date()
    for col in ("begndate", "enddate"):
        if spec.get(col) is not None:
            x = x.filter(d >= spec[col] if col == "begndate" else d <= spec[col])
    if spec.get("med_type"):
        x = x.filter(pl.col("med_type").is_in(str(spec["med_type"]).split(";")))
    if spec.get("dept_excl"):
        x = x.filter(~pl.col("dept").fill_null("").is_in(str(spec["dept_excl"]).split(";")))
    if spec.get("lmt_age_min") is not None or spec.get("lmt_age_max") is not None:
        age = whole_years(pl.col("brdy"), d)
        x = x.filter((age >= (spec.get("lmt_age_min") or 0)) & (age <= (spec.get("lmt_age_max") or 200)))
    if x.is_empty():
        return pl.Series("uid", [], dtype=pl.Int64)
    x = x.with_columns(d.alias("date"))
    period = str(spec["period"])
    keys = {"day": ["psn_idx", "date"], "encounter": ["enc"], "week": ["psn_idx", "wk"], "month": ["psn_idx", "mo"],
            "year": ["psn_idx", "yr"]}[period]
    x = x.with_columns(pl.col("date").dt.truncate("1w").alias("wk"), pl.col("date").dt.truncate("1mo").alias("mo"),
                       pl.col("date").dt.year().alias("yr"))
    drops: list[pl.Series] = []
    window = spec.get("window_days")
    for value, cap in (("cnt", spec.get("max_cnt")), ("amt", spec.get("max_amount"))):
        if cap is None:
            continue
        capv = float(cap) * (100 if value == "amt" else 1)
        if window:
            s = x.sort("psn_idx", "date").rolling(index_column="date", period=f"{window}d", group_by="psn_idx").agg(
                pl.col(value).sum().alias("s"), pl.col("uid"), pl.col("fixed"))
            drops.append(s.filter(pl.col("s") > capv).explode("uid", "fixed").filter(~pl.col("fixed"))["uid"])
            continue
        cap_e = pl.lit(capv) * (pl.col("los").clip(1, None) if spec.get("per_stay_day") else 1)
        drops.append(_drop_over(x, keys, value, cap_e))
    if spec.get("max_days") is not None:
        mx = int(spec["max_days"])  # type: ignore[call-overload]
        if window:
            days = x.select("psn_idx", "date").unique().sort("psn_idx", "date")
            nd = days.rolling(index_column="date", period=f"{window}d", group_by="psn_idx").agg(pl.len().alias("nd"))
            bad = days.join(nd, on=["psn_idx", "date"], how="left", maintain_order="left").filter(pl.col("nd") > mx)
        else:  # days already billed (fixed) count first
            days = x.group_by(*keys, "date").agg(pl.col("fixed").any()).sort(
                [*keys, "fixed", "date"], descending=[*([False] * len(keys)), True, False])
            bad = days.with_columns(pl.int_range(1, pl.len() + 1).over(keys).alias("k")).filter(
                (pl.col("k") > mx) & ~pl.col("fixed")).drop("fixed")
        drops.append(x.join(bad, on=[*keys, "date"] if not window else ["psn_idx", "date"], how="semi")
                     .filter(~pl.col("fixed"))["uid"])
    if spec.get("min_interval_days") is not None:
        gap = int(spec["min_interval_days"])  # type: ignore[call-overload]
        grp = ["psn_idx", "lab_code"] if "lab_code" in x.columns else ["psn_idx"]
        y = x.sort([*grp, "date", "fixed", "uid"], descending=[False] * len(grp) + [False, True, False])
        prev = pl.col("date").shift(1).over(grp)
        nxt = pl.col("date").shift(-1).over(grp)
        nxt_fixed = pl.col("fixed").shift(-1).over(grp).fill_null(False)
        too_close = ((pl.col("date") - prev).dt.total_days() < gap) | (
            ((nxt - pl.col("date")).dt.total_days() < gap) & nxt_fixed)  # a new line never crowds an old one
        drops.append(y.filter(too_close & ~pl.col("fixed"))["uid"])
    return pl.concat(drops) if drops else pl.Series("uid", [], dtype=pl.Int64)


def _limits(lines: pl.DataFrame, ctx: ConformContext) -> pl.Series:
    """uids of lines beyond a limit: item_limit rows, max_daily_cnt and the internal pattern thresholds."""
    x = lines.join(ctx.enc.select("enc", "med_type", "los"), on="enc", how="left", maintain_order="left").join(
        ctx.psn, on="psn_idx", how="left", maintain_order="left")
    out = []
    for spec in ctx.limits.iter_rows(named=True):
        out.append(_limit_drops(x, ctx, spec, _match(spec["med_list_codg"])))
    flags = ctx.catalog.unique("med_list_codg").select(pl.col("med_list_codg").alias("code"), "is_lab", "is_tcm_therapy",
                                                       "max_daily_cnt")
    x = x.join(flags, on="code", how="left", maintain_order="left")
    daily = x.filter(pl.col("max_daily_cnt").is_not_null()).with_columns(pl.col("time").dt.date().alias("date"))
    out.append(_drop_over(daily, ["psn_idx", "date", "code"], "cnt", pl.col("max_daily_cnt")))
    for sel, period, max_cnt, gap, max_days, window in INTERNAL_LIMITS:
        spec = {"period": period, "max_cnt": max_cnt, "min_interval_days": gap, "max_days": max_days,
                "window_days": window}
        flag = "is_lab" if sel == "@lab" else "is_tcm_therapy"
        y = x.with_columns(pl.col("code").alias("lab_code")) if sel == "@lab" else x
        out.append(_limit_drops(y, ctx, spec, pl.col(flag).fill_null(False)))
    return pl.concat(out).unique()


def _rule_codes(ctx: ConformContext) -> pl.DataFrame:
    """Pair rules with prefix codes expanded to catalogue codes: one row per (rule, side, code)."""
    codes = ctx.catalog["med_list_codg"].unique().sort()
    rules = ctx.rules.with_row_index("rule").with_columns(
        pl.coalesce("scope", pl.when(pl.col("relation") == "discount").then(pl.lit("day")).otherwise(pl.lit("encounter")))
        .alias("scope"))
    pats = pl.concat([
        rules.select("rule", pl.lit(side[-1]).alias("side"), pl.col(side).str.split(";").alias("pat")).explode("pat")
        for side in ("code_a", "code_b")
    ])
    exact = pats.filter(~pl.col("pat").str.ends_with("*")).rename({"pat": "code"})
    prefix = pats.filter(pl.col("pat").str.ends_with("*")).join(codes.to_frame("code"), how="cross").filter(
        pl.col("code").str.starts_with(pl.col("pat").str.strip_suffix("*"))).drop("pat")
    out = pl.concat([exact, prefix.select(exact.columns)]).unique(maintain_order=True)
    return out.join(rules.drop("code_a", "code_b"), on="rule", how="left", maintain_order="left")


def _sides(x: pl.DataFrame, ctx: ConformContext) -> pl.DataFrame:
    """Lines that take part in a pair rule in force for them, with the rule's scope key."""
    y = x.join(_rule_codes(ctx), on="code", how="inner", maintain_order="left")
    y = y.filter(
        (pl.col("begndate").is_null() | (pl.col("date") >= pl.col("begndate")))
        & (pl.col("enddate").is_null() | (pl.col("date") <= pl.col("enddate")))
        & (pl.col("med_type_right").is_null() | _in_list("med_type_right", pl.col("med_type")))
    )
    day_key = pl.col("psn_idx").cast(pl.Int64) * 100_000 + pl.col("date").cast(pl.Int64) + (1 << 50)
    return y.with_columns(pl.when(pl.col("scope") == "day").then(day_key).otherwise(pl.col("enc")).alias("skey"))


def _pairs(lines: pl.DataFrame, ctx: ConformContext) -> pl.DataFrame:
    """Apply exclusive/includes (drop b), requires (drop unjustified a) and discount (price b) rules."""
    x = lines.join(ctx.enc.select("enc", "med_type"), on="enc", how="left", maintain_order="left").with_columns(
        pl.col("time").dt.date().alias("date"))
    s = _sides(x.select("uid", "enc", "psn_idx", "date", "code", "fixed", "med_type"), ctx)
    if s.is_empty():
        return lines
    a, b = s.filter(pl.col("side") == "a"), s.filter(pl.col("side") == "b")
    pair = b.join(a.select("rule", "skey", pl.col("fixed").alias("a_fixed")), on=["rule", "skey"], how="inner",
                  maintain_order="left")
    excl = pair.filter(pl.col("relation").is_in(["exclusive", "includes"]))
    drop = [excl.filter(~pl.col("fixed"))["uid"]]
    # a new code_a beside a fixed code_b gives way instead
    fixed_b = excl.filter(pl.col("fixed") & ~pl.col("a_fixed")).select("rule", "skey").unique()
    drop.append(a.join(fixed_b, on=["rule", "skey"], how="semi").filter(~pl.col("fixed"))["uid"])
    dropped = pl.concat(drop).unique()
    # requires: a line of code_a needs one of its alternatives' code_b in scope (after the drops above)
    ra = a.filter((pl.col("relation") == "requires") & ~pl.col("uid").is_in(dropped.implode()))
    rb = b.filter((pl.col("relation") == "requires") & ~pl.col("uid").is_in(dropped.implode()))
    ok = ra.join(rb.select("rule", "skey").unique(), on=["rule", "skey"], how="semi")["uid"].unique()
    unjustified = ra.filter(~pl.col("uid").is_in(ok.implode()) & ~pl.col("fixed"))["uid"].unique()
    out = lines.filter(~pl.col("uid").is_in(pl.concat([dropped, unjustified]).implode()))
    disc = pair.filter(pl.col("relation") == "discount").select("uid", "ratio").unique("uid", keep="first",
                                                                                       maintain_order=True)
    if disc.height:
        std = ctx.catalog.select(pl.col("med_list_codg").alias("code"), pl.col("pric4").alias("std4"), "begndate",
                                 "enddate")
        hit = join_in_force(out.join(disc, on="uid", how="inner", maintain_order="left").select(
            "uid", "time", "code", "ratio"), std)
        cap = hit.select("uid", ((pl.col("std4") * pl.col("ratio") / 100).floor().cast(pl.Int64) * 100).alias("cap"))
        out = out.join(cap, on="uid", how="left", maintain_order="left").with_columns(
            pl.when(pl.col("cap").is_not_null() & (pl.col("pric4") > pl.col("cap")) & ~pl.col("fixed"))
            .then(pl.col("cap")).otherwise(pl.col("pric4")).alias("pric4")
        ).drop("cap").with_columns(((pl.col("cnt") * pl.col("pric4") + 50) // 100).alias("amt"))
    return out


def _single_herb(lines: pl.DataFrame, ctx: ConformContext) -> pl.Series:
    """uids of unpaid-alone herbs in a prescription (encounter-day) with fewer than two paid herbs."""
    herbs = ctx.catalog.unique("med_list_codg").select(pl.col("med_list_codg").alias("code"), "single_herb_unpaid")
    x = lines.filter(pl.col("list_type") == "102").join(herbs, on="code", how="left", maintain_order="left")
    x = x.with_columns(pl.col("time").dt.date().alias("date"))
    paid = x.filter(~pl.col("single_herb_unpaid")).group_by("enc", "date").agg(pl.col("code").n_unique().alias("np"))
    y = x.filter(pl.col("single_herb_unpaid")).join(paid, on=["enc", "date"], how="left", maintain_order="left")
    return y.filter((pl.col("np").fill_null(0) < 2) & ~pl.col("fixed"))["uid"]


def conform(lines: pl.DataFrame, ctx: ConformContext) -> tuple[pl.DataFrame, dict[str, int]]:
    """Return the clean lines and how many each pass removed (for tuning the pathways)."""
    if "fixed" not in lines.columns:
        lines = lines.with_columns(pl.lit(False).alias("fixed"))
    stats: dict[str, int] = {}
    ok = _restrictions(lines, ctx)
    keep = ok | lines["fixed"]
    stats["restriction"] = int((~keep).sum())
    lines = lines.filter(keep)
    over = _limits(lines, ctx)
    stats["limit"] = len(over)
    lines = lines.filter(~pl.col("uid").is_in(over.implode()))
    n = lines.height
    lines = _pairs(lines, ctx)
    stats["pair"] = n - lines.height
    herb = _single_herb(lines, ctx)
    stats["single_herb"] = len(herb)
    lines = lines.filter(~pl.col("uid").is_in(herb.implode()))
    return lines, stats
