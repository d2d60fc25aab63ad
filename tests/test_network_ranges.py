"""Provider-published ranges: every publisher format loads with service, region and its own date;
the most specific published range wins; bad lines are counted; unknown layouts are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.errors import SourceError
from analyzer.ingest import ingest
from analyzer.network.lookup import attribute_addresses
from analyzer.workspace import Workspace

REAL = Path("/work/shared/datasets/real/cloud_ip_ranges/femueller")


def _net(data: Path, name: str) -> Path:
    return data / "network" / name


def _pick(row: dict) -> tuple:
    return (
        row["provider_id"],
        row["confidence"],
        row["range_service"],
        row["range_region"],
        row["range_prefix"],
    )


def test_aws_most_specific_service_range_beats_the_amazon_superset(ws: Workspace, data: Path) -> None:
    (result,) = ingest(ws, "ranges", [_net(data, "aws_ip_ranges_subset.json")])
    assert (result.format, str(result.snapshot_date)) == ("aws_ip_ranges", "2025-07-24")  # createDate
    s3, cloudfront = attribute_addresses(ws, ["3.5.140.1", "13.32.1.1"])
    # 3.5.140.0/22 is listed under AMAZON and under S3: the specific service is kept
    assert _pick(s3) == ("amazon", "published_range", "S3", "ap-northeast-2", "3.5.140.0/22")
    assert s3["range_dataset_id"] == result.dataset_id and str(s3["range_date"]) == "2025-07-24"
    assert cloudfront["range_service"] == "CLOUDFRONT"


def test_google_cloud_json_keeps_service_scope_and_creation_time(ws: Workspace, data: Path) -> None:
    (result,) = ingest(ws, "ranges", [_net(data, "google-cloud-ip-ranges.json")])
    assert (result.format, str(result.snapshot_date)) == ("google_cloud_json", "2025-07-24")
    (row,) = attribute_addresses(ws, ["34.35.0.1"])
    assert _pick(row) == ("google", "published_range", "Google Cloud", "africa-south1", "34.35.0.0/16")


def test_azure_service_tag_beats_the_azurecloud_superset(ws: Workspace, data: Path) -> None:
    (result,) = ingest(ws, "ranges", [_net(data, "ServiceTags_Public_20250721.json")])
    assert (result.format, str(result.snapshot_date)) == ("azure_service_tags", "2025-07-21")
    # AzureCloud.northcentralus (no systemService) covers the AppService.NorthCentralUS prefixes
    covered = ws.rows(
        "select a.prefix from raw_ranges as a inner join raw_ranges as c "
        "on c.detail = 'AzureCloud.northcentralus' and a.detail = 'AppService.NorthCentralUS' "
        "and a.family = c.family and a.lo between c.lo and c.hi order by a.line limit 1"
    )
    assert covered, "the fixture has an AppService prefix inside an AzureCloud prefix"
    (row,) = attribute_addresses(ws, [covered[0]["prefix"].split("/")[0]])
    assert (row["range_service"], row["range_region"]) == ("AzureAppService", "northcentralus")


def test_oracle_fastly_geofeeds_and_plain_lists(ws: Workspace, data: Path) -> None:
    results = ingest(
        ws,
        "ranges",
        [
            _net(data, "oracle_public_ip_ranges_subset.json"),
            _net(data, "fastly-ip-ranges.json"),
            _net(data, "cloudflare-v4-ip-ranges.txt"),
            _net(data, "cloudflare-v6-ip-ranges.txt"),
            _net(data, "digitalocean.csv"),
            _net(data, "linode_geofeed_head.txt"),
        ],
    )
    assert [r.format for r in results] == [
        "oracle_public_ip_ranges",
        "fastly_public_ip_list",
        "cidr_list",
        "cidr_list",
        "geofeed_csv",
        "geofeed_csv",
    ]
    assert str(results[0].snapshot_date) == "2025-07-21"
    assert str(results[5].snapshot_date) == "2025-07-24"  # '# Last modified:' of the geofeed
    rows = attribute_addresses(
        ws,
        [
            "129.80.0.1",
            "151.101.1.1",
            "104.16.0.1",
            "2606:4700::6810:1",
            "5.101.96.1",
            "2600:3c00::1",
            "192.0.2.1",
        ],
    )
    assert [r["provider_id"] for r in rows] == [
        "oracle",
        "fastly",
        "cloudflare",
        "cloudflare",
        "digitalocean",
        "linode",
        None,
    ]
    assert rows[0]["range_region"] == "us-ashburn-1" and rows[0]["range_service"] == "OCI"
    assert rows[4]["range_region"] == "NL-NH"
    assert rows[-1]["confidence"] is None  # outside every range: nothing


def test_github_meta_lists_are_services_and_keys_that_are_not_addresses_are_skipped(
    ws: Workspace, data: Path
) -> None:
    (result,) = ingest(ws, "ranges", [_net(data, "github_meta_subset.json")])
    # 6 hooks + 4 web + 5 actions; ssh_keys, fingerprints and domains are not ranges
    assert (result.format, result.rows_loaded, result.rows_rejected) == ("github_meta", 15, 0)
    hook, runner, v6 = attribute_addresses(ws, ["192.30.252.7", "4.149.70.1", "2602:fd5e:1:2::9"])
    # 192.30.252.0/22 is in hooks and in web: one node, both kept, the first listed first
    assert _pick(hook) == ("github", "published_range", "hooks", None, "192.30.252.0/22")
    assert [(r["service"], r["prefix"]) for r in hook["ranges"]] == [
        ("hooks", "192.30.252.0/22"),
        ("web", "192.30.252.0/22"),
    ]
    assert _pick(runner)[2:] == ("actions", None, "4.149.64.0/19")
    assert _pick(v6)[2:] == ("actions", None, "2602:fd5e:1:2::/64")


def test_a_plain_list_needs_a_provider(ws: Workspace, data: Path, tmp_path: Path) -> None:
    anonymous = tmp_path / "ips.txt"
    anonymous.write_text("192.0.2.0/24\n")
    with pytest.raises(SourceError, match="--provider"):
        ingest(ws, "ranges", [anonymous])
    (result,) = ingest(ws, "ranges", [anonymous], options={"provider": "hetzner"})
    assert attribute_addresses(ws, ["192.0.2.7"])[0]["provider_id"] == "hetzner"
    with pytest.raises(SourceError, match="not in the provider catalog"):
        ingest(ws, "ranges", [anonymous], options={"provider": "nobody"}, force=True)
    assert result.rows_loaded == 1


def test_bad_lines_are_counted_with_line_numbers(ws: Workspace, data: Path) -> None:
    (result,) = ingest(ws, "ranges", [_net(data, "bad_cidr_list.txt")], options={"provider": "cloudflare"})
    assert (result.rows_loaded, result.rows_rejected) == (3, 6)
    issues = {r["line"]: r["message"] for r in ws.rows("select line, message from load_issues")}
    assert "duplicate" in issues[5]
    assert "host bits set (the network is 10.0.0.0/8)" in issues[6]
    assert "not an IP address" in issues[7]
    assert "out of range" in issues[8]
    assert "IPv4-mapped" in issues[9]
    assert "not a CIDR prefix" in issues[10]


def test_unknown_json_layout_is_refused_and_nothing_is_loaded(ws: Workspace, data: Path) -> None:
    with pytest.raises(SourceError, match="unknown JSON layout"):
        ingest(ws, "ranges", [_net(data, "unknown_layout.json")])
    assert ws.rows("select count(*) as n from raw_ranges")[0]["n"] == 0
    assert ws.rows("select count(*) as n from datasets")[0]["n"] == 0


def test_a_newer_snapshot_of_a_provider_replaces_the_older_one(
    ws: Workspace, data: Path, tmp_path: Path
) -> None:
    old = tmp_path / "cloudflare-old.txt"
    old.write_text("198.51.100.0/24\n")
    ingest(ws, "ranges", [old], options={"date": __import__("datetime").date(2020, 1, 1)})
    ingest(ws, "ranges", [_net(data, "cloudflare-v4-ip-ranges.txt")])
    gone, kept = attribute_addresses(ws, ["198.51.100.1", "104.16.0.1"])
    assert gone["provider_id"] is None and kept["provider_id"] == "cloudflare"


@pytest.mark.slow
@pytest.mark.skipif(not REAL.is_dir(), reason="shared real datasets not present")
def test_every_real_range_file_loads(ws: Workspace) -> None:
    files = sorted(p for p in REAL.iterdir() if not p.name.startswith("zscaler"))
    results = ingest(ws, "ranges", files)
    assert all(r.rows_loaded > 0 and r.rows_rejected == 0 for r in results), [r.summary() for r in results]


def test_goog_json_is_a_superset_below_cloud_json(ws: Workspace, data: Path) -> None:
    (goog,) = ingest(ws, "ranges", [_net(data, "goog.json")])
    ingest(ws, "ranges", [_net(data, "google-cloud-ip-ranges.json")])
    assert goog.format == "google_goog_json"
    cloud, dns, v6 = attribute_addresses(ws, ["34.35.0.1", "8.8.4.4", "2001:4860::8888"])
    # 34.35.0.0/16 (cloud.json, Google Cloud) lies inside goog.json's 34.0.0.0/9: the specific one wins
    assert (cloud["range_service"], cloud["range_prefix"]) == ("Google Cloud", "34.35.0.0/16")
    assert (dns["provider_id"], dns["range_service"], dns["range_prefix"]) == ("google", None, "8.8.4.0/24")
    assert v6["range_prefix"] == "2001:4860::/32"


def test_the_shipped_demo_range_files_load_cleanly(ws: Workspace) -> None:
    from analyzer.resources import datasets_dir

    results = ingest(ws, "ranges", sorted((datasets_dir() / "ranges").iterdir()))
    assert len(results) >= 8
    assert all(r.rows_loaded > 0 and r.rows_rejected == 0 for r in results), [r.summary() for r in results]
