"""The single findings shape every detector reports, and the violation taxonomy.

Both come from the data contract (`shared/spec/data-contract.md`, "Output" and
"Violation taxonomy"); rules, models and the real-time service all speak this.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "FINDING_COLUMNS",
    "LEVEL_KEYS",
    "VIOLATION_LABELS",
    "Finding",
    "Grade",
    "Level",
    "Violation",
    "finding_id",
]


class Violation(StrEnum):
    """Taxonomy codes (违规类型)."""

    DUPLICATE_BILLING = "DUPLICATE_BILLING"
    UNBUNDLING = "UNBUNDLING"
    OVER_PRICE = "OVER_PRICE"
    GENDER_MISMATCH = "GENDER_MISMATCH"
    AGE_MISMATCH = "AGE_MISMATCH"
    INDICATION_MISMATCH = "INDICATION_MISMATCH"
    LEVEL_MISMATCH = "LEVEL_MISMATCH"
    DEPT_MISMATCH = "DEPT_MISMATCH"
    MED_TYPE_MISMATCH = "MED_TYPE_MISMATCH"
    UNREASONABLE_TREATMENT = "UNREASONABLE_TREATMENT"
    EXCESS_QUANTITY = "EXCESS_QUANTITY"
    SINGLE_HERB = "SINGLE_HERB"
    SPLIT_ADMISSION = "SPLIT_ADMISSION"
    GHOST_BED = "GHOST_BED"
    PHANTOM_ADMISSION = "PHANTOM_ADMISSION"
    INDUCED_ADMISSION = "INDUCED_ADMISSION"
    CO_ADMISSION = "CO_ADMISSION"
    OVERLAPPING_STAY = "OVERLAPPING_STAY"
    POST_DEATH = "POST_DEATH"
    CARD_MISUSE = "CARD_MISUSE"
    TRACE_CODE_REUSE = "TRACE_CODE_REUSE"
    ITEM_SUBSTITUTION = "ITEM_SUBSTITUTION"
    STOCK_MISMATCH = "STOCK_MISMATCH"
    LAB_ABUSE = "LAB_ABUSE"
    TCM_ABUSE = "TCM_ABUSE"
    OVER_TREATMENT = "OVER_TREATMENT"
    HIGH_FREQUENCY_VISITS = "HIGH_FREQUENCY_VISITS"
    INSTITUTION_OUTLIER = "INSTITUTION_OUTLIER"
    PRACTITIONER_OUTLIER = "PRACTITIONER_OUTLIER"
    COLLUSION_RING = "COLLUSION_RING"


VIOLATION_LABELS: dict[Violation, str] = {
    Violation.DUPLICATE_BILLING: "重复收费",
    Violation.UNBUNDLING: "分解收费",
    Violation.OVER_PRICE: "超标准收费",
    Violation.GENDER_MISMATCH: "限性别",
    Violation.AGE_MISMATCH: "限年龄",
    Violation.INDICATION_MISMATCH: "超限定支付范围",
    Violation.LEVEL_MISMATCH: "超医院等级",
    Violation.DEPT_MISMATCH: "限科室",
    Violation.MED_TYPE_MISMATCH: "限就医方式",
    Violation.UNREASONABLE_TREATMENT: "不合理诊疗",
    Violation.EXCESS_QUANTITY: "超量开药/超标准收费",
    Violation.SINGLE_HERB: "单味中药饮片",
    Violation.SPLIT_ADMISSION: "分解住院",
    Violation.GHOST_BED: "挂床住院",
    Violation.PHANTOM_ADMISSION: "虚假住院",
    Violation.INDUCED_ADMISSION: "诱导住院",
    Violation.CO_ADMISSION: "同进同出",
    Violation.OVERLAPPING_STAY: "住院时间重叠",
    Violation.POST_DEATH: "死亡后就医",
    Violation.CARD_MISUSE: "盗刷/冒名就医",
    Violation.TRACE_CODE_REUSE: "追溯码重复",
    Violation.ITEM_SUBSTITUTION: "串换药品/项目",
    Violation.STOCK_MISMATCH: "进销存不符",
    Violation.LAB_ABUSE: "检查化验滥用",
    Violation.TCM_ABUSE: "中医治疗滥用",
    Violation.OVER_TREATMENT: "过度诊疗",
    Violation.HIGH_FREQUENCY_VISITS: "高频就医",
    Violation.INSTITUTION_OUTLIER: "机构异常",
    Violation.PRACTITIONER_OUTLIER: "医师异常",
    Violation.COLLUSION_RING: "团伙欺诈",
}


class Level(StrEnum):
    """The grain of the suspect entity."""

    LINE = "line"
    ENCOUNTER = "encounter"
    PERSON = "person"
    PRACTITIONER = "practitioner"
    INSTITUTION = "institution"


# The key that identifies an entity at each level; labels and findings match on it.
LEVEL_KEYS: dict[Level, str] = {
    Level.LINE: "feedetl_sn",
    Level.ENCOUNTER: "mdtrt_id",
    Level.PERSON: "psn_no",
    Level.PRACTITIONER: "prac_code",
    Level.INSTITUTION: "fixmedins_code",
}


class Grade(StrEnum):
    """明确违规 can be refused outright; 可疑 needs review and the institution's appeal."""

    DEFINITE = "definite"
    SUSPECT = "suspect"


FINDING_COLUMNS: tuple[str, ...] = (
    "finding_id",
    "violation",
    "detector",
    "level",
    "feedetl_sn",
    "mdtrt_id",
    "psn_no",
    "prac_code",
    "fixmedins_code",
    "amount",
    "score",
    "grade",
    "evidence",
)


def finding_id(detector: str, violation: str, *keys: str | None) -> str:
    """Stable id: the same detector finding the same thing twice yields the same id."""
    raw = "|".join([detector, violation, *[k or "" for k in keys]])
    return "F" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class Finding:
    """One suspicious item (疑点) in the contract's shape."""

    violation: Violation
    detector: str
    level: Level
    amount: float
    score: float
    grade: Grade
    evidence: str
    feedetl_sn: str | None = None
    mdtrt_id: str | None = None
    psn_no: str | None = None
    prac_code: str | None = None
    fixmedins_code: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be within 0..1, got {self.score}")

    @property
    def finding_id(self) -> str:
        return finding_id(
            self.detector,
            self.violation,
            self.feedetl_sn,
            self.mdtrt_id,
            self.psn_no,
            self.prac_code,
            self.fixmedins_code,
        )

    def as_row(self) -> dict[str, object]:
        return {
            "finding_id": self.finding_id,
            "violation": str(self.violation),
            "detector": self.detector,
            "level": str(self.level),
            "feedetl_sn": self.feedetl_sn,
            "mdtrt_id": self.mdtrt_id,
            "psn_no": self.psn_no,
            "prac_code": self.prac_code,
            "fixmedins_code": self.fixmedins_code,
            "amount": round(self.amount, 2),
            "score": self.score,
            "grade": str(self.grade),
            "evidence": self.evidence,
        }
