"""Violation injectors, one module per taxonomy code, registered in one table.

Each injector takes the clean world, adds or alters real behaviour (never
marker values) and records ground-truth labels. They run in registry order;
later injectors avoid what earlier ones touched.
"""

from __future__ import annotations

import importlib

from yibao.synth.violations._base import Injector

__all__ = ["REGISTRY", "injectors"]

# taxonomy code → module under yibao.synth.violations
REGISTRY: dict[str, str] = {
    "DUPLICATE_BILLING": "duplicate_billing",
    "UNBUNDLING": "unbundling",
    "OVER_PRICE": "over_price",
    "GENDER_MISMATCH": "gender_mismatch",
    "AGE_MISMATCH": "age_mismatch",
    "INDICATION_MISMATCH": "indication_mismatch",
    "LEVEL_MISMATCH": "level_mismatch",
    "DEPT_MISMATCH": "dept_mismatch",
    "MED_TYPE_MISMATCH": "med_type_mismatch",
    "UNREASONABLE_TREATMENT": "unreasonable_treatment",
    "EXCESS_QUANTITY": "excess_quantity",
    "SINGLE_HERB": "single_herb",
    "SPLIT_ADMISSION": "split_admission",
    "GHOST_BED": "ghost_bed",
    "PHANTOM_ADMISSION": "phantom_admission",
    "INDUCED_ADMISSION": "induced_admission",
    "CO_ADMISSION": "co_admission",
    "OVERLAPPING_STAY": "overlapping_stay",
    "POST_DEATH": "post_death",
    "CARD_MISUSE": "card_misuse",
    "TRACE_CODE_REUSE": "trace_code_reuse",
    "ITEM_SUBSTITUTION": "item_substitution",
    "STOCK_MISMATCH": "stock_mismatch",
    "LAB_ABUSE": "lab_abuse",
    "TCM_ABUSE": "tcm_abuse",
    # before OVER_TREATMENT: its cost forms raise whole hospitals' stays, which moves the peer medians
    # that OVER_TREATMENT doses its stays against
    "INSTITUTION_OUTLIER": "institution_outlier",
    "OVER_TREATMENT": "over_treatment",
    "HIGH_FREQUENCY_VISITS": "high_frequency_visits",
    "PRACTITIONER_OUTLIER": "practitioner_outlier",
    "COLLUSION_RING": "collusion_ring",
}


def injectors() -> list[tuple[str, Injector]]:
    """(code, inject function) in registry order."""
    out = []
    for code, mod in REGISTRY.items():
        m = importlib.import_module(f"yibao.synth.violations.{mod}")
        out.append((code, m.inject))
    return out
