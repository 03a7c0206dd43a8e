"""Where care happens: institution, department and doctor for each encounter.

Patients mostly use institutions in their own district; a department the
institution lacks falls back to general practice (全科) or internal medicine;
the doctor is drawn from that department's roster.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from yibao.synth.geography import HOME_CITY

__all__ = ["Places"]

_FALLBACK = ("A02", "A03", "A50", "A15")


class Places:
    """Lookup tables over the institutions and practitioners of one world."""

    def __init__(self, medins: pl.DataFrame, inst_dept: pl.DataFrame, prac: pl.DataFrame) -> None:
        self.medins = medins
        home = medins.filter(pl.col("city") == HOME_CITY)
        away = medins.filter(pl.col("city") != HOME_CITY)
        self.by_tier: dict[str, np.ndarray] = {}
        self.by_tier_district: dict[tuple[str, str], np.ndarray] = {}
        for (tier,), g in home.group_by(["tier"], maintain_order=True):
            self.by_tier[str(tier)] = g["inst_idx"].to_numpy()
            for (adm,), gd in g.group_by(["admdvs"], maintain_order=True):
                self.by_tier_district[(str(tier), str(adm))] = gd["inst_idx"].to_numpy()
        self.away_by_tier: dict[str, np.ndarray] = {
            str(t): g["inst_idx"].to_numpy() for (t,), g in away.group_by(["tier"], maintain_order=True)
        }
        self.depts = {(int(a), str(b)) for a, b in inst_dept.iter_rows()}
        docs = prac.filter(pl.col("prac_type") == "doctor").sort("inst_idx", "dept_codg", "prac_code")
        self.doctors = docs.select("inst_idx", "dept_codg", "prac_code")
        self.roster = (
            docs.with_row_index("pos")
            .group_by("inst_idx", "dept_codg", maintain_order=True)
            .agg(pl.col("pos").min().alias("first"), pl.len().alias("n"))
        )
        pharm = prac.filter(pl.col("prac_type") == "pharmacist").sort("inst_idx", "prac_code")
        self.pharmacists = pharm.select("inst_idx", "prac_code")
        self.pharm_roster = (
            pharm.with_row_index("pos").group_by("inst_idx", maintain_order=True)
            .agg(pl.col("pos").min().alias("first"), pl.len().alias("n"))
        )

    def pick_inst(self, rng: np.random.Generator, tiers: dict[str, float], admdvs: np.ndarray) -> np.ndarray:
        """Institution per row: a tier by weight, then 75 % within the patient's own district."""
        n = len(admdvs)
        names = [t for t in tiers if t in self.by_tier]
        w = np.array([tiers[t] for t in names], dtype=float)
        tier_i = rng.choice(len(names), size=n, p=w / w.sum())
        out = np.full(n, -1, dtype=np.int32)
        local = rng.random(n) < 0.75
        u = rng.random(n)
        for ti, tier in enumerate(names):
            rows = np.flatnonzero(tier_i == ti)
            pool = self.by_tier[tier]
            out[rows] = pool[(u[rows] * len(pool)).astype(int)]
            for adm in np.unique(admdvs[rows]):
                near = self.by_tier_district.get((tier, str(adm)))
                if near is None:
                    continue
                sel = rows[(admdvs[rows] == adm) & local[rows]]
                out[sel] = near[(u[sel] * len(near)).astype(int)]
        return out

    def pick_away(self, rng: np.random.Generator, tier: np.ndarray) -> np.ndarray:
        """Institution in the distant city for each row's tier (hospital tiers collapse to T2/T3)."""
        out = np.full(len(tier), -1, dtype=np.int32)
        u = rng.random(len(tier))
        mapped = np.where(tier == "PHA", "PHA", np.where(tier == "T3", "T3", "T2"))
        for t in ("PHA", "T3", "T2"):
            pool = self.away_by_tier[t]
            sel = mapped == t
            out[sel] = pool[(u[sel] * len(pool)).astype(int)]
        return out

    def resolve_dept(self, inst: np.ndarray, pref: np.ndarray) -> np.ndarray:
        """The preferred department if the institution runs it, else the first fallback it runs."""
        have = pl.DataFrame(list(self.depts), schema={"inst_idx": pl.Int32, "d": pl.String}, orient="row")
        q = pl.DataFrame({"inst_idx": inst.astype(np.int32), "pref": pl.Series(pref, dtype=pl.String)})
        choice = pl.lit(None, dtype=pl.String)
        for i, col in enumerate(("pref", *_FALLBACK)):
            name = f"ok{i}"
            if col != "pref":
                q = q.with_columns(pl.lit(col).alias(col))
            q = q.join(have.with_columns(pl.lit(True).alias(name)), left_on=["inst_idx", col],
                       right_on=["inst_idx", "d"], how="left", maintain_order="left")
        for i, col in reversed(list(enumerate(("pref", *_FALLBACK)))):
            choice = pl.when(pl.col(f"ok{i}").fill_null(False)).then(pl.col(col)).otherwise(choice)
        return q.select(choice.alias("d"))["d"].to_numpy()

    def pick_doctor(self, rng: np.random.Generator, inst: np.ndarray, dept: np.ndarray) -> np.ndarray:
        """A doctor of the institution's department, uniformly."""
        q = pl.DataFrame({"inst_idx": inst.astype(np.int32), "dept_codg": pl.Series(dept, dtype=pl.String)}).join(
            self.roster, on=["inst_idx", "dept_codg"], how="left", maintain_order="left"
        )
        first = q["first"].fill_null(0).to_numpy()
        n = q["n"].fill_null(1).to_numpy()
        pos = first + (rng.random(len(inst)) * n).astype(np.int64)
        return self.doctors["prac_code"].to_numpy()[pos]

    def pick_pharmacist(self, rng: np.random.Generator, inst: np.ndarray) -> np.ndarray:
        """A pharmacist of the pharmacy, uniformly."""
        q = pl.DataFrame({"inst_idx": inst.astype(np.int32)}).join(
            self.pharm_roster, on="inst_idx", how="left", maintain_order="left"
        )
        pos = q["first"].fill_null(0).to_numpy() + (rng.random(len(inst)) * q["n"].fill_null(1).to_numpy()).astype(
            np.int64)
        return self.pharmacists["prac_code"].to_numpy()[pos]
