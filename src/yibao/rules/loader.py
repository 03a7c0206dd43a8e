"""Load rule files: `library/<VIOLATION>/<rule_id>.yaml` beside `<rule_id>.sql`.

A province's own pack is a folder of the same shape passed to `load_library`;
adding a rule is adding two files, never touching the engine.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from yibao.rules.model import Rule, RuleError

__all__ = ["LIBRARY", "PARAM_RE", "load_library", "load_rule"]

LIBRARY = Path(__file__).parent / "library"
# `:name` parameters, not `::` casts and not inside a time literal like '09:30'.
PARAM_RE = re.compile(r"(?<![:\w']):([a-z_][a-z0-9_]*)\b")


def load_rule(yaml_path: Path) -> Rule:
    """Read one rule; every problem names the file and the key."""
    sql_path = yaml_path.with_suffix(".sql")
    where = yaml_path.name
    if not sql_path.exists():
        raise RuleError(f"{where}: 缺少同名SQL文件 / missing {sql_path.name}")
    try:
        raw = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleError(f"{where}: YAML格式错误 / invalid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: 规则文件应为映射 / a rule file must be a mapping")
    try:
        rule = Rule(**raw, sql=sql_path.read_text(encoding="utf-8"), path=str(yaml_path))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise RuleError(f"{where}: {problems}") from exc
    if rule.id != yaml_path.stem:
        raise RuleError(f"{where}: id {rule.id!r} 与文件名不符 / does not match the file name")
    if yaml_path.parent.name != rule.violation.value:
        raise RuleError(
            f"{where}: 应放在 {rule.violation.value}/ 目录 / belongs in folder {rule.violation.value}/"
        )
    used = set(PARAM_RE.findall(rule.sql))
    if used - set(rule.params):
        raise RuleError(
            f"{where}: SQL用到未声明参数 / undeclared parameter(s): {sorted(used - set(rule.params))}"
        )
    if set(rule.params) - used:
        raise RuleError(f"{where}: 参数未被SQL使用 / unused parameter(s): {sorted(set(rule.params) - used)}")
    fires = [c for c in rule.tests if c.output]
    silent = [c for c in rule.tests if not c.output]
    if not fires or not silent:
        raise RuleError(
            f"{where}: tests 至少需要一个触发用例和一个不触发用例 / needs a firing and a silent case"
        )
    return rule


@cache
def _load_folder(folder: Path) -> tuple[Rule, ...]:
    rules = tuple(load_rule(p) for p in sorted(folder.glob("*/*.yaml")))
    seen: set[str] = set()
    for r in rules:
        if r.id in seen:
            raise RuleError(f"{r.path}: 规则id重复 / duplicate rule id {r.id}")
        seen.add(r.id)
    return rules


def load_library(folder: Path | None = None) -> tuple[Rule, ...]:
    """All rules of a library folder (the built-in one by default), sorted by path."""
    return _load_folder((folder or LIBRARY).resolve())
