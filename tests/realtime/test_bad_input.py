"""Bad input gets a 4xx with field-level errors in Chinese and English, never a 5xx (fuzzed)."""

from __future__ import annotations

import pytest
from realtime_cases import DRUG, line, settlement

from conftest import Server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(city_template, tmp_path_factory):
    import shutil

    src, roles = city_template
    db = tmp_path_factory.mktemp("bad") / "city.duckdb"
    shutil.copy(src, db)
    srv = Server(db)
    srv.roles = roles
    yield srv
    srv.stop()


def _good(roles) -> dict:
    return settlement(
        "G1",
        roles.fresh[5],
        roles.hospitals[0],
        "2026-01-10 09:00:00",
        "2026-01-10 09:30:00",
        [line("G1-1", "2026-01-10 09:10:00", DRUG)],
    )


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b["fee"][0].update(cnt="三"), "fee.0.cnt"),
        (lambda b: b["fee"][0].update(list_type="999"), "fee.0.list_type"),
        (lambda b: b["fee"][0].update(det_item_fee_sumamt=1.0), "fee.0"),
        (lambda b: b["encounter"].update(endtime="2026-01-01 00:00:00"), "encounter"),
        (lambda b: b["encounter"].update(begntime="昨天"), "encounter.begntime"),
        (lambda b: b["encounter"].update(fixmedins_code="H99999999999"), "encounter.fixmedins_code"),
        (lambda b: b["person"].update(psn_no="NOBODY"), "person"),
        (lambda b: b["fee"][0].update(drug_trac_codg=["abc"]), "fee.0.drug_trac_codg"),
        (lambda b: b.pop("settlement"), "settlement"),
        (lambda b: b.update(surprise=1), "surprise"),
    ],
)
def test_bad_field_is_named_in_chinese_and_english(server, mutate, field):
    body = _good(server.roles)
    mutate(body)
    res = server.post("/api/v1/precheck", body)
    assert res.status_code == 422, res.text
    errors = res.json()["errors"]
    assert field in {e["field"] for e in errors}, errors
    for e in errors:
        assert e["zh"] and e["en"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in e["zh"])


def test_not_json_is_a_4xx(server):
    import httpx

    res = httpx.post(
        f"{server.url}/api/v1/precheck", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert res.status_code == 422
    assert res.json()["errors"][0]["zh"]
    assert httpx.get(f"{server.url}/api/v1/nothing").status_code == 404


def test_openapi_document_is_published(server):
    import httpx

    doc = httpx.get(f"{server.url}/openapi.json").json()
    assert {"/api/v1/precheck", "/api/v1/prescribe-check"} <= set(doc["paths"])
    assert "422" in doc["paths"]["/api/v1/precheck"]["post"]["responses"]


def test_good_request_still_passes(server):
    assert server.post("/api/v1/precheck", _good(server.roles)).json()["decision"] == "pass"


def _fuzz(op, mode, failures: list) -> None:
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=op.as_strategy(generation_mode=mode))
    def check(case) -> None:
        response = case.call()
        if response.status_code >= 500:
            failures.append((op.path, case.body, response.status_code, response.text[:300]))
        assert response.status_code < 500

    check()


def test_fuzzed_requests_never_get_a_server_error(server):
    import schemathesis
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    failures: list = []
    for result in schema.get_all_operations():
        op = result.ok()
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if op.method.upper() == "POST" else [])
        for mode in modes:
            _fuzz(op, mode, failures)
    assert not failures
    assert server.post("/api/v1/precheck", _good(server.roles)).status_code == 200  # alive after fuzzing
