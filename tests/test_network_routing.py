"""Routing tables (CAIDA pfx2as, pyasn .dat, iptoasn) and AS organisations (CAIDA as2org txt/JSONL,
pyasn asnames): formats, multi-origin lists, bad input, and longest-prefix agreement with pyasn."""

from __future__ import annotations

import gzip
import ipaddress
import random
from pathlib import Path

import pyasn
import pytest

from analyzer.errors import SourceError
from analyzer.ingest import ingest
from analyzer.network.lookup import attribute_addresses
from analyzer.workspace import Workspace


def _one(ws: Workspace, address: str) -> dict:
    return attribute_addresses(ws, [address])[0]


def test_pyasn_dat_agrees_with_pyasn_on_the_real_2014_table(
    ws: Workspace, data: Path, tmp_path: Path
) -> None:
    dat = data / "network" / "pyasn_ipasn_20140513.dat.gz"
    (result,) = ingest(ws, "pfx2as", [dat])
    assert (result.format, result.rows_loaded, result.rows_rejected) == ("pyasn_dat", 512_621, 0)
    assert str(result.snapshot_date) == "2014-05-13"  # from the '; Original file' header
    plain = tmp_path / "ipasn.dat"
    plain.write_bytes(gzip.decompress(dat.read_bytes()))
    reference = pyasn.pyasn(str(plain))
    rng = random.Random(2014)
    # half uniformly random, half inside announced prefixes (where nesting matters)
    prefixes = [
        line.split("\t")[0] for line in plain.read_text().splitlines() if line and not line.startswith(";")
    ]
    sample = [str(ipaddress.IPv4Address(rng.getrandbits(32))) for _ in range(10_000)]
    for prefix in rng.sample(prefixes, 10_000):
        net = ipaddress.ip_network(prefix)
        sample.append(str(net.network_address + rng.randrange(net.num_addresses)))
    rows = attribute_addresses(ws, sample)
    mismatches = []
    for address, row in zip(sample, rows, strict=True):
        asn, prefix = reference.lookup(address)
        ours = (row["origin_asns"][0] if row["origin_asns"] else None, row["route_prefix"])
        if ours != (asn, prefix):
            mismatches.append((address, ours, (asn, prefix)))
    assert mismatches == []
    assert rows[0]["route_date"] is None or str(rows[0]["route_date"]) == "2014-05-13"


def test_caida_pfx2as_keeps_every_origin_of_multi_origin_and_as_set_prefixes(
    ws: Workspace, data: Path
) -> None:
    (v4,) = ingest(ws, "pfx2as", [data / "network" / "routeviews-rv2-20240101-1200.pfx2as.gz"])
    (v6,) = ingest(ws, "pfx2as", [data / "network" / "routeviews-rv6-20240101-1200.pfx2as"])
    assert (v4.format, v4.rows_loaded, str(v4.snapshot_date)) == ("caida_pfx2as", 7, "2024-01-01")
    assert v6.rows_loaded == 3
    rows = attribute_addresses(
        ws, ["8.8.8.8", "8.8.1.1", "8.1.1.1", "12.1.1.1", "23.32.5.9", "2606:4700::1", "9.9.9.9"]
    )
    got = [(r["route_prefix"], r["origin_asns"]) for r in rows]
    assert got == [
        ("8.8.8.0/24", [15169]),
        ("8.8.0.0/16", [3356, 15169]),  # multi-origin 3356_15169: both kept
        ("8.0.0.0/8", [3356]),
        ("12.0.0.0/8", [7018, 7019]),  # AS-set 7018,7019
        ("23.32.5.0/24", [16509, 14618, 8987]),
        ("2606:4700::/32", [13335, 209242]),
        (None, None),
    ]
    # the ASN's catalog provider gives an 'asn'-confidence attribution, from any of the first origins
    assert (rows[1]["asn_provider_id"], rows[1]["confidence"]) == ("google", "asn")
    assert (rows[4]["provider_id"], rows[4]["confidence"]) == ("amazon", "asn")
    # an origin outside the catalog is its AS organisation (no as2org loaded: the AS number alone)
    assert (rows[2]["provider_id"], rows[2]["confidence"]) == ("as:AS3356", "as_org")
    # every origin of a multi-origin prefix keeps its own provider
    assert [(o["asn"], o["provider_id"], o["catalog"]) for o in rows[1]["origin_providers"]] == [
        (3356, "as:AS3356", False),
        (15169, "google", True),
    ]
    assert (rows[6]["provider_id"], rows[6]["route_table_id"]) == (None, v4.dataset_id)  # unrouted


def test_iptoasn_ranges_and_names(ws: Workspace, data: Path) -> None:
    (result,) = ingest(ws, "ip2asn", [data / "network" / "iptoasn_ip2asn-v4_sample.tsv"])
    assert result.format == "iptoasn" and result.rows_loaded > 1000
    one, cstnet = attribute_addresses(ws, ["1.1.1.0", "1.1.1.1"])
    assert (one["route_prefix"], one["origin_asns"], one["as_country"]) == ("1.1.1.0-1.1.1.0", [13335], "US")
    assert one["provider_id"] == "cloudflare"
    assert cstnet["origin_asns"] == [7497] and cstnet["as_name"].startswith("CSTNET")


def test_the_wrong_kind_or_an_unknown_format_is_a_clear_error_and_loads_nothing(
    ws: Workspace, data: Path, tmp_path: Path
) -> None:
    with pytest.raises(SourceError, match="ingest ip2asn"):
        ingest(ws, "pfx2as", [data / "network" / "iptoasn_ip2asn-v4_sample.tsv"])
    odd = tmp_path / "odd.pfx2as"
    odd.write_text("; comment\n1.0.0.0 24 13335\n")
    with pytest.raises(SourceError, match="unknown routing format"):
        ingest(ws, "pfx2as", [odd])
    assert ws.rows("select count(*) as n from raw_routes")[0]["n"] == 0
    assert ws.rows("select count(*) as n from datasets")[0]["n"] == 0


def test_bad_routing_lines_are_rejected_with_line_numbers(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "routeviews-rv2-20240102-1200.pfx2as"
    path.write_text(
        "1.0.0.0\t24\t13335\n"
        "\n"
        "# a comment\n"
        "1.0.0.0\t24\t13335\n"  # duplicate
        "1.0.0.1\t24\t13335\n"  # host bits set
        "1.0.1.0\t24\tAS-FOO\n"  # not a number
        "1.0.2.0\t33\t1\n"  # length out of range
        "1.0.3.0\t24\n"  # a field missing
    )
    (result,) = ingest(ws, "pfx2as", [path])
    assert (result.rows_loaded, result.rows_rejected) == (1, 5)
    issues = {r["line"]: r["message"] for r in ws.rows("select line, message from load_issues")}
    assert "duplicate prefix" in issues[4] and "first on line 1" in issues[4]
    assert "host bits set (the network is 1.0.0.0/24)" in issues[5]
    assert "not an AS number" in issues[6]
    assert "out of range" in issues[7]
    assert "fields" in issues[8]


def test_loading_the_same_file_twice_is_skipped(ws: Workspace, data: Path) -> None:
    path = data / "network" / "routeviews-rv6-20240101-1200.pfx2as"
    ingest(ws, "pfx2as", [path])
    (again,) = ingest(ws, "pfx2as", [path])
    assert again.skipped
    assert ws.rows("select count(*) as n from net_route_intervals")[0]["n"] == 3


def test_the_latest_routing_file_per_family_is_used(ws: Workspace, data: Path, tmp_path: Path) -> None:
    ingest(ws, "pfx2as", [data / "network" / "routeviews-rv2-20240101-1200.pfx2as"])
    newer = tmp_path / "routeviews-rv2-20240201-1200.pfx2as"
    newer.write_text("8.8.8.0\t24\t64500\n")
    ingest(ws, "pfx2as", [newer])
    row = _one(ws, "8.8.8.8")
    assert (row["origin_asns"], str(row["route_date"])) == ([64500], "2024-02-01")


def test_as2org_old_text_format_joins_asns_to_organisations(ws: Workspace, data: Path) -> None:
    (result,) = ingest(ws, "as2org", [data / "network" / "20240101.as-org2info.txt"])
    assert (result.format, result.rows_loaded, result.rows_rejected) == ("caida_as2org_txt", 3, 1)
    rows = ws.rows("select asn, as_handle, org_name, country from stg_as_orgs order by asn")
    assert rows[0] == {
        "asn": 13335,
        "as_handle": "CLOUDFLARENET",
        "org_name": "Cloudflare, Inc.",
        "country": "US",
    }


def test_as2org_jsonl_and_pyasn_names_rank_below_caida(ws: Workspace, data: Path) -> None:
    (jsonl,) = ingest(ws, "as2org", [data / "network" / "20240701.as-org2info.jsonl"])
    assert (jsonl.format, jsonl.rows_loaded, jsonl.rows_rejected) == ("caida_as2org_jsonl", 2, 1)
    (names,) = ingest(ws, "as2org", [data / "network" / "pyasn_asnames_subset.json"])
    assert names.format == "pyasn_asnames" and names.rows_loaded == 8
    best = (
        "select * from stg_as_orgs qualify row_number() over (partition by asn order by source_rank desc) = 1"
    )
    rows = {r["asn"]: r for r in ws.rows(best)}
    assert rows[15169]["org_name"] == "Google LLC"  # CAIDA wins over pyasn's 'Google Inc.'
    assert (rows[16509]["as_handle"], rows[16509]["org_name"], rows[16509]["country"]) == (
        "AMAZON-02",
        "Amazon.com, Inc.",
        "US",
    )


SHARED_V6 = Path("/work/shared/datasets/real/ip_to_asn/pyasn_ipasn6_20151101.dat.gz")


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_V6.is_file(), reason="shared real datasets not present")
def test_combined_v4_v6_pyasn_table_agrees_with_pyasn(ws: Workspace, tmp_path: Path) -> None:
    (result,) = ingest(ws, "pfx2as", [SHARED_V6])
    assert (result.rows_loaded, result.rows_rejected) == (633_831, 0)
    plain = tmp_path / "ipasn6.dat"
    plain.write_bytes(gzip.decompress(SHARED_V6.read_bytes()))
    reference = pyasn.pyasn(str(plain))
    v6 = [
        ln.split("\t")[0]
        for ln in plain.read_text().splitlines()
        if ln and ln[0] != ";" and ":" in ln.split("\t")[0]
    ]
    rng = random.Random(6)
    sample = []
    for prefix in rng.sample(v6, 2000):
        net = ipaddress.ip_network(prefix)
        sample.append(str(net.network_address + rng.randrange(min(net.num_addresses, 2**64))))
    sample += [str(ipaddress.IPv4Address(rng.getrandbits(32))) for _ in range(2000)]
    rows = attribute_addresses(ws, sample)
    ours = [(r["origin_asns"][0] if r["origin_asns"] else None, r["route_prefix"]) for r in rows]
    assert ours == [reference.lookup(a) for a in sample]


def test_longest_prefix_at_every_interval_edge_across_16_bit_buckets(ws: Workspace, tmp_path: Path) -> None:
    # net_attribute() finds an IPv4 interval under its /16: a /8 and a /15 cut by more-specifics
    # leave intervals that cross /16 boundaries, each must still be found from every /16 it covers
    table = tmp_path / "routeviews-rv2-20240101-1200.pfx2as"
    prefixes = {
        "10.0.0.0/8": 64500,
        "10.2.0.0/15": 64501,
        "10.3.128.0/17": 64502,
        "10.2.7.0/24": 64503,
        "10.255.255.0/24": 64504,
        "11.0.0.0/16": 64505,
    }
    table.write_text("".join(f"{p.split('/')[0]}\t{p.split('/')[1]}\t{a}\n" for p, a in prefixes.items()))
    ingest(ws, "pfx2as", [table])
    nets = [ipaddress.ip_network(p) for p in prefixes]
    edges = sorted(
        {int(n.network_address) + d for n in nets for d in (-1, 0, 1)}
        | {int(n.broadcast_address) + d for n in nets for d in (-1, 0, 1)}
        | {(10 << 24) + (k << 16) + d for k in (0, 1, 2, 3, 4, 128, 255) for d in (-1, 0, 1)}
    )
    addresses = [str(ipaddress.IPv4Address(ip)) for ip in edges]
    rows = attribute_addresses(ws, addresses)
    for address, row in zip(addresses, rows, strict=True):
        covering = [n for n in nets if ipaddress.ip_address(address) in n]
        best = max(covering, key=lambda n: n.prefixlen) if covering else None
        expected = (str(best), [prefixes[str(best)]]) if best else (None, None)
        assert (row["route_prefix"], row["origin_asns"]) == expected, address
