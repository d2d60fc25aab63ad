"""scripts/import_peer_catalogs.py on files cut from the real cdncheck and cloudcheck data, with the
shipped mapping.yaml: what is imported for which service, what is left out and why, provenance,
deterministic output and the printed changes on a newer peer file."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
import yaml

SCRIPT = Path(__file__).parent.parent / "scripts" / "import_peer_catalogs.py"
COMMIT = "eaac392a3aea59b736ed05ba075fdbc7699a984d"


@pytest.fixture(scope="module")
def importer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_peer_catalogs", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(importer: ModuleType, out: Path, *args: str) -> int:
    return importer.main(["--out", str(out), *args])


def entry(path: Path, pid: str) -> dict:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return next(e for e in doc["providers"] if e["id"] == pid)


@pytest.fixture
def cdncheck(importer: ModuleType, tmp_path: Path, data: Path) -> Path:
    assert (
        run(
            importer,
            tmp_path,
            "--cdncheck",
            str(data / "peers/cdncheck_sources_data.json"),
            "--cdncheck-commit",
            COMMIT,
        )
        == 0
    )
    return tmp_path / "cdncheck.yaml"


@pytest.fixture
def cloudcheck(importer: ModuleType, tmp_path: Path, data: Path) -> Path:
    src = data / "peers/cloudcheck_cloud_providers_v2.json"
    assert run(importer, tmp_path, "--cloudcheck", str(src), "--cloudcheck-commit", "a" * 40) == 0
    return tmp_path / "cloudcheck.yaml"


def test_cdncheck_cname_suffixes_are_cdn_and_waf_namespaces_are_flagged(cdncheck: Path) -> None:
    alibaba = entry(cdncheck, "alibaba")["hostnames"]["cdn"]
    assert "kunlunca.com" in alibaba and "cdngslb.com" in alibaba
    assert {"suffix": "alicloudwaf.com", "waf": True} in alibaba
    # cloudflare and incapsula are in cdncheck's own `waf` section
    assert entry(cdncheck, "cloudflare")["hostnames"] == {"cdn": [{"suffix": "cloudflare.com", "waf": True}]}
    assert entry(cdncheck, "imperva")["hostnames"] == {"cdn": [{"suffix": "impervadns.net", "waf": True}]}
    assert {"suffix": "qcloudwaf.com", "waf": True} in entry(cdncheck, "tencent")["hostnames"]["cdn"]


def test_cdncheck_non_cdn_and_wrong_suffixes_are_reclassified_or_dropped_with_the_reason(
    cdncheck: Path,
) -> None:
    assert entry(cdncheck, "amazon")["hostnames"] == {
        "web_hosting": ["amazonaws.com"],
        "cdn": ["cloudfront.net"],
    }
    assert entry(cdncheck, "edgio")["hostnames"] == {"cdn": ["edgecastcdn.net"]}
    doc = yaml.safe_load(cdncheck.read_text(encoding="utf-8"))
    assert "Akamai" in doc["left_out"]["dropped_patterns"]["edgecast: edgesuite.net"]


def test_peer_cidrs_are_counted_not_imported(cdncheck: Path) -> None:
    doc = yaml.safe_load(cdncheck.read_text(encoding="utf-8"))
    assert doc["left_out"]["cidrs"] == {
        "cdn/gcore": 3,
        "cdn/qrator": 5,
        "cloud/aws": 3,
        "waf/cloudflare": 4,
        "waf/incapsula": 2,
    }
    assert not any("cidrs" in e or "ranges" in e for e in doc["providers"])


def test_every_entry_carries_its_provenance(cdncheck: Path) -> None:
    peer = entry(cdncheck, "alibaba")["peer"]
    assert peer == {
        "project": "cdncheck",
        "repo": "projectdiscovery/cdncheck",
        "file": "sources_data.json",
        "commit": COMMIT,
        "licence": "MIT",
        "url": f"https://github.com/projectdiscovery/cdncheck/blob/{COMMIT}/sources_data.json",
        "names": ["阿里云 CDN"],
    }
    new = entry(cdncheck, "qrator")  # not hand-curated: name, parent and country from mapping.yaml
    assert (new["name"], new["country"]) == ("Qrator Labs", "CZ")


def test_cloudcheck_domains_are_imported_only_as_listed_customer_targets(cloudcheck: Path) -> None:
    google = entry(cloudcheck, "google")["hostnames"]
    assert google == {
        # storage.googleapis.com and firebaseio.com come from the literal host of its bucket regexes
        "web_hosting": ["appspot.com", "firebaseio.com", "run.app", "storage.googleapis.com"],
        "dns_hosting": ["googledomains.com"],
    }
    zoho = entry(cloudcheck, "zoho")["hostnames"]
    assert zoho["email"] == ["zoho.com", "zoho.com.au", "zoho.eu", "zoho.in"]
    assert "zohocdn.com" not in json.dumps(zoho)  # its own static CDN, not a customer target
    doc = yaml.safe_load(cloudcheck.read_text(encoding="utf-8"))
    assert doc["left_out"]["domains_not_customer_targets"]["Google"] == 7  # google.com, youtube.com, ...


def test_cloudcheck_regex_targets_select_from_the_peers_list_and_asns_are_kept(cloudcheck: Path) -> None:
    huawei = entry(cloudcheck, "huaweicloud")
    assert {"cdnhwc1.com", "cdnhwcxsi14.cn"} <= {p for p in huawei["hostnames"]["cdn"] if isinstance(p, str)}
    assert {"suffix": "huaweicloudwaf.com", "waf": True} in huawei["hostnames"]["cdn"]
    assert len(entry(cloudcheck, "google")["asns"]) == 42
    assert "ORG-ZCB1-RIPE" in entry(cloudcheck, "zoho")["org_ids"]


def test_government_networks_are_skipped(cloudcheck: Path) -> None:
    doc = yaml.safe_load(cloudcheck.read_text(encoding="utf-8"))
    assert "DoD" in doc["left_out"]["skipped_providers"]
    assert all("DoD" not in e["peer"]["names"] for e in doc["providers"])


def test_a_rerun_on_the_same_input_changes_nothing(
    importer: ModuleType, cdncheck: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = cdncheck.read_bytes()
    capsys.readouterr()
    src = str(data / "peers/cdncheck_sources_data.json")
    assert run(importer, cdncheck.parent, "--cdncheck", src, "--cdncheck-commit", COMMIT, "--check") == 0
    assert cdncheck.read_bytes() == before
    assert "  unchanged" in capsys.readouterr().out


def test_a_newer_peer_file_rewrites_the_catalog_file_and_prints_what_changed(
    importer: ModuleType, cdncheck: Path, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads((data / "peers/cdncheck_sources_data.json").read_text(encoding="utf-8"))
    doc["common"]["akamai"].append("akamai-new.example")
    doc["common"]["qrator"] = []
    newer = tmp_path / "sources_data.json"
    newer.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    args = ("--cdncheck", str(newer), "--cdncheck-commit", "b" * 40)
    assert run(importer, cdncheck.parent, *args, "--check") == 1
    assert run(importer, cdncheck.parent, *args) == 0
    printed = capsys.readouterr().out
    assert f"commit {COMMIT} -> {'b' * 40}" in printed
    assert "+ cdn akamai-new.example (akamai)" in printed
    assert "- cdn qrator.net (qrator)" in printed
    assert "- provider qrator" in printed
    assert "akamai-new.example" in entry(cdncheck, "akamai")["hostnames"]["cdn"]


def test_a_peer_provider_the_mapping_does_not_know_is_an_error(
    importer: ModuleType, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads((data / "peers/cdncheck_sources_data.json").read_text(encoding="utf-8"))
    doc["common"]["newcdn"] = ["newcdn.example"]
    src = tmp_path / "sources_data.json"
    src.write_text(json.dumps(doc), encoding="utf-8")
    assert run(importer, tmp_path, "--cdncheck", str(src), "--cdncheck-commit", COMMIT) == 1
    assert "'newcdn' is not in mapping.yaml `cdncheck:`" in capsys.readouterr().err
    assert not (tmp_path / "cdncheck.yaml").exists()


def test_the_commit_must_be_known(
    importer: ModuleType, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(importer, tmp_path, "--cdncheck", str(data / "peers/cdncheck_sources_data.json")) == 1
    assert "pass --cdncheck-commit" in capsys.readouterr().err
