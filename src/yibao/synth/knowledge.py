"""Pair rules (item_rule) and frequency/amount limits (item_limit), as data.

Items are named by catalogue key; a name ending in `*` is a code prefix and is
written as such. Rows are what a province's rule pack would hold: batch 7 style
duplicate pairs, lab panels that include their components, add-on services that
require their primary, second operations discounted, and the batch 8 frequency
limits (住院诊查费 and bed fees ≤ 1 × stay days, assessments ≥ 14 days apart,
training courses ≤ 30 days).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from yibao.synth.catalog import Catalog

__all__ = ["INTERNAL_LIMITS", "build_item_limit", "build_item_rule"]

# (code_a, code_b, relation, ratio, scope, med_type, violation, dated_from_mid)
_RULES: tuple[tuple[str, str, str, float | None, str | None, str | None, str | None, bool], ...] = (
    ("reg_emerg", "emerg_monitor", "exclusive", None, None, None, None, False),
    ("reg_outpt", "reg_emerg", "exclusive", None, None, None, None, False),
    ("consult_inpt", "reg_outpt", "exclusive", None, None, "21", None, False),
    ("nurs_1", "nurs_2", "exclusive", None, "day", "21", None, False),
    ("nurs_2", "nurs_3", "exclusive", None, "day", "21", None, False),
    ("nurs_1", "nurs_3", "exclusive", None, "day", "21", None, False),
    ("nurs_special", "nurs_1", "exclusive", None, "day", "21", None, False),
    ("bed_3", "bed_2", "exclusive", None, "day", "21", None, False),
    ("dialysis", "hemoperfusion", "exclusive", None, "day", None, "DUPLICATE_BILLING", False),
    ("ecg_monitor", "ecg", "exclusive", None, "day", None, None, True),
    ("liver_panel", "alt", "includes", None, None, None, None, False),
    ("liver_panel", "ast", "includes", None, None, None, None, False),
    ("liver_panel", "tbil", "includes", None, None, None, None, False),
    ("renal_panel", "crea", "includes", None, None, None, None, False),
    ("renal_panel", "urea", "includes", None, None, None, None, False),
    ("lipid_panel", "tc", "includes", None, None, None, None, False),
    ("lipid_panel", "tg", "includes", None, None, None, None, False),
    ("coag_panel", "pt", "includes", None, None, None, None, False),
    ("coag_panel", "aptt", "includes", None, None, None, None, False),
    ("anesth_general", "intubation", "includes", None, "encounter", "21", None, False),
    ("hip_replace", "joint_debride", "includes", None, None, None, None, False),
    ("nurs_special", "icu_care", "requires", None, None, "21", None, False),
    ("bed_icu", "icu_care", "requires", None, None, None, None, False),
    ("iv_more", "iv_first", "requires", None, "day", None, None, False),
    ("iol", "cataract", "requires", None, None, None, None, False),
    ("stent", "pci", "requires", None, None, None, None, False),
    ("balloon_plain", "pci", "requires", None, None, None, None, False),
    ("balloon_dcb", "pci", "requires", None, None, None, None, False),
    ("dialyzer", "dialysis", "requires", None, "day", None, "UNREASONABLE_TREATMENT", False),
    ("stapler", "lap_chole", "requires", None, None, None, None, False),
    ("stapler", "appendectomy", "requires", None, None, None, None, False),
    ("stapler", "hysterectomy", "requires", None, None, None, None, False),
    ("hip_prosthesis", "hip_replace", "requires", None, None, None, None, False),
    ("ct_chest", "ct_abdomen", "discount", 0.5, "day", None, None, False),
    ("hysterectomy", "adnexectomy", "discount", 0.5, "day", "21", None, False),
)

# (items, period, max_cnt, max_amount, per_stay_day, min_interval, max_days, window, age_min, age_max,
#  dept_excl, med_type, dated_from_mid)
_LIMITS: tuple[tuple[Any, ...], ...] = (
    ("001201*", "encounter", 1, None, True, None, None, None, None, None, None, "21", False),
    ("consult_inpt", "encounter", 1, None, True, None, None, None, None, None, None, "21", False),
    ("00121*", "encounter", 1, None, True, None, None, None, None, None, None, "21", False),
    ("00121*", "day", 1, None, None, None, None, None, None, None, None, None, False),
    ("hba1c", "year", 4, None, None, None, None, None, None, None, None, None, False),
    ("hba1c;fructosamine", "month", 1, None, None, None, None, None, None, None, None, None, True),
    ("rehab_assess", "encounter", 3, None, None, 14, None, None, None, None, None, None, False),
    ("hand_assess", "year", 12, None, None, 14, None, None, None, None, None, None, False),
    ("bws_train", "year", None, None, None, None, 30, None, None, None, None, None, False),
    ("tilt_table", "year", None, None, None, None, 30, None, None, None, None, None, False),
    ("wheelchair_train", "year", None, None, None, None, 30, None, None, None, None, None, False),
    ("speech_child", "week", 1, None, None, None, None, None, None, 14, None, None, False),
    ("pt_exercise", "week", 6, None, None, None, None, None, None, None, None, None, False),
    ("pt_exercise", "week", 3, None, None, None, None, None, None, 6, None, None, False),
    ("ozagrel", "year", None, None, None, None, 14, None, None, None, None, None, False),
    ("edaravone", "year", None, None, None, None, 14, None, None, None, None, None, False),
    ("stapler", "encounter", None, 3000.0, None, None, None, None, None, None, None, None, False),
    ("XA10*", "month", None, 800.0, None, None, None, None, None, None, None, "14", False),
    ("iv_more", "day", 4, None, None, None, None, None, None, None, "A28", None, False),
    ("vaginal_delivery;cesarean", "encounter", 1, None, None, None, None, None, None, None, None, None, False),
    ("psy_scale", "month", 4, None, None, None, None, None, None, None, None, None, False),
    ("dexa", "year", 1, None, None, None, None, 180, None, None, None, None, False),
)

# Limits the generator keeps in clean data but that are not catalogue rows: they are the thresholds
# of the pattern detectors (LAB_ABUSE repeats, TCM_ABUSE frequency) documented in docs/synth.md.
# (selector, period, max_cnt, min_interval, max_days, window)
INTERNAL_LIMITS: tuple[tuple[str, str, float | None, int | None, int | None, int | None], ...] = (
    ("@lab", "year", None, 7, None, None),  # the same lab code at least 7 days apart for one person
    ("@tcm", "day", 2, None, None, None),  # at most 2 TCM therapy units a day
    ("@tcm", "month", None, None, 10, 30),  # at most 10 TCM days in any 30
)


def _codes(cat: Catalog, items: str) -> str:
    return ";".join(x if x.endswith("*") else cat.code(x) for x in items.split(";"))


def build_item_rule(cat: Catalog) -> pl.DataFrame:
    """item_rule rows with real codes; `dated` rows start at mid-window."""
    rows = [
        {
            "code_a": cat.code(a), "code_b": cat.code(b), "relation": rel, "ratio": ratio, "scope": scope,
            "med_type": mt, "violation": vio, "begndate": cat.mid if dated else None, "enddate": None,
        }
        for a, b, rel, ratio, scope, mt, vio, dated in _RULES
    ]
    return pl.DataFrame(rows, schema_overrides={"ratio": pl.Float64, "begndate": pl.Date, "enddate": pl.Date},
                        infer_schema_length=None)


def build_item_limit(cat: Catalog) -> pl.DataFrame:
    """item_limit rows with real codes."""
    names = ("med_list_codg", "period", "max_cnt", "max_amount", "per_stay_day", "min_interval_days", "max_days",
             "window_days", "lmt_age_min", "lmt_age_max", "dept_excl", "med_type")
    rows = []
    for r in _LIMITS:
        row: dict[str, object] = dict(zip(names, r[:-1], strict=True))
        row["med_list_codg"] = _codes(cat, str(r[0]))
        row["begndate"] = cat.mid if r[-1] else None
        row["enddate"] = None
        rows.append(row)
    schema: dict[str, Any] = {
        "max_cnt": pl.Float64, "max_amount": pl.Float64, "per_stay_day": pl.Boolean, "min_interval_days": pl.Int32,
        "max_days": pl.Int32, "window_days": pl.Int32, "lmt_age_min": pl.Int32, "lmt_age_max": pl.Int32,
        "begndate": pl.Date, "enddate": pl.Date, "dept_excl": pl.String, "med_type": pl.String,
    }
    return pl.DataFrame(rows, schema_overrides=schema, infer_schema_length=None)


