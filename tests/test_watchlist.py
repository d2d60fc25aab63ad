"""Users' own watchlists (YAML and CSV) for firms on no official list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analyzer.errors import SourceError
from analyzer.ingest import ingest
from analyzer.workspace import Workspace


def test_yaml_watchlist_with_aliases_and_domains(ws: Workspace, data: Path) -> None:
    [result] = ingest(ws, "watchlist", [data / "watchlist" / "investigation.yaml"])
    assert (result.format, result.rows_loaded) == ("yaml", 2)
    # the line of the field itself (YAML node marks), not the entity's number in the list
    assert result.messages == ["investigation.yaml line 14: unexpected field 'ownership' (not loaded)"]
    [ev] = ws.rows("select * from entities where name = 'Example Vision Co.'")
    assert (ev["list_code"], ev["source"], ev["country"]) == ("WATCH", "Example investigation", "CN")
    assert ev["listed_on"] == dt.date(2023, 5, 1)
    domains = ws.rows(
        "select domain, source_note from entity_known_domains where entity_id = ? order by domain",
        [ev["entity_id"]],
    )
    assert domains == [
        {"domain": "examplevision.example", "source_note": "company website imprint"},
        {"domain": "xn--bcher-vision-dlb.example", "source_note": "trademark filing"},
    ]


def test_csv_rows_of_one_entity_merge_and_names_normalise(ws: Workspace, data: Path) -> None:
    [result] = ingest(ws, "watchlist", [data / "watchlist" / "investigation.csv"])
    assert result.rows_loaded == 3
    assert result.rows_rejected == 2  # the row without a name, the invalid domain
    assert "investigation.csv line 4: column 'listed_on' is 'not a date', expected a date" in " ".join(
        result.messages
    )
    [ev] = ws.rows("select entity_id, countries from entities where name = 'Example Vision Co.'")
    assert ev["countries"] == ["CN"]
    assert [
        d["domain"]
        for d in ws.rows(
            "select domain from entity_known_domains where entity_id = ? order by domain", [ev["entity_id"]]
        )
    ] == ["examplevision.example", "www.examplevision.example"]
    names = ws.rows(
        "select name, normalized from entity_names where entity_id = ? order by name", [ev["entity_id"]]
    )
    assert {"name": "示例视觉有限公司", "normalized": "示例视觉"} in names
    assert {"name": "Example Vision Co.", "normalized": "example vision"} in names


def test_same_entity_in_yaml_and_csv_has_the_same_id(ws: Workspace, data: Path, tmp_path: Path) -> None:
    ingest(ws, "watchlist", [data / "watchlist" / "investigation.yaml"])
    first = ws.rows("select entity_id from entities where name = 'Example Vision Co.'")
    ingest(ws, "watchlist", [data / "watchlist" / "investigation.csv"], options={"date": dt.date(2099, 1, 1)})
    assert ws.rows("select entity_id from entities where name = 'Example Vision Co.'") == first


def test_yaml_without_entities_is_a_clear_error(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("list: X\nitems: []\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"list\.yaml: a YAML watchlist needs an `entities:` list"):
        ingest(ws, "watchlist", [path])


def test_broken_yaml_names_the_line(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("list: X\nentities:\n  - name: [unclosed\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"list.yaml line \d+: not valid YAML"):
        ingest(ws, "watchlist", [path])
