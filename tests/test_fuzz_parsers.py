"""Every parser against mutated real samples (hypothesis): bytes flipped, cut, inserted or deleted,
in plain and gzipped files. Whatever the bytes, ingest either loads (counting what it rejects) or
refuses with one AnalyzerError line naming the file; a refusal leaves the database as it was."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from analyzer.errors import AnalyzerError
from analyzer.ingest import ingest
from analyzer.workspace import Workspace

DATA = Path(__file__).parent / "data"

# One real sample per parser (kind, format), cut to a few KB so that each example stays fast.
SAMPLES = {
    ("csl", "csv"): DATA / "watchman_consolidated_sample_2025.csv",
    ("csl", "json"): DATA / "csl" / "consolidated_sample.json",
    ("watchlist", "yaml"): DATA / "watchlist" / "investigation.yaml",
    ("watchlist", "csv"): DATA / "watchlist" / "investigation.csv",
    ("ranges", "aws"): DATA / "network" / "aws_ip_ranges_subset.json",
    ("ranges", "azure"): DATA / "network" / "ServiceTags_Public_20250721.json",
    ("ranges", "geofeed"): DATA / "network" / "digitalocean.csv",
    ("pfx2as", "caida"): DATA / "network" / "routeviews-rv2-20240101-1200.pfx2as",
    ("ip2asn", "tsv"): DATA / "network" / "iptoasn_ip2asn-v4_sample.tsv",
    ("as2org", "txt"): DATA / "network" / "20240101.as-org2info.txt",
    ("as2org", "jsonl"): DATA / "network" / "20240701.as-org2info.jsonl",
    ("dns", "fdns"): DATA / "dns" / "fdns_sample.json.gz",
    ("dns", "zone"): DATA / "dns" / "examplevision.example.zone",
    ("dns", "csv"): DATA / "dns" / "resolver_export.csv",
    ("dns", "openintel"): DATA / "dns" / "openintel_sample.gz.parquet",
    ("ct", "crtsh"): DATA / "ct" / "crtsh_sample.csv",
}
OPTIONS = {("ranges", "geofeed"): {"provider": "digitalocean"}}
SUFFIX = {("ranges", "azure"): "ServiceTags_Public_20250721.json"}


def sample_bytes(key: tuple[str, str]) -> bytes:
    raw = SAMPLES[key].read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if key[1] in ("openintel", "aws", "azure", "json"):
        return raw  # binary or one JSON document: a cut makes it invalid, not smaller
    return raw[:4000]


mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, 10**6), st.just(0)),
    st.tuples(
        st.just("insert"), st.integers(0, 10**6), st.sampled_from([0, 10, 13, 27, 34, 44, 91, 123, 255])
    ),
    st.tuples(st.just("delete"), st.integers(0, 10**6), st.integers(1, 64)),
)


def mutate(raw: bytes, steps: list[tuple[str, int, int]]) -> bytes:
    data = bytearray(raw)
    for op, at, arg in steps:
        if not data:
            break
        i = at % len(data)
        if op == "flip":
            data[i] ^= arg
        elif op == "cut":
            del data[i:]
        elif op == "insert":
            data[i:i] = bytes([arg])
        else:
            del data[i : i + arg]
    return bytes(data)


@pytest.mark.parametrize("key", sorted(SAMPLES), ids=lambda k: f"{k[0]}-{k[1]}")
# No shrinking (a failure prints its mutations as they are) and no example database on disk.
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(mutation, min_size=1, max_size=4), compress=st.booleans())
def test_mutated_files_load_or_are_refused_in_one_line(
    key: tuple[str, str], steps: list[tuple[str, int, int]], compress: bool
) -> None:
    kind, _ = key
    data = mutate(sample_bytes(key), steps)
    if compress and key[1] != "openintel":
        data = gzip.compress(data)
    ws = _workspace(kind)
    before = ws.rows(COUNTS)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / SUFFIX.get(key, "sample" + SAMPLES[key].suffix)
        path.write_bytes(data)
        try:
            [result] = ingest(ws, kind, [path], options=OPTIONS.get(key))
        except AnalyzerError as exc:
            message = str(exc)
            assert "\n" not in message and len(message) < 1200, message
            assert ws.rows(COUNTS) == before  # refused: nothing of the file stays
        else:
            assert result.rows_loaded >= 0 and result.rows_rejected >= 0
            assert all("\n" not in m for m in result.messages)


# What a refused file must not change (a failed file's rows would show in these counts).
COUNTS = """
    select
        (select count(*) from datasets) as datasets,
        (select count(*) from load_issues) as issues,
        (select count(*) from raw_entities) as entities,
        (select count(*) from raw_ranges) as ranges,
        (select count(*) from raw_routes) as routes,
        (select count(*) from raw_as_orgs) as orgs,
        (select count(*) from raw_dns_records) as dns
"""
_WORKSPACES: dict[str, Workspace] = {}


def _workspace(kind: str) -> Workspace:
    """One in-memory database per kind for all its examples (opening one applies every sql/ file)."""
    if kind not in _WORKSPACES:
        _WORKSPACES[kind] = Workspace(":memory:")
    return _WORKSPACES[kind]
