"""The mutable state of one synthetic city while it is generated and corrupted.

Clean generation fills it; violation injectors then append encounters and lines
(billed through the same pathways and cleaned against what is already there),
modify a few lines, and record labels; finalisation turns it into files.
Internal ids (enc, uid, psn_idx, inst_idx) become contract keys only at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from yibao.synth._rng import stream
from yibao.synth.billing import FEE_COLUMNS, assign_pathways, encounter_context, price_lines
from yibao.synth.care import bill
from yibao.synth.catalog import Catalog
from yibao.synth.conform import ConformContext, conform
from yibao.synth.encounters import ENC_COLUMNS
from yibao.synth.placement import Places
from yibao.synth.population import Population

__all__ = ["World"]


@dataclass
class World:
    """Tables with internal columns plus the bookkeeping injectors share."""

    seed: int
    start: dt.date
    days: int
    medins: pl.DataFrame
    inst_dept: pl.DataFrame
    prac: pl.DataFrame
    psn: pl.DataFrame
    death: pl.DataFrame
    catalog: Catalog
    item_rule: pl.DataFrame
    item_limit: pl.DataFrame
    items: pl.DataFrame
    pop: Population
    places: Places
    enc: pl.DataFrame = field(default_factory=pl.DataFrame)
    diag: pl.DataFrame = field(default_factory=pl.DataFrame)
    fee: pl.DataFrame = field(default_factory=pl.DataFrame)
    labels: list[dict[str, object]] = field(default_factory=list)
    purchase_factor: dict[tuple[int, str], float] = field(default_factory=dict)
    purchase_extra: list[dict[str, object]] = field(default_factory=list)
    off_book: set[int] = field(default_factory=set)  # lines whose goods never went through stock-in
    ring_shared: list[int] = field(default_factory=list)
    touched_enc: set[int] = field(default_factory=set)
    touched_psn: set[int] = field(default_factory=set)
    touched_inst: set[int] = field(default_factory=set)
    touched_uid: set[int] = field(default_factory=set)
    trace_next: dict[str, int] = field(default_factory=dict)
    _spans: dict[int, list[tuple[dt.datetime, dt.datetime, int]]] | None = None
    _dead: dict[int, dt.date] | None = None
    _views: dict[str, pl.DataFrame] = field(default_factory=dict)

    # -- per-person lookups for injectors (kept current as encounters are added) -----------------------------
    def spans(self, psn: int) -> list[tuple[dt.datetime, dt.datetime, int]]:
        """(begin, end, enc) of every encounter of a person."""
        if self._spans is None:
            self._spans = {}
            for p, b, e, enc in self.enc.select("psn_idx", "begin", "end", "enc").iter_rows():
                self._spans.setdefault(p, []).append((b, e, enc))
        return self._spans.get(psn, [])

    def is_free(self, psn: int, lo: dt.datetime, hi: dt.datetime, allow: int | None = None) -> bool:
        """No encounter of the person overlaps [lo, hi] (except `allow`), and the person is alive at `hi`."""
        d = self.dead_date(psn)
        if d is not None and d <= hi.date():
            return False
        return all(e < lo or b > hi or enc == allow for b, e, enc in self.spans(psn))

    def dead_date(self, psn: int) -> dt.date | None:
        if self._dead is None:
            self._dead = dict(zip(self.death["psn_idx"].to_list(), self.death["dead_date"].to_list(), strict=True))
        return self._dead.get(psn)

    def rng(self, name: str) -> np.random.Generator:
        return stream(self.seed, name)

    @property
    def next_enc(self) -> int:
        return int(self.enc["enc"].max() or 0) + 1 if self.enc.height else 1

    @property
    def next_uid(self) -> int:
        return int(self.fee["uid"].max() or 0) + 1 if self.fee.height else 1

    def key(self, name: str) -> int:
        """Item index of a catalogue key."""
        return int(self.items.filter(pl.col("key_name") == name)["key"][0])

    def code(self, name: str) -> str:
        return self.catalog.code(name)

    def view(self, name: str, build: Callable[[pl.DataFrame], pl.DataFrame]) -> pl.DataFrame:
        """`build` applied to the encounters, cached and extended as encounters are appended (never changed)."""
        cached = self._views.get(name)
        done = 0 if cached is None else cached.height
        if cached is None or done < self.enc.height:
            new = build(self.enc.slice(done))
            cached = new if cached is None else pl.concat([cached, new], how="vertical_relaxed")
            self._views[name] = cached
        return cached

    def conform_context(self) -> ConformContext:
        m = self.medins.select("inst_idx", "inst_type", "hosp_lv")
        e = self.view("conform", lambda x: x.join(m, on="inst_idx", how="left", maintain_order="left").select(
            "enc", "med_type", "los", pl.col("dept").alias("adm_dept"), "inst_type", "hosp_lv", "begin"))
        return ConformContext(
            e,
            self.psn.select("psn_idx", "gend", "brdy"), self.diag.select("enc", "dise_codg"), self.catalog.frame,
            self.item_rule, self.item_limit,
        )

    # -- adding data -------------------------------------------------------------------------------------------
    def add_encounters(self, rows: pl.DataFrame, diag: pl.DataFrame | None = None) -> pl.DataFrame:
        """Append encounters (ENC_COLUMNS except enc); returns them with their new ids. Diagnoses default
        to the main one plus the person's chronic conditions."""
        # ids follow start time, as the platform numbers them; rows come back in the caller's order
        rows = rows.with_row_index("_in").sort("begin", "psn_idx", maintain_order=True).with_columns(
            pl.int_range(self.next_enc, self.next_enc + rows.height, dtype=pl.Int64).alias("enc")
        ).sort("_in").select(ENC_COLUMNS)
        self.enc = pl.concat([self.enc, rows.sort("enc")], how="vertical_relaxed")
        if self._spans is not None:
            for p, b, e, enc in rows.select("psn_idx", "begin", "end", "enc").iter_rows():
                self._spans.setdefault(p, []).append((b, e, enc))
        if diag is None:
            from yibao.synth.encounters import build_diag

            diag = build_diag(rows, self.pop)
        self.diag = pl.concat([self.diag, diag.select(self.diag.columns)], how="vertical_relaxed")
        return rows

    def add_lines(self, lines: pl.DataFrame) -> pl.DataFrame:
        """Append priced lines (FEE_COLUMNS; uid assigned here); returns them with their uids."""
        lines = lines.with_columns(
            pl.int_range(self.next_uid, self.next_uid + lines.height, dtype=pl.Int64).alias("uid")
        ).select(FEE_COLUMNS)
        self.fee = pl.concat([self.fee, lines], how="vertical_relaxed")
        return lines

    def bill_new(self, rng: np.random.Generator, enc: pl.DataFrame, assign: pl.DataFrame | None = None,
                 clean: bool = True) -> pl.DataFrame:
        """Bill new encounters from their pathways, clean them against the persons' existing lines, append."""
        ctx = encounter_context(enc, self.pop, self.medins)
        if assign is None:
            assign = assign_pathways(rng, enc, self.pop)
        key_index = dict(zip(self.items["key_name"].to_list(), self.items["key"].to_list(), strict=True))
        raw = bill(rng, ctx, assign, key_index)
        lines = price_lines(raw, ctx, self.items, self.catalog, self.medins, self.places, rng, self.pop)
        if clean:
            lines = self.clean_new(lines)
        return self.add_lines(lines)

    def clean_new(self, lines: pl.DataFrame) -> pl.DataFrame:
        """Drop new lines that a rule would refuse given everything already billed to the same persons."""
        base = self.next_uid + 10_000_000
        new = lines.with_columns(pl.int_range(base, base + lines.height, dtype=pl.Int64).alias("uid"),
                                 pl.lit(False).alias("fixed"))
        old = self.fee.join(new.select("psn_idx").unique(), on="psn_idx", how="semi").with_columns(
            pl.lit(True).alias("fixed"))
        kept, _ = conform(pl.concat([old, new], how="vertical_relaxed"), self.conform_context())
        return kept.filter(~pl.col("fixed")).drop("fixed")

    def label(self, violation: str, level: str, form: str, note: str, amount: int | None = None, *,
              uid: int | None = None, enc: int | None = None, psn_idx: int | None = None,
              prac_code: str | None = None, inst_idx: int | None = None) -> None:
        """Record one ground-truth label; amounts in cents (None: computed from the key at the end)."""
        self.labels.append({"violation": violation, "level": level, "form": form, "note": note, "amount": amount,
                            "uid": uid, "enc": enc, "psn_idx": psn_idx, "prac_code": prac_code,
                            "inst_idx": inst_idx})
        if uid is not None:
            self.touched_uid.add(uid)
        if enc is not None:
            self.touched_enc.add(enc)
        if psn_idx is not None and level in ("person", "encounter"):
            self.touched_psn.add(psn_idx)
        if inst_idx is not None and level == "institution":
            self.touched_inst.add(inst_idx)
