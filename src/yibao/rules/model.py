"""What a rule is: the typed form of its YAML file, validated on load."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from yibao.findings import Grade, Level, Violation

__all__ = ["Param", "Rule", "RuleCase", "RuleError"]

Stage = Literal["pre", "in", "post"]


class RuleError(ValueError):
    """A rule file that cannot be used; the message names the file and the key."""


class Param(BaseModel):
    """A named threshold with its default; a region or a run may override it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: float | int | str | bool
    unit: str = ""
    description: str


class RuleCase(BaseModel):
    """A tiny input and the findings it must give (OpenFisca-style case beside the rule)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    params: dict[str, Any] = Field(default_factory=dict)
    input: dict[str, list[dict[str, Any]]]
    output: list[dict[str, Any]]


class Rule(BaseModel):
    """One rule: metadata from YAML plus the SQL text that returns the offending rows.

    The SQL reads the contract's tables and the engine's shared views (`fee_ctx`, …),
    binds `:name` parameters, and returns at least the key column of its level and
    `amount`; any other column can be used by the evidence template.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: int
    violation: Violation
    level: Level
    grade: Grade
    label: str
    evidence: str
    reference: str
    stages: tuple[Stage, ...]
    # contract tables that must hold rows for the rule to mean anything; without them the
    # rule is skipped and screening says so (e.g. line rules on encounter-only claims data)
    tables: tuple[str, ...] = ()
    score: float = 1.0
    params: dict[str, Param] = Field(default_factory=dict)
    tests: tuple[RuleCase, ...]
    sql: str = ""
    path: str = ""

    @field_validator("id")
    @classmethod
    def _snake(cls, v: str) -> str:
        if not v.replace("_", "").isalnum() or not v.islower():
            raise ValueError("id must be lower snake_case")
        return v

    @field_validator("score")
    @classmethod
    def _unit(cls, v: float) -> float:
        if not 0 <= v <= 1:
            raise ValueError("score must be within 0..1")
        return v

    @property
    def detector(self) -> str:
        return f"{self.id}@{self.version}"

    def bound(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Parameter values for a run: defaults, then overrides (unknown names are an error)."""
        values = {k: p.default for k, p in self.params.items()}
        for k, v in (overrides or {}).items():
            if k not in values:
                raise RuleError(f"{self.id}: 未知参数 / unknown parameter {k!r}")
            values[k] = v
        return values
