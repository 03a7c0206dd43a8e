"""The review service: one settlement in, a decision out, state kept across settlements.

A request becomes contract rows (mdtrt, setl, diag, fee); the person's earlier encounters and the
earlier sales of its traceability codes come from the state; the rule library judges them all
(`judge.Judge`); the findings on this settlement (its lines and its encounter), plus any finding
the settlement newly causes on an earlier encounter (a stay that now overlaps it), decide:
refuse on a definite finding, warn on suspect ones only, else pass. The answer is stored under
the request id, so a retry gets the first answer again.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from yibao.findings import VIOLATION_LABELS, Finding, Grade
from yibao.realtime.judge import Judge, Knowledge, knowledge_version, load_knowledge
from yibao.realtime.rows import COLS, FEE, Row, as_dict, as_row, trace_codes
from yibao.realtime.schemas import (
    Decision,
    Encounter,
    FeeLine,
    FindingOut,
    Person,
    PrecheckRequest,
    PrescribeRequest,
    PrescribeResponse,
)
from yibao.realtime.state import State, open_state
from yibao.realtime.store_sync import (
    flush_outbox,
    history_bundles,
    history_trace_sales,
    settlement_fingerprint,
)

__all__ = ["DECISION_LABELS", "InputProblem", "ReviewService", "ServeSettings"]

log = logging.getLogger("yibao.realtime")

BEGNTIME = COLS["mdtrt"].index("begntime")
DECISION_LABELS = {"pass": "通过", "warn": "提醒（可疑，需复核）", "refuse": "拒付（明确违规）"}


class InputProblem(ValueError):
    """A request that is well-formed but names something the knowledge base does not know."""

    def __init__(self, field_path: str, zh: str, en: str) -> None:
        super().__init__(f"{field_path}: {zh} / {en}")
        self.field = field_path
        self.zh = zh
        self.en = en


@dataclass(slots=True)
class ServeSettings:
    """Everything `yibao serve` can be told; defaults suit one worker on the demo store."""

    db: Path
    redis_url: str | None = None
    state_path: Path | None = None
    lookback_days: int = 400
    reload_interval_s: float = 10.0
    flush_interval_s: float = 5.0
    library: Path | None = None
    prune_history: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def state_file(self) -> Path:
        return self.state_path or self.db.with_name(self.db.stem + ".realtime.sqlite")

    def to_json(self) -> str:
        return json.dumps(
            {
                "db": str(self.db),
                "redis_url": self.redis_url,
                "state_path": str(self.state_path) if self.state_path else None,
                "lookback_days": self.lookback_days,
                "reload_interval_s": self.reload_interval_s,
                "flush_interval_s": self.flush_interval_s,
                "library": str(self.library) if self.library else None,
                "prune_history": self.prune_history,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> ServeSettings:
        raw = json.loads(text)
        return cls(
            db=Path(raw["db"]),
            redis_url=raw.get("redis_url"),
            state_path=Path(raw["state_path"]) if raw.get("state_path") else None,
            lookback_days=int(raw.get("lookback_days", 400)),
            reload_interval_s=float(raw.get("reload_interval_s", 10.0)),
            flush_interval_s=float(raw.get("flush_interval_s", 5.0)),
            library=Path(raw["library"]) if raw.get("library") else None,
            prune_history=bool(raw.get("prune_history", False)),
        )


def _t(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _finding_out(f: Finding) -> FindingOut:
    return FindingOut(
        finding_id=f.finding_id,
        violation=str(f.violation),
        violation_label=VIOLATION_LABELS[f.violation],
        detector=f.detector,
        level=str(f.level),
        feedetl_sn=f.feedetl_sn,
        mdtrt_id=f.mdtrt_id,
        psn_no=f.psn_no,
        prac_code=f.prac_code,
        fixmedins_code=f.fixmedins_code,
        amount=round(f.amount, 2),
        score=round(f.score, 4),
        grade="definite" if f.grade == Grade.DEFINITE else "suspect",
        evidence=f.evidence,
    )


def _relevant(judge: Judge, history: list[dict[str, Any]], lines: list[Row]) -> list[dict[str, Any]]:
    """The person's encounters, with only the earlier fee lines that can bear on these lines.

    Rules that look across encounters read: lines of the same day (pair rules, daily maxima, TCM
    units per day), of the same code (intervals, repeated tests), of codes counted together by an
    item_limit row (period limits), and TCM therapies (treatment days in a window). Lines of one
    encounter and code are kept or dropped together, so reversals still cancel what they reverse.
    Encounters, settlements and diagnoses are always kept. See docs/realtime.md for the risk.
    """
    if not history:
        return history
    days = {str(r[FEE.fee_ocur_time])[:10] for r in lines}
    codes = {r[FEE.med_list_codg] for r in lines}
    groups = frozenset().union(*(judge.limit_groups(c) for c in codes))
    tcm = any(judge.is_tcm(c) for c in codes)

    def wanted(r: Row) -> bool:
        code = r[FEE.med_list_codg]
        return (
            code in codes
            or str(r[FEE.fee_ocur_time])[:10] in days
            or (tcm and judge.is_tcm(code))
            or bool(groups and judge.limit_groups(code) & groups)
        )

    out = []
    for b in history:
        keep = {r[FEE.med_list_codg] for r in b["fee"] if wanted(r)}
        out.append({**b, "fee": [r for r in b["fee"] if r[FEE.med_list_codg] in keep]})
    return out


class _Judges:
    """The judges of both stages over one version of the knowledge base, swapped whole on reload."""

    def __init__(self, knowledge: Knowledge, library: Path | None) -> None:
        self.knowledge = knowledge
        self.pre = Judge(knowledge, "pre", library)
        self.in_ = Judge(knowledge, "in", library)


class ReviewService:
    """The library behind `POST /api/v1/precheck` and `/prescribe-check` (thin HTTP over this)."""

    def __init__(self, settings: ServeSettings, *, seed: bool = True) -> None:
        self.settings = settings
        if not settings.db.exists():
            raise FileNotFoundError(f"数据库不存在，请先运行 yibao ingest / store not found: {settings.db}")
        self._db_mtime = settings.db.stat().st_mtime
        self.judges = _Judges(load_knowledge(settings.db), settings.library)
        self.state: State = open_state(settings.redis_url, settings.state_file)
        self._store_lock = threading.Lock()  # one DuckDB connection at a time in this process
        if seed:
            self.seed_history()

    # --- knowledge and history ------------------------------------------------------------------------

    @property
    def knowledge_version(self) -> str:
        return self.judges.knowledge.version

    def seed_history(self) -> bool:
        """Copy the store's recent encounters into the state once per version of its settlement data."""
        with self._store_lock:
            con = duckdb.connect(str(self.settings.db), read_only=True)
            try:
                fingerprint = settlement_fingerprint(con)
                if self.state.seeded() == fingerprint:
                    return False
                with self.state.lock(["seed"], wait_s=600.0):
                    if self.state.seeded() == fingerprint:
                        return False
                    days = self.settings.lookback_days
                    self.state.seed(fingerprint, history_bundles(con, days), history_trace_sales(con, days))
                return True
            finally:
                con.close()

    def maybe_reload(self) -> bool:
        """Pick up a changed knowledge base without a restart (the store file's time, then its content)."""
        try:
            mtime = self.settings.db.stat().st_mtime
        except OSError:
            return False
        if mtime == self._db_mtime:
            return False
        try:
            self.seed_history()  # new settlement data loaded into the store (a no-op after our own flush)
            with self._store_lock:
                version = knowledge_version(self.settings.db)
                self._db_mtime = mtime
                if version == self.knowledge_version:
                    return False
                knowledge = load_knowledge(self.settings.db)
        except duckdb.Error as exc:  # the store is being written: try again at the next tick
            level = logging.INFO if isinstance(exc, duckdb.IOException) else logging.WARNING
            log.log(level, "知识库暂不可读，稍后重试 / knowledge base not readable now, will retry: %s", exc)
            return False
        self.judges = _Judges(knowledge, self.settings.library)
        log.info("知识库已更新 / knowledge base reloaded: %s", knowledge.version)
        return True

    def flush(self, limit: int = 5000) -> int:
        """Write what the service saw into the store so batch screening sees it; 0 when busy or empty."""
        token, entries = self.state.take_outbox(limit)
        if not entries:
            return 0
        try:
            with self._store_lock:
                _counts, before, after = flush_outbox(self.settings.db, entries)
                if self.state.seeded() == before:  # the rows written came from the state: still in step
                    self.state.mark_seeded(after)
        except duckdb.Error as exc:  # IOException: another process holds the store; try again later
            level = logging.INFO if isinstance(exc, duckdb.IOException) else logging.WARNING
            log.log(level, "写回数据库失败，稍后重试 / flush to the store failed, will retry: %s", exc)
            release = getattr(self.state, "release_outbox", None)
            if release:
                release(token)
            return 0
        self.state.ack_outbox(token)
        return len(entries)

    # --- requests -----------------------------------------------------------------------------------

    def _person_rows(self, judge: Judge, person: Person) -> tuple[Row, list[Row]]:
        row, deaths = judge.person(person.psn_no)
        if row is None:
            if person.gend is None or person.brdy is None:
                raise InputProblem(
                    "person",
                    "参保人不在人员信息中，须提供性别和出生日期",
                    "person not in the registry: gend and brdy are required",
                )
            values = person.model_dump()
            values["brdy"] = person.brdy.isoformat()
            row = as_row("psn", values)
        return row, deaths

    def _encounter_rows(self, judge: Judge, psn_no: str, enc: Encounter) -> tuple[Row, list[Row]]:
        if not judge.institution_known(enc.fixmedins_code):
            raise InputProblem(
                "encounter.fixmedins_code",
                f"未知的定点医药机构 {enc.fixmedins_code}",
                f"unknown designated institution {enc.fixmedins_code}",
            )
        values = enc.model_dump(exclude={"diagnoses"})
        values.update(psn_no=psn_no, begntime=_t(enc.begntime), endtime=_t(enc.endtime))
        diag = [[enc.mdtrt_id, enc.dise_codg, "1"]] if enc.dise_codg else []
        diag += [[enc.mdtrt_id, c, "0"] for c in dict.fromkeys(enc.diagnoses) if c != enc.dise_codg]
        return as_row("mdtrt", values), diag

    @staticmethod
    def _fee_rows(lines: list[FeeLine], mdtrt: dict[str, Any]) -> list[Row]:
        out = []
        for line in lines:
            values = line.model_dump()
            values.update(
                mdtrt_id=mdtrt["mdtrt_id"],
                psn_no=mdtrt["psn_no"],
                fixmedins_code=mdtrt["fixmedins_code"],
                fee_ocur_time=_t(line.fee_ocur_time),
                drug_trac_codg=",".join(line.drug_trac_codg) or None,
            )
            out.append(as_row("fee", values))
        return out

    def _judge(self, judge: Judge, psn: Row, deaths: list[Row], bundle: dict[str, Any]) -> list[Finding]:
        """Findings this settlement is answerable for: on its own keys, or newly caused on earlier ones."""
        psn_no = psn[0]
        mdtrt_id = bundle["mdtrt"][0]
        since = _t(
            datetime.fromisoformat(bundle["mdtrt"][BEGNTIME]) - timedelta(days=self.settings.lookback_days)
        )
        history = [
            b
            for b in self.state.history(psn_no)
            if b["mdtrt"][0] != mdtrt_id and b["mdtrt"][BEGNTIME] >= since
        ]
        if self.settings.prune_history:
            history = _relevant(judge, history, bundle["fee"])
        own_lines = {r[FEE.feedetl_sn] for r in bundle["fee"]}
        codes = sorted({c for r in bundle["fee"] for c in trace_codes(r)})
        known_lines = own_lines | {r[FEE.feedetl_sn] for b in history for r in b["fee"]}
        # earlier sales of the same packs: each line with its encounter and settlement (another
        # person's encounter comes in with that one line only)
        sales: dict[str, dict[str, Any]] = {b["mdtrt"][0]: b for b in history}
        for sale in self.state.trace_sales(codes):
            line = sale["fee"][0]
            if line[FEE.feedetl_sn] in known_lines or sale["mdtrt"][0] == mdtrt_id:
                continue
            known_lines.add(line[FEE.feedetl_sn])
            sales.setdefault(
                sale["mdtrt"][0], {"mdtrt": sale["mdtrt"], "setl": sale["setl"], "diag": [], "fee": []}
            )
            sales[sale["mdtrt"][0]]["fee"].append(line)
        history = list(sales.values())

        def tables(with_request: bool) -> dict[str, list[Row]]:
            parts = [*history, *([bundle] if with_request else [])]
            return {
                "psn": [psn],
                "death": deaths,
                "mdtrt": [b["mdtrt"] for b in parts],
                "setl": [r for b in parts for r in b["setl"]],
                "diag": [r for b in parts for r in b["diag"]],
                "fee": [r for b in parts for r in b["fee"]],
            }

        found = judge.run(tables(True))
        own = [
            f for f in found if f.feedetl_sn in own_lines or (f.level != "line" and f.mdtrt_id == mdtrt_id)
        ]
        other = [f for f in found if f not in own and f.psn_no == psn_no]
        if other:  # only what this settlement causes: not there without it
            before = {f.finding_id for f in judge.run(tables(False))}
            own += [f for f in other if f.finding_id not in before]
        return sorted(own, key=lambda f: (f.grade != Grade.DEFINITE, -f.amount, f.detector, f.finding_id))

    def precheck(self, req: PrecheckRequest) -> Decision:
        """事中审核: judge one settlement; record it when paid; the same request id gets the same answer."""
        start = time.perf_counter()
        stored = self.state.decision(req.request_id)
        if stored is not None:
            return self._replay(stored, start)
        judges = self.judges
        judge = judges.in_
        psn, deaths = self._person_rows(judge, req.person)
        mdtrt, diag = self._encounter_rows(judge, psn[0], req.encounter)
        enc = as_dict("mdtrt", mdtrt)
        setl = req.settlement.model_dump()
        setl.update(
            mdtrt_id=enc["mdtrt_id"],
            psn_no=enc["psn_no"],
            fixmedins_code=enc["fixmedins_code"],
            setl_time=_t(req.settlement.setl_time),
        )
        bundle = {
            "mdtrt": mdtrt,
            "setl": [as_row("setl", setl)],
            "diag": diag,
            "fee": self._fee_rows(req.fee, enc),
        }
        codes = sorted({c for line in req.fee for c in line.drug_trac_codg})
        with self.state.lock([f"psn:{enc['psn_no']}", *(f"trace:{c}" for c in codes)]):
            stored = self.state.decision(req.request_id)
            if stored is not None:
                return self._replay(stored, start)
            findings = self._judge(judge, psn, deaths, bundle)
            verdict = (
                "refuse"
                if any(f.grade == Grade.DEFINITE for f in findings)
                else "warn"
                if findings
                else "pass"
            )
            out = [_finding_out(f) for f in findings]
            decision = Decision(
                request_id=req.request_id,
                decision=verdict,
                decision_label=DECISION_LABELS[verdict],
                findings=out,
                knowledge_version=judges.knowledge.version,
                elapsed_ms=0.0,
            )
            body = decision.model_dump_json()
            entry = {
                "request_id": req.request_id,
                "decided_at": _t(datetime.now()),
                "stage": "in",
                "decision": verdict,
                "findings": [f.model_dump(mode="json") for f in out],
                "psn_no": enc["psn_no"],
                "mdtrt_id": enc["mdtrt_id"],
                "fixmedins_code": enc["fixmedins_code"],
                "bundle": bundle,
                "settled": verdict != "refuse",
            }
            self.state.record(bundle, entry, settled=verdict != "refuse")
            first = self.state.save_decision(req.request_id, body)
        if first != body:
            return self._replay(first, start)
        decision.elapsed_ms = round((time.perf_counter() - start) * 1000, 3)
        return decision

    def _replay(self, stored: str, start: float) -> Decision:
        decision = Decision.model_validate_json(stored)
        decision.replay = True
        decision.elapsed_ms = round((time.perf_counter() - start) * 1000, 3)
        return decision

    def prescribe(self, req: PrescribeRequest) -> PrescribeResponse:
        """事前提醒: the pre-stage rules over the orders being written; reminders only, nothing stored."""
        start = time.perf_counter()
        judges = self.judges
        judge = judges.pre
        psn, deaths = self._person_rows(judge, req.person)
        mdtrt, diag = self._encounter_rows(judge, psn[0], req.encounter)
        lines = [
            FeeLine(
                feedetl_sn=o.feedetl_sn or f"ORDER{i + 1}",
                fee_ocur_time=req.encounter.begntime,
                med_list_codg=o.med_list_codg,
                list_type=o.list_type,
                cnt=o.cnt,
                pric=o.pric,
                bilg_dept_codg=o.bilg_dept_codg,
                bilg_dr_codg=o.bilg_dr_codg,
            )
            for i, o in enumerate(req.orders)
        ]
        if len({line.feedetl_sn for line in lines}) != len(lines):
            raise InputProblem("orders", "医嘱编号重复", "duplicate order feedetl_sn")
        bundle = {
            "mdtrt": mdtrt,
            "setl": [],
            "diag": diag,
            "fee": self._fee_rows(lines, as_dict("mdtrt", mdtrt)),
        }
        findings = self._judge(judge, psn, deaths, bundle)
        verdict = "warn" if findings else "pass"
        return PrescribeResponse(
            request_id=req.request_id,
            decision=verdict,
            decision_label="提醒" if findings else "通过",
            findings=[_finding_out(f) for f in findings],
            knowledge_version=judges.knowledge.version,
            elapsed_ms=round((time.perf_counter() - start) * 1000, 3),
        )

    def close(self) -> None:
        try:
            while self.flush() > 0:
                pass
        finally:
            self.state.close()
