"""`explain` finds every row about an entity, a domain or an address and shows its whole chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_support import make_fixture
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.explain import NothingToExplain, classify, explain, to_rows
from analyzer.workspace import Workspace


@pytest.fixture
def rws(ws: Workspace) -> Workspace:
    return make_fixture(ws)


def test_targets_are_classified() -> None:
    assert classify("3.5.140.10") == ("address", "3.5.140.10")
    assert classify("2600:1F18:0::1") == ("address", "2600:1f18::1")
    assert classify("WWW.Northwind-Vision.example.") == ("domain", "www.northwind-vision.example")
    assert classify("Contoso Surveillance Systems Ltd.") == ("entity", "Contoso Surveillance Systems Ltd.")


def test_entity_by_exact_name_or_id(rws: Workspace) -> None:
    by_name = explain(rws, "contoso surveillance systems ltd.")
    assert {c.service for c in by_name.claims} == {"email", "web_hosting", "tls_ca"}
    assert {c.entity_id for c in explain(rws, "DEMO-nw").claims} == {"DEMO-nw"}


def test_domain_and_address_find_their_rows(rws: Workspace) -> None:
    assert {c.entity_id for c in explain(rws, "fabrikam-biometrics.example").claims} == {"EL-fb"}
    by_ip = explain(rws, "3.5.140.10")
    assert [(c.service, c.provider_id) for c in by_ip.claims] == [("web_hosting", "amazon")]
    # a hostname seen only inside the evidence (a CNAME target) also finds its row
    assert [c.relationship for c in explain(rws, "shops.saas.example").claims] == ["via_intermediary"]


def test_unknown_target_says_where_to_look(rws: Workspace) -> None:
    with pytest.raises(NothingToExplain, match=r"no attribution row mentions address '192\.0\.2\.1'"):
        explain(rws, "192.0.2.1")
    with pytest.raises(NothingToExplain):  # a prefix of an address in the evidence is not a match
        explain(rws, "3.5.140.1")
    with pytest.raises(NothingToExplain):  # nor is the tail of a longer hostname
        explain(rws, "saas.example")


def test_every_step_keeps_its_dataset_and_the_labels_are_explained(rws: Workspace) -> None:
    rows = to_rows(explain(rws, "northwind-vision.example"))
    cdn = next(r for r in rows if r["service"] == "cdn")
    steps = cdn["observations"][0]["steps"]
    assert [s["kind"] for s in steps] == ["dns", "route", "as_org", "rule"]
    assert steps[1]["dataset"]["source"] == "routeviews.pfx2as"
    assert cdn["why"][1].startswith("confidence medium: an ASN-only match")
    assert "rule: ASN-only match: no published range covers the address" in cdn["why"]


def test_broken_evidence_is_shown_not_fatal(rws: Workspace) -> None:
    rws.con.execute("update attr_entity_services set evidence = 'not json' where service = 'tls_ca'")
    rows = to_rows(explain(rws, "contoso-surveillance.example"))
    tls = next(r for r in rows if r["service"] == "tls_ca")
    assert tls["observations"][0]["steps"] == [
        {"kind": "unparsed", "text": "not json", "dataset_id": None, "date": None}
    ]


def test_cli_explain_prints_the_tree_with_provenance(tmp_path: Path) -> None:
    db = tmp_path / "e.duckdb"
    with Workspace(db) as ws:
        make_fixture(ws)
    runner = CliRunner()
    result = runner.invoke(app, ["--db", str(db), "explain", "Northwind Vision Technology"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "3.5.140.0/22 is AMAZON EC2 ap-northeast-2" in text
    assert "dataset 3 (ranges, datasets/ranges/aws-ip-ranges.json, sha256 cccccccccccc" in text
    assert "medium confidence" in text
    result = runner.invoke(app, ["--db", str(db), "explain", "47.74.0.10", "--json"])
    assert result.exit_code == 0 and json.loads(result.output)[0]["provider_id"] == "alibaba"
    result = runner.invoke(app, ["--db", str(db), "explain", "nobody.example"])
    assert result.exit_code == 1 and "no attribution row mentions domain 'nobody.example'" in result.output
