"""`--prune-history` keeps only history lines that can bear on a settlement: same answers, less work.

The city's own last weeks are replayed as new settlements twice, with the full history and with
the pruned one; every decision and finding must be the same. A rule that starts reading other
history lines than the pruning keeps would show up here first.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from realtime_cases import scenario

from yibao.realtime.schemas import PrecheckRequest, PrescribeRequest
from yibao.realtime.service import ReviewService, ServeSettings

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
from bench_serve import build_bodies

pytestmark = pytest.mark.slow


def _replay(db: Path, state: Path, prune: bool, bodies: list[tuple[str, str]]) -> list[tuple]:
    service = ReviewService(ServeSettings(db=db, state_path=state, prune_history=prune))
    out = []
    try:
        for n, (path, text) in enumerate(bodies):
            body = json.loads(text.replace("__ID__", f"{n:010d}"))
            if path.endswith("precheck"):
                answer = service.precheck(PrecheckRequest.model_validate(body))
            else:
                answer = service.prescribe(PrescribeRequest.model_validate(body))
            out.append(
                (answer.decision, sorted((f.finding_id, f.amount, f.evidence) for f in answer.findings))
            )
    finally:
        service.state.close()
    return out


def test_pruned_history_gives_the_same_answers(city, tmp_path):
    db, roles = city
    bodies = build_bodies(db, 120)
    bodies += [("/api/v1/precheck", json.dumps(s.body)) for s in scenario(roles, "H") if not s.replay]
    full_db, pruned_db = tmp_path / "full.duckdb", tmp_path / "pruned.duckdb"
    shutil.copy(db, full_db)
    shutil.copy(db, pruned_db)
    full = _replay(full_db, tmp_path / "full.sqlite", False, bodies)
    pruned = _replay(pruned_db, tmp_path / "pruned.sqlite", True, bodies)
    assert len(full) >= 100
    assert sum(len(findings) for _, findings in full) >= 6  # the crafted cross-settlement cases fire
    assert pruned == full
