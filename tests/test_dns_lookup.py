"""lookup_hostnames: chain, final addresses, and the registrable domain's MX/NS/SPF with catalog matches."""

from __future__ import annotations

from pathlib import Path

from analyzer.dns.lookup import attach_attribution, lookup_hostnames
from analyzer.ingest import ingest
from analyzer.workspace import Workspace

DNS = Path(__file__).parent / "data" / "dns"


def test_lookup_follows_the_chain_and_reports_the_domain_providers(ws: Workspace) -> None:
    ingest(ws, "dns", [DNS / "openintel_sample.gz.parquet"])
    [r] = lookup_hostnames(ws, ["WWW.ExampleVision.example."])
    assert r["name"] == "www.examplevision.example" and r["found"]
    hops = r["chain"]["hops"]
    assert [h["name"] for h in hops] == ["d111111abcdef8.cloudfront.net", "d111111abcdef8.r.cloudfront.net"]
    assert {(m["provider_id"], m["service"]) for m in hops[0]["matches"]} == {("amazon", "cdn")}
    assert [a["address"] for a in r["addresses"]] == ["13.224.5.1", "13.224.5.2"]
    domain = r["domain"]
    assert domain["name"] == "examplevision.example"
    [mx] = domain["mx"]
    assert mx["host"] == "examplevision-example.mail.protection.outlook.com" and mx["preference"] == 0
    assert ("microsoft", "email") in {(m["provider_id"], m["service"]) for m in mx["matches"]}
    [ns] = domain["ns"]
    assert {(m["provider_id"], m["service"]) for m in ns["matches"]} == {("microsoft", "dns_hosting")}
    [spf] = domain["spf_includes"]
    assert spf["target"] == "spf.protection.outlook.com"
    assert {(m["provider_id"], m["service"]) for m in spf["matches"]} == {("microsoft", "email_sending")}


def test_lookup_of_unknown_and_invalid_names(ws: Workspace) -> None:
    unknown, invalid = lookup_hostnames(ws, ["nothing.example", "bad..name"])
    assert unknown["found"] is False and unknown["addresses"] == [] and unknown["chain"] is None
    assert invalid == {"query": "bad..name", "name": None, "error": "not a valid hostname"}


def test_attribution_is_added_to_every_address_with_one_call(ws: Workspace) -> None:
    ingest(ws, "dns", [DNS / "openintel_sample.gz.parquet"])
    calls = []

    def attribute(_ws: Workspace, addresses: list[str]) -> list[dict]:
        calls.append(addresses)
        return [{"address": a, "provider_id": "amazon"} for a in addresses]

    results = attach_attribution(
        ws, lookup_hostnames(ws, ["www.examplevision.example", "examplevision.example"]), attribute
    )
    assert len(calls) == 1
    assert calls[0] == sorted(["13.224.5.1", "13.224.5.2", "52.84.10.1", "2600:9000:2000::1"])
    assert all(a["attribution"]["provider_id"] == "amazon" for r in results for a in r["addresses"])
