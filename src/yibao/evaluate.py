"""Score the store's findings against labelled violations (`labels.csv` from `yibao synth`).

Detection quality is measured, never asserted: per violation code, recall,
precision, F1 and money, plus recall within the top 1/2/5 % of ranked entities
for entity-level labels, since inspectors work a ranked list from the top.
A finding matches a label when the violation code agrees and the finding carries
the label's entity key at the label's level (a line finding inside a labelled
encounter matches that encounter).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from yibao.findings import LEVEL_KEYS, VIOLATION_LABELS, Level, Violation

__all__ = ["TOP_PERCENTS", "CodeScore", "Evaluation", "LabelError", "evaluate"]

TOP_PERCENTS = (1, 2, 5)

# Where each level's entities live, to size the ranked population.
_POPULATION = {
    Level.ENCOUNTER: ("mdtrt", "mdtrt_id"),
    Level.PERSON: ("psn", "psn_no"),
    Level.PRACTITIONER: ("practitioner", "prac_code"),
    Level.INSTITUTION: ("medins", "fixmedins_code"),
}
_LABEL_COLUMNS = (
    "violation",
    "level",
    "feedetl_sn",
    "mdtrt_id",
    "psn_no",
    "prac_code",
    "fixmedins_code",
    "amount",
)


class LabelError(ValueError):
    """The labels file cannot be used; the message names the file, row and field."""


@dataclass(frozen=True, slots=True)
class CodeScore:
    """Quality for one violation code."""

    violation: str
    label: str
    labelled: int
    found: int
    findings: int
    true_findings: int
    labelled_amount: float
    found_amount: float
    matched_amount: float
    top_recall: dict[int, float] | None  # percent → recall among the top-ranked entities

    @property
    def recall(self) -> float | None:
        return self.found / self.labelled if self.labelled else None

    @property
    def precision(self) -> float | None:
        return self.true_findings / self.findings if self.findings else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None if p is None or r is None else 0.0
        return 2 * p * r / (p + r)

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d.update(recall=self.recall, precision=self.precision, f1=self.f1)
        return d


@dataclass(frozen=True, slots=True)
class Evaluation:
    """All codes plus micro-averaged totals."""

    codes: list[CodeScore]

    @property
    def labelled(self) -> int:
        return sum(c.labelled for c in self.codes)

    @property
    def found(self) -> int:
        return sum(c.found for c in self.codes)

    @property
    def findings(self) -> int:
        return sum(c.findings for c in self.codes)

    @property
    def true_findings(self) -> int:
        return sum(c.true_findings for c in self.codes)

    def as_dict(self) -> dict[str, object]:
        recall = self.found / self.labelled if self.labelled else None
        precision = self.true_findings / self.findings if self.findings else None
        return {
            "overall": {
                "labelled": self.labelled,
                "found": self.found,
                "findings": self.findings,
                "true_findings": self.true_findings,
                "recall": recall,
                "precision": precision,
            },
            "codes": [c.as_dict() for c in self.codes],
        }


def _load_labels(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    if not path.is_file():
        raise LabelError(f"标签文件不存在 / labels file not found: {path}")
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE raw_labels AS SELECT * FROM read_csv(?, all_varchar = true, header = true)",
            [str(path)],
        )
    except duckdb.Error as exc:
        raise LabelError(f"{path.name}：无法读取标签文件 / unreadable labels file: {exc}") from exc
    cols = {r[0] for r in con.execute("DESCRIBE raw_labels").fetchall()}
    missing = [c for c in ("violation", "level") if c not in cols]
    if missing:
        raise LabelError(f"{path.name}：缺少列 / missing column(s): {', '.join(missing)}")
    select = ", ".join(c if c in cols else f"CAST(NULL AS VARCHAR) AS {c}" for c in _LABEL_COLUMNS)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE lab AS SELECT row_number() OVER () + 1 AS row_no, {select} FROM raw_labels"
    )
    codes = [v.value for v in Violation]
    bad = con.execute(
        "SELECT row_no, violation FROM lab WHERE violation IS NULL OR NOT list_contains(?, violation) LIMIT 1",
        [codes],
    ).fetchone()
    if bad:
        raise LabelError(
            f"{path.name} 第{bad[0]}行 violation：未知违规类型 / unknown violation code {bad[1]!r}"
        )
    for level in Level:
        key = LEVEL_KEYS[level]
        bad = con.execute(
            f"SELECT row_no FROM lab WHERE level = ? AND {key} IS NULL LIMIT 1", [level.value]
        ).fetchone()
        if bad:
            raise LabelError(
                f"{path.name} 第{bad[0]}行 {key}：{level.value}级标签缺少主键 / key missing for level"
            )
    bad = con.execute(
        "SELECT row_no, level FROM lab WHERE NOT list_contains(?, level) LIMIT 1",
        [[lv.value for lv in Level]],
    ).fetchone()
    if bad:
        raise LabelError(f"{path.name} 第{bad[0]}行 level：未知层级 / unknown level {bad[1]!r}")
    bad = con.execute(
        "SELECT row_no FROM lab WHERE amount IS NOT NULL AND TRY_CAST(amount AS DOUBLE) IS NULL LIMIT 1"
    ).fetchone()
    if bad:
        raise LabelError(f"{path.name} 第{bad[0]}行 amount：金额不是数字 / amount is not a number")


def _top_recall(con: duckdb.DuckDBPyConnection, violation: str, level: Level) -> dict[int, float] | None:
    table, key = _POPULATION[level]
    population = con.execute(f"SELECT count(DISTINCT {key}) FROM {table}").fetchone()[0]  # type: ignore[index]
    if not population:
        return None
    ranked = con.execute(
        f"""SELECT {key}, max(score) AS s FROM findings WHERE violation = ? AND {key} IS NOT NULL
            GROUP BY {key} ORDER BY s DESC NULLS LAST, {key}""",
        [violation],
    ).fetchall()
    labelled = {
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT {key} FROM lab WHERE violation = ? AND level = ?", [violation, level.value]
        ).fetchall()
    }
    if not labelled:
        return None
    out = {}
    for pct in TOP_PERCENTS:
        k = math.ceil(population * pct / 100)
        top = {r[0] for r in ranked[:k]}
        out[pct] = len(top & labelled) / len(labelled)
    return out


def evaluate(con: duckdb.DuckDBPyConnection, labels: Path) -> Evaluation:
    """Compare findings in the store with the labels file."""
    _load_labels(con, labels)
    # One equi-join per level keeps matching a hash join even for millions of findings.
    joins = " UNION ALL ".join(
        f"SELECT l.row_no, f.finding_id FROM lab l JOIN findings f ON f.violation = l.violation "
        f"AND l.level = '{level.value}' AND f.{key} = l.{key}"
        for level, key in LEVEL_KEYS.items()
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE matched AS {joins}")
    per_code = con.execute(
        """WITH lab_stats AS (
              SELECT violation, count(*) AS labelled,
                     count(*) FILTER (WHERE row_no IN (SELECT row_no FROM matched)) AS found,
                     coalesce(sum(TRY_CAST(amount AS DOUBLE)), 0) AS labelled_amount,
                     coalesce(sum(TRY_CAST(amount AS DOUBLE)) FILTER (WHERE row_no IN (SELECT row_no FROM matched)), 0)
                       AS matched_amount
              FROM lab GROUP BY violation),
            f_stats AS (
              SELECT violation, count(*) AS findings,
                     count(*) FILTER (WHERE finding_id IN (SELECT finding_id FROM matched)) AS true_findings,
                     coalesce(sum(amount), 0) AS found_amount
              FROM findings GROUP BY violation)
           SELECT coalesce(l.violation, f.violation), coalesce(labelled, 0), coalesce(found, 0),
                  coalesce(findings, 0), coalesce(true_findings, 0), coalesce(labelled_amount, 0),
                  coalesce(found_amount, 0), coalesce(matched_amount, 0)
           FROM lab_stats l FULL OUTER JOIN f_stats f ON l.violation = f.violation
           ORDER BY 1"""
    ).fetchall()
    levels = dict(
        con.execute(
            "SELECT violation, mode(level) FROM lab WHERE level <> 'line' GROUP BY violation"
        ).fetchall()
    )
    codes = []
    for v, labelled, found, findings, true_findings, lab_amt, found_amt, matched_amt in per_code:
        level = levels.get(v)
        codes.append(
            CodeScore(
                violation=v,
                label=VIOLATION_LABELS.get(Violation(v), v) if v in Violation.__members__ else v,
                labelled=int(labelled),
                found=int(found),
                findings=int(findings),
                true_findings=int(true_findings),
                labelled_amount=round(float(lab_amt), 2),
                found_amount=round(float(found_amt), 2),
                matched_amount=round(float(matched_amt), 2),
                top_recall=_top_recall(con, v, Level(level)) if level else None,
            )
        )
    return Evaluation(codes=codes)
