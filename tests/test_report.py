"""The report reads the contract views with parameters and renders every format faithfully."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_support import make_fixture
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.errors import ConfigError, SQLError
from analyzer.report import Filters, build_report, render, write_report
from analyzer.workspace import Workspace


@pytest.fixture
def rws(ws: Workspace) -> Workspace:
    return make_fixture(ws)


def summary(ws: Workspace, **kw: object) -> dict[tuple[str, str], dict]:
    report = build_report(ws, Filters(**kw))  # type: ignore[arg-type]
    return {(r["provider_parent"], r["service"]): r for r in report.summary}


def test_summary_counts_distinct_entities_per_parent_and_service(rws: Workspace) -> None:
    s = summary(rws)
    assert s[("Amazon", "web_hosting")]["entities"] == 1  # two snapshots, one entity
    assert s[("Amazon", "web_hosting")]["entity_names"] == ["Northwind Vision Technology Co., Ltd."]
    assert s[("Alphabet", "web_hosting")]["provider_ids"] == ["google"]
    assert ("Alibaba", "cdn") in s


def test_filters_restrict_rows_and_recompute_the_summary(rws: Workspace) -> None:
    assert set(summary(rws, list_code="el")) == {("Alphabet", "email_sending")}
    assert set(summary(rws, provider_country="CN")) == {("Alibaba", "cdn")}
    assert set(summary(rws, service="email")) == {("Microsoft", "email"), ("Proofpoint", "email")}


def test_as_of_shows_the_state_on_that_date(rws: Workspace) -> None:
    report = build_report(rws, Filters(as_of=dt.date(2023, 12, 31)))
    assert [(c.domain, c.service, c.last_seen) for c in report.claims] == [
        ("northwind-vision.example", "web_hosting", dt.date(2023, 5, 1))
    ]
    later = build_report(rws, Filters(as_of=dt.date(2024, 12, 31)))
    amazon = [c for c in later.claims if c.provider_id == "amazon"]
    assert [o.observed_on for o in amazon[0].observations] == [dt.date(2024, 5, 1)]


def test_a_provider_replaced_since_is_not_current(rws: Workspace) -> None:
    later = ("DEMO-nw", "Northwind Vision Technology Co., Ltd.", "DEMO", dt.date(2019, 10, 9))
    rws.con.execute(
        "insert into attr_entity_services values (?, ?, ?, ?, 'northwind-vision.example', 'web_hosting', "
        "'alibaba', 'Alibaba Cloud', 'Alibaba', 'CN', 'customer', 'medium', '[]', ?)",
        [*later, dt.date(2025, 1, 1)],
    )
    us = build_report(rws, Filters(provider_country="US", service="web_hosting"))
    assert [c.provider_id for c in us.claims] == ["google"]  # Amazon was replaced by Alibaba in 2025
    then = build_report(
        rws, Filters(provider_country="US", service="web_hosting", as_of=dt.date(2024, 12, 31))
    )
    assert sorted(c.provider_id for c in then.claims) == ["amazon", "google"]


def test_the_default_is_the_latest_snapshot(rws: Workspace) -> None:
    amazon = next(c for c in build_report(rws).claims if c.provider_id == "amazon")
    assert [o.observed_on for o in amazon.observations] == [dt.date(2024, 5, 1)]


def test_history_keeps_every_observation(rws: Workspace) -> None:
    report = build_report(rws, Filters(latest=False))
    amazon = next(c for c in report.claims if c.provider_id == "amazon")
    assert (amazon.first_seen, amazon.last_seen) == (dt.date(2023, 5, 1), dt.date(2024, 5, 1))


def test_unknown_service_is_refused() -> None:
    with pytest.raises(ConfigError, match="--service 'mail' is not one of"):
        Filters(service="mail")


def test_missing_views_name_what_is_missing(ws: Workspace) -> None:
    ws.con.execute("drop view if exists attr_entity_services")
    with pytest.raises(SQLError, match="attr_entity_services not found"):
        build_report(ws)


def test_a_value_is_never_sql(rws: Workspace) -> None:
    assert build_report(rws, Filters(list_code="x' or '1'='1")).claims == []


def test_matrix_cells_carry_uncertainty_labels(rws: Workspace) -> None:
    matrix = {r.entity_name: r for r in build_report(rws).matrix()}
    nw = matrix["Northwind Vision Technology Co., Ltd."]
    assert [c.label for c in nw.cells["cdn"]] == ["Alibaba Cloud (medium confidence)"]
    assert [c.label for c in nw.cells["web_hosting"]] == ["Amazon Web Services"]
    contoso = matrix["Contoso Surveillance Systems Ltd."]
    assert [c.label for c in contoso.cells["email"]] == ["Proofpoint (gateway)"]
    assert [c.label for c in contoso.cells["web_hosting"]] == [
        "Google Cloud / Google Workspace (via intermediary)"
    ]
    fb = matrix["Fabrikam Biometrics Inc."]
    assert fb.cells["email_sending"][0].label.endswith("(verification only, low confidence)")


def test_markdown_links_every_cell_to_its_evidence(rws: Workspace) -> None:
    md = render(build_report(rws), "md")
    targets = set(re.findall(r"\]\(#(ev-[0-9a-f]+)\)", md))
    anchors = set(re.findall(r'<a id="(ev-[0-9a-f]+)"></a>', md))
    assert targets and targets <= anchors
    assert "*(gateway)*" in md and "*(medium confidence)*" in md
    assert "dataset 3 (ranges, datasets/ranges/aws-ip-ranges.json, sha256 cccccccccccc" in md


def test_csv_is_the_summary_and_the_matrix_and_timeline_go_beside_it(rws: Workspace, tmp_path: Path) -> None:
    written = write_report(build_report(rws), "csv", tmp_path / "r.csv")
    assert [p.name for p in written] == ["r.csv", "r.matrix.csv", "r.timeline.csv"]
    rows = list(csv.DictReader(io.StringIO(written[0].read_text())))
    assert {"provider_parent", "service", "entities", "entity_names", "entities_after_listing"} <= set(
        rows[0]
    )
    timeline = list(csv.DictReader(io.StringIO(written[2].read_text())))
    amazon = next(r for r in timeline if (r["service"], r["provider_id"]) == ("web_hosting", "amazon"))
    assert (amazon["first_seen"], amazon["last_seen"], amazon["snapshots_seen"]) == (
        "2023-05-01",
        "2024-05-01",
        "2",
    )
    assert (amazon["seen_after_listing"], amazon["ongoing"]) == ("True", "True")
    matrix = list(csv.DictReader(io.StringIO(written[1].read_text())))
    assert {r["entity_name"] for r in matrix} == {
        "Northwind Vision Technology Co., Ltd.",
        "Contoso Surveillance Systems Ltd.",
        "Fabrikam Biometrics Inc.",
    }


def test_json_matrix_points_at_evidence_that_exists(rws: Workspace) -> None:
    doc = json.loads(render(build_report(rws), "json"))
    anchors = {c["anchor"] for c in doc["evidence"]}
    pointed = {
        a
        for e in doc["entity_matrix"]
        for cells in e["services"].values()
        for c in cells
        for a in c["evidence"]
    }
    assert pointed == anchors
    assert doc["labels"]["confidence"]["medium"].startswith("an ASN-only match")
    assert {d["dataset_id"] for d in doc["datasets"]} == {1, 2, 3, 5, 6, 7}  # 4 is only in 2023


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"] or "")
        if a.get("src") or (tag == "link"):
            self.external.append(tag)


def test_html_is_self_contained_escaped_and_linked(rws: Workspace) -> None:
    page = render(build_report(rws), "html")
    parser = _Links()
    parser.feed(page)
    assert parser.external == []
    assert parser.hrefs and all(h.startswith("#") and h[1:] in parser.ids for h in parser.hrefs)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    assert page.count("<svg") == 2 + 3  # the bars, the heatmap and one timeline per entity
    assert 'id="provider-summary"' in page and 'id="entity-matrix"' in page and 'id="timeline-table"' in page
    assert "medium confidence</span>" in page and ">gateway</span>" in page


def test_html_timeline_draws_a_span_per_provider_and_marks_the_listing(rws: Workspace) -> None:
    report = build_report(rws)
    page = render(report, "html")
    svgs = re.findall(r'<svg class="chart timeline".*?</svg>', page)
    northwind = next(s for s in svgs if 'data-entity="DEMO-nw"' in s)
    assert northwind.count('<rect class="span') == 3  # web_hosting Amazon, email Microsoft, cdn Alibaba
    assert "listed 2019-10-09" in northwind and northwind.count('<line class="listing"') == 1
    spans = re.findall(r'<rect class="span (\w+)" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', northwind)
    amazon = [s for s in spans if float(s[2]) > 4.0]  # the one that spans two snapshots is wider
    assert len(amazon) == 1 and amazon[0][0] == "ongoing"


def test_empty_report_still_renders(ws: Workspace) -> None:
    make_fixture(ws).con.execute("delete from attr_entity_services")
    report = build_report(ws)
    for fmt in ("table", "md", "csv", "json", "html"):
        assert render(report, fmt)


def test_cli_report_formats(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    with Workspace(db) as ws:
        make_fixture(ws)
    runner = CliRunner()
    result = runner.invoke(app, ["--db", str(db), "report", "--format", "json", "--list", "DEMO"])
    assert result.exit_code == 0, result.output
    assert {e["list_code"] for e in json.loads(result.output)["entity_matrix"]} == {"DEMO"}
    result = runner.invoke(
        app, ["--db", str(db), "report", "--format", "html", "--out", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 0 and (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    result = runner.invoke(app, ["--db", str(db), "report"])
    assert result.exit_code == 0 and "Providers by service" in result.output
    result = runner.invoke(app, ["--db", str(db), "report", "--format", "pdf"])
    assert result.exit_code == 1 and "--format 'pdf' is not one of" in result.output
    result = runner.invoke(app, ["--db", str(db), "report", "--as-of", "May 2024"])
    assert result.exit_code == 1 and "--as-of 'May 2024' is not a date" in result.output


def test_every_sql_example_in_the_docs_runs_on_the_contract_columns(rws: Workspace) -> None:
    doc = (Path(__file__).parent.parent / "docs" / "report.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sql\n(.*?)```", doc, flags=re.S)
    assert len(queries) >= 5
    for query in queries:
        assert rws.rows(query), f"no rows from the documented query:\n{query}"


def test_demo_writes_the_html_report_next_to_the_database(tmp_path: Path) -> None:
    from rich.console import Console

    from analyzer.demo import _demo_report

    db = tmp_path / "demo.duckdb"
    with Workspace(db) as ws:
        _demo_report(make_fixture(ws), db, Console(file=io.StringIO()))
    assert (tmp_path / "demo.html").read_text().startswith("<!DOCTYPE html>")
