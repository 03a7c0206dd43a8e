"""The same rule files on Spark give the same findings as the embedded engine on the same data."""

from __future__ import annotations

import pytest

from yibao.ingest import ingest
from yibao.rules import load_library
from yibao.rules.engine import prepare, run_rule
from yibao.rules.spark import load_from_duckdb, local_session, prepare_spark, run_rule_spark
from yibao.store import connect
from yibao.synth import generate

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def city_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("parity")
    generate(root / "city", persons=5000, months=6, seed=7)
    ingest(root / "city", root / "s.duckdb")
    con = connect(root / "s.duckdb")
    prepare(con)
    return con


@pytest.fixture(scope="module")
def spark(city_store, tmp_path_factory):
    session = local_session("yibao-parity")
    load_from_duckdb(session, city_store, tmp_path_factory.mktemp("spark"))
    prepare_spark(session)
    yield session
    session.stop()


def _key(findings):
    return sorted((f.finding_id, f.amount, round(f.score, 6), f.evidence) for f in findings)


def test_every_rule_gives_identical_findings_on_spark(city_store, spark):
    rules = load_library()
    differences = []
    fired = 0
    for rule in rules:
        embedded = run_rule(city_store, rule)
        assert embedded.error is None, f"{rule.id}: {embedded.error}"
        on_spark = run_rule_spark(spark, rule)
        fired += bool(embedded.findings)
        if _key(embedded.findings) != _key(on_spark.findings):
            differences.append(
                f"{rule.id}: embedded {len(embedded.findings)} vs spark {len(on_spark.findings)} findings"
            )
    assert not differences, "\n".join(differences)
    assert fired >= len(rules) // 2  # the comparison is not between two empty sets
