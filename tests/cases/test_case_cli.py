"""The whole walk by the CLI, as each role would do it: users, clues, case, penalty, documents, audit."""

from __future__ import annotations

import json
import re

import pytest
from docx import Document
from sqlalchemy import text
from storefix import findings_store
from typer.testing import CliRunner

from yibao.audit.cli import app as audit_app
from yibao.auth.cli import app as user_app
from yibao.auth.cli_session import dispose_engines
from yibao.cases.cli import appeal_app, case_app, clue_app
from yibao.cases.db import make_engine
from yibao.cli import app

PW = "password-123"


@pytest.fixture
def cli(case_db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("YIBAO_CASE_DB", case_db_url)
    monkeypatch.setenv("YIBAO_SESSION_FILE", str(tmp_path / "sessions.json"))
    monkeypatch.delenv("YIBAO_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    # each sub-command group directly: building the whole `yibao` tree costs ~0.3 s a call
    groups = {"user": user_app, "clue": clue_app, "case": case_app, "appeal": appeal_app, "audit": audit_app}

    def run(*args: str, user: str | None = None, code: int = 0) -> str:
        if user:
            r = runner.invoke(user_app, ["login", user, "--password", PW])
            assert r.exit_code == 0, r.output
        r = runner.invoke(groups[args[0]], list(args[1:]))
        assert r.exit_code == code, (args, r.output)
        return r.output

    yield run
    dispose_engines()


def test_case_cli_full_walk(cli, tmp_path, case_db_url):
    cli("user", "create", "boss", "--role", "director", "--password", PW, "--display-name", "局长")
    cli("user", "create", "x", "--role", "director", "--password", PW, code=3)  # bootstrap is over
    for name, role, cert in (
        ("wang", "case_officer", "执法0001"),
        ("li", "case_officer", "执法0002"),
        ("fa", "legal_reviewer", None),
        ("shen", "auditor", None),
    ):
        extra = ["--cert-no", cert] if cert else []
        cli("user", "create", name, "--role", role, "--password", PW, *extra, user="boss")
    cli(
        "user",
        "create",
        "hosp",
        "--role",
        "institution",
        "--password",
        PW,
        "--fixmedins-code",
        "H43010200001",
        user="boss",
    )
    assert "wang" in cli("user", "list", user="boss")

    findings_store(tmp_path / "s.duckdb").close()
    assert "新线索 / new clues: 2" in cli("clue", "intake", "--db", "s.duckdb", user="wang")
    queue = cli("clue", "queue", user="boss")
    clue_no = re.search(r"XS\d{4}-\d{6}", queue).group(0)
    cli("clue", "assign", clue_no, "wang", user="boss")
    assert "findings: 6" in cli("clue", "show", clue_no, user="wang")
    added = cli(
        "clue",
        "add",
        "--source",
        "report",
        "--title",
        "举报挂床住院",
        "--fixmedins-code",
        "H43010200002",
        "--amount",
        "5000",
        "--reporter-name",
        "钱七",
        "--reporter-contact",
        "138",
        user="wang",
    )
    reported = re.search(r"XS\d{4}-\d{6}", added).group(0)
    cli("clue", "reporter", reported, user="wang", code=3)
    assert "钱七" in cli("clue", "reporter", reported, user="boss")

    out = cli("appeal", "findings", user="hosp")
    fid = re.search(r"F[0-9a-f]{20}", out).group(0)
    cli("appeal", "submit", fid, "--explanation", "两次收费对应不同部位", user="hosp")
    cli("appeal", "review", "1", "--outcome", "confirmed", "--note", "重复收费属实", user="wang")
    assert "100.0%" in cli("appeal", "precision", "--json", "p.json", user="boss")
    precision = {r["detector"]: r for r in json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))}
    assert sum(r["confirmed"] for r in precision.values()) == 1

    opened = cli("case", "open", clue_no, "--region", "430102", user="wang")
    case_no = re.search(r"AJ\d{4}-\d{5}", opened).group(0)
    cli("case", "do", case_no, "propose_filing", "--reason", "证据表明存在重复收费", user="wang")
    cli("case", "do", case_no, "approve_filing", user="boss", code=2)  # one officer only
    cli("case", "assign", case_no, "li", user="boss")
    cli("case", "do", case_no, "approve_filing", "--reason", "同意立案", user="boss")
    cli("case", "do", case_no, "add_evidence", "--set", "evidence=收费明细", user="li")
    concluded = cli(
        "case",
        "do",
        case_no,
        "conclude_investigation",
        "--set",
        "article=38",
        "--set",
        "amount=6000",
        "--set",
        "facts=重复收费",
        "--set",
        "violation_date=2025-10-01",
        user="wang",
    )
    assert "建议1.5倍" in concluded
    cli("case", "do", case_no, "issue_notice", user="wang")
    cli("case", "do", case_no, "receive_statement", "--set", "statement=已退回", user="li")
    cli("case", "do", case_no, "decide", "--set", "type=penalty", "--set", "fine=12000", user="boss", code=2)
    cli("case", "do", case_no, "decide", "--set", "type=penalty", "--set", "fine=8000", user="boss")
    cli("case", "do", case_no, "serve", user="wang")
    cli(
        "case",
        "do",
        case_no,
        "record_execution",
        "--set",
        "refunded=6000",
        "--set",
        "fine_paid=8000",
        user="wang",
    )
    cli("case", "do", case_no, "close", user="boss")
    shown = cli("case", "show", case_no, user="shen")
    assert "结案" in shown and "批准立案" in shown
    cli("case", "do", case_no, "close", user="hosp", code=3)

    for kind in ("filing_approval", "notice", "decision"):
        cli("case", "doc", case_no, kind, user="wang")
    decision = "\n".join(
        p.text for p in Document(str(tmp_path / "documents" / case_no / "decision.docx")).paragraphs
    )
    assert "处罚款8000.00元" in decision
    cli("case", "ledger", "ledger.xlsx", user="shen")
    assert (tmp_path / "ledger.xlsx").stat().st_size > 0
    assert "case.close" in cli("audit", "log", "--limit", "200", user="shen")
    cli("audit", "log", user="wang", code=3)

    assert "审计日志完整" in cli("audit", "verify")
    dispose_engines()
    engine = make_engine(case_db_url)
    with engine.begin() as con:  # a DBA edits the record of who approved the filing
        if con.dialect.name == "postgresql":
            con.execute(text("DROP TRIGGER audit_log_no_change ON audit_log"))
        else:
            con.execute(text("DROP TRIGGER audit_log_no_update"))
        con.execute(text("UPDATE audit_log SET actor = 'wang' WHERE action = 'case.approve_filing'"))
    engine.dispose()
    broken = cli("audit", "verify", code=1)
    assert "edited" in broken


def test_case_cli_errors_are_bilingual_without_traceback(cli):
    out = cli("case", "list", code=3)
    assert "请先登录" in out and "not logged in" in out
    cli("user", "create", "boss", "--role", "director", "--password", PW)
    cli("user", "login", "boss", "--password", "wrong-password", code=3)
    out = cli("case", "do", "AJ2026-99999", "decide", user="boss", code=2)
    assert "案件不存在" in out and "no such case" in out and "Traceback" not in out


@pytest.mark.parametrize(
    "command",
    [["user"], ["clue"], ["case"], ["appeal"], ["penalty"], ["audit"], ["case", "do"], ["penalty", "calc"]],
)
def test_case_cli_help_is_bilingual(command):
    r = CliRunner().invoke(app, [*command, "--help"])
    assert r.exit_code == 0
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.output) and re.search(r"[A-Za-z]{4,}", r.output)


def test_case_cli_person_case_takes_name_from_store_and_masks_it(cli, tmp_path, case_db_url):
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
        "执法0001",
        user="boss",
    )
    cli("user", "create", "shen", "--role", "auditor", "--password", PW, user="boss")
    findings_store(tmp_path / "s.duckdb").close()
    cli("clue", "intake", "--db", "s.duckdb", "--group-by", "person", user="wang")
    engine = make_engine(case_db_url)
    with engine.connect() as con:
        clue_no = con.execute(text("SELECT clue_no FROM clues WHERE psn_no = 'P1'")).scalar_one()
    engine.dispose()
    case_no = re.search(
        r"AJ\d{4}-\d{5}", cli("case", "open", clue_no, "--region", "430102", "--db", "s.duckdb", user="wang")
    ).group(0)
    assert "张三" in cli("case", "show", case_no, user="wang")
    shown = cli("case", "show", case_no, user="shen")
    assert "张*" in shown and "430102********0012" in shown and "张三" not in shown
