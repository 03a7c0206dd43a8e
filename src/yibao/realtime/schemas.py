"""Request and response shapes of the review service (事中审核 / 事前提醒), in the contract's names.

Field names are those of the data contract (mdtrt, setl, fee); a settlement request carries one
encounter, its settlement and its fee lines, as interfaces 2207/2204 send them. Everything is
validated here, so that the rules only ever see well-typed rows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "Decision",
    "Encounter",
    "FeeLine",
    "FindingOut",
    "Order",
    "Person",
    "PrecheckRequest",
    "PrescribeRequest",
    "PrescribeResponse",
    "Settlement",
]

_CODE = r"^[0-9A-Za-z_.\-]{1,40}$"
_ICD = r"^[A-Z][0-9A-Za-z.+*\-]{1,19}$"  # ICD-10 医保版, e.g. I10.x00
_LOCAL = ZoneInfo("Asia/Shanghai")


def _naive_local(value: datetime) -> datetime:
    """Contract times are naive Asia/Shanghai; an offset given by the caller is converted."""
    if value.tzinfo is not None:
        value = value.astimezone(_LOCAL).replace(tzinfo=None)
    if not 1900 <= value.year <= 2999:
        raise ValueError("时间超出范围1900–2999年 / time out of range 1900–2999")
    return value.replace(microsecond=0)


def _sane_date(value: date) -> date:
    if not 1900 <= value.year <= 2999:
        raise ValueError("日期超出范围1900–2999年 / date out of range 1900–2999")
    return value


LocalTime = Annotated[datetime, AfterValidator(_naive_local)]
Day = Annotated[date, AfterValidator(_sane_date)]
_MONEY = {"ge": -1e9, "le": 1e9}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class Person(_Strict):
    """The insured person (1101 人员信息); the registry's row wins where the store knows the person."""

    psn_no: str = Field(pattern=_CODE, description="人员编号 / person number")
    gend: Literal["1", "2", "9"] | None = Field(None, description="性别 1男 2女 9未知 / sex")
    brdy: Day | None = Field(None, description="出生日期 / birth date")
    insutype: Literal["310", "390"] | None = Field(None, description="险种 / insurance type")
    insuplc_admdvs: str | None = Field(None, pattern=r"^[0-9]{6}$", description="参保地医保区划 / division")


class Encounter(_Strict):
    """The encounter being settled (就诊信息), with where and how the credential was used."""

    mdtrt_id: str = Field(pattern=_CODE, description="就诊ID / encounter id")
    fixmedins_code: str = Field(pattern=_CODE, description="定点医药机构编号 / institution")
    med_type: Literal["11", "14", "21", "41"] = Field(description="医疗类别 / encounter type")
    begntime: LocalTime = Field(description="开始/入院时间 / start")
    endtime: LocalTime = Field(description="结束/出院时间 / end")
    dise_codg: str | None = Field(None, pattern=_ICD, description="主诊断 / main diagnosis")
    dise_name: str | None = Field(None, max_length=200)
    diagnoses: list[str] = Field(
        default_factory=list, max_length=50, description="其他诊断 / other diagnoses"
    )
    adm_dept_codg: str | None = Field(None, pattern=_CODE)
    dscg_dept_codg: str | None = Field(None, pattern=_CODE)
    atddr_no: str | None = Field(None, pattern=_CODE, description="主诊医师 / attending doctor")
    dscg_way: Literal["1", "5", "9"] | None = None
    mdtrt_cert_type: Literal["01", "02", "03"] | None = Field(None, description="就诊凭证类型 / credential")
    term_admdvs: str | None = Field(None, pattern=r"^[0-9]{6}$", description="凭证使用地区划 / where used")

    @field_validator("diagnoses")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        import re

        for code in v:
            if not re.fullmatch(_ICD, code):
                raise ValueError(f"诊断编码格式错误 / not an ICD-10 code: {code!r}")
        return v

    @model_validator(mode="after")
    def _times(self) -> Encounter:
        if self.endtime < self.begntime:
            raise ValueError("结束时间早于开始时间 / endtime is before begntime")
        if self.med_type in ("14", "21") and not self.dise_codg:
            raise ValueError("门诊慢特病和住院须有主诊断 / dise_codg is required for med_type 14 and 21")
        return self


class Settlement(_Strict):
    """The settlement (结算信息) the request asks to pay."""

    setl_id: str = Field(pattern=_CODE)
    setl_time: LocalTime
    medfee_sumamt: float = Field(**_MONEY)
    fulamt_ownpay_amt: float | None = Field(None, **_MONEY)
    inscp_scp_amt: float | None = Field(None, **_MONEY)
    hifp_pay: float = Field(**_MONEY)
    fund_pay_sumamt: float = Field(**_MONEY)
    acct_pay: float = Field(**_MONEY)
    psn_cash_pay: float = Field(**_MONEY)
    refd_setl_flag: Literal["0", "1"] | None = None


class FeeLine(_Strict):
    """One itemised charge (费用明细) with the traceability codes of the packs dispensed."""

    feedetl_sn: str = Field(pattern=_CODE, description="费用明细流水号 / line id")
    fee_ocur_time: LocalTime
    med_list_codg: str = Field(pattern=_CODE, description="医保目录编码 / catalogue code")
    medins_list_codg: str | None = Field(None, pattern=_CODE)
    list_type: Literal["101", "102", "201", "301"]
    cnt: float = Field(ge=-1e6, le=1e6)
    pric: float = Field(ge=0, le=1e8)
    det_item_fee_sumamt: float | None = Field(
        None, **_MONEY, description="金额，缺省为数量×单价 / cnt × pric"
    )
    bilg_dept_codg: str | None = Field(None, pattern=_CODE)
    bilg_dr_codg: str | None = Field(None, pattern=_CODE)
    drug_trac_codg: list[str] = Field(default_factory=list, max_length=200, description="药品追溯码 / codes")

    @field_validator("drug_trac_codg")
    @classmethod
    def _trace(cls, v: list[str]) -> list[str]:
        for code in v:
            if not code.isdigit() or not 8 <= len(code) <= 40:
                raise ValueError(f"追溯码应为数字 / a traceability code is digits: {code!r}")
        return v

    @model_validator(mode="after")
    def _amount(self) -> FeeLine:
        if self.cnt == 0:
            raise ValueError("数量不能为0 / cnt must not be 0")
        expected = round(self.cnt * self.pric, 2)
        if self.det_item_fee_sumamt is None:
            self.det_item_fee_sumamt = expected
        elif abs(self.det_item_fee_sumamt - expected) > 0.01 + 1e-9 * abs(expected):
            raise ValueError(
                f"金额应为数量×单价={expected} / det_item_fee_sumamt must equal cnt × pric = {expected}"
            )
        return self


class PrecheckRequest(_Strict):
    """事中审核: one settlement, judged before the fund pays."""

    request_id: str = Field(pattern=r"^[0-9A-Za-z_.:\-]{1,64}$", description="请求ID，重复请求返回首次结论")
    person: Person
    encounter: Encounter
    settlement: Settlement
    fee: list[FeeLine] = Field(max_length=2000)

    @model_validator(mode="after")
    def _lines(self) -> PrecheckRequest:
        seen: set[str] = set()
        for line in self.fee:
            if line.feedetl_sn in seen:
                raise ValueError(f"费用明细流水号重复 / duplicate feedetl_sn {line.feedetl_sn}")
            seen.add(line.feedetl_sn)
        return self


class Order(_Strict):
    """A line being ordered at the doctor's workstation (医嘱), before anything is charged."""

    feedetl_sn: str | None = Field(None, pattern=_CODE)
    med_list_codg: str = Field(pattern=_CODE)
    list_type: Literal["101", "102", "201", "301"]
    cnt: float = Field(gt=0, le=1e6)
    pric: float = Field(ge=0, le=1e8)
    bilg_dept_codg: str | None = Field(None, pattern=_CODE)
    bilg_dr_codg: str | None = Field(None, pattern=_CODE)


class PrescribeRequest(_Strict):
    """事前提醒: the orders being written for an encounter; reminders only, nothing is stored."""

    request_id: str | None = Field(None, pattern=r"^[0-9A-Za-z_.:\-]{1,64}$")
    person: Person
    encounter: Encounter
    orders: list[Order] = Field(min_length=1, max_length=500)


class FindingOut(BaseModel):
    """A finding in the contract's shape (疑点)."""

    finding_id: str
    violation: str
    violation_label: str
    detector: str
    level: str
    feedetl_sn: str | None
    mdtrt_id: str | None
    psn_no: str | None
    prac_code: str | None
    fixmedins_code: str | None
    amount: float
    score: float
    grade: Literal["definite", "suspect"]
    evidence: str


class Decision(BaseModel):
    """The answer to a settlement: pass, warn (suspect findings only) or refuse (a definite one)."""

    request_id: str
    decision: Literal["pass", "warn", "refuse"]
    decision_label: str
    findings: list[FindingOut]
    replay: bool = Field(False, description="重复请求，返回首次结论 / a repeated request id")
    knowledge_version: str
    elapsed_ms: float


class PrescribeResponse(BaseModel):
    """Reminders for the orders: warn or pass, never refuse."""

    request_id: str | None
    decision: Literal["pass", "warn"]
    decision_label: str
    findings: list[FindingOut]
    knowledge_version: str
    elapsed_ms: float


def as_json(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
