"""The draw, its redo by anyone, results, the public list, coverage and the ledger by the CLI."""

from __future__ import annotations

import json
import re

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from yibao.auth.cli import app as user_app
from yibao.auth.cli_session import dispose_engines
from yibao.credit.cli import app as credit_app
from yibao.inspections.cli import app as inspect_app

PW = "password-123"


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("YIBAO_CASE_DB", str(tmp_path / "cases.sqlite"))
    monkeypatch.setenv("YIBAO_SESSION_FILE", str(tmp_path / "sessions.json"))
    monkeypatch.delenv("YIBAO_TOKEN", raising=False)
    runner = CliRunner()
    groups = {"user": user_app, "inspect": inspect_app, "credit": credit_app}

    def run(*args: str, user: str | None = None, code: int = 0) -> str:
        if user:
            r = runner.invoke(user_app, ["login", user, "--password", PW])
            assert r.exit_code == 0, r.output
        r = runner.invoke(groups[args[0]], list(args[1:]), terminal_width=200)
        assert r.exit_code == code, (args, r.output)
        return r.output

    yield run
    dispose_engines()


def test_inspect_cli_walk(cli, tmp_path):
    (tmp_path / "t.csv").write_text(
        "fixmedins_code,name,kind,admdvs\n"
        + "".join(f"P{n:03d},药店{n},pharmacy,420102\n" for n in range(1, 21)),
        encoding="utf-8",
    )
    (tmp_path / "i.csv").write_text(
        "code,name,category,cert_no,org_code\n"
        + "".join(f"I{n},员{n},officer,执法{n},\n" for n in range(1, 5)),
        encoding="utf-8",
    )
    cli("user", "create", "boss", "--role", "director", "--password", PW)
    cli(
        "user",
        "create",
        "wang",
        "--role",
        "case_officer",
        "--password",
        PW,
        "--cert-no",
        "执法1",
        user="boss",
    )
    cli("inspect", "targets", str(tmp_path / "t.csv"))
    cli("inspect", "inspectors", str(tmp_path / "i.csv"))
    cli("inspect", "relation", "I1", "P001", "--reason", "亲属开办")
    plan_file = tmp_path / "plan.json"
    out = cli(
        "inspect",
        "draw",
        "--n",
        "5",
        "--month",
        "2026-03",
        "--seed",
        "published-42",
        "--save",
        "--out",
        str(plan_file),
    )
    plan_no = re.search(r"(CJ\d{6}-\d{2})", out).group(1)
    assert "已保存计划" in out and "published-42" in out
    assert "一致" in cli("inspect", "redo", plan_no)
    assert "一致" in cli("inspect", "verify", str(plan_file))
    data = json.loads(plan_file.read_text(encoding="utf-8"))
    data["result"]["teams"][0]["officers"] = ["I9", "I8"]
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    cli("inspect", "verify", str(plan_file), code=1)
    first = data["result"]["teams"][0]["fixmedins_code"]
    assert "I1" not in data["result"]["teams"][0]["officers"] or first != "P001"
    out = cli(
        "inspect",
        "result",
        first,
        "--date",
        "2026-03-10",
        "--fail",
        "P03",
        "--plan",
        plan_no,
        "--summary",
        "执业药师不在岗，责令整改",
        user="wang",
    )
    rid = re.search(r"#(\d+)", out).group(1)
    cli("inspect", "result", "P002", "--date", "2026-03-11", "--fail", "P99", code=2)
    cli("inspect", "publish", rid, user="boss")
    cli("inspect", "public", "--year", "2026", "--json", str(tmp_path / "public.json"))
    [pub] = json.loads((tmp_path / "public.json").read_text(encoding="utf-8"))
    assert pub["summary"] == "执业药师不在岗，责令整改" and pub["problems"] == 1 and pub["plan_no"] == plan_no
    out = cli("inspect", "coverage", "--year", "2026", "--month", "3")
    assert "5.0%" in out and "未达标" in out
    cli("inspect", "ledger", str(tmp_path / "l.xlsx"), "--year", "2026", "--month", "3")
    assert load_workbook(tmp_path / "l.xlsx")["统计表"]["A1"].value == "定点医药机构现场检查全覆盖情况统计表"
    assert "98" in cli("credit", "grade", first)  # one failed checklist item costs 2 points
    out = cli("inspect", "draw", "--n", "3", "--month", "2026-04", "--seed", "s2", "--weighted")
    assert "s2" in out
    assert "P03" in cli("inspect", "checklist", "pharmacy")
