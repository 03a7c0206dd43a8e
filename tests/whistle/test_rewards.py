"""Reward computation: national and Wuhan rules, floor and cap, dated and per region, the CLI."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from yibao.cli import app
from yibao.whistle.dated import ParamError
from yibao.whistle.rewards import compute_reward, load_reward_rules


@pytest.mark.parametrize(
    ("admdvs", "amount", "insider", "on", "reward", "region"),
    [
        ("420102", "10000", False, date(2024, 5, 1), "200.00", "4201"),  # Wuhan 2%
        ("420102", "10000", True, date(2024, 5, 1), "300.00", "4201"),  # Wuhan insider 3%
        ("420100", "6000000", False, date(2024, 5, 1), "100000.00", "4201"),  # cap 10万 per case
        ("420102", "1000", False, date(2024, 5, 1), "20.00", "4201"),  # this edition has no floor
        ("430102", "1000", False, date(2024, 5, 1), "200.00", "000000"),  # national floor 200
        ("430102", "50000000", False, date(2024, 5, 1), "200000.00", "000000"),  # national cap 20万
        ("430102", "0", False, date(2024, 5, 1), "0.00", "000000"),  # no loss, no reward
        ("420102", "12345.67", True, date(2020, 6, 1), "370.37", "4201"),  # half-up to the fen
    ],
)
def test_reward_national_and_wuhan(admdvs, amount, insider, on, reward, region):
    r = compute_reward(admdvs, amount, insider=insider, on=on)
    assert r.reward == Decimal(reward)
    assert r.region == region
    assert r.reference


def test_reward_before_any_rule_in_force_is_refused():
    with pytest.raises(ParamError, match="2022-06-01"):
        compute_reward("430102", "1000", on=date(2022, 6, 1))


def test_reward_local_folder_overrides_and_new_editions_apply_from_their_date(tmp_path):
    (tmp_path / "4201.yaml").write_text(
        "description: 武汉新版\nregion: '4201'\nvalues:\n"
        "  2019-12-31: {reference: 旧版, ratio: 0.02, insider_ratio: 0.03, floor: 0, cap: 100000}\n"
        "  2025-01-01: {reference: 新版, ratio: 0.04, insider_ratio: 0.05, floor: 200, cap: 200000}\n",
        encoding="utf-8",
    )
    rules = load_reward_rules(tmp_path)
    assert compute_reward("420102", "10000", on=date(2024, 12, 31), rules=rules).reward == Decimal("200.00")
    new = compute_reward("420102", "10000", on=date(2025, 1, 1), rules=rules)
    assert new.reward == Decimal("400.00") and new.reference == "新版"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            "region: '4201'\nvalues: {2020-01-01: {reference: x, ratio: 0.02, insider_ratio: 0.03, floor: 0, cap: 1}}",
            "description",
        ),
        ("description: d\nregion: '4201'\nvalues: {2020-01-01: {ratio: 0.02}}", "reference"),
        (
            "description: d\nregion: '4201'\nvalues: {2020-01-01: {reference: x, ratio: 2, insider_ratio: 0.03, "
            "floor: 0, cap: 1}}",
            "ratio",
        ),
        (
            "description: d\nregion: '4201'\nvalues: {2020-01-01: {reference: x, ratio: 0.02, insider_ratio: 0.03, "
            "floor: 500, cap: 100}}",
            "floor",
        ),
        ("description: d\nregion: '9999'\nvalues: {2020-01-01: {reference: x}}", "region"),
        ("description: d\nregion: '4201'\nvalues: {soon: {reference: x}}", "soon"),
    ],
)
def test_reward_loader_rejects_broken_files_naming_file_and_key(tmp_path, text, key):
    (tmp_path / "4201.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ParamError) as info:
        load_reward_rules(tmp_path)
    assert "4201.yaml" in str(info.value) and key in info.value.key


def test_reward_cli_prints_reward_and_rule():
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "reward",
            "calc",
            "--admdvs",
            "420102",
            "--verified-amount",
            "10000",
            "--insider",
            "--date",
            "2024-03-01",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "300.00" in res.output and "武汉" in res.output
    res = runner.invoke(app, ["reward", "calc", "--admdvs", "430102", "--verified-amount", "1000", "--json"])
    data = json.loads(res.output)
    assert data["reward"] == "200.00" and data["floor_applied"] and data["rule"]["region"] == "000000"
    res = runner.invoke(app, ["reward", "calc", "--admdvs", "430102", "--verified-amount", "-5"])
    assert res.exit_code == 2
    res = runner.invoke(
        app, ["reward", "calc", "--admdvs", "430102", "--verified-amount", "5", "--date", "2020-01-01"]
    )
    assert res.exit_code == 2
