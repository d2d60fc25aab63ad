"""The notebook API returns DataFrames (or Arrow) from the same functions the CLI uses."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from report_support import make_fixture

import analyzer
from analyzer.errors import AnalyzerError
from analyzer.workspace import Workspace


@pytest.fixture
def api(tmp_path: Path) -> analyzer.Analyzer:
    db = tmp_path / "api.duckdb"
    with Workspace(db) as ws:
        make_fixture(ws)
    a = analyzer.open(db)
    yield a
    a.close()


def test_open_returns_a_workspace_with_dataframe_methods(api: analyzer.Analyzer) -> None:
    assert isinstance(api, Workspace)
    summary = api.provider_summary()
    assert isinstance(summary, pl.DataFrame)
    assert summary.filter(pl.col("provider_parent") == "Amazon")["entities"].to_list() == [1]
    assert isinstance(api.provider_summary(arrow=True), pa.Table)


def test_entity_services_take_the_report_filters(api: analyzer.Analyzer) -> None:
    rows = api.entity_services(list_code="DEMO", service="web_hosting", as_of="2023-12-31")
    assert rows.select("entity_id", "provider_id", "observed_on").rows() == [
        ("DEMO-nw", "amazon", __import__("datetime").date(2023, 5, 1))
    ]
    assert api.entity_services(history=True).height == 8
    assert api.entity_services().height == 7
    assert api.provider_summary(provider_country="CN")["provider_parent"].to_list() == ["Alibaba"]


def test_sql_and_entities(api: analyzer.Analyzer) -> None:
    frame = api.sql("select count(*) as n from attr_entity_services")
    assert frame["n"].to_list() == [8]
    assert isinstance(api.sql("select 1 as x", arrow=True), pa.Table)
    assert isinstance(api.entities(), pl.DataFrame)
    assert api.sql("create temp table t (x int)").is_empty()
    with pytest.raises(AnalyzerError, match="query failed"):
        api.sql("select * from no_such_table")


def test_explain_and_report_objects(api: analyzer.Analyzer) -> None:
    assert {r["service"] for r in api.explain("contoso-surveillance.example")} == {
        "email",
        "web_hosting",
        "tls_ca",
    }
    assert len(api.report(list_code="EL").claims) == 1
