"""The random draw (双随机): targets and inspectors chosen from a published seed, redoable by anyone.

No pseudo-random generator state is involved. Every random number is a hash:
u(seed, parts…) = (int(SHA-256("seed|part|…")[:15], 16) + 1) / (16^15 + 1), in (0, 1).
Targets are ranked by the key −ln(u(seed, code)) / weight and the lowest n are drawn (a
weighted sample without replacement, Efraimidis–Spirakis); with all weights 1 this is a plain
random order. For each drawn target in that order, officers and then experts are ranked by
(teams already given in this draw, u(seed, target, inspector)); anyone with a conflict of
interest (their own institution, a declared relation) is left out. The inputs are published
with their SHA-256, so a third party holding the seed and the published inputs gets the same plan.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field

from yibao.auth.roles import BilingualError

__all__ = [
    "DrawError",
    "DrawInputs",
    "DrawResult",
    "InspectorRec",
    "TargetRec",
    "Team",
    "draw",
    "inputs_sha256",
    "uniform",
]

OFFICER = "officer"


class DrawError(BilingualError):
    pass


@dataclass(frozen=True, slots=True)
class TargetRec:
    fixmedins_code: str
    name: str
    kind: str
    admdvs: str
    grade: str = ""  # credit grade A–E, for the risk-weighted draw


@dataclass(frozen=True, slots=True)
class InspectorRec:
    code: str
    name: str
    category: str  # officer, or an expert's field
    org_code: str = ""


@dataclass(frozen=True, slots=True)
class DrawInputs:
    """Everything the draw depends on; published with the plan."""

    seed: str
    n_targets: int
    targets: tuple[TargetRec, ...]
    inspectors: tuple[InspectorRec, ...]
    relations: tuple[tuple[str, str], ...] = ()  # (inspector code, fixmedins_code)
    officers_per_team: int = 2
    experts_per_team: int = 0
    weights: tuple[tuple[str, float], ...] = ()  # (grade, weight); empty = unweighted

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["targets"] = sorted(d["targets"], key=lambda t: t["fixmedins_code"])
        d["inspectors"] = sorted(d["inspectors"], key=lambda i: i["code"])
        d["relations"] = sorted(list(r) for r in self.relations)
        d["weights"] = sorted(list(w) for w in self.weights)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> DrawInputs:
        return cls(
            seed=str(d["seed"]),
            n_targets=int(d["n_targets"]),  # type: ignore[call-overload]
            targets=tuple(TargetRec(**t) for t in d["targets"]),  # type: ignore[attr-defined]
            inspectors=tuple(InspectorRec(**i) for i in d["inspectors"]),  # type: ignore[attr-defined]
            relations=tuple((str(a), str(b)) for a, b in d.get("relations", [])),  # type: ignore[attr-defined]
            officers_per_team=int(d.get("officers_per_team", 2)),  # type: ignore[call-overload]
            experts_per_team=int(d.get("experts_per_team", 0)),  # type: ignore[call-overload]
            weights=tuple((str(g), float(w)) for g, w in d.get("weights", [])),  # type: ignore[attr-defined]
        )


def inputs_sha256(inputs: DrawInputs) -> str:
    text = json.dumps(inputs.as_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def uniform(seed: str, *parts: str) -> float:
    digest = hashlib.sha256("|".join((seed, *parts)).encode()).hexdigest()
    return (int(digest[:15], 16) + 1) / (16**15 + 1)


@dataclass(frozen=True, slots=True)
class Team:
    rank: int
    fixmedins_code: str
    name: str
    kind: str
    officers: tuple[str, ...]
    experts: tuple[str, ...]

    @property
    def inspectors(self) -> tuple[str, ...]:
        return self.officers + self.experts


@dataclass(frozen=True, slots=True)
class DrawResult:
    seed: str
    inputs_sha256: str
    teams: tuple[Team, ...]
    excluded: dict[str, list[str]] = field(default_factory=dict)  # target → conflicted inspectors

    def as_dict(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "inputs_sha256": self.inputs_sha256,
            "teams": [asdict(t) for t in self.teams],
            "excluded": self.excluded,
        }


def draw(inputs: DrawInputs) -> DrawResult:
    """Draw the targets and, for each, a team free of conflicts of interest."""
    if not inputs.seed:
        raise DrawError("须公布随机种子", "a published seed is required")
    targets = sorted(inputs.targets, key=lambda t: t.fixmedins_code)
    if not 0 < inputs.n_targets <= len(targets):
        raise DrawError(f"抽取家数须在1到{len(targets)}之间", f"n_targets must be within 1..{len(targets)}")
    weights = dict(inputs.weights)

    def key(t: TargetRec) -> tuple[float, str]:
        w = weights.get(t.grade, 1.0) if weights else 1.0
        if w <= 0:
            return (math.inf, t.fixmedins_code)
        return (-math.log(uniform(inputs.seed, t.fixmedins_code)) / w, t.fixmedins_code)

    chosen = sorted(targets, key=key)[: inputs.n_targets]
    relations = set(inputs.relations)
    people = sorted(inputs.inspectors, key=lambda i: i.code)
    load: dict[str, int] = {p.code: 0 for p in people}
    teams, excluded = [], {}
    for rank, t in enumerate(chosen, 1):
        conflicted = [
            p.code
            for p in people
            if p.org_code == t.fixmedins_code or (p.code, t.fixmedins_code) in relations
        ]
        if conflicted:
            excluded[t.fixmedins_code] = conflicted
        free = [p for p in people if p.code not in conflicted]

        def pick(pool: list[InspectorRec], n: int, t: TargetRec = t) -> tuple[str, ...]:
            ranked = sorted(
                pool, key=lambda p: (load[p.code], uniform(inputs.seed, t.fixmedins_code, p.code))
            )
            return tuple(p.code for p in ranked[:n])

        officers = pick([p for p in free if p.category == OFFICER], inputs.officers_per_team)
        experts = pick([p for p in free if p.category != OFFICER], inputs.experts_per_team)
        if len(officers) < inputs.officers_per_team or len(experts) < inputs.experts_per_team:
            raise DrawError(
                f"{t.fixmedins_code}：回避后可抽取的检查人员或专家不足",
                f"{t.fixmedins_code}: not enough inspectors or experts without a conflict of interest",
            )
        for code in officers + experts:
            load[code] += 1
        teams.append(Team(rank, t.fixmedins_code, t.name, t.kind, officers, experts))
    return DrawResult(inputs.seed, inputs_sha256(inputs), tuple(teams), excluded)
