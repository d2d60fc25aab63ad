"""Entity <-> domain links: certificate organisations matched to watchlist names and aliases, the
hard negatives of name matching, co-occurrence in certificates, and analysts' decisions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.ct import decide, entity_domains, refresh_matches
from analyzer.ct.match import score
from analyzer.ct.synth import Issuer, build_certificate, x509_entry
from analyzer.ingest import ingest
from analyzer.names import match_key
from analyzer.workspace import Workspace

DIGICERT = Issuer("DigiCert Inc", "DigiCert Global G2 TLS RSA SHA256 2020 CA1")
TS = 1_714_000_000_000
HIKVISION = "Hangzhou Hikvision Digital Technology Co., Ltd."


def _key_score(entity: str, org: str) -> tuple[float, str | None]:
    return score(match_key(entity), match_key(org))


def test_name_matching_rules() -> None:
    assert _key_score(HIKVISION, "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO LTD") == (100.0, "high")
    value, confidence = _key_score(HIKVISION, "Hikvision Distributors LLC")
    assert confidence is None and value < 90  # a reseller is not the company
    value, confidence = _key_score("Zhejiang Dahua Technology Co., Ltd.", "Dahua Bank")
    assert confidence is None and value < 90
    for name in ("SenseTime Group Limited", "Beijing SenseTime Technology Development Co., Ltd."):
        assert _key_score("SenseTime", name) == (100.0, "high")
    assert _key_score("海康威视", "杭州海康威视数字技术股份有限公司") == (100.0, "high")
    value, confidence = _key_score(HIKVISION, "Hangzhou Hikvison Digital Technology Co., Ltd.")
    assert confidence is None and value >= 90  # a typo: fuzzy, so medium at the default threshold


def _certs(tmp_path: Path, orgs: dict[str, list[str]]) -> Path:
    entries = [
        x509_entry(build_certificate(DIGICERT, serial=i, sans=sans, subject_o=org), DIGICERT, TS)
        for i, (org, sans) in enumerate(orgs.items(), start=1)
    ]
    path = tmp_path / "entries.json"
    path.write_text(json.dumps({"entries": entries}), encoding="utf-8")
    return path


@pytest.fixture
def linked(ws: Workspace, data: Path, tmp_path: Path) -> Workspace:
    ingest(ws, "csl", [data / "ct" / "csl_el_ct.csv"])
    orgs = {
        HIKVISION: ["hikvision.com", "www.hikvision.com"],
        "Hikvision Distributors LLC": ["hikvision-distributors.example"],
        "Dahua Bank": ["dahuabank.example"],
        "SenseTime Group Limited": ["sensetime.com", "sensecore.cn"],
        "Beijing SenseTime Technology Development Co., Ltd.": ["sensetime.cn"],
        "杭州海康威视数字技术股份有限公司": ["hikvision.com.cn"],
        "Hangzhou Hikvison Digital Technology Co., Ltd.": ["hikvison-typo.example"],
    }
    ingest(ws, "ct", [_certs(tmp_path, orgs)])
    return ws


def _links(ws: Workspace, entity: str) -> dict[str, dict]:
    return {r["domain"]: r for r in entity_domains(ws, entity)[1]}


def test_certificate_organisation_links_with_evidence(linked: Workspace) -> None:
    hik = _links(linked, "Hikvision")
    assert hik["hikvision.com"]["confidence"] == "high"
    assert hik["hikvision.com"]["method"] == "certificate_organization"
    assert hik["hikvision.com"]["evidence"]["subject_o"] == HIKVISION
    assert hik["hikvision.com"]["evidence"]["certificates"] == 1
    # the Chinese legal name is a listed alias (CSL alt_names)
    assert hik["hikvision.com.cn"]["confidence"] == "high"
    assert hik["hikvision.com.cn"]["matched_name"] == "杭州海康威视数字技术股份有限公司"
    assert hik["hikvison-typo.example"]["confidence"] == "medium"
    assert 90 <= hik["hikvison-typo.example"]["score"] < 100
    sense = _links(linked, "SenseTime")
    assert {d for d, r in sense.items() if r["confidence"] == "high"} == {
        "sensetime.com",
        "sensecore.cn",
        "sensetime.cn",
    }


def test_hard_negatives_never_link_at_high(linked: Workspace) -> None:
    rows = linked.rows("select domain, confidence from entity_domains")
    high = {r["domain"] for r in rows if r["confidence"] == "high"}
    assert "hikvision-distributors.example" not in high
    assert "dahuabank.example" not in high
    assert not {r["domain"] for r in rows} & {"hikvision-distributors.example", "dahuabank.example"}


def test_threshold_is_configurable_and_kept(linked: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    refresh_matches(linked, 99.5)
    assert "hikvison-typo.example" not in _links(linked, "Hikvision")
    monkeypatch.setenv("ANALYZER_CT_FUZZY_THRESHOLD", "50")
    refresh_matches(linked)
    rows = linked.rows(
        "select subject_o, confidence, score, threshold from ct_entity_matches "
        "where subject_o = 'Hikvision Distributors LLC'"
    )
    assert rows and rows[0]["confidence"] == "medium" and rows[0]["threshold"] == 50
    assert _links(linked, "Hikvision")["hikvision-distributors.example"]["confidence"] == "medium"


def test_matches_follow_new_watchlists(ws: Workspace, data: Path, tmp_path: Path) -> None:
    ingest(ws, "ct", [_certs(tmp_path, {"SenseTime Group Limited": ["sensetime.com"]})])
    assert ws.rows("select count(*) as n from entity_domains")[0]["n"] == 0
    ingest(ws, "csl", [data / "ct" / "csl_el_ct.csv"])  # the watchlist arrives after the certificates
    assert ws.rows("select domain from entity_domains") == [{"domain": "sensetime.com"}]


def test_cooccurrence_links_are_low_and_shared_certificates_are_ignored(ws: Workspace, data: Path) -> None:
    ingest(ws, "watchlist", [data / "ct" / "watchlist_ct.yaml"])
    ingest(ws, "ct", [data / "ct" / "crtsh_hikvision.json"])
    hik = _links(ws, "CTTEST-63a04633b3")
    assert hik["hikvision.com"]["method"] == "watchlist"
    assert hik["hik-connect.com"]["confidence"] == "low"
    assert hik["hik-connect.com"]["evidence"]["linked_domains"] == ["hikvision.com"]
    assert "ezvizlife.com" not in hik  # one hop only: hik-connect.com is not itself a seed
    ws.con.execute("set variable ct_max_cert_domains = 1")
    assert "hik-connect.com" not in _links(ws, "CTTEST-63a04633b3")


def test_analyst_decisions_outrank_and_survive_reingest(
    linked: Workspace, data: Path, tmp_path: Path
) -> None:
    decide(linked, "Hikvision", "hikvision-distributors.example", "link", "imprint names Hikvision")
    decide(linked, "Hikvision", "hikvision.com.cn", "unlink", "checked: parked domain")
    hik = _links(linked, "Hikvision")
    assert hik["hikvision-distributors.example"]["confidence"] == "analyst"
    assert hik["hikvision-distributors.example"]["evidence"]["note"] == "imprint names Hikvision"
    assert "hikvision.com.cn" not in hik
    again = tmp_path / "again"
    again.mkdir()
    ingest(linked, "ct", [_certs(again, {HIKVISION: ["hikvision.com.cn", "hik.example"]})])
    ingest(linked, "csl", [data / "ct" / "csl_el_ct.csv"], force=True)
    hik = _links(linked, "Hikvision")
    assert "hikvision.com.cn" not in hik
    assert hik["hik.example"]["confidence"] == "high"
    decide(linked, "Hikvision", "hikvision.com.cn", "link", "changed my mind")
    assert _links(linked, "Hikvision")["hikvision.com.cn"]["confidence"] == "analyst"


def test_ambiguous_entity_search_is_an_error(linked: Workspace) -> None:
    from analyzer.errors import ConfigError

    with pytest.raises(ConfigError, match="no entity matches"):
        entity_domains(linked, "Nonexistent Firm")


def test_contracts_grain_and_accepted_values(linked: Workspace, data: Path) -> None:
    ingest(linked, "watchlist", [data / "ct" / "watchlist_ct.yaml"])
    ingest(linked, "ct", [data / "ct" / "crtsh_hikvision.json", data / "ct" / "crtsh_sample.csv"])
    decide(linked, "CTTEST-63a04633b3", "hikvision.com", "link", "seen on the imprint")
    checks = {
        "entity_domains": "entity_id, domain",
        "stg_certificate_domains": "cert_id, domain",
        "int_ct_issuer_providers": "issuer_o, issuer_cn",
    }
    for view, grain in checks.items():
        dupes = linked.rows(f"select {grain}, count(*) as n from {view} group by all having n > 1")
        assert dupes == [], view
    values = linked.rows("select distinct confidence, method from entity_domains")
    assert {v["confidence"] for v in values} <= {"analyst", "high", "medium", "low"}
    assert {v["method"] for v in values} == {
        "analyst",
        "watchlist",
        "certificate_organization",
        "certificate_cooccurrence",
    }
    nulls = linked.rows(
        "select count(*) as n from entity_domains where entity_id is null or domain is null "
        "or evidence is null or json_valid(evidence) is not true"
    )
    assert nulls[0]["n"] == 0
