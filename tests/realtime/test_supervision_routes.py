"""Whistleblowing, rewards and public lists through the app `yibao serve` builds."""

from __future__ import annotations

import warnings

from yibao.api.app import create_app
from yibao.realtime.service import ServeSettings

with warnings.catch_warnings():  # starlette asks for `httpx2`, which this project does not install
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient


def test_anonymous_report_is_filed_and_followed_through_the_served_app(tmp_path, monkeypatch, city):
    monkeypatch.setenv("YIBAO_CASE_DB", f"sqlite:///{tmp_path / 'cases.sqlite'}")
    monkeypatch.setenv("YIBAO_WHISTLE_KEY_FILE", str(tmp_path / "whistle.key"))
    app = create_app(ServeSettings(db=city[0]))
    with TestClient(app) as client:
        filed = client.post("/api/v1/reports", json={
            "admdvs": "430102", "target_name": "某某大药房", "content": "用医保卡刷日用品",
        })
        assert filed.status_code == 201, filed.text
        code = filed.json()["query_code"]
        followed = client.post("/api/v1/reports/follow", json={"query_code": code})
        assert followed.status_code == 200, followed.text
        assert followed.json()["report_no"] == filed.json()["report_no"]
        wrong = client.post("/api/v1/reports/follow", json={"query_code": code[:-1] + ("0" if code[-1] != "0" else "1")})
        assert 400 <= wrong.status_code < 500
        reward = client.get("/api/v1/rewards/calc", params={"admdvs": "420102", "verified_amount": "100000"})
        assert reward.status_code == 200, reward.text
        assert "2000" in reward.text  # Wuhan: 2 % of the verified amount
        assert client.get("/api/v1/inspections/public").status_code == 200
