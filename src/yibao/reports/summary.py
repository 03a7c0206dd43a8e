"""The screening summary inspectors read first: findings and money at risk, by type and by institution."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from yibao.findings import VIOLATION_LABELS, Violation

__all__ = ["ScreeningSummary", "StoreCounts", "screening_summary", "store_counts"]


@dataclass(frozen=True, slots=True)
class StoreCounts:
    """What the store holds, for the header of every summary."""

    persons: int
    institutions: int
    encounters: int
    fee_lines: int
    fund_paid: float
    quarantined: int


@dataclass(frozen=True, slots=True)
class ScreeningSummary:
    """Rows are (key, 中文名, findings, amount, definite findings)."""

    by_violation: list[tuple[str, str, int, float, int]]
    by_institution: list[tuple[str, str, int, float, int]]
    total_findings: int
    total_amount: float


def store_counts(con: duckdb.DuckDBPyConnection) -> StoreCounts:
    row = con.execute(
        """SELECT (SELECT count(*) FROM psn), (SELECT count(*) FROM medins), (SELECT count(*) FROM mdtrt),
                  (SELECT count(*) FROM fee), (SELECT coalesce(sum(fund_pay_sumamt), 0) FROM setl),
                  (SELECT count(*) FROM quarantine)"""
    ).fetchone()
    assert row is not None
    return StoreCounts(int(row[0]), int(row[1]), int(row[2]), int(row[3]), float(row[4]), int(row[5]))


def screening_summary(con: duckdb.DuckDBPyConnection, top: int = 15) -> ScreeningSummary:
    """Amounts are sums of finding amounts (违规金额) as each detector reported them."""
    by_violation = [
        (
            v,
            VIOLATION_LABELS.get(Violation(v), v) if v in Violation.__members__ else v,
            int(n),
            float(a),
            int(d),
        )
        for v, n, a, d in con.execute(
            """SELECT violation, count(*), coalesce(sum(amount), 0), count(*) FILTER (WHERE grade = 'definite')
               FROM findings GROUP BY violation ORDER BY 3 DESC, 1"""
        ).fetchall()
    ]
    by_institution = [
        (code, name or "", int(n), float(a), int(d))
        for code, name, n, a, d in con.execute(
            """SELECT f.fixmedins_code, m.fixmedins_name, count(*), coalesce(sum(f.amount), 0),
                      count(*) FILTER (WHERE f.grade = 'definite')
               FROM findings f LEFT JOIN medins m USING (fixmedins_code)
               WHERE f.fixmedins_code IS NOT NULL
               GROUP BY f.fixmedins_code, m.fixmedins_name ORDER BY 4 DESC, 1 LIMIT ?""",
            [top],
        ).fetchall()
    ]
    total = con.execute("SELECT count(*), coalesce(sum(amount), 0) FROM findings").fetchone()
    assert total is not None
    return ScreeningSummary(by_violation, by_institution, int(total[0]), float(total[1]))
