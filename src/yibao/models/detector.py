"""Model detectors in the one registry: pattern detectors first, the risk scores last.

`yibao screen` runs the rule library, then these in this order; the risk scores read the findings
the rules and pattern models have just written, so they come last (run alone with
`yibao screen --rules 'risk_*'` they use whatever findings the store holds; a pack registered after
this module runs after the risk scores, so re-run that glob to include its findings).
"""

from __future__ import annotations

import yibao.rules.detector  # noqa: F401  (the rules register first whoever imports this module first)
from yibao.detectors import Detector, register
from yibao.models.admissions import CoAdmission, InducedAdmission, PhantomAdmission
from yibao.models.network import CollusionRing
from yibao.models.outliers import InstitutionOutlier, OverTreatment, PractitionerOutlier
from yibao.models.scoring import RiskScore

__all__ = ["model_detectors"]


def model_detectors() -> list[Detector]:
    return [
        InducedAdmission(),
        PhantomAdmission(),
        CoAdmission(),
        InstitutionOutlier(),
        PractitionerOutlier(),
        OverTreatment(),
        CollusionRing(),
        RiskScore(),
    ]


register(model_detectors)
