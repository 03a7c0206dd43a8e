"""Run the same rule files on Spark: the province-scale engine (省级部署).

Nothing here re-implements a rule. The prelude and each rule's SQL are parsed as
DuckDB SQL and written as Spark SQL by sqlglot; parameters are bound as literals
first. Contract tables come from wherever the cluster keeps them (Parquet on HDFS,
Hive tables) as temp views of the contract's names; `load_from_duckdb` is the
bridge used by the parity tests. PySpark is an optional dependency (`.[spark]`).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import sqlglot
from sqlglot import exp

from yibao.contract import CONTRACT
from yibao.rules.engine import PRELUDE, RuleRun, split_statements, to_findings
from yibao.rules.loader import PARAM_RE
from yibao.rules.model import Rule

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "load_from_duckdb",
    "local_session",
    "prepare_spark",
    "run_rule_spark",
    "screen_on_spark",
    "to_spark_sql",
]


def local_session(app: str = "yibao-guard") -> SparkSession:
    """A small local Spark for tests and laptops: 2 cores, no UI, Asia/Shanghai naive times."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.appName(app)
        .master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "Asia/Shanghai")
        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def to_spark_sql(sql: str, values: dict[str, Any] | None = None) -> str:
    """DuckDB-dialect SQL with `:name` parameters → Spark SQL text."""
    bound = PARAM_RE.sub(lambda m: _literal((values or {})[m.group(1)]), sql.strip().rstrip(";"))
    return sqlglot.transpile(bound, read="duckdb", write="spark")[0]


def load_from_duckdb(
    spark: SparkSession, con: duckdb.DuckDBPyConnection, workdir: Path | None = None
) -> None:
    """Expose the store's contract tables to Spark as temp views, through Parquet files."""
    spark.catalog.clearCache()  # intermediates of an earlier dataset must not linger
    folder = Path(workdir or tempfile.mkdtemp(prefix="yibao-spark-"))
    for name in CONTRACT.names:
        path = folder / f"{name}.parquet"
        con.execute(f"COPY (SELECT * FROM {name}) TO '{path}' (FORMAT parquet)")
        spark.read.parquet(str(path)).createOrReplaceTempView(name)


def prepare_spark(spark: SparkSession) -> None:
    """The prelude's intermediates as cached Spark views, statement by statement."""
    for path in sorted(PRELUDE.glob("*.sql")):
        for stmt in split_statements(path.read_text(encoding="utf-8")):
            tree = sqlglot.parse_one(stmt, read="duckdb")
            if not isinstance(tree, exp.Create) or not isinstance(tree.expression, exp.Query):
                raise ValueError(f"{path.name}: prelude statements must be CREATE … AS SELECT")
            name = tree.this.name if isinstance(tree.this, exp.Table) else tree.this.this.name
            frame = spark.sql(tree.expression.sql(dialect="spark"))
            if str(tree.args.get("kind", "")).upper() != "VIEW":
                # A local checkpoint materialises the intermediate and cuts its lineage: later views
                # and self-joins then analyse a scan, not the whole plan behind it. A prelude VIEW
                # stays a view, as on the embedded engine.
                frame = frame.localCheckpoint(eager=True)
            frame.createOrReplaceTempView(name)


def run_rule_spark(spark: SparkSession, rule: Rule, params: dict[str, Any] | None = None) -> RuleRun:
    """Run one rule on Spark and map its rows exactly as the embedded engine does."""
    start = time.perf_counter()
    values = rule.bound(params)
    frame = spark.sql(to_spark_sql(rule.sql, values))
    rows = [tuple(r) for r in frame.collect()]
    return RuleRun(rule, to_findings(rule, frame.columns, rows, values), time.perf_counter() - start)


def screen_on_spark(spark: SparkSession, rules: list[Rule] | tuple[Rule, ...], out: str) -> dict[str, int]:
    """Prepare, run every rule and write all findings as Parquet; returns findings per rule."""
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    from yibao.findings import FINDING_COLUMNS

    prepare_spark(spark)
    rows: list[dict[str, object]] = []
    counts: dict[str, int] = {}
    for rule in rules:
        run = run_rule_spark(spark, rule)
        counts[rule.detector] = len(run.findings)
        rows.extend(f.as_row() for f in run.findings)
    schema = StructType(
        [StructField(c, DoubleType() if c in ("amount", "score") else StringType()) for c in FINDING_COLUMNS]
    )
    spark.createDataFrame([tuple(r[c] for c in FINDING_COLUMNS) for r in rows], schema).write.mode(
        "overwrite"
    ).parquet(out)
    return counts


def main(argv: list[str] | None = None) -> None:
    """`spark-submit -m yibao.rules.spark --data DIR --out DIR`: screen contract tables kept as Parquet.

    DIR holds one Parquet file or folder per contract table (`fee/`, `mdtrt/`, …), as a province's
    data platform exports them; findings are written as Parquet in the contract's shape.
    """
    import argparse

    from pyspark.sql import SparkSession

    from yibao.rules.loader import load_library

    ap = argparse.ArgumentParser(prog="yibao.rules.spark")
    ap.add_argument("--data", required=True, help="folder or URI with one Parquet table per contract table")
    ap.add_argument("--out", required=True, help="where to write findings (Parquet), a path or URI")
    ap.add_argument("--local", action="store_true", help="run a local[2] session instead of the cluster's")
    args = ap.parse_args(argv)
    spark = local_session() if args.local else SparkSession.builder.appName("yibao-guard").getOrCreate()
    from pyspark.errors import AnalysisException

    base = args.data.rstrip("/")
    for spec in CONTRACT.tables:
        frame = None
        for candidate in (f"{base}/{spec.name}", f"{base}/{spec.name}.parquet"):
            try:
                frame = spark.read.parquet(candidate)
                break
            except AnalysisException:
                continue
        if frame is not None:
            frame.createOrReplaceTempView(spec.name)
        elif spec.optional:  # an absent optional table is an empty one, as in the embedded store
            ddl = ", ".join(f"`{f.name}` {f.sql_type.replace('VARCHAR', 'STRING')}" for f in spec.fields)
            spark.createDataFrame([], ddl).createOrReplaceTempView(spec.name)
        else:
            raise SystemExit(f"缺少表 / missing table: {spec.name} under {args.data}")
    counts = screen_on_spark(spark, load_library(), args.out)
    for detector, n in counts.items():
        print(f"{detector}\t{n}")


if __name__ == "__main__":
    main()
