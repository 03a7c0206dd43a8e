"""Synthetic city generator: a realistic, clean insurance dataset with labelled, injected violations.

Usage::

    from yibao.synth import generate
    report = generate(Path("demo"), persons=20_000, months=12, seed=1)
"""

from __future__ import annotations

from yibao.synth.generate import SynthReport, generate

__all__ = ["SynthReport", "generate"]
