"""Data contracts hold on loaded data and catch what they promise to catch."""

from __future__ import annotations

from pathlib import Path

from analyzer.contracts import check
from analyzer.ingest import ingest
from analyzer.workspace import Workspace


def test_contracts_hold_on_the_real_screening_list(ws: Workspace, data: Path) -> None:
    ingest(ws, "csl", [data / "watchman_csl_sample_2019.csv"])
    assert check(ws) == []


def test_a_duplicate_grain_is_reported(ws: Workspace, data: Path) -> None:
    ingest(ws, "csl", [data / "watchman_consolidated_sample_2025.csv"])
    ws.con.execute(
        "create or replace view entity_names as "
        "select e.entity_id, n.name, n.normalized from raw_entity_names n join entities e using (dataset_id, entry_key) "
        "union all "
        "select e.entity_id, n.name, n.normalized from raw_entity_names n join entities e using (dataset_id, entry_key)"
    )
    failures = check(ws)
    assert any(
        f.startswith("entity_names: ") and "duplicate rows for grain (entity_id, name)" in f for f in failures
    )
