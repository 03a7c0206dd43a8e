"""Penalty calculator: ranges of 条例 Art. 38–41, discretion levels, dated and regional parameters."""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yibao.cli import app
from yibao.penalties.calculator import PenaltyInput, calculate
from yibao.penalties.params import DATA_DIR, ParamError, load_params

D = Decimal
ON = date(2025, 6, 1)
runner = CliRunner()


@pytest.mark.parametrize(
    ("article", "kw", "refund", "fine_range", "months"),
    [
        (38, {}, "10000.00", ("10000.00", "20000.00"), None),
        (38, {"serious": True}, "10000.00", ("10000.00", "20000.00"), (6, 12)),
        (39, {"correction_refused": True}, "0.00", ("10000.00", "50000.00"), None),
        (39, {}, "0.00", None, None),
        (40, {}, "10000.00", ("20000.00", "50000.00"), (6, 12)),
        (41, {}, "10000.00", None, (3, 12)),
        (41, {"fraud": True}, "10000.00", ("20000.00", "50000.00"), (3, 12)),
    ],
    ids=["38", "38-serious", "39-refused", "39-corrected", "40-fraud", "41", "41-fraud"],
)
def test_penalty_legal_ranges_per_article(article, kw, refund, fine_range, months):
    r = calculate(PenaltyInput(article, D("10000"), ON, **kw))
    assert r.refund == D(refund)
    assert (tuple(str(x) for x in r.fine_range) if r.fine_range else None) == fine_range
    assert r.suspension_range == months
    if fine_range:
        assert D(fine_range[0]) <= r.proposed_fine <= D(fine_range[1])
    assert r.termination_possible is (article == 40)


def test_penalty_levels_partition_the_range_and_rise():
    fines = {
        lv: calculate(PenaltyInput(38, D("10000"), ON, level=lv)) for lv in ("lighter", "general", "heavier")
    }
    assert fines["lighter"].level_fine_range[0] == D("10000.00")
    assert fines["heavier"].level_fine_range[1] == D("20000.00")
    assert fines["lighter"].proposed_fine < fines["general"].proposed_fine < fines["heavier"].proposed_fine
    for r in fines.values():
        lo, hi = r.level_fine_range
        assert lo <= r.proposed_fine <= hi


def test_penalty_records_parameters_used():
    r = calculate(PenaltyInput(40, D("3678"), ON, level="heavier"))
    assert r.params_used["article_effective"] == "2021-05-01"
    assert "第四十条" in r.params_used["article_reference"]
    assert r.params_used["region"] == "000000"
    assert any("第四十条" in line for line in r.explanation)


def test_penalty_before_regulation_is_refused():
    with pytest.raises(ParamError, match="早于最早生效日期"):
        calculate(PenaltyInput(38, D("1"), date(2020, 1, 1)))


def _region_dir(tmp_path: Path, region: str, band: list[float], extra: str = "") -> Path:
    d = tmp_path / "params"
    (d / "discretion").mkdir(parents=True)
    (d / "discretion" / f"{region}.yaml").write_text(
        f"""description: 测试地区裁量基准
region: "{region}"
values:
  2021-05-01:
    levels:
      general: {{label: 一般, band: {band}}}
    reference: 测试文件
  2025-01-01:
    levels:
      general: {{label: 一般, band: [0.0, 0.0]}}
    reference: 测试文件（修订）
{extra}""",
        encoding="utf-8",
    )
    return d


def test_penalty_region_benchmark_by_prefix_and_date(tmp_path):
    params = load_params(_region_dir(tmp_path, "4301", [0.5, 1.0]))
    old = calculate(PenaltyInput(38, D("10000"), date(2024, 12, 31), region="430102"), params)
    new = calculate(PenaltyInput(38, D("10000"), date(2025, 1, 1), region="430102"), params)
    other = calculate(PenaltyInput(38, D("10000"), date(2024, 12, 31), region="110101"), params)
    assert old.params_used["region"] == "4301" and old.level_fine_range == (D("15000.00"), D("20000.00"))
    assert new.level_fine_range == (D("10000.00"), D("10000.00"))
    assert other.params_used["region"] == "000000"


def test_penalty_region_can_set_hearing_thresholds(tmp_path):
    extra = "    hearing: {individual_fine: 1000, organisation_fine: 50000}\n"
    d = _region_dir(tmp_path, "4301", [0.0, 1.0])
    f = d / "discretion" / "4301.yaml"
    f.write_text(
        f.read_text(encoding="utf-8").replace(
            "    reference: 测试文件\n", "    reference: 测试文件\n" + extra, 1
        ),
        encoding="utf-8",
    )
    params = load_params(d)
    assert params.procedure(date(2024, 1, 1), "430102").hearing.organisation_fine == 50000
    assert params.procedure(date(2024, 1, 1), "110101").hearing.organisation_fine == 100000


BROKEN = sorted((Path(__file__).parent / "broken").glob("*.yaml"))


@pytest.mark.parametrize("broken", BROKEN, ids=[b.stem for b in BROKEN])
def test_penalty_loader_rejects_broken_files_naming_file_and_key(tmp_path, broken):
    d = tmp_path / "p"
    (d / "discretion").mkdir(parents=True)
    first = broken.read_text(encoding="utf-8").splitlines()[0]  # "# expect: KEY"
    key = first.split("expect:", 1)[1].strip()
    target = (
        "tiaoli.yaml" if broken.stem.startswith("tiaoli") else f"discretion/{broken.stem.split('_')[1]}.yaml"
    )
    shutil.copy(broken, d / target)
    with pytest.raises(ParamError) as info:
        load_params(d)
    assert info.value.key.startswith(key), (info.value.key, key)
    assert Path(target).name in str(info.value)


def test_penalty_packaged_files_have_references():
    params = load_params()
    assert params.articles() == [38, 39, 40, 41]
    for a in params.articles():
        assert params.article(a, ON).reference
    assert (DATA_DIR / "procedure.yaml").exists()
    assert params.procedure(ON).min_officers == 2 and params.procedure(ON).decision_days == 90


def test_penalty_cli_prints_and_writes_json():
    result = runner.invoke(
        app,
        [
            "penalty",
            "calc",
            "--article",
            "38",
            "--amount",
            "10000",
            "--date",
            "2025-06-01",
            "--level",
            "heavier",
            "--serious",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "第38条" in result.output and "暂停" in result.output
    result = runner.invoke(
        app, ["penalty", "calc", "--article", "40", "--amount", "3678", "--date", "2025-06-01", "--json"]
    )
    data = json.loads(result.output)
    assert data["refund"] == "3678.00" and data["fine_range"] == ["7356.00", "18390.00"]


@pytest.mark.parametrize(
    "args",
    [
        ["--article", "42", "--amount", "1", "--date", "2025-01-01"],
        ["--article", "38", "--amount", "abc", "--date", "2025-01-01"],
        ["--article", "38", "--amount", "1", "--date", "2025-01-01", "--level", "extreme"],
    ],
)
def test_penalty_cli_rejects_bad_input_without_traceback(args):
    result = runner.invoke(app, ["penalty", "calc", *args])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
