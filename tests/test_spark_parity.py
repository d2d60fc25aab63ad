"""The Spark job answers as DuckDB does: `analyzer export` then the job in local mode give the rows of
DuckDB's live `int_entity_services` (= the stored `attr_entity_services`), row for row, on every golden
case, the demo and a generated 100k-record snapshot. A difference names the first row and column that
differ; when sql/ changes, this is the test that says a translation or an override no longer matches.

Skipped, with the reason, when pyspark or sqlglot (`pip install -e '.[spark]'`) or Java is missing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rich.console import Console
from spark_support import TEST_CONF, assert_same_rows, duckdb_rows, needs_spark, spark_rows
from test_golden import CASES, date_of, inputs

from analyzer import attribution, domain_store
from analyzer.capabilities import kind_names
from analyzer.export import export_parquet
from analyzer.ingest import ingest
from analyzer.workspace import Workspace

pytestmark = needs_spark
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def spark():  # type: ignore[no-untyped-def]
    from analyzer.spark import job

    session = job.session("local[2]", TEST_CONF)
    yield session
    session.stop()


def run_job(spark, ws: Workspace, tmp: Path, extra: tuple[str, ...] = ()) -> Path:  # type: ignore[no-untyped-def]
    from analyzer.spark import job

    export_parquet(ws, tmp / "export")
    job.attribute(spark, tmp / "export", tmp / "out", extra_views=extra)
    return tmp / "out"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_case_same_rows_on_spark(spark, case: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    needed = sorted({kind for kind, _, _ in inputs(case)} - set(kind_names()))
    if needed:
        pytest.skip(f"ingest kind(s) {', '.join(needed)} not in this version yet")
    with Workspace(tmp_path / "case.duckdb") as ws:
        for kind, path, extra in inputs(case):
            ingest(ws, kind, [path], options={"date": date_of(path), **extra})
        out = run_job(spark, ws, tmp_path)
        rows = duckdb_rows(ws)
        assert rows, f"{case.name}: DuckDB has no rows (the comparison would prove nothing)"
        assert_same_rows(rows, spark_rows(spark, out), case.name)


@pytest.mark.parametrize("window", [None, 0])
def test_chains_across_snapshots_same_on_spark(spark, window: int | None, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # the DNS views that follow a target into another snapshot (a zone file of 2025-07-20, an FDNS
    # dump of 2025-07-22), by themselves: they read no network file
    from analyzer.spark import job

    case = ROOT / "tests" / "golden" / "cname_and_mx_targets_resolved_in_a_neighbouring_snapshot_are_medium"
    views = ("int_name_chains", "int_name_addresses")
    with Workspace(tmp_path / "case.duckdb") as ws:
        for kind, path, extra in inputs(case):
            ingest(ws, kind, [path], options={"date": date_of(path), **extra})
        variables = {} if window is None else {"chain_window_days": window}
        if window is not None:
            ws.set_chain_window_days(window)
        export_parquet(ws, tmp_path / "export")
        manifest = job.read_manifest(tmp_path / "export")
        job.register_inputs(spark, tmp_path / "export", manifest)
        job.build_views(spark, manifest, variables, views)
        for view in views:
            key = (
                ("name", "observed_on", "address")
                if view == "int_name_addresses"
                else ("name", "observed_on")
            )
            duck = sorted(ws.rows(f"select * from {view}"), key=lambda r: tuple(str(r[k]) for k in key))
            assert duck, view
            got = sorted(
                (r.asDict(recursive=True) for r in spark.table(view).collect()),
                key=lambda r: tuple(str(r[k]) for k in key),
            )
            assert got == duck, view
        crossed = ws.rows("select * from int_name_chains where crossed_at is not null")
        assert len(crossed) == (0 if window == 0 else 1)


def test_demo_same_rows_and_summary_on_spark(spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from analyzer.demo import build_demo

    ws = build_demo(tmp_path / "demo.duckdb", Console(quiet=True))
    try:
        out = run_job(spark, ws, tmp_path)
        rows = duckdb_rows(ws)
        assert len(rows) >= 20
        assert_same_rows(rows, spark_rows(spark, out), "demo")
        attribution.ensure(ws)
        assert_same_rows(duckdb_rows(ws, "attr_entity_services"), spark_rows(spark, out), "demo, stored")
        duck_summary = sorted(
            ws.rows("select * from attr_provider_summary"), key=lambda r: (r["provider_parent"], r["service"])
        )
        spark_summary = sorted(
            spark_rows(spark, out, "attr_provider_summary"),
            key=lambda r: (r["provider_parent"], r["service"]),
        )
        assert spark_summary == duck_summary
    finally:
        ws.close()


@pytest.mark.slow
def test_generated_100k_snapshot_same_rows_on_spark(spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The bench generator at 100k records: 20 entities inside random FDNS records, 20k routed
    prefixes; every domain's answer (attr_domain_services, the whole snapshot through the range
    join) and every entity row must agree."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench_attribution import DEMO, SNAPSHOT, generate_entities
    from bench_dns_ingest import generate_fdns
    from bench_ip_lookup import generate as generate_routes

    watchlist, entity_dns, crtsh = generate_entities(tmp_path, 20)
    background = tmp_path / "background-fdns_any.json.gz"
    generate_fdns(background, 100_000)
    generate_routes(tmp_path, 20_000, 1)
    with Workspace(tmp_path / "gen.duckdb") as ws:
        ingest(ws, "watchlist", [watchlist])
        ingest(ws, "ranges", sorted((ROOT / "datasets" / "ranges").iterdir()))
        ingest(ws, "pfx2as", [tmp_path / "table.pfx2as"])
        ingest(ws, "as2org", sorted(DEMO.glob("*as-org2info*")))
        ingest(ws, "dns", [background, entity_dns], options={"date": SNAPSHOT})
        ingest(ws, "ct", [crtsh])
        out = run_job(spark, ws, tmp_path, extra=("attr_domain_services",))
        rows = duckdb_rows(ws)
        assert len(rows) >= 100
        assert_same_rows(rows, spark_rows(spark, out), "generated 100k")
        domain_store.ensure_all(ws)  # the stored domain answer, as a user reads it
        domains = duckdb_rows(ws, "attr_domain_services")
        assert len(domains) > len(rows)
        for r in domains:
            r["entity_id"] = ""
        spark_domains = spark_rows(spark, out, "attr_domain_services")
        for r in spark_domains:
            r["entity_id"] = ""
        assert_same_rows(domains, spark_domains, "generated 100k, attr_domain_services")
