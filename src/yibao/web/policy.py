"""Every dated policy parameter table, as the administration page lists it (read-only).

The parameters live in YAML files with effective dates and regions, each package with its own loader
(penalties, whistle rewards, credit, inspections, model thresholds) and the rule thresholds in the
rule files. Each loader is called first, so a broken file is refused exactly as the library refuses
it and the folders searched (packaged data plus a local override folder) are the library's; then
every dated row of those files is listed. The row in force on a date is, per table and region (and
per article), the one with the latest effective date not after it: the same choice the loaders make.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from yibao.credit.params import grade_rules, point_rules
from yibao.inspections.params import load_coverage
from yibao.models.params import load_params as load_model_params
from yibao.penalties.params import load_params as load_penalty_params
from yibao.rules.loader import load_library
from yibao.whistle.rewards import load_reward_rules

__all__ = ["ParamRow", "ParamTable", "policy_tables"]

NATIONAL = "000000"


@dataclass
class ParamRow:
    group: str  # region code, or region + article, or parameter name: rows in force are chosen per group
    region: str
    region_name: str
    effective: date | None  # None: no date (rule thresholds follow the rule's version)
    values: list[tuple[str, str]]
    reference: str
    source: str
    label: str = ""
    in_force: bool = False


@dataclass
class ParamTable:
    key: str
    title: str
    package: str
    note: str
    rows: list[ParamRow] = field(default_factory=list)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _flat(values: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for k, v in values.items():
        if k == "reference":
            continue
        if isinstance(v, dict):
            out.extend(_flat(v, f"{prefix}{k}."))
        else:
            out.append((f"{prefix}{k}", _text(v)))
    return out


def _yaml(file: Path) -> dict[str, Any]:
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _unit(data: dict[str, Any]) -> str:
    unit = (data.get("metadata") or {}).get("unit") or {}
    return "；".join(f"{k}：{v}" for k, v in unit.items()) if isinstance(unit, dict) else ""


def _files(dirs: list[Path], pattern: str) -> dict[str, Path]:
    """name → file over the loader's folders; earlier folders override later ones, as in the loaders."""
    found: dict[str, Path] = {}
    for d in reversed(dirs):
        for f in sorted(d.glob(pattern)) if d.is_dir() else []:
            found[f.name] = f
    return found


def _regional(key: str, title: str, package: str, dirs: list[Path]) -> ParamTable:
    table = ParamTable(key, title, package, "")
    for f in _files(dirs, "*.yaml").values():
        data = _yaml(f)
        table.note = table.note or _unit(data)
        region = str(data.get("region", f.stem))
        for eff, v in (data.get("values") or {}).items():
            table.rows.append(
                ParamRow(region, region, str(data.get("region_name", region)), eff, _flat(v),
                         str(v.get("reference", "")), f.name)
            )  # fmt: skip
    return table


def _penalties() -> list[ParamTable]:
    params = load_penalty_params()
    articles = ParamTable("penalty_articles", "罚则：罚款倍数、罚款金额、暂停期限", "yibao.penalties", "")
    procedure = ParamTable("procedure", "行政处罚程序：期限、人数、听证与法制审核门槛", "yibao.penalties", "")
    discretion = ParamTable("discretion", "行政处罚裁量基准（从轻、一般、从重）", "yibao.penalties", "")
    for f in _files(params.dirs, "tiaoli.yaml").values():
        data = _yaml(f)
        articles.note = _unit(data)
        for num, spec in (data.get("articles") or {}).items():
            for eff, v in (spec.get("values") or {}).items():
                articles.rows.append(
                    ParamRow(f"{NATIONAL}:{num}", NATIONAL, "全国", eff, _flat(v), str(v.get("reference", "")),
                             f.name, label=f"第{num}条（{'机构' if spec.get('party') == 'institution' else '个人'}）"
                             f"{spec.get('label', '')}")
                )  # fmt: skip
    for f in _files(params.dirs, "procedure.yaml").values():
        data = _yaml(f)
        procedure.note = _unit(data)
        for eff, v in (data.get("values") or {}).items():
            procedure.rows.append(
                ParamRow(NATIONAL, NATIONAL, "全国", eff, _flat(v), str(v.get("reference", "")), f.name)
            )
    for f in _files(params.dirs, "discretion/*.yaml").values():
        data = _yaml(f)
        discretion.note = (
            "band：法定幅度内的比例（0为下限，1为上限）；地区文件中的 hearing / legal_review 覆盖程序门槛"
        )
        region = str(data.get("region", f.stem))
        for eff, v in (data.get("values") or {}).items():
            discretion.rows.append(
                ParamRow(region, region, "全国（默认）" if region == NATIONAL else region, eff, _flat(v),
                         str(v.get("reference", "")), f"discretion/{f.name}")
            )  # fmt: skip
    return [articles, procedure, discretion]


def _models() -> ParamTable:
    load_model_params()  # validates the file
    raw = yaml.safe_load(resources.files("yibao.models").joinpath("params.yaml").read_text(encoding="utf-8"))
    table = ParamTable("model_thresholds", "模型阈值（住院行为、过度诊疗等）", "yibao.models", "")
    for name, entry in raw.items():
        for eff, v in entry["values"].items():
            table.rows.append(
                ParamRow(name, NATIONAL, "全国", eff, [(name, _text(v))], str(entry.get("reference", "")),
                         "params.yaml", label=f"{entry.get('description', '')}（{entry.get('unit', '')}）")
            )  # fmt: skip
    return table


def _rule_thresholds() -> ParamTable:
    table = ParamTable(
        "rule_thresholds",
        "规则阈值（默认值，随规则版本）",
        "yibao.rules",
        "规则阈值没有生效日期：默认值随规则版本发布，改动即升版本；地区或单次筛查可覆盖。",
    )
    for rule in load_library():
        for name, p in rule.params.items():
            table.rows.append(
                ParamRow(f"{rule.detector}:{name}", NATIONAL, "全国", None, [(name, f"{_text(p.default)}{p.unit}")],
                         rule.reference.split("；")[0], rule.detector, label=f"{rule.label}：{p.description}")
            )  # fmt: skip
    return table


def policy_tables(on: date | None = None) -> list[ParamTable]:
    """Every parameter table, each row marked when it is the one in force on `on` (today by default)."""
    on = on or date.today()
    tables = [
        *_penalties(),
        _regional("rewards", "举报奖励比例、下限与上限", "yibao.whistle", list(load_reward_rules().dirs)),
        _regional("credit_points", "医保支付资格记分", "yibao.credit", list(point_rules().dirs)),
        _regional("credit_grades", "定点医药机构信用等级", "yibao.credit", list(grade_rules().dirs)),
        _regional("coverage", "现场检查覆盖率与双随机抽查", "yibao.inspections", list(load_coverage().dirs)),
        _models(),
        _rule_thresholds(),
    ]
    for t in tables:
        latest: dict[str, ParamRow] = {}
        for row in t.rows:
            if row.effective is None:
                row.in_force = True
                continue
            best = latest.get(row.group)
            if row.effective <= on and (best is None or (best.effective or date.min) < row.effective):
                latest[row.group] = row
        for row in latest.values():
            row.in_force = True
        t.rows.sort(key=lambda r: (r.group, r.effective or date.min))
    return tables
