"""The public files and follows a report by the CLI; staff accept, decide, reward and pay."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from yibao.audit.cli import app as audit_app
from yibao.auth.cli import app as user_app
from yibao.auth.cli_session import dispose_engines
from yibao.whistle.cli import report_app, reward_app

PW = "password-123"


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("YIBAO_CASE_DB", str(tmp_path / "cases.sqlite"))
    monkeypatch.setenv("YIBAO_SESSION_FILE", str(tmp_path / "sessions.json"))
    monkeypatch.setenv("YIBAO_WHISTLE_KEY_FILE", str(tmp_path / "secret" / "whistle.key"))
    monkeypatch.delenv("YIBAO_TOKEN", raising=False)
    runner = CliRunner()
    groups = {"user": user_app, "report": report_app, "reward": reward_app, "audit": audit_app}

    def run(*args: str, user: str | None = None, code: int = 0) -> str:
        if user:
            r = runner.invoke(user_app, ["login", user, "--password", PW])
            assert r.exit_code == 0, r.output
        r = runner.invoke(groups[args[0]], list(args[1:]))
        assert r.exit_code == code, (args, r.output)
        return r.output

    yield run
    dispose_engines()


def test_whistle_cli_walk(cli, tmp_path):
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
    out = cli("report", "file", "--admdvs", "420102", "--target", "某诊所", "--content", "空刷医保卡")
    no, code = (
        re.search(r"(JB\d{4}-\d{6})", out).group(1),
        re.search(r"([A-Z2-9]{4}(?:-[A-Z2-9]{4}){3})", out).group(1),
    )
    assert "待受理" in cli("report", "follow", code)
    out = cli(
        "report",
        "file",
        "--admdvs",
        "420102",
        "--target",
        "某药店",
        "--content",
        "串换",
        "--name",
        "张三",
        "--contact",
        "138",
        "--want-reward",
        "--insider",
        "--fixmedins-code",
        "P1",
    )
    named = re.search(r"(JB\d{4}-\d{6})", out).group(1)
    assert (tmp_path / "secret" / "whistle.key").exists()
    cli("report", "accept", no, "--fixmedins-code", "H1", user="wang")
    assert "核查中" in cli("report", "follow", code)
    cli("report", "accept", named)
    assert "inform by" in cli("report", "decide", named, "filed", "--date", "2026-03-06")
    cli("report", "reporter", named, code=3)  # officers may not see who reported
    assert "张三" in cli("report", "reporter", named, user="boss")
    assert "3,000.00" in cli("reward", "decide", named, "--verified-amount", "100000")
    cli("reward", "pay", named, "--amount", "3000", "--date", "2026-04-01")
    assert "3,000.00" in cli("reward", "list")
    assert "已超期" in cli("report", "duties")
    assert no in cli("report", "list", "--status", "accepted")
    assert "空刷医保卡" in cli("report", "show", no)
    cli("audit", "verify")
