"""Shared helpers for violation injectors: sizes, picking untouched rows, building encounters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import polars as pl

from yibao.synth.encounters import ENC_COLUMNS
from yibao.synth.world import World

__all__ = [
    "Injector", "add_line", "alive_on", "busy", "count", "encounter_rows", "encounters", "fresh", "idle_persons",
    "inst_of", "label_encounters", "label_lines", "lines_of", "new_encounters", "pick", "remove_lines", "seconds",
    "shuffled", "stay_row", "stay_times", "visit_times",
]

Injector = Callable[[World], None]


def count(world: World, per_100k: float, minimum: int = 2) -> int:
    """How many cases of a form: `per_100k` persons-scaled, never fewer than `minimum`."""
    return max(minimum, round(per_100k * world.pop.n / 100_000))


def fresh(world: World, enc: pl.DataFrame) -> pl.DataFrame:
    """Encounters no label has touched, of persons no label has touched."""
    return enc.filter(~pl.col("enc").is_in(list(world.touched_enc)) & ~pl.col("psn_idx").is_in(list(world.touched_psn))
                      & ~pl.col("inst_idx").is_in(list(world.touched_inst)))


def pick(rng: np.random.Generator, df: pl.DataFrame, n: int) -> pl.DataFrame:
    """Up to n rows, drawn without replacement, in their original order."""
    if df.height <= n:
        return df
    idx = np.sort(rng.choice(df.height, size=n, replace=False))
    return df[idx.tolist()]


def seconds(world: World, day: int, sec: int) -> dt.datetime:
    """Window day offset + seconds of day → datetime."""
    return dt.datetime.combine(world.start, dt.time()) + dt.timedelta(days=day, seconds=sec)


def encounter_rows(world: World, rows: list[dict[str, object]]) -> pl.DataFrame:
    """Encounter rows (without enc) from dicts; fills department and doctor where missing."""
    df = pl.DataFrame(rows, infer_schema_length=None)
    defaults: dict[str, object] = {"kind": "injected", "los": 0, "dscg_way": None, "cert_type": "01",
                                   "term_admdvs": None, "away": False, "dept": None, "doctor": None, "dx": None}
    for k, v in defaults.items():
        if k not in df.columns:
            df = df.with_columns(pl.lit(v).alias(k))
    need = df["doctor"].is_null().to_numpy()
    if need.any():
        inst = df["inst_idx"].to_numpy()
        dept = df["dept"].to_numpy().astype(object)
        pref = np.where(dept == None, "A03", dept).astype(str)  # noqa: E711
        resolved = world.places.resolve_dept(inst, pref)
        rng = world.rng(f"encounter_rows_{world.next_enc}")
        doc = world.places.pick_doctor(rng, inst, np.where(resolved == None, "A02", resolved).astype(str))  # noqa: E711
        pharm = (df["med_type"] == "41").to_numpy()
        if pharm.any():
            doc[pharm] = world.places.pick_pharmacist(rng, inst[pharm])
            resolved[pharm] = None
        df = df.with_columns(pl.Series("dept", np.where(need, resolved, dept), dtype=pl.String),
                             pl.Series("doctor", np.where(need, doc, df["doctor"].to_numpy()), dtype=pl.String))
    df = df.with_columns(pl.lit(0, dtype=pl.Int64).alias("enc"))
    return df.with_columns(
        pl.col("psn_idx").cast(pl.Int32), pl.col("inst_idx").cast(pl.Int32), pl.col("los").cast(pl.Int32),
        pl.col("begin").cast(pl.Datetime("us")), pl.col("end").cast(pl.Datetime("us")),
        pl.col("dx").cast(pl.String), pl.col("term_admdvs").cast(pl.String), pl.col("dscg_way").cast(pl.String),
    ).select(ENC_COLUMNS).drop("enc")


def encounters(world: World) -> pl.DataFrame:
    """Encounters with the institution's tier, level, type and ownership and the person's sex and age."""
    m = world.medins.select("inst_idx", "tier", "hosp_lv", "inst_type", "private", "city", "admdvs")
    p = world.psn.select("psn_idx", "gend", "brdy", "hh_idx", "role")

    def build(enc: pl.DataFrame) -> pl.DataFrame:
        e = enc.join(m, on="inst_idx", how="left", maintain_order="left").join(p, on="psn_idx", how="left",
                                                                               maintain_order="left")
        return e.with_columns(((pl.col("begin").dt.date() - pl.col("brdy")).dt.total_days() / 365.25).alias("age"))

    return world.view("encounters", build)


def lines_of(world: World, enc: pl.DataFrame, keys: list[str] | None = None) -> pl.DataFrame:
    """Fee lines of the given encounters (only items `keys` if given), with the catalogue key name."""
    fee = world.fee
    if keys is not None:
        fee = fee.filter(pl.col("code").is_in([world.code(k) for k in keys]))
    return fee.join(enc.select("enc"), on="enc", how="semi").join(
        world.items.select("code", "key_name"), on="code", how="left", maintain_order="left")


def add_line(world: World, enc: pl.DataFrame, key: str, cnt: int | pl.Series = 1, time: pl.Series | None = None,
             dept: str | None = None, doctor: pl.Series | None = None) -> pl.DataFrame:
    """One new line of `key` per encounter row (at `time`, default the middle of the encounter); appended."""
    from yibao.synth.billing import attach_prices

    t = time if time is not None else (enc["begin"] + (enc["end"] - enc["begin"]) / 2).dt.truncate("1s")
    row = world.items.filter(pl.col("key_name") == key)
    x = enc.select(
        pl.lit(None, dtype=pl.Int64).alias("uid"), "enc", "psn_idx", "inst_idx",
        pl.Series("time", t).cast(pl.Datetime("us")).alias("time"), pl.lit(row["code"][0]).alias("code"),
        pl.lit(row["list_type"][0]).alias("list_type"),
        (pl.Series("cnt", cnt) if isinstance(cnt, pl.Series) else pl.lit(cnt)).cast(pl.Int64).alias("cnt"),
        (pl.lit(dept) if dept else pl.col("dept")).alias("dept"),
        (doctor if doctor is not None else pl.col("doctor")).alias("doctor"),
    )
    priced = attach_prices(x, world.catalog, world.medins)
    return world.add_lines(priced)


def label_lines(world: World, lines: pl.DataFrame, violation: str, form: str, note: str,
                amount: pl.Series | None = None) -> None:
    """A line-level label per line (keys: line, encounter, person, institution, ordering doctor)."""
    amounts = amount.to_list() if amount is not None else [None] * lines.height
    for (uid, enc, psn, inst, doc), amt in zip(
        lines.select("uid", "enc", "psn_idx", "inst_idx", "doctor").iter_rows(), amounts, strict=True
    ):
        world.label(violation, "line", form, note, amt, uid=uid, enc=enc, psn_idx=psn, inst_idx=inst, prac_code=doc)


def label_encounters(world: World, enc: pl.DataFrame, violation: str, form: str, note: str) -> None:
    """An encounter-level label per encounter (keys: encounter, person, institution, attending doctor)."""
    for enc_id, psn, inst, doc in enc.select("enc", "psn_idx", "inst_idx", "doctor").iter_rows():
        world.label(violation, "encounter", form, note, None, enc=enc_id, psn_idx=psn, inst_idx=inst, prac_code=doc)


def idle_persons(world: World) -> pl.DataFrame:
    """Living, untouched adults with their encounter count (fewest first) — candidates for new behaviour."""
    n = world.enc.group_by("psn_idx").len()
    alive = world.psn.join(world.death.select("psn_idx"), on="psn_idx", how="anti")
    p = alive.filter(~pl.col("psn_idx").is_in(list(world.touched_psn)) & (pl.col("role") != 4)).join(
        n, on="psn_idx", how="left", maintain_order="left").with_columns(pl.col("len").fill_null(0))
    age = ((pl.lit(world.start) - pl.col("brdy")).dt.total_days() / 365.25).alias("age")
    return p.with_columns(age).sort("len", "psn_idx")


def busy(world: World, psn: list[int], begin: dt.datetime, end: dt.datetime, margin_days: int) -> set[int]:
    """Persons (of `psn`) with any encounter within `margin_days` of [begin, end]."""
    lo = begin - dt.timedelta(days=margin_days)
    hi = end + dt.timedelta(days=margin_days)
    return {p for p in psn if not all(e < lo or b > hi for b, e, _ in world.spans(p))}


def inst_of(world: World, tier: str, private: bool | None = None, home: bool = True) -> pl.DataFrame:
    """Institutions of a tier (optionally by ownership), untouched by institution-level labels."""
    m = world.medins.filter((pl.col("tier") == tier) & ~pl.col("inst_idx").is_in(list(world.touched_inst)))
    if private is not None:
        m = m.filter(pl.col("private") == private)
    if home:
        m = m.filter(pl.col("city") == "长沙市")
    return m.sort("inst_idx")


def new_encounters(world: World, rows: list[dict[str, object]], assign: pl.DataFrame | None = None,
                   bill: bool = True) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Append encounters built from dicts and bill them from their pathways; returns (encounters, lines)."""
    enc = world.add_encounters(encounter_rows(world, rows))
    if assign is not None:
        assign = assign.with_columns(pl.col("enc").cast(pl.Int64))
    lines = world.bill_new(world.rng(f"bill_new_{world.next_uid}"), enc, assign) if bill else world.fee.clear()
    return enc, lines


def stay_times(world: World, day: int, los: int, rng: np.random.Generator) -> tuple[dt.datetime, dt.datetime]:
    """Admission in working hours on `day`, discharge mid-morning `los` days later."""
    b = seconds(world, day, int(rng.integers(8 * 3600, 16 * 3600)))
    e = seconds(world, day + los, int(rng.integers(9 * 3600, 11 * 3600 + 1800)))
    return b, e


def visit_times(world: World, day: int, rng: np.random.Generator, minutes: int = 40) -> tuple[dt.datetime, dt.datetime]:
    """A clinic visit in clinic hours."""
    b = seconds(world, day, int(rng.integers(8 * 3600, 16 * 3600)))
    return b, b + dt.timedelta(minutes=int(rng.integers(10, minutes + 10)))


def stay_row(world: World, rng: np.random.Generator, psn: int, inst: int, day: int, los: int, group: str,
             dx: str, kind: str = "injected", **extra: object) -> dict[str, object]:
    """One inpatient encounter row for `new_encounters`."""
    from yibao.synth.diseases import GROUPS

    b, e = stay_times(world, day, los, rng)
    row: dict[str, object] = {"psn_idx": psn, "inst_idx": inst, "med_type": "21", "group": group, "dx": dx,
                              "begin": b, "end": e, "los": los, "dept": GROUPS[group].dept, "dscg_way": "1",
                              "kind": kind}
    row.update(extra)
    return row


def alive_on(world: World, psn: int, last_day: int) -> bool:
    """Born before the window day 0 … and alive through `last_day` (window offset)."""
    d = world.dead_date(psn)
    return d is None or (d - world.start).days > last_day


def remove_lines(world: World, uids: pl.Series) -> None:
    """Drop lines (used where the violation is something missing)."""
    world.fee = world.fee.filter(~pl.col("uid").is_in(uids.implode()))


def shuffled(rng: np.random.Generator, df: pl.DataFrame) -> pl.DataFrame:
    """All rows in a random order (loops take candidates from it until they have enough)."""
    return df[rng.permutation(df.height).tolist()] if df.height else df
