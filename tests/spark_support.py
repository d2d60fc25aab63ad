"""Helpers of the Spark parity tests: one local SparkSession per test session, and the comparison of
the Spark job's rows with DuckDB's."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from analyzer import spark as spark_pkg
from analyzer.workspace import Workspace

REASON = spark_pkg.missing()
needs_spark = pytest.mark.skipif(REASON is not None, reason=f"Spark parity tests skipped: {REASON}")

# Settings for tiny inputs in local mode: one shuffle partition, no web UI or console progress.
TEST_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.log.level": "ERROR",
    # The translated network and chain queries plan large on the driver (1g, the default, ran out
    # of heap on a loaded machine), and one session runs every job of the parity tests: from the
    # second job on, the heap holds 2.2 GB after a full GC, then about 25 MB more per job (measured
    # on a golden case, 8 jobs in one session; dropping the views and unpersisting the checkpoints
    # after each job changed nothing). 4g ran out at the 26th to 32nd of the 42 tests in CI.
    "spark.driver.memory": "8g",
    # each SQL execution's plan and metrics are kept for the UI, which the tests do not show
    "spark.sql.ui.retainedExecutions": "10",
    "spark.ui.retainedJobs": "10",
    "spark.ui.retainedStages": "10",
    "spark.ui.retainedTasks": "100",
}
KEY = ("entity_id", "domain", "service", "provider_id", "observed_on")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def normalise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows sorted by the grain, dates as text, evidence as parsed JSON (its text is compared too)."""
    out = []
    for r in rows:
        row = {k: _plain(v) for k, v in r.items()}
        if isinstance(row.get("evidence"), str):
            row["evidence"] = json.loads(row["evidence"])
        out.append(row)
    return sorted(out, key=lambda r: tuple(str(r.get(k)) for k in KEY))


def duckdb_rows(ws: Workspace, view: str = "int_entity_services") -> list[dict[str, Any]]:
    return ws.rows(f"select * from {view}")


def spark_rows(spark: Any, output: Path, name: str = "attr_entity_services") -> list[dict[str, Any]]:
    return [r.asDict(recursive=True) for r in spark.read.parquet((output / name).as_posix()).collect()]


def assert_same_rows(duck: list[dict[str, Any]], spark: list[dict[str, Any]], label: str) -> None:
    """Row for row after a stable sort; the first difference is named with its key."""
    a, b = normalise(duck), normalise(spark)
    assert [list(r) for r in a[:1]] == [list(r) for r in b[:1]] or not a, f"{label}: columns differ"
    keys_a = [tuple(r[k] for k in KEY) for r in a]
    keys_b = [tuple(r[k] for k in KEY) for r in b]
    missing = sorted(set(keys_a) - set(keys_b), key=str)
    extra = sorted(set(keys_b) - set(keys_a), key=str)
    assert not missing and not extra, f"{label}: rows only in DuckDB {missing[:5]}, only in Spark {extra[:5]}"
    for ra, rb in zip(a, b, strict=True):
        diff = {k: (ra[k], rb.get(k)) for k in ra if ra[k] != rb.get(k)}
        assert not diff, f"{label}: row {tuple(ra[k] for k in KEY)} differs (duckdb, spark): {diff}"
    assert len(a) == len(b)
