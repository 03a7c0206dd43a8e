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


# Money at risk without double counting: a line hit by several rules counts once (its largest
# amount); an encounter counts the larger of its encounter-level amount and its lines' sum.
# Findings about a person, practitioner or institution as a whole (patterns over many encounters)
# are counted in the findings column but not added to money, since their encounters may be the
# same ones the line and encounter rules already counted.
_AT_RISK = """
WITH line AS (
  SELECT {group} AS g, mdtrt_id, feedetl_sn, max(amount) AS amount
  FROM findings WHERE feedetl_sn IS NOT NULL GROUP BY ALL
),
enc_lines AS (SELECT g, mdtrt_id, sum(amount) AS amount FROM line GROUP BY ALL),
enc AS (
  SELECT {group} AS g, mdtrt_id, max(amount) AS amount
  FROM findings WHERE feedetl_sn IS NULL AND mdtrt_id IS NOT NULL GROUP BY ALL
)
SELECT coalesce(l.g, e.g) AS g, sum(greatest(coalesce(l.amount, 0), coalesce(e.amount, 0))) AS amount
FROM enc_lines AS l FULL OUTER JOIN enc AS e ON l.g = e.g AND l.mdtrt_id = e.mdtrt_id
GROUP BY 1
"""


def _at_risk(con: duckdb.DuckDBPyConnection, group: str) -> dict[str, float]:
    return {g: float(a) for g, a in con.execute(_AT_RISK.format(group=group)).fetchall()}


def screening_summary(con: duckdb.DuckDBPyConnection, top: int = 15) -> ScreeningSummary:
    """Counts per violation and institution, with money at risk counted once per line."""
    by_code_amount = _at_risk(con, "violation")
    by_violation = [
        (
            v,
            VIOLATION_LABELS.get(Violation(v), v) if v in Violation.__members__ else v,
            int(n),
            by_code_amount.get(v, 0.0),
            int(d),
        )
        for v, n, d in con.execute(
            """SELECT violation, count(*), count(*) FILTER (WHERE grade = 'definite')
               FROM findings GROUP BY violation"""
        ).fetchall()
    ]
    by_violation.sort(key=lambda r: (-r[3], -r[2], r[0]))
    inst_amount = _at_risk(con, "fixmedins_code")
    rows = con.execute(
        """SELECT f.fixmedins_code, any_value(m.fixmedins_name), count(*),
                  count(*) FILTER (WHERE f.grade = 'definite')
           FROM findings f LEFT JOIN medins m USING (fixmedins_code)
           WHERE f.fixmedins_code IS NOT NULL GROUP BY f.fixmedins_code"""
    ).fetchall()
    by_institution = sorted(
        ((code, name or "", int(n), inst_amount.get(code, 0.0), int(d)) for code, name, n, d in rows),
        key=lambda r: (-r[3], -r[2], r[0]),
    )[:top]
    total = con.execute("SELECT count(*) FROM findings").fetchone()
    assert total is not None
    return ScreeningSummary(by_violation, by_institution, int(total[0]), sum(_at_risk(con, "'all'").values()))
