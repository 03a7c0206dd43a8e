"""The rule library (规则库): one SQL file + one YAML file per rule, run over the knowledge base (知识库)."""

from __future__ import annotations

from yibao.rules.engine import RuleRun, run_rule, run_rules
from yibao.rules.loader import LIBRARY, load_library, load_rule
from yibao.rules.model import Param, Rule, RuleCase, RuleError

__all__ = [
    "LIBRARY",
    "Param",
    "Rule",
    "RuleCase",
    "RuleError",
    "RuleRun",
    "load_library",
    "load_rule",
    "run_rule",
    "run_rules",
]
