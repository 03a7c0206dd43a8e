"""Insured persons (参保人员) living in households, their births and deaths.

Households are built first (head, spouse, children, elderly parents) so that ages,
sexes and family links are realistic, and co-admission patterns have real
relatives to use. ID numbers (证件号码) are valid GB 11643 numbers consistent
with birth date and sex.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from yibao.synth.geography import HOME_DISTRICTS
from yibao.synth.names import COMMUNITIES, given_names, surnames

__all__ = ["build_persons", "certno_check"]

_CERT_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CERT_CHECK = np.array(list("10X98765432"))
# Birthplaces outside the city for people who moved in (湘潭, 岳阳, 郴州, 益阳, 衡阳, 常德).
_OTHER_BIRTH_AREAS = ("430302", "430602", "431002", "430921", "430405", "430702")


def certno_check(body17: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check character for an array of 17-digit strings."""
    digits = np.frombuffer("".join(body17).encode("ascii"), dtype=np.uint8).reshape(-1, 17) - 48
    return _CERT_CHECK[(digits * _CERT_WEIGHTS).sum(axis=1) % 11]


def _households(rng: np.random.Generator, persons: int) -> dict[str, np.ndarray]:
    """Member arrays: household index, age in years at start, sex, role."""
    h = int(persons / 2.5) + 50
    head_age = np.clip(rng.gamma(9.0, 5.0, h) + 4, 22, 90).astype(int)
    head_m = rng.random(h) < 0.72
    parts_h, parts_age, parts_m, parts_role = [np.arange(h)], [head_age], [head_m], [np.zeros(h, np.int8)]
    spouse = (rng.random(h) < np.where(head_age > 75, 0.55, 0.82)) & (head_age >= 24)
    s_idx = np.flatnonzero(spouse)
    parts_h.append(s_idx)
    parts_age.append(np.clip(head_age[s_idx] + rng.normal(-2, 3, len(s_idx)).round().astype(int), 20, 98))
    parts_m.append(~head_m[s_idx])
    parts_role.append(np.ones(len(s_idx), np.int8))
    kid_p = np.where(
        (head_age >= 25)[:, None] & (head_age <= 50)[:, None],
        np.array([0.12, 0.42, 0.38, 0.08]),
        np.where((head_age <= 62)[:, None], np.array([0.5, 0.35, 0.15, 0.0]), np.array([0.9, 0.1, 0.0, 0.0])),
    )
    kids = (rng.random(h)[:, None] > np.cumsum(kid_p, axis=1)).sum(axis=1)
    k_idx = np.repeat(np.arange(h), kids)
    k_age = head_age[k_idx] - rng.integers(23, 36, len(k_idx))
    keep = k_age >= 0
    parts_h.append(k_idx[keep])
    parts_age.append(k_age[keep])
    parts_m.append(rng.random(int(keep.sum())) < 0.52)
    parts_role.append(np.full(int(keep.sum()), 2, np.int8))
    par = (head_age >= 28) & (head_age <= 58) & (rng.random(h) < 0.22)
    p_idx = np.flatnonzero(par)
    p_age = np.minimum(head_age[p_idx] + rng.integers(24, 33, len(p_idx)), 93)
    parts_h.append(p_idx)
    parts_age.append(p_age)
    parts_m.append(rng.random(len(p_idx)) < 0.4)
    parts_role.append(np.full(len(p_idx), 3, np.int8))
    hh = np.concatenate(parts_h)
    order = np.lexsort((np.concatenate(parts_role), hh))
    out = {
        "hh": hh[order],
        "age": np.concatenate(parts_age)[order],
        "male": np.concatenate(parts_m)[order],
        "role": np.concatenate(parts_role)[order],
    }
    n_keep = np.searchsorted(out["hh"], out["hh"][min(persons, len(hh)) - 1], side="right")
    return {k: v[:n_keep] for k, v in out.items()}


def build_persons(
    rng: np.random.Generator, persons: int, start: dt.date, days: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (psn with internal columns, death registry with internal columns)."""
    m = _households(rng, persons)
    n = len(m["hh"])
    n_h = int(m["hh"].max()) + 1
    dist_w = np.array([d.weight for d in HOME_DISTRICTS])
    h_dist = rng.choice(len(HOME_DISTRICTS), n_h, p=dist_w / dist_w.sum())
    h_surname = surnames(rng, n_h)
    dist = h_dist[m["hh"]]
    admdvs = np.array([d.admdvs for d in HOME_DISTRICTS])[dist]
    start_ord = start.toordinal()
    brdy_ord = start_ord - (m["age"] * 365.25).astype(int) - rng.integers(1, 366, n)
    # Births during the window: mothers are women aged 22-38 living in the household.
    mother = (~m["male"]) & (m["age"] >= 22) & (m["age"] <= 38) & (m["role"] <= 1)
    born = mother & (rng.random(n) < 0.09 * days / 365)
    mom_idx = np.flatnonzero(born)
    nb_ord = start_ord + rng.integers(5, max(days - 10, 6), len(mom_idx))
    gend = np.where(m["male"], "1", "2")
    nb_gend = np.where(rng.random(len(mom_idx)) < 0.52, "1", "2")
    hh_all = np.concatenate([m["hh"], m["hh"][mom_idx]])
    gend_all = np.concatenate([gend, nb_gend])
    brdy_all = np.concatenate([brdy_ord, nb_ord])
    dist_all = np.concatenate([dist, dist[mom_idx]])
    admdvs_all = np.concatenate([admdvs, admdvs[mom_idx]])
    role_all = np.concatenate([m["role"], np.full(len(mom_idx), 4, np.int8)])
    mother_of = np.concatenate([np.full(n, -1), mom_idx])
    order = np.lexsort((role_all, hh_all))
    hh_all, gend_all, brdy_all, dist_all, admdvs_all, role_all = (
        a[order] for a in (hh_all, gend_all, brdy_all, dist_all, admdvs_all, role_all)
    )
    inv = np.empty_like(order)
    inv[order] = np.arange(len(order))
    mother_of = np.where(mother_of[order] >= 0, inv[np.maximum(mother_of[order], 0)], -1)
    total = len(hh_all)
    age_years = (start_ord - brdy_all) / 365.25
    # Employees (职工医保): most working-age adults in work and many retirees; the rest are residents.
    employee = ((age_years >= 22) & (age_years < 60) & (rng.random(total) < 0.55)) | (
        (age_years >= 60) & (rng.random(total) < 0.42)
    )
    # Children take the household surname; wives keep their own.
    own_surname = (role_all == 1) & (gend_all == "2") | (role_all == 3)
    surname = np.where(own_surname, surnames(rng, total), h_surname[hh_all])
    name = surname + given_names(rng, gend_all)
    birth_area = np.where(rng.random(total) < 0.8, admdvs_all, np.asarray(_OTHER_BIRTH_AREAS)[
        rng.integers(0, len(_OTHER_BIRTH_AREAS), total)])
    brdy_txt = np.array([dt.date.fromordinal(int(o)).strftime("%Y%m%d") for o in brdy_all])
    seq = rng.integers(0, 500, total) * 2 + np.where(gend_all == "1", 1, 0)
    body = np.char.add(np.char.add(birth_area.astype(str), brdy_txt), np.char.zfill(seq.astype(str), 3))
    seen: set[str] = set()
    for i, b in enumerate(body):  # rare collisions: step the sequence keeping its parity
        while b in seen:
            s = (int(b[-3:]) + 2) % 1000
            b = b[:-3] + f"{s:03d}"
        seen.add(b)
        body[i] = b
    certno = np.char.add(body, certno_check(body))
    streets = [HOME_DISTRICTS[d].streets for d in range(len(HOME_DISTRICTS))]
    h_addr = np.array(
        [
            f"湖南省长沙市{HOME_DISTRICTS[h_dist[i]].name}{streets[h_dist[i]][i % 5]}{(i * 7) % 300 + 1}号"
            f"{COMMUNITIES[(i * 13) % len(COMMUNITIES)]}{i % 20 + 1}栋{i % 4 + 1}单元{(i % 27) + 2}{(i % 4) + 1:02d}室"
            for i in range(n_h)
        ]
    )
    psn = pl.DataFrame(
        {
            "psn_idx": np.arange(total, dtype=np.int32),
            "psn_no": np.char.add(np.char.add(admdvs_all.astype(str), "00"), np.char.zfill(np.arange(1, total + 1)
                                                                                      .astype(str), 8)),
            "certno": certno,
            "psn_name": name.astype(str),
            "gend": gend_all,
            "brdy": pl.Series(brdy_all - dt.date(1970, 1, 1).toordinal(), dtype=pl.Int32).cast(pl.Date),
            "insutype": np.where(employee, "310", "390"),
            "insuplc_admdvs": admdvs_all,
            "hshld_no": np.char.add(np.char.add(admdvs_all.astype(str), "9"), np.char.zfill(hh_all.astype(str), 7)),
            "resd_addr": h_addr[hh_all],
            "hh_idx": hh_all.astype(np.int32),
            "role": role_all,
            "mother_idx": mother_of.astype(np.int32),
            "district": dist_all.astype(np.int8),
        }
    )
    # Deaths: Gompertz hazard by age (crude rate about 7 per mille a year); a few died before the window.
    hazard = np.exp(-10.0 + 0.088 * np.maximum(age_years, 0))
    dies = (rng.random(total) < hazard * days / 365) & (role_all != 4)
    died_before = (~dies) & (age_years > 55) & (rng.random(total) < 0.002)
    d_ord = np.where(dies, start_ord + rng.integers(0, days, total), start_ord - rng.integers(30, 900, total))
    d_ord = np.maximum(d_ord, brdy_all + 1)
    pick = dies | died_before
    death = pl.DataFrame(
        {
            "psn_idx": np.flatnonzero(pick).astype(np.int32),
            "dead_date": pl.Series(d_ord[pick] - dt.date(1970, 1, 1).toordinal(), dtype=pl.Int32).cast(pl.Date),
            "before_window": died_before[pick],
        }
    ).join(psn.select("psn_idx", "psn_no"), on="psn_idx", how="left", maintain_order="left")
    return psn, death
