"""The directories (一单两库): inspection targets, inspectors and experts, declared relations.

Loaded from CSV files (UTF-8, header row) or, for targets, from the `medins` table of the
DuckDB store. Re-importing updates rows by code; entries missing from a new file are not
deleted but may be set inactive, so past draws keep their meaning.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.audit.log import record
from yibao.auth.models import User
from yibao.auth.roles import Permission, require
from yibao.cases.errors import CaseError
from yibao.inspections.draw import OFFICER, InspectorRec, TargetRec
from yibao.inspections.models import Inspector, InspRelation, InspTarget
from yibao.inspections.params import KINDS

__all__ = [
    "CATEGORIES",
    "ImportReport",
    "add_relation",
    "import_inspectors",
    "import_targets",
    "import_targets_from_store",
    "inspector_records",
    "relation_pairs",
    "target_records",
]

CATEGORIES = {
    OFFICER: "执法人员",
    "clinician": "临床医学专家",
    "pharmacist": "药学专家",
    "insurance": "医保专家",
    "it": "信息技术人员",
    "lawyer": "律师",
    "accountant": "会计",
    "auditor": "审计人员",
}


@dataclass(slots=True)
class ImportReport:
    added: int = 0
    updated: int = 0


def _rows(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    missing = [c for c in required if rows and c not in rows[0]]
    if missing or not rows:
        raise CaseError(
            f"{path.name} 缺少列或为空：{missing}", f"{path.name}: missing columns or empty: {missing}"
        )
    for n, r in enumerate(rows, 2):
        for c in required:
            if not (r.get(c) or "").strip():
                raise CaseError(f"{path.name} 第{n}行缺少 {c}", f"{path.name} row {n}: {c} is empty")
    return rows


def _upsert_target(
    session: Session, report: ImportReport, code: str, name: str, kind: str, admdvs: str
) -> None:
    if kind not in KINDS:
        raise CaseError(
            f"{code}：机构类型须为 {'/'.join(KINDS)}", f"{code}: kind must be one of {list(KINDS)}"
        )
    t = session.execute(select(InspTarget).where(InspTarget.fixmedins_code == code)).scalar_one_or_none()
    if t is None:
        session.add(InspTarget(fixmedins_code=code, name=name, kind=kind, admdvs=admdvs, active=True))
        report.added += 1
    else:
        t.name, t.kind, t.admdvs, t.active = name, kind, admdvs, True
        report.updated += 1


def import_targets(session: Session, actor: User, path: Path) -> ImportReport:
    """Targets from CSV: fixmedins_code, name, kind (hospital/clinic/pharmacy), admdvs."""
    require(actor, Permission.CASE_APPROVE)
    report = ImportReport()
    for r in _rows(path, ("fixmedins_code", "name", "kind", "admdvs")):
        _upsert_target(
            session,
            report,
            r["fixmedins_code"].strip(),
            r["name"].strip(),
            r["kind"].strip(),
            r["admdvs"].strip(),
        )
    session.flush()
    record(
        session,
        actor.username,
        "inspect.targets",
        "directory",
        path.name,
        {"added": report.added, "updated": report.updated},
    )
    return report


def import_targets_from_store(session: Session, actor: User, con: duckdb.DuckDBPyConnection) -> ImportReport:
    """Targets from the store's designated institutions: pharmacies, clinics (类别 D), the rest hospitals."""
    require(actor, Permission.CASE_APPROVE)
    report = ImportReport()
    rows = con.execute(
        "SELECT fixmedins_code, fixmedins_name, fixmedins_type, coalesce(inst_type, ''), admdvs FROM medins "
        "ORDER BY fixmedins_code"
    ).fetchall()
    for code, name, ftype, inst_type, admdvs in rows:
        kind = "pharmacy" if str(ftype) == "2" else "clinic" if str(inst_type).startswith("D") else "hospital"
        _upsert_target(session, report, code, name, kind, admdvs)
    session.flush()
    record(
        session,
        actor.username,
        "inspect.targets",
        "directory",
        "store",
        {"added": report.added, "updated": report.updated},
    )
    return report


def import_inspectors(session: Session, actor: User, path: Path) -> ImportReport:
    """Inspectors and experts from CSV: code, name, category[, cert_no, org_code]."""
    require(actor, Permission.CASE_APPROVE)
    report = ImportReport()
    for r in _rows(path, ("code", "name", "category")):
        category = r["category"].strip()
        if category not in CATEGORIES:
            raise CaseError(
                f"{r['code']}：类别须为 {'/'.join(CATEGORIES)}", f"category must be one of {list(CATEGORIES)}"
            )
        cert = (r.get("cert_no") or "").strip() or None
        if category == OFFICER and not cert:
            raise CaseError(f"{r['code']}：执法人员须有执法证号", f"{r['code']}: officers need cert_no")
        org = (r.get("org_code") or "").strip() or None
        i = session.execute(select(Inspector).where(Inspector.code == r["code"].strip())).scalar_one_or_none()
        if i is None:
            session.add(
                Inspector(
                    code=r["code"].strip(),
                    name=r["name"].strip(),
                    category=category,
                    cert_no=cert,
                    org_code=org,
                    active=True,
                )
            )
            report.added += 1
        else:
            i.name, i.category, i.cert_no, i.org_code, i.active = r["name"].strip(), category, cert, org, True
            report.updated += 1
    session.flush()
    record(
        session,
        actor.username,
        "inspect.inspectors",
        "directory",
        path.name,
        {"added": report.added, "updated": report.updated},
    )
    return report


def add_relation(
    session: Session, actor: User, inspector_code: str, fixmedins_code: str, reason: str
) -> None:
    """A declared relation (亲属、曾任职、利益关系): the inspector is never drawn for that institution."""
    require(actor, Permission.CASE_APPROVE)
    if (
        session.execute(select(Inspector).where(Inspector.code == inspector_code)).scalar_one_or_none()
        is None
    ):
        raise CaseError(f"检查人员不存在：{inspector_code}", f"no such inspector: {inspector_code}")
    session.add(InspRelation(inspector_code=inspector_code, fixmedins_code=fixmedins_code, reason=reason))
    record(
        session,
        actor.username,
        "inspect.relation",
        "inspector",
        inspector_code,
        {"fixmedins_code": fixmedins_code, "reason": reason},
    )


def target_records(
    session: Session,
    *,
    kinds: list[str] | None = None,
    admdvs: str = "",
    grades: dict[str, str] | None = None,
) -> list[TargetRec]:
    q = select(InspTarget).where(InspTarget.active.is_(True)).order_by(InspTarget.fixmedins_code)
    out = []
    for t in session.execute(q).scalars():
        if (kinds and t.kind not in kinds) or not t.admdvs.startswith(admdvs):
            continue
        out.append(
            TargetRec(t.fixmedins_code, t.name, t.kind, t.admdvs, (grades or {}).get(t.fixmedins_code, ""))
        )
    return out


def inspector_records(session: Session) -> list[InspectorRec]:
    q = select(Inspector).where(Inspector.active.is_(True)).order_by(Inspector.code)
    return [InspectorRec(i.code, i.name, i.category, i.org_code or "") for i in session.execute(q).scalars()]


def relation_pairs(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(select(InspRelation.inspector_code, InspRelation.fixmedins_code)).all()
    return sorted((a, b) for a, b in rows)
