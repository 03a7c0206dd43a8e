"""Pytest plugin: every rule's own cases (the `tests:` of its YAML) become test items.

Registered through the `pytest11` entry point, so `pytest` collects
`src/yibao/rules/library/*/*.yaml` like test files. Columns a case leaves out get
neutral defaults, and rows a case only refers to (the encounter of a fee line,
its person, institution, catalogue row) are created neutral too, so a case holds
only what matters to the rule.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from yibao.rules.engine import prepare, run_rule
from yibao.rules.loader import load_rule
from yibao.rules.model import Rule, RuleCase
from yibao.store import ensure_schema

__all__ = ["case_store", "check_case"]

_DEFAULTS: dict[str, dict[str, Any]] = {
    "medins": {
        "fixmedins_name": "测试医院",
        "fixmedins_type": "1",
        "hosp_lv": "1",
        "inst_type": "A100",
        "admdvs": "430102",
        "city": "长沙市",
        "ownership": "公立",
        "beds": 500,
    },
    "psn": {"gend": "1", "brdy": "1980-01-01", "insutype": "310", "insuplc_admdvs": "430102"},
    "practitioner": {"prac_type": "doctor", "fixmedins_code": "H1"},
    "mdtrt": {
        "psn_no": "P1",
        "fixmedins_code": "H1",
        "med_type": "11",
        "begntime": "2025-03-01 09:00:00",
        "endtime": "2025-03-01 10:00:00",
    },
    "catalog": {"name": "测试项目", "list_type": "201"},
    "setl": {
        "setl_time": "2025-03-01 10:00:00",
        "hifp_pay": 0,
        "fund_pay_sumamt": 0,
        "acct_pay": 0,
        "psn_cash_pay": 0,
    },
}


def _ensure(rows: list[dict[str, Any]], key: str, value: Any, extra: dict[str, Any] | None = None) -> None:
    if value is not None and not any(r.get(key) == value for r in rows):
        rows.append({key: value, **(extra or {})})


def _complete(tables: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    t = {k: [dict(r) for r in v] for k, v in copy.deepcopy(tables).items()}
    for name in ("medins", "psn", "practitioner", "mdtrt", "catalog", "fee", "setl"):
        t.setdefault(name, [])
    mdtrt_by_id = {m.get("mdtrt_id", "M1"): m for m in t["mdtrt"]}
    for i, f in enumerate(t["fee"], start=1):
        f.setdefault("feedetl_sn", f"F{i}")
        f.setdefault("mdtrt_id", "M1")
        m = mdtrt_by_id.get(f["mdtrt_id"], {})
        f.setdefault("psn_no", m.get("psn_no", "P1"))
        f.setdefault("fixmedins_code", m.get("fixmedins_code", "H1"))
        f.setdefault("fee_ocur_time", m.get("begntime", "2025-03-01 09:30:00"))
        f.setdefault("med_list_codg", "C1")
        cat = next((c for c in t["catalog"] if c.get("med_list_codg") == f["med_list_codg"]), {})
        f.setdefault("list_type", cat.get("list_type", "201"))
        f.setdefault("cnt", 1)
        if "pric" not in f:
            f["pric"] = (
                float(f["det_item_fee_sumamt"]) / float(f["cnt"])
                if "det_item_fee_sumamt" in f
                else (cat.get("pric", 10))
            )
        f.setdefault("det_item_fee_sumamt", round(float(f["cnt"]) * float(f["pric"]), 2))
        if f["mdtrt_id"] not in mdtrt_by_id:
            row = {"mdtrt_id": f["mdtrt_id"], "psn_no": f["psn_no"], "fixmedins_code": f["fixmedins_code"]}
            t["mdtrt"].append(row)
            mdtrt_by_id[f["mdtrt_id"]] = row
        _ensure(t["catalog"], "med_list_codg", f["med_list_codg"], {"list_type": f["list_type"]})
    for m in t["mdtrt"]:
        for k, v in _DEFAULTS["mdtrt"].items():
            m.setdefault(k, v)
        _ensure(t["psn"], "psn_no", m["psn_no"])
        _ensure(t["medins"], "fixmedins_code", m["fixmedins_code"])
    for s in t["setl"]:
        s.setdefault("medfee_sumamt", 0)
    for name, defaults in _DEFAULTS.items():
        for r in t[name]:
            for k, v in defaults.items():
                r.setdefault(k, v)
    return {k: v for k, v in t.items() if v}


def case_store(tables: dict[str, list[dict[str, Any]]]) -> duckdb.DuckDBPyConnection:
    """An in-memory store holding a case's tables, completed with neutral rows."""
    con = duckdb.connect(":memory:")
    ensure_schema(con)
    for name, rows in _complete(tables).items():
        cols = list(dict.fromkeys(k for r in rows for k in r))
        marks = ", ".join("?" for _ in cols)
        names = ", ".join(f'"{c}"' for c in cols)
        con.executemany(
            f"INSERT INTO {name} ({names}) VALUES ({marks})",
            [[None if r.get(c) is None else str(r[c]) for c in cols] for r in rows],
        )
    return con


def _matches(expected: dict[str, Any], actual: dict[str, Any]) -> bool:
    for k, v in expected.items():
        got = actual.get(k)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if got is None or abs(float(got) - float(v)) > 0.005:
                return False
        elif str(got) != str(v):
            return False
    return True


def check_case(rule: Rule, case: RuleCase) -> None:
    """Run the rule on the case's tables; the findings must be exactly the expected ones."""
    con = case_store(case.input)
    prepare(con)
    run = run_rule(con, rule, case.params)
    if run.error:
        raise AssertionError(f"{rule.id}: SQL失败 / SQL failed: {run.error}")
    actual = [f.as_row() for f in run.findings]
    unmatched = list(actual)
    for exp in case.output:
        hit = next((a for a in unmatched if _matches(exp, a)), None)
        if hit is None:
            raise AssertionError(f"{rule.id} [{case.name}] 缺少预期疑点 / missing {exp}; got {actual}")
        unmatched.remove(hit)
    if unmatched:
        raise AssertionError(f"{rule.id} [{case.name}] 多出疑点 / unexpected {unmatched}")


class RuleCaseItem(pytest.Item):
    def __init__(self, *, rule: Rule, case: RuleCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rule = rule
        self.case = case

    def runtest(self) -> None:
        check_case(self.rule, self.case)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.rule.id}: {self.case.name}"


class RuleFile(pytest.File):
    def collect(self) -> Iterator[RuleCaseItem]:
        rule = load_rule(self.path)
        for case in rule.tests:
            yield RuleCaseItem.from_parent(self, name=case.name, rule=rule, case=case)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> RuleFile | None:
    if (
        file_path.suffix == ".yaml"
        and file_path.parent.parent.name == "library"
        and (file_path.parent.parent.parent.name == "rules")
    ):
        return RuleFile.from_parent(parent, path=file_path)
    return None
