"""UNBUNDLING (分解收费): a component billed beside the package that already contains it.

Forms (line level, the component line is labelled, as the contract says):
* panel_component — ALT/AST/总胆红素, 肌酐/尿素, 胆固醇/甘油三酯 or PT/APTT beside their panel;
* surgery_component — 气管插管术 beside 全身麻醉, which includes it.
"""

from __future__ import annotations

import polars as pl

from yibao.synth.violations._base import add_line, count, encounters, fresh, label_lines, lines_of, pick
from yibao.synth.world import World

CODE = "UNBUNDLING"
PANELS = {"liver_panel": ["alt", "ast", "tbil"], "renal_panel": ["crea", "urea"], "lipid_panel": ["tc", "tg"],
          "coag_panel": ["pt", "aptt"]}


def inject(world: World) -> None:
    rng = world.rng(CODE)
    enc = fresh(world, encounters(world))
    panels = lines_of(world, enc, list(PANELS)).unique("enc", keep="first",
                                                                                         maintain_order=True)
    chosen = pick(rng, panels, count(world, 150))
    for panel, parts in PANELS.items():
        rows = chosen.filter(pl.col("key_name") == panel)
        if rows.is_empty():
            continue
        part = parts[int(rng.integers(0, len(parts)))]
        e = enc.join(rows.select("enc", "time"), on="enc", how="inner", maintain_order="left")
        added = add_line(world, e, part, time=e["time"])
        label_lines(world, added, CODE, "panel_component", f"检验组合项目已包含的单项（{part}）另行收费")
    ga = lines_of(world, fresh(world, enc), ["anesth_general"]).unique("enc", keep="first", maintain_order=True)
    chosen = pick(rng, ga, count(world, 30))
    e = enc.join(chosen.select("enc", "time"), on="enc", how="inner", maintain_order="left")
    added = add_line(world, e, "intubation", time=e["time"])
    label_lines(world, added, CODE, "surgery_component", "全身麻醉已含气管插管，另收气管插管术")
