"""Insurance doctors, nurses and pharmacists (医保医师/护士/药师).

Codes follow the national pattern: a letter for the role (D doctor, N nurse,
Y pharmacist), the institution's 6-digit division and a 6-digit sequence.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from yibao.synth.institutions import TIERS
from yibao.synth.names import given_names, surnames

__all__ = ["build_practitioners"]

_INPATIENT_DEPTS = {"A03", "A04", "A05", "A07", "A15", "A19", "A21", "A28", "A50"}


def build_practitioners(rng: np.random.Generator, medins: pl.DataFrame, inst_dept: pl.DataFrame) -> pl.DataFrame:
    """One row per practitioner, with the internal `inst_idx` kept for joins."""
    inst = medins.select("inst_idx", "fixmedins_code", "admdvs", "tier", "beds")
    pairs = inst_dept.join(inst, on="inst_idx", how="left", maintain_order="left")
    role: list[str] = []
    inst_idx: list[int] = []
    dept: list[str | None] = []
    for r in pairs.iter_rows(named=True):
        tier = TIERS[r["tier"]]
        n_doc = tier.doctors_per_dept + (2 if r["dept"] in ("A03", "A15") and tier.key in ("T3", "PSY") else 0)
        n_doc += int(rng.integers(0, 2)) if tier.key in ("T3", "T2") else 0
        role += ["doctor"] * n_doc
        inst_idx += [r["inst_idx"]] * n_doc
        dept += [r["dept"]] * n_doc
        if (r["beds"] or 0) > 0 and r["dept"] in _INPATIENT_DEPTS:
            role += ["nurse"] * 2
            inst_idx += [r["inst_idx"]] * 2
            dept += [r["dept"]] * 2
    for r in inst.filter(pl.col("tier") == "PHA").iter_rows(named=True):
        n = 2 + int(rng.integers(0, 2))
        role += ["pharmacist"] * n
        inst_idx += [r["inst_idx"]] * n
        dept += [None] * n
    n = len(role)
    gend = np.where(rng.random(n) < 0.55, "2", "1")
    names = surnames(rng, n) + given_names(rng, gend)
    df = pl.DataFrame(
        {"prac_type": role, "inst_idx": pl.Series(inst_idx, dtype=pl.Int32), "dept_codg": dept,
         "prac_name": names.astype(str)}
    ).join(inst.select("inst_idx", "fixmedins_code", "admdvs"), on="inst_idx", how="left", maintain_order="left")
    letter = pl.col("prac_type").replace_strict({"doctor": "D", "nurse": "N", "pharmacist": "Y"})
    seq = pl.int_range(1, pl.len() + 1).over("admdvs", order_by="inst_idx")
    return df.with_columns(
        pl.concat_str(letter, pl.col("admdvs"), seq.cast(pl.String).str.zfill(6)).alias("prac_code")
    ).select("prac_code", "prac_name", "prac_type", "fixmedins_code", "dept_codg", "inst_idx")
