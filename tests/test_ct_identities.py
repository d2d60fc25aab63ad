"""crt.sh identities that are not DNS names are read as what they are: an organisation search
(`?O=...`) lists the organisation names it matched among a certificate's `name_value` lines; those
become the certificate's subject organisation candidates and link the company's domains like any
certificate organisation, with the query that produced the file named in the evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_real_corpus import real_root

from analyzer.ct import entity_domains
from analyzer.ct.ingest import name_kind
from analyzer.ingest import ingest
from analyzer.workspace import Workspace

WATCHLIST = """list: PPTEST
name: PayPal check
entities:
  - name: PayPal Holdings, Inc.
    aliases: [PayPal]
    country: US
"""


def _crtsh_row(crtsh_id: int, common_name: str, name_value: str) -> dict[str, object]:
    """One row of crt.sh's JSON answer, fields in crt.sh's order (current schema)."""
    return {
        "issuer_ca_id": 1397,
        "issuer_name": "C=US, O=DigiCert Inc, OU=www.digicert.com, CN=DigiCert SHA2 Extended Validation Server CA",
        "common_name": common_name,
        "name_value": name_value,
        "id": crtsh_id,
        "entry_timestamp": "2019-05-01T10:00:00.000",
        "not_before": "2019-05-01T00:00:00",
        "not_after": "2020-05-01T12:00:00",
        "serial_number": f"0{crtsh_id:x}",
    }


def test_name_kinds() -> None:
    assert name_kind("psf@python.org", crtsh_identities=True) == "email"
    assert name_kind("203.0.113.7", crtsh_identities=True) == "ip"
    assert name_kind("2001:db8::1", crtsh_identities=False) == "ip"
    assert name_kind("PayPal, Inc.", crtsh_identities=True) == "identity"
    assert name_kind("PayPal Pte. Ltd.", crtsh_identities=True) == "identity"
    assert name_kind("PayPal, Inc.", crtsh_identities=False) == "bad"  # a CN in a certificate's bytes
    assert name_kind("bad name.example.com", crtsh_identities=True) == "bad"  # a broken host name
    assert name_kind("a.example<BR>b.example", crtsh_identities=True) == "bad"


def test_organisation_identities_link_domains_with_the_query(ws: Workspace, tmp_path: Path) -> None:
    (tmp_path / "watchlist.yaml").write_text(WATCHLIST, encoding="utf-8")
    ingest(ws, "watchlist", [tmp_path / "watchlist.yaml"])
    answer = [
        _crtsh_row(101, "www.paypal.com", "PayPal, Inc.\nwww.paypal.com"),
        _crtsh_row(102, "paypal.fr", "PayPal Pte Ltd\nPayPal Production  \npaypal.fr\nwww.paypal.fr"),
        _crtsh_row(103, "example.org", "Example Org Ltd\nexample.org"),
    ]
    path = tmp_path / "crtsh_o_paypal.json"
    path.write_text(json.dumps(answer), encoding="utf-8")
    [result] = ingest(ws, "ct", [path], options={"query": {"O": "PayPal"}})
    assert (result.rows_loaded, result.rows_rejected, result.warnings) == (3, 0, 0)
    rows = ws.rows("select crtsh_id, subject_o, subject_o_candidates from raw_certificates order by crtsh_id")
    assert rows == [
        {"crtsh_id": 101, "subject_o": None, "subject_o_candidates": ["PayPal, Inc."]},
        {"crtsh_id": 102, "subject_o": None, "subject_o_candidates": ["PayPal Production", "PayPal Pte Ltd"]},
        {"crtsh_id": 103, "subject_o": None, "subject_o_candidates": ["Example Org Ltd"]},
    ]
    assert ws.rows("select label from datasets where kind = 'ct'") == [{"label": "O=PayPal"}]
    _, links = entity_domains(ws, "PayPal Holdings")
    by_domain = {r["domain"]: r for r in links}
    assert sorted(by_domain) == ["paypal.com", "paypal.fr"]
    fr = by_domain["paypal.fr"]
    assert (fr["method"], fr["confidence"], fr["score"]) == ("certificate_organization", "high", 100.0)
    assert fr["evidence"]["subject_o"] == "PayPal Pte Ltd"
    assert fr["evidence"]["subject_o_from"] == "crtsh_identity"
    assert fr["evidence"]["queries"] == ["O=PayPal"]


def test_real_paypal_search_links_paypal_and_no_csl_entity(ws: Workspace, data: Path, tmp_path: Path) -> None:
    """Issue 18's check on the real crt.sh answer to ?O=PayPal and the real CSL samples."""
    root = real_root()
    if root is None:
        pytest.skip("no shared/datasets/real folder here (set ANALYZER_REAL_DATA)")
    (tmp_path / "watchlist.yaml").write_text(WATCHLIST, encoding="utf-8")
    ingest(ws, "watchlist", [tmp_path / "watchlist.yaml"])
    ingest(ws, "csl", [data / "watchman_csl_sample_2019.csv", data / "watchman_consolidated_sample_2025.csv"])
    ingest(ws, "ct", [root / "ct_real" / "crtsh_paypal_org_2020-01.json"], options={"query": "O=PayPal"})
    per_entity = ws.rows(
        "select e.list_code, e.name, count(*) as domains from entity_domains as d "
        "join entities as e using (entity_id) group by all"
    )
    assert [(r["list_code"], r["name"]) for r in per_entity] == [("PPTEST", "PayPal Holdings, Inc.")]
    _, links = entity_domains(ws, "PayPal Holdings")
    domains = {r["domain"] for r in links}
    assert {"paypal.com", "paypal-corp.com", "paypalcorp.com", "paypal.fr", "paypal.de"} <= domains
    assert {r["method"] for r in links} == {"certificate_organization"}
    assert all(r["confidence"] == "high" for r in links)
