"""Robust comparison of an entity with an explicit peer group (同类同级比较).

Peers are named by columns (institution type × level × district, department × level …) and tried
in order: the first grouping that leaves at least `min_peers` other members is used, so a small
city still compares like with like as far as it can and says which group it used. Values are
compared on a log scale with the median and MAD of the *other* members (leave-one-out), and the
MAD is floored so a near-constant peer group does not turn a small difference into a huge z.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

__all__ = ["Indicator", "PeerResult", "compare_with_peers"]

_MAD_SCALE = 1.4826


@dataclass(frozen=True, slots=True)
class Indicator:
    """One measure: its column, its Chinese label and formatting, the floor of its log-scale spread."""

    column: str
    label: str
    fmt: str = "{:.2f}"
    floor: float = 0.25  # log units: a peer group can never look tighter than ±25 %
    offset: float = 0.0  # added before the log, for shares and rates that may be 0
    min_count_column: str | None = None  # rows with fewer cases than min_cases are not judged


@dataclass(frozen=True, slots=True)
class PeerResult:
    key: str
    indicator: Indicator
    value: float
    peer_median: float
    ratio: float
    z: float
    group: str
    peers: int


def _loo_stats(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and MAD of the others, for each member."""
    n = len(values)
    med = np.empty(n)
    mad = np.empty(n)
    if n > 300:  # one member barely moves a large group's median
        m = float(np.median(values))
        med[:] = m
        mad[:] = float(np.median(np.abs(values - m)))
        return med, mad
    for i in range(n):
        others = np.delete(values, i)
        m = float(np.median(others))
        med[i] = m
        mad[i] = float(np.median(np.abs(others - m)))
    return med, mad


def compare_with_peers(
    frame: pl.DataFrame,
    key: str,
    indicators: list[Indicator],
    chains: list[tuple[str, ...]],
    *,
    min_peers: int | list[int] = 3,
    min_cases: int = 30,
) -> list[PeerResult]:
    """Every entity × indicator judged against the first peer grouping with enough members.

    `min_peers` may give one minimum per grouping (a district group needs more peers to be trusted).
    """
    needs = min_peers if isinstance(min_peers, list) else [min_peers] * len(chains)
    out: list[PeerResult] = []
    for ind in indicators:
        cols = [key, ind.column, *(c for chain in chains for c in chain)]
        if ind.min_count_column:
            cols.append(ind.min_count_column)
        sub = frame.select(list(dict.fromkeys(cols))).filter(pl.col(ind.column).is_not_null())
        if ind.min_count_column:
            sub = sub.filter(pl.col(ind.min_count_column) >= min_cases)
        if sub.is_empty():
            continue
        done: set[str] = set()
        for chain, need in zip(chains, needs, strict=True):
            chain_cols = list(chain)
            keyed = sub.with_columns(
                pl.concat_str(
                    [pl.col(c).cast(pl.Utf8).fill_null("?") for c in chain_cols], separator="×"
                ).alias("_grp")
            )
            for (grp,), part in keyed.group_by(["_grp"], maintain_order=True):
                todo = part.filter(~pl.col(key).is_in(list(done)))
                if todo.is_empty() or part.height - 1 < need:
                    continue
                vals = part[ind.column].to_numpy().astype(float)
                logv = np.log(np.maximum(vals, 0.0) + ind.offset + 1e-12)
                med, mad = _loo_stats(logv)
                keys = part[key].to_list()
                for i, k in enumerate(keys):
                    if k in done:
                        continue
                    scale = max(_MAD_SCALE * mad[i], ind.floor)
                    z = (logv[i] - med[i]) / scale
                    peer_med = math.exp(med[i]) - ind.offset
                    ratio = (
                        (vals[i] + ind.offset) / (peer_med + ind.offset)
                        if peer_med + ind.offset > 0
                        else math.inf
                    )
                    label = "×".join(chain_cols) + f"={grp}"
                    out.append(
                        PeerResult(
                            k,
                            ind,
                            float(vals[i]),
                            float(peer_med),
                            float(ratio),
                            float(z),
                            label,
                            part.height - 1,
                        )
                    )
                    done.add(k)
    return out
