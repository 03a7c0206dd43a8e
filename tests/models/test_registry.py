"""The models plug into the one detector registry, after the rules, risk scores last; parameters are dated data."""

from __future__ import annotations

import datetime as dt

import pytest

from yibao.detectors import registered
from yibao.models.params import ModelParams, ParamError, load_params


def test_model_detectors_run_after_the_rules_and_risk_scores_last():
    ids = [d.id for d in registered()]
    models = [
        "induced_admission_batch",
        "phantom_admission_pattern",
        "co_admission_household",
        "institution_peer_outlier",
        "practitioner_peer_outlier",
        "over_treatment_peer_cost",
        "collusion_ring_graph",
        "risk_score",
    ]
    assert ids[-len(models) :] == models
    assert len(ids) > len(models)  # the rule library comes first
    assert all(d.version for d in registered())


def test_every_parameter_is_documented_and_in_force():
    params = load_params()
    values = params.at(dt.date(2025, 6, 30))
    assert values["over_treatment_ratio"] > 1 and values["readmission_days"] == 31
    assert "I10" in values["low_acuity_dx"]


def test_parameter_not_yet_in_force_is_an_error():
    params = ModelParams({"x": {dt.date(2030, 1, 1): 1}})
    with pytest.raises(ParamError, match="尚未生效"):
        params.at(dt.date(2025, 1, 1))
    assert ModelParams({"x": {dt.date(2020, 1, 1): 1, dt.date(2024, 1, 1): 2}}).at(dt.date(2025, 1, 1)) == {
        "x": 2
    }
