"""Public pages (no login): report, follow with the query code, disclosed cases, inspection results."""

from __future__ import annotations

import re
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_WHISTLE_KEY_FILE", str(tmp_path / "whistle.key"))


def _code(html: str) -> str:
    m = re.search(r'data-testid="query-code">([^<]+)<', html)
    assert m, html
    return m.group(1)


def test_public_pages_need_no_login_and_label_their_fields(app_client):
    for path in (
        "/public/",
        "/public/report",
        "/public/follow",
        "/public/disclosures",
        "/public/inspections",
    ):
        r = app_client.get(path)
        assert r.status_code == 200, (path, r.text[:200])
        assert "退出登录" not in r.text
    form = app_client.get("/public/report").text
    for field in ("admdvs", "target_name", "content", "claimed_amount", "name", "contact"):
        assert f'<label for="{field}">' in form and f'id="{field}"' in form


def test_anonymous_report_is_filed_and_followed_with_its_code(app_client):
    r = app_client.post(
        "/public/report",
        data={
            "admdvs": "430102",
            "target_name": "某某大药房",
            "content": "用医保卡购买日用品，店员代刷",
            "claimed_amount": "320",
        },
    )
    assert r.status_code == 201, r.text
    code = _code(r.text)
    report_no = re.search(r'data-testid="report-no">([^<]+)<', r.text).group(1)
    status = app_client.post("/public/follow", data={"query_code": code})
    assert status.status_code == 200
    assert 'data-testid="report-status"' in status.text and f"<dd>{report_no}</dd>" in status.text
    other = "Y" if code[0] == "X" else "X"  # a code that differs from the real one in its first character
    wrong = app_client.post("/public/follow", data={"query_code": other + code[1:]})
    assert wrong.status_code == 404 and "查询码无效" in wrong.text


def test_a_real_name_is_stored_encrypted(app_client, case_db):
    r = app_client.post(
        "/public/report",
        data={
            "admdvs": "420102",
            "target_name": "某某医院",
            "content": "挂床住院",
            "name": "李举报人",
            "contact": "13800000000",
            "wants_reward": "1",
        },
    )
    assert r.status_code == 201, r.text
    raw = Path(case_db.removeprefix("sqlite:///")).read_bytes()
    assert "李举报人".encode() not in raw and b"13800000000" not in raw


def test_bad_reports_are_refused_field_by_field_and_kept_for_correction(app_client):
    r = app_client.post(
        "/public/report",
        data={
            "admdvs": "43",
            "target_name": "某某诊所",
            "content": "",
            "claimed_amount": "1e400",
            "name": "张三",
        },
    )
    assert r.status_code == 422
    text = r.text
    assert 'role="alert"' in text
    for anchor in ("#admdvs", "#content", "#claimed_amount", "#name"):
        assert f'href="{anchor}"' in text
    assert 'value="某某诊所"' in text  # what was typed is kept
