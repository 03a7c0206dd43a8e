"""What the console shows, read from the DuckDB store over short-lived read-only connections.

`yibao ingest` and `yibao screen` may write the store while the server runs: each read opens the
file read-only, copies the few rows a page needs and closes it again, retrying briefly while a
writer holds the file. Money is summed in DuckDB (DECIMAL) and handed to the templates as Decimal.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from yibao.findings import VIOLATION_LABELS, Grade, Violation

__all__ = [
    "FINDING_SELECT",
    "FINDING_SORTS",
    "GRADE_LABELS",
    "LEVEL_LABELS",
    "PAGE_SIZE",
    "EncounterView",
    "FindingFilter",
    "FindingRow",
    "FindingsPage",
    "InstitutionView",
    "Overview",
    "Store",
    "StoreBusy",
    "finding_rows",
    "has_table",
    "rows_as_dicts",
    "violation_label",
]

T = TypeVar("T")
PAGE_SIZE = 50
FINDING_SORTS = {
    "amount": "f.amount",
    "score": "f.score",
    "violation": "f.violation",
    "institution": "f.fixmedins_code",
}
GRADE_LABELS = {Grade.DEFINITE.value: "明确违规", Grade.SUSPECT.value: "可疑"}
LEVEL_LABELS = {
    "line": "费用明细",
    "encounter": "就诊",
    "person": "参保人",
    "practitioner": "医师",
    "institution": "机构",
}


# Money at risk counts each suspect yuan once: per encounter, the larger of its fee-line findings (a
# line hit by several rules counts its largest amount) and its largest encounter-level finding.
# Person, practitioner and institution findings summarise those same encounters, so they are
# counted as findings but not added again.
def _per_encounter_sql(cond: str = "") -> str:
    return f"""
    SELECT mdtrt_id, any_value(fixmedins_code) AS fixmedins_code,
           greatest(coalesce(sum(line_amt), 0), coalesce(max(enc_amt), 0)) AS at_risk FROM (
        SELECT f.mdtrt_id, f.feedetl_sn, any_value(f.fixmedins_code) AS fixmedins_code,
               max(f.amount) FILTER (WHERE f.feedetl_sn IS NOT NULL) AS line_amt,
               max(f.amount) FILTER (WHERE f.feedetl_sn IS NULL) AS enc_amt
        FROM findings f WHERE f.mdtrt_id IS NOT NULL {cond}
        GROUP BY f.mdtrt_id, f.feedetl_sn
    ) GROUP BY mdtrt_id"""


def _at_risk_sql(cond: str = "") -> str:
    return f"SELECT coalesce(sum(at_risk), 0) FROM ({_per_encounter_sql(cond)})"


def violation_label(code: str | None) -> str:
    try:
        return VIOLATION_LABELS[Violation(code or "")]
    except ValueError:
        return code or ""


class StoreBusy(Exception):
    """The store is being written by another process for longer than a page may wait."""


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'",
        [name],
    ).fetchone()
    return bool(row and row[0])


def rows_as_dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cols = [d[0] for d in cur.description or []]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


@dataclass(frozen=True)
class Overview:
    fund_pay: Decimal
    medfee: Decimal
    settlements: int
    findings: int
    at_risk: Decimal
    definite_amount: Decimal
    institutions_flagged: int
    by_violation: list[dict[str, Any]]
    monthly: list[dict[str, Any]]
    top_institutions: list[dict[str, Any]]
    has_scores: bool
    by_district: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class FindingFilter:
    violation: str | None = None
    fixmedins_code: str | None = None
    grade: str | None = None
    level: str | None = None
    mdtrt_id: str | None = None
    sort: str = "amount"
    desc: bool = True
    page: int = 1


@dataclass(frozen=True)
class FindingRow:
    finding_id: str
    violation: str
    violation_label: str
    detector: str
    level: str
    level_label: str
    feedetl_sn: str | None
    mdtrt_id: str | None
    psn_no: str | None
    prac_code: str | None
    fixmedins_code: str | None
    fixmedins_name: str | None
    amount: Decimal
    score: float
    grade: str
    grade_label: str
    evidence: str


@dataclass(frozen=True)
class FindingsPage:
    rows: list[FindingRow]
    total: int
    total_amount: Decimal
    page: int
    pages: int


@dataclass(frozen=True)
class InstitutionView:
    info: dict[str, Any]
    risk: dict[str, Any] | None
    reasons: list[str]
    by_violation: list[dict[str, Any]]
    encounters: list[dict[str, Any]]
    fund_pay: Decimal
    findings: int
    at_risk: Decimal
    peers: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class EncounterView:
    encounter: dict[str, Any]
    person: dict[str, Any]
    settlements: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    findings: list[FindingRow]


def finding_rows(raw: list[dict[str, Any]]) -> list[FindingRow]:
    return [
        FindingRow(
            finding_id=r["finding_id"],
            violation=r["violation"],
            violation_label=violation_label(r["violation"]),
            detector=r["detector"],
            level=r["level"],
            level_label=LEVEL_LABELS.get(r["level"], r["level"]),
            feedetl_sn=r["feedetl_sn"],
            mdtrt_id=r["mdtrt_id"],
            psn_no=r["psn_no"],
            prac_code=r["prac_code"],
            fixmedins_code=r["fixmedins_code"],
            fixmedins_name=r.get("fixmedins_name"),
            amount=r["amount"] if r["amount"] is not None else Decimal("0"),
            score=float(r["score"] or 0.0),
            grade=r["grade"],
            grade_label=GRADE_LABELS.get(r["grade"], r["grade"]),
            evidence=r["evidence"] or "",
        )
        for r in raw
    ]


FINDING_SELECT = """
SELECT f.finding_id, f.violation, f.detector, f.level, f.feedetl_sn, f.mdtrt_id, f.psn_no, f.prac_code,
       f.fixmedins_code, m.fixmedins_name, f.amount, f.score, f.grade, f.evidence
FROM findings f LEFT JOIN medins m ON m.fixmedins_code = f.fixmedins_code
"""


class Store:
    """Read-only access to one store file; `lock` is shared with the review service's own writes."""

    def __init__(self, path: Path, lock: Any = None, wait_s: float = 5.0) -> None:
        self.path = Path(path)
        self.lock = lock
        self.wait_s = wait_s
        self._cache: dict[str, tuple[float, Any]] = {}
        self._cache_lock = threading.Lock()

    def read(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Open read-only (waiting while a writer holds the file), run `work`, close again."""
        deadline = time.monotonic() + self.wait_s
        with self.lock if self.lock is not None else nullcontext():
            while True:
                try:
                    con = duckdb.connect(str(self.path), read_only=True)
                    break
                except (duckdb.IOException, duckdb.ConnectionException) as exc:
                    if time.monotonic() > deadline:
                        raise StoreBusy(str(exc)) from exc
                    time.sleep(0.1)
            try:
                return work(con)
            finally:
                con.close()

    def _cached(self, key: str, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Aggregates over the whole store, recomputed when the file changes."""
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            mtime = -1.0
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit is not None and hit[0] == mtime:
            return hit[1]  # type: ignore[no-any-return]
        value = self.read(work)
        with self._cache_lock:
            self._cache[key] = (mtime, value)
        return value

    # --- overview ---------------------------------------------------------------------------------

    def overview(self, top: int = 10) -> Overview:
        return self._cached(f"overview:{top}", lambda con: _overview(con, top))

    def institutions(self) -> list[dict[str, Any]]:
        return self._cached(
            "institutions",
            lambda con: rows_as_dicts(
                con.execute("SELECT fixmedins_code, fixmedins_name FROM medins ORDER BY fixmedins_code")
            ),
        )

    # --- findings ---------------------------------------------------------------------------------

    def findings(
        self, flt: FindingFilter, *, scope: str | None = None, page_size: int = PAGE_SIZE
    ) -> FindingsPage:
        where, params = [], []
        for col, value in (
            ("f.violation", flt.violation),
            ("f.fixmedins_code", flt.fixmedins_code),
            ("f.grade", flt.grade),
            ("f.level", flt.level),
            ("f.mdtrt_id", flt.mdtrt_id),
            ("f.fixmedins_code", scope),
        ):
            if value:
                where.append(f"{col} = ?")
                params.append(value)
        cond = ("WHERE " + " AND ".join(where)) if where else ""
        order = FINDING_SORTS.get(flt.sort, "f.amount")
        direction = "DESC" if flt.desc else "ASC"

        def work(con: duckdb.DuckDBPyConnection) -> FindingsPage:
            total, amount = con.execute(
                f"SELECT count(*), coalesce(sum(amount), 0) FROM findings f {cond}", params
            ).fetchone() or (0, Decimal(0))
            pages = max(1, -(-int(total) // page_size))
            page = min(max(1, flt.page), pages)
            rows = rows_as_dicts(
                con.execute(
                    f"{FINDING_SELECT} {cond} ORDER BY {order} {direction} NULLS LAST, f.finding_id "
                    f"LIMIT {page_size} OFFSET {(page - 1) * page_size}",
                    params,
                )
            )
            return FindingsPage(finding_rows(rows), int(total), Decimal(amount), page, pages)

        return self.read(work)

    # --- drill-down -------------------------------------------------------------------------------

    def institution(self, code: str, encounters: int = 50) -> InstitutionView | None:
        return self.read(lambda con: _institution(con, code, encounters))

    def encounter(self, mdtrt_id: str) -> EncounterView | None:
        return self.read(lambda con: _encounter(con, mdtrt_id))


def _overview(con: duckdb.DuckDBPyConnection, top: int) -> Overview:
    fund, medfee, setl_n = con.execute(
        "SELECT coalesce(sum(fund_pay_sumamt), 0), coalesce(sum(medfee_sumamt), 0), count(*) FROM setl"
    ).fetchone() or (0, 0, 0)
    n, definite, flagged = con.execute(
        "SELECT count(*), coalesce(sum(amount) FILTER (WHERE grade = 'definite'), 0), "
        "count(DISTINCT fixmedins_code) FROM findings"
    ).fetchone() or (0, 0, 0)
    at_risk = con.execute(_at_risk_sql()).fetchone()
    by_violation = rows_as_dicts(
        con.execute(
            "SELECT violation, count(*) AS n, coalesce(sum(amount), 0) AS amount, "
            "count(*) FILTER (WHERE grade = 'definite') AS definite FROM findings "
            "GROUP BY violation ORDER BY amount DESC, violation"
        )
    )
    for row in by_violation:
        row["label"] = violation_label(row["violation"])
    monthly = rows_as_dicts(
        con.execute(
            f"""
            WITH s AS (SELECT strftime(setl_time, '%Y-%m') AS month, sum(fund_pay_sumamt) AS fund_pay
                       FROM setl GROUP BY 1),
                 r AS (SELECT strftime(e.begntime, '%Y-%m') AS month, sum(p.at_risk) AS at_risk
                       FROM ({_per_encounter_sql()}) p JOIN mdtrt e ON e.mdtrt_id = p.mdtrt_id GROUP BY 1),
                 n AS (SELECT strftime(e.begntime, '%Y-%m') AS month, count(*) AS n
                       FROM findings f JOIN mdtrt e ON e.mdtrt_id = f.mdtrt_id GROUP BY 1),
                 f AS (SELECT coalesce(r.month, n.month) AS month, r.at_risk, n.n
                       FROM r FULL JOIN n ON r.month = n.month)
            SELECT coalesce(s.month, f.month) AS month, coalesce(s.fund_pay, 0) AS fund_pay,
                   coalesce(f.at_risk, 0) AS at_risk, coalesce(f.n, 0) AS findings
            FROM s FULL JOIN f ON s.month = f.month WHERE coalesce(s.month, f.month) IS NOT NULL ORDER BY 1
            """
        )
    )
    has_scores = has_table(con, "risk_scores")
    risk_join = (
        "LEFT JOIN (SELECT entity_key, risk, rank FROM risk_scores WHERE level = 'institution') r "
        "ON r.entity_key = m.fixmedins_code"
        if has_scores
        else "LEFT JOIN (SELECT NULL::VARCHAR entity_key, NULL::DOUBLE risk, NULL::BIGINT rank) r ON false"
    )
    top_inst = rows_as_dicts(
        con.execute(
            f"""
            SELECT m.fixmedins_code, m.fixmedins_name, r.risk, r.rank,
                   coalesce(fa.n, 0) AS findings, coalesce(ra.amount, 0) AS amount
            FROM medins m {risk_join}
            LEFT JOIN (SELECT fixmedins_code, count(*) n FROM findings GROUP BY 1) fa
              ON fa.fixmedins_code = m.fixmedins_code
            LEFT JOIN (SELECT fixmedins_code, sum(at_risk) amount FROM ({_per_encounter_sql()}) GROUP BY 1) ra
              ON ra.fixmedins_code = m.fixmedins_code
            WHERE r.risk IS NOT NULL OR fa.n > 0
            ORDER BY r.risk DESC NULLS LAST, amount DESC, m.fixmedins_code
            LIMIT {int(top)}
            """
        )
    )
    by_district = rows_as_dicts(
        con.execute(
            f"""
            WITH fp AS (SELECT fixmedins_code, sum(fund_pay_sumamt) AS fund_pay FROM setl GROUP BY 1),
                 ra AS (SELECT fixmedins_code, sum(at_risk) AS at_risk FROM ({_per_encounter_sql()}) GROUP BY 1),
                 fn AS (SELECT fixmedins_code, count(*) AS n FROM findings GROUP BY 1)
            SELECT m.admdvs, any_value(m.city) AS city, count(*) AS institutions,
                   coalesce(sum(fp.fund_pay), 0) AS fund_pay, coalesce(sum(ra.at_risk), 0) AS at_risk,
                   coalesce(sum(fn.n), 0) AS findings
            FROM medins m LEFT JOIN fp USING (fixmedins_code) LEFT JOIN ra USING (fixmedins_code)
            LEFT JOIN fn USING (fixmedins_code)
            GROUP BY m.admdvs ORDER BY m.admdvs
            """
        )
    )
    for row in by_district:
        fund_pay = Decimal(row["fund_pay"] or 0)
        row["share"] = float(Decimal(row["at_risk"] or 0) / fund_pay) if fund_pay else 0.0
    return Overview(
        by_district=by_district,
        fund_pay=Decimal(fund),
        medfee=Decimal(medfee),
        settlements=int(setl_n),
        findings=int(n),
        at_risk=Decimal(at_risk[0] if at_risk else 0),
        definite_amount=Decimal(definite),
        institutions_flagged=int(flagged),
        by_violation=by_violation,
        monthly=monthly,
        top_institutions=top_inst,
        has_scores=has_scores,
    )


def _institution(con: duckdb.DuckDBPyConnection, code: str, limit: int) -> InstitutionView | None:
    info = rows_as_dicts(
        con.execute("SELECT * EXCLUDE (_extra, _batch) FROM medins WHERE fixmedins_code = ?", [code])
    )
    if not info:
        return None
    risk, reasons = None, []
    if has_table(con, "risk_scores"):
        found = rows_as_dicts(
            con.execute(
                "SELECT risk, rule, iso, sup, rank, reasons, "
                "(SELECT count(*) FROM risk_scores WHERE level = 'institution') AS of "
                "FROM risk_scores WHERE level = 'institution' AND entity_key = ?",
                [code],
            )
        )
        if found:
            risk = found[0]
            reasons = [
                re.sub(r"^\d+\.\s*", "", p.strip())
                for p in re.split(r"[；;\n](?=\s*\d+\.\s)", str(risk.get("reasons") or ""))
                if p.strip()
            ]
    by_violation = rows_as_dicts(
        con.execute(
            "SELECT violation, count(*) AS n, coalesce(sum(amount), 0) AS amount FROM findings "
            "WHERE fixmedins_code = ? GROUP BY violation ORDER BY amount DESC, violation",
            [code],
        )
    )
    for row in by_violation:
        row["label"] = violation_label(row["violation"])
    encounters = rows_as_dicts(
        con.execute(
            f"""
            SELECT f.mdtrt_id, e.med_type, e.begntime, e.endtime, e.dise_name, count(*) AS findings,
                   sum(f.amount) AS amount, max(f.score) AS score,
                   string_agg(DISTINCT f.violation, ',' ORDER BY f.violation) AS violations
            FROM findings f LEFT JOIN mdtrt e ON e.mdtrt_id = f.mdtrt_id
            WHERE f.fixmedins_code = ? AND f.mdtrt_id IS NOT NULL
            GROUP BY ALL ORDER BY amount DESC NULLS LAST, f.mdtrt_id LIMIT {int(limit)}
            """,
            [code],
        )
    )
    for row in encounters:
        row["labels"] = [violation_label(v) for v in str(row["violations"] or "").split(",") if v]
    fund = con.execute(
        "SELECT coalesce(sum(fund_pay_sumamt), 0) FROM setl WHERE fixmedins_code = ?", [code]
    ).fetchone()
    n = con.execute("SELECT count(*) FROM findings WHERE fixmedins_code = ?", [code]).fetchone()
    at_risk = con.execute(_at_risk_sql("AND f.fixmedins_code = ?"), [code]).fetchone()
    peers = []
    if has_table(con, "risk_scores"):
        peers = rows_as_dicts(
            con.execute(
                """
                SELECT m.fixmedins_code, m.fixmedins_name, r.risk FROM medins m
                JOIN risk_scores r ON r.level = 'institution' AND r.entity_key = m.fixmedins_code
                WHERE m.fixmedins_type = (SELECT fixmedins_type FROM medins WHERE fixmedins_code = ?)
                ORDER BY r.risk DESC, m.fixmedins_code LIMIT 15
                """,
                [code],
            )
        )
    return InstitutionView(
        info=info[0],
        risk=risk,
        reasons=reasons,
        by_violation=by_violation,
        encounters=encounters,
        fund_pay=Decimal(fund[0] if fund else 0),
        findings=int(n[0] if n else 0),
        at_risk=Decimal(at_risk[0] if at_risk else 0),
        peers=peers,
    )


def _encounter(con: duckdb.DuckDBPyConnection, mdtrt_id: str) -> EncounterView | None:
    enc = rows_as_dicts(
        con.execute(
            "SELECT e.* EXCLUDE (_extra, _batch), m.fixmedins_name FROM mdtrt e "
            "LEFT JOIN medins m ON m.fixmedins_code = e.fixmedins_code WHERE e.mdtrt_id = ?",
            [mdtrt_id],
        )
    )
    if not enc:
        return None
    person = rows_as_dicts(
        con.execute(
            "SELECT psn_no, psn_name, certno, gend, brdy, insutype FROM psn WHERE psn_no = ?",
            [enc[0]["psn_no"]],
        )
    )
    settlements = rows_as_dicts(
        con.execute(
            "SELECT setl_id, setl_time, medfee_sumamt, fund_pay_sumamt, hifp_pay, acct_pay, psn_cash_pay, "
            "refd_setl_flag FROM setl WHERE mdtrt_id = ? ORDER BY setl_time",
            [mdtrt_id],
        )
    )
    lines = rows_as_dicts(
        con.execute(
            """
            SELECT l.feedetl_sn, l.fee_ocur_time, l.med_list_codg, c.name AS item_name, l.list_type, l.cnt,
                   l.pric, l.det_item_fee_sumamt, l.bilg_dept_codg, l.bilg_dr_codg
            FROM fee l
            LEFT JOIN (SELECT med_list_codg, any_value(name) AS name FROM catalog GROUP BY 1) c
              ON c.med_list_codg = l.med_list_codg
            WHERE l.mdtrt_id = ? ORDER BY l.fee_ocur_time, l.feedetl_sn
            """,
            [mdtrt_id],
        )
    )
    findings = finding_rows(
        rows_as_dicts(
            con.execute(
                f"{FINDING_SELECT} WHERE f.mdtrt_id = ? OR f.feedetl_sn IN "
                "(SELECT feedetl_sn FROM fee WHERE mdtrt_id = ?) ORDER BY f.amount DESC, f.finding_id",
                [mdtrt_id, mdtrt_id],
            )
        )
    )
    per_line: dict[str, list[FindingRow]] = {}
    for f in findings:
        if f.feedetl_sn:
            per_line.setdefault(f.feedetl_sn, []).append(f)
    for line in lines:
        line["findings"] = per_line.get(line["feedetl_sn"], [])
    return EncounterView(
        encounter=enc[0],
        person=person[0] if person else {"psn_no": enc[0]["psn_no"]},
        settlements=settlements,
        lines=lines,
        findings=findings,
    )
