"""Lint of the shipped provider catalog (hand-curated and peer-derived files, as merged by the loader):
patterns compile in Python and DuckDB, no (service, pattern) or ASN names two providers, every entry
says where it comes from, ids are unique within a layer, services and relationships are known, and
the peer files were generated from the current mapping.yaml."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest
import yaml

from analyzer.catalog import build_catalog, hand_files, peer_files
from analyzer.labels import CATALOG_RELATIONSHIPS as RELATIONSHIPS
from analyzer.labels import HOSTNAME_SERVICES as SERVICES
from analyzer.resources import datasets_dir

MAPPING = datasets_dir() / "providers.d" / "peers" / "mapping.yaml"
COMMIT = re.compile(r"^[0-9a-f]{40}$")


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    return build_catalog()


def entries(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8")).get("providers") or []


def test_the_shipped_catalog_has_both_layers() -> None:
    assert any(p.name == "providers.yaml" for p in hand_files() if p.exists())
    assert {p.name for p in peer_files()} >= {"cdncheck.yaml", "cloudcheck.yaml"}


def test_every_regex_compiles_in_python_and_duckdb(catalog) -> None:  # type: ignore[no-untyped-def]
    regexes = sorted({p.pattern for p in catalog.hostnames if p.match_kind == "regex"})
    assert regexes
    con = duckdb.connect()
    bad = []
    for rx in regexes:
        try:
            re.compile(rx)
            con.execute("select regexp_matches('x.example', ?)", [rx]).fetchall()
        except (re.error, duckdb.Error) as exc:
            bad.append(f"{rx}: {exc}")
    assert bad == []


def test_suffixes_are_plain_lowercase_hostnames(catalog) -> None:  # type: ignore[no-untyped-def]
    bad = [
        (p.provider_id, p.pattern)
        for p in catalog.hostnames
        if p.match_kind == "suffix" and not re.fullmatch(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*", p.pattern)
    ]
    assert bad == []


def test_no_service_pattern_is_claimed_by_two_providers(catalog) -> None:  # type: ignore[no-untyped-def]
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for p in catalog.hostnames:
        owners[(p.service, p.pattern)].add(p.provider_id)
    assert {k: sorted(v) for k, v in owners.items() if len(v) > 1} == {}


def test_no_asn_is_claimed_by_two_providers(catalog) -> None:  # type: ignore[no-untyped-def]
    owners: dict[int, set[str]] = defaultdict(set)
    for pid, asn, _ in catalog.asns:
        owners[asn].add(pid)
    assert {k: sorted(v) for k, v in owners.items() if len(v) > 1} == {}


def test_every_peer_claim_the_merge_drops_is_acknowledged_in_the_mapping(catalog) -> None:  # type: ignore[no-untyped-def]
    """A dropped claim is a disagreement between a peer and us (or two peers): someone decides it."""
    mapping = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    known = {(c["what"], str(c["value"]), c["provider_id"]) for c in mapping.get("conflicts") or []}
    unacknowledged = [
        f"{d.what} {d.service or ''} {d.value} of {d.provider_id} (kept by {d.kept_by}, {d.source})"
        for d in catalog.dropped
        if (d.what, d.value, d.provider_id) not in known
    ]
    assert unacknowledged == [], "add them to `conflicts:` in mapping.yaml with the reason"


def test_hand_curated_entries_cite_a_source_url() -> None:
    missing = [
        f"{path.name}: {e['id']}"
        for path in hand_files()
        if path.exists()
        for e in entries(path)
        if not str(e.get("source") or "").startswith(("https://", "http://"))
    ]
    assert missing == []


def test_peer_entries_name_their_source_file_commit_licence_and_peer_names() -> None:
    for path in peer_files():
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert COMMIT.match(doc["source"]["commit"]), path
        for e in doc["providers"]:
            peer = e.get("peer") or {}
            assert peer.get("file") and COMMIT.match(str(peer.get("commit"))), (path.name, e["id"])
            assert peer.get("repo") and peer.get("licence") and peer.get("names"), (path.name, e["id"])


def test_ids_are_unique_within_each_layer() -> None:
    hand_ids = [e["id"] for path in hand_files() if path.exists() for e in entries(path)]
    assert sorted({i for i in hand_ids if hand_ids.count(i) > 1}) == []
    for path in peer_files():
        ids = [e["id"] for e in entries(path)]
        assert len(ids) == len(set(ids)), path.name


def test_every_service_and_relationship_is_known(catalog) -> None:  # type: ignore[no-untyped-def]
    assert {p.service for p in catalog.hostnames} <= set(SERVICES)
    assert {p.relationship for p in catalog.hostnames} <= set(RELATIONSHIPS)
    for path in (*[p for p in hand_files() if p.exists()], *peer_files()):
        for e in entries(path):
            assert e.get("relationship", "customer") in RELATIONSHIPS, (path.name, e["id"])
            for token in e.get("verification_tokens") or []:
                assert token.get("service", "web_hosting") in SERVICES, (path.name, e["id"])


def test_every_provider_has_a_name_parent_and_country(catalog) -> None:  # type: ignore[no-untyped-def]
    missing = [pid for pid, e in catalog.providers.items() if not (e.get("name") and e.get("country"))]
    assert missing == []


def test_peer_files_were_generated_from_the_current_mapping() -> None:
    """mapping.yaml edited without re-running scripts/import_peer_catalogs.py shows here."""
    digest = hashlib.sha256(MAPPING.read_bytes()).hexdigest()
    stale = [
        p.name
        for p in peer_files()
        if yaml.safe_load(p.read_text(encoding="utf-8"))["source"].get("mapping_sha256") != digest
    ]
    assert stale == [], "re-run scripts/import_peer_catalogs.py"
