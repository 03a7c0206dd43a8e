"""Assembles the catalogue (医保目录与知识库) from the item data files.

Two items carry dated rows, so detectors must pick the row in force on the day
of the charge: atorvastatin's price ceiling falls at mid-window (集采 price cut),
and dapagliflozin's paid indications widen from type 2 diabetes to heart failure
and chronic kidney disease.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import polars as pl

from yibao.synth.catalog_drugs import DRUGS
from yibao.synth.catalog_services import SERVICES
from yibao.synth.catalog_supplies import CONSUMABLES, DAILY_GOODS, HERBS
from yibao.synth.items import Item

__all__ = ["CATALOG_COLUMNS", "Catalog", "build_catalog", "mid_date"]

CATALOG_COLUMNS = (
    "med_list_codg", "name", "list_type", "chrgitm_lv", "pric", "pric_uplmt", "lmt_gend", "lmt_age_min",
    "lmt_age_max", "lmt_age_max_days", "lmt_hosp_lv", "lmt_dise", "lmt_med_type", "max_daily_cnt",
    "single_herb_unpaid", "is_lab", "is_tcm_therapy", "lmt_dept", "lmt_dept_excl", "lmt_inst_type",
    "begndate", "enddate",
)

ALL_ITEMS: tuple[Item, ...] = SERVICES + DRUGS + HERBS + CONSUMABLES + DAILY_GOODS


def mid_date(start: dt.date, days: int) -> dt.date:
    """The first of the month nearest the middle of the window: when dated rows change."""
    mid = start + dt.timedelta(days=days // 2)
    first = mid.replace(day=1)
    return first if first > start else start + dt.timedelta(days=max(days // 2, 1))


def _codes(items: tuple[Item, ...]) -> dict[str, str]:
    seq: dict[str, int] = {}
    out: dict[str, str] = {}
    for it in items:
        if it.list_type == "201":
            code = f"00{it.stem}0000"
        elif it.list_type == "102":
            seq["T"] = seq.get("T", 0) + 1
            code = f"T0017{seq['T']:05d}"
        elif it.list_type == "301":
            grp = "9901" if it.key.startswith("g_") else "0201"
            seq[grp] = seq.get(grp, 0) + 1
            code = f"C{grp}{seq[grp]:010d}"
        else:
            seq[it.stem] = seq.get(it.stem, 0) + 1
            code = f"{it.stem}A{seq[it.stem]:03d}"
        if code in out.values():
            raise ValueError(f"duplicate catalogue code {code} for {it.key}")
        out[it.key] = code
    return out


def _row(it: Item, code: str, begn: dt.date | None, end: dt.date | None) -> dict[str, object]:
    return {
        "key": it.key, "med_list_codg": code, "name": it.name, "list_type": it.list_type, "chrgitm_lv": it.lv,
        "pric4": round(it.price * 10000), "uplmt4": None if it.uplmt is None else round(it.uplmt * 10000),
        "lmt_gend": it.gend, "lmt_age_min": it.age_min, "lmt_age_max": it.age_max,
        "lmt_age_max_days": it.age_max_days, "lmt_hosp_lv": it.hosp_lv, "lmt_dise": it.dise,
        "lmt_med_type": it.med_type, "max_daily_cnt": it.max_daily, "single_herb_unpaid": it.single_herb,
        "is_lab": it.is_lab, "is_tcm_therapy": it.is_tcm, "lmt_dept": it.dept, "lmt_dept_excl": it.dept_excl,
        "lmt_inst_type": it.inst_type, "begndate": begn, "enddate": end,
    }


@dataclass(frozen=True, slots=True)
class Catalog:
    """The catalogue rows (internal columns: key, pric4, uplmt4) and key → code lookup."""

    frame: pl.DataFrame
    codes: dict[str, str]
    items: dict[str, Item]
    mid: dt.date

    def code(self, key: str) -> str:
        return self.codes[key]

    def price4(self, key: str, day: dt.date | None = None) -> int:
        """Standard price in 1/10000 yuan of the row in force on `day`."""
        rows = self.frame.filter(pl.col("key") == key)
        if day is not None and rows.height > 1:
            rows = rows.filter(
                (pl.col("begndate").is_null() | (pl.col("begndate") <= day))
                & (pl.col("enddate").is_null() | (pl.col("enddate") >= day))
            )
        return int(rows["pric4"][0])


def build_catalog(start: dt.date, days: int) -> Catalog:
    """Catalogue frame with one row per item, two for the dated ones."""
    codes = _codes(ALL_ITEMS)
    mid = mid_date(start, days)
    before_end = mid - dt.timedelta(days=1)
    first = dt.date(start.year - 1, 1, 1)
    rows: list[dict[str, object]] = []
    for it in ALL_ITEMS:
        code = codes[it.key]
        if it.key == "atorvastatin":
            rows.append(_row(it, code, first, before_end))
            rows.append(_row(replace(it, price=3.5, uplmt=3.5), code, mid, None))
        elif it.key == "dapagliflozin":
            rows.append(_row(it, code, first, before_end))
            rows.append(_row(replace(it, dise="E11;I50;N18"), code, mid, None))
        else:
            rows.append(_row(it, code, None, None))
    schema = {
        "lmt_age_min": pl.Int32, "lmt_age_max": pl.Int32, "lmt_age_max_days": pl.Int32, "max_daily_cnt": pl.Float64,
        "pric4": pl.Int64, "uplmt4": pl.Int64, "begndate": pl.Date, "enddate": pl.Date,
    }
    frame = pl.DataFrame(rows, schema_overrides=schema, infer_schema_length=None)
    return Catalog(frame, codes, {it.key: it for it in ALL_ITEMS}, mid)


def join_in_force(lines: pl.DataFrame, rows: pl.DataFrame, on: str = "code") -> pl.DataFrame:
    """Left-join each line (with `time` and `on`) to the catalogue row in force on its date, keeping order."""
    d = pl.col("time").dt.date()
    rows = rows.rename({"med_list_codg": on}) if "med_list_codg" in rows.columns else rows
    out = lines.with_row_index("_r").join(rows, on=on, how="left", maintain_order="left").filter(
        (pl.col("begndate").is_null() | (d >= pl.col("begndate"))) & (pl.col("enddate").is_null() | (d <= pl.col("enddate")))
    )
    return out.sort("_r").drop("_r", "begndate", "enddate")
