"""TLS CA attribution: issuer O/CN to the CA company through the catalog (brands to their owner),
one mapping (int_ct_issuer_providers) that the attribution's tls_ca rows read."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from analyzer.ct.synth import Issuer, build_certificate, x509_entry
from analyzer.ingest import ingest
from analyzer.workspace import Workspace

ISSUERS = {
    ("DigiCert Inc", "GeoTrust CN RSA CA G1"): "digicert",
    ("Thawte, Inc.", "Thawte TLS RSA CA G1"): "digicert",
    ("DigiCert Inc", "RapidSSL TLS DV RSA Mixed SHA256 2020 CA-1"): "digicert",
    ("Amazon", "Amazon RSA 2048 M01"): "amazon",
    ("Google Trust Services LLC", "GTS CA 1P5"): "google",
    ("Google Trust Services", "WR1"): "google",
    ("Microsoft Corporation", "Microsoft Azure TLS Issuing CA 05"): "microsoft",
    ("Let's Encrypt", "R10"): "letsencrypt",
    ("Sectigo Limited", "Sectigo RSA Domain Validation Secure Server CA"): "sectigo",
    ("TrustAsia Technologies, Inc.", "TrustAsia RSA DV TLS CA G2"): "trustasia",
    ("WoTrus CA Limited", "WoTrus DV Server CA"): "wotrus",
    ("China Financial Certification Authority", "CFCA OV OCA"): "cfca",
    ("GlobalSign nv-sa", "GlobalSign GCC R3 DV TLS CA 2020"): "globalsign",
    ("Private Example Org", "Example Internal CA"): None,
}
TS = 1_714_000_000_000


@pytest.fixture
def loaded(ws: Workspace, data: Path, tmp_path: Path) -> Workspace:
    ingest(ws, "watchlist", [data / "ct" / "watchlist_ct.yaml"])
    entries = []
    for i, (o, cn) in enumerate(ISSUERS, start=1):
        issuer = Issuer(o, cn)
        cert = build_certificate(
            issuer,
            serial=i,
            sans=["hikvision.com", f"www{i}.hikvision.com"],
            not_before=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            days=200,
        )
        entries.append(x509_entry(cert, issuer, TS))
    path = tmp_path / "entries.json"
    path.write_text(json.dumps({"entries": entries}), encoding="utf-8")
    ingest(ws, "ct", [path])
    return ws


def test_issuers_map_to_ca_companies(loaded: Workspace) -> None:
    rows = loaded.rows("select issuer_o, issuer_cn, provider_id from int_ct_issuer_providers")
    got = {(r["issuer_o"], r["issuer_cn"]): r["provider_id"] for r in rows}
    expected = {k: v for k, v in ISSUERS.items() if v is not None}
    assert got == expected  # an unknown issuer has no row


def test_tls_ca_rows_take_the_ca_company_from_the_issuer_mapping(loaded: Workspace) -> None:
    rows = loaded.rows(
        "select provider_id, evidence from int_domain_services "
        "where service = 'tls_ca' and domain = 'hikvision.com'"
    )
    assert {r["provider_id"] for r in rows} == {v for v in ISSUERS.values() if v is not None}
    amazon = next(r for r in rows if r["provider_id"] == "amazon")
    assert "belongs to CA company amazon" in amazon["evidence"]


def test_catalog_ca_providers_have_parent_country_and_source(ws: Workspace) -> None:
    rows = ws.rows(
        "select p.provider_id, p.parent, p.country, p.source_url from catalog_providers as p "
        "where list_contains(p.kinds, 'ca')"
    )
    ids = {r["provider_id"] for r in rows}
    assert {"digicert", "letsencrypt", "sectigo", "globalsign", "trustasia", "wotrus", "cfca"} <= ids
    assert all(r["parent"] and r["country"] and r["source_url"] for r in rows)


def test_the_latest_certificate_of_the_evidence_is_one_certificate_even_on_equal_dates(
    loaded: Workspace,
) -> None:
    """Three DigiCert brands issued certificates valid over the same days: the evidence names the
    issuer of one certificate, the latest by validity then certificate id, on every run."""
    [row] = loaded.rows(
        "select evidence from int_domain_services where service = 'tls_ca' and domain = 'hikvision.com' "
        "and provider_id = 'digicert'"
    )
    [latest] = loaded.rows(
        "select coalesce(c.issuer_cn, c.issuer_o) as issuer from stg_certificates as c "
        "where c.issuer_o in ('DigiCert Inc', 'Thawte, Inc.') "
        "order by c.not_before desc, c.not_after desc, c.cert_id desc limit 1"
    )
    assert f"issued by {latest['issuer']}, latest valid 2024-01-01" in row["evidence"]
