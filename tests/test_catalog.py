"""The catalog loader: hand-curated files merged with peer-derived ones, hand-curated winning; the
tables it fills (with per-row source and WAF flag), and its digest over every file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from analyzer.catalog import build_catalog, load_catalog
from analyzer.errors import ConfigError
from analyzer.resources import sql_dir
from analyzer.workspace import Workspace

PEER = """    peer: {project: cdncheck, repo: projectdiscovery/cdncheck, file: sources_data.json,
           commit: eaac392a3aea59b736ed05ba075fdbc7699a984d, licence: MIT, names: [%s]}
"""


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A datasets/ folder: one hand-curated file, one peer file that overlaps it."""
    write(
        tmp_path,
        "providers.yaml",
        """providers:
  - id: akamai
    name: Akamai
    parent: Akamai
    country: US
    kinds: [cdn]
    source: https://techdocs.akamai.com/
    asns: [20940]
    hostnames:
      cdn: [edgekey.net, edgesuite.net]
  - id: linode
    name: Linode
    parent: Akamai
    country: US
    source: https://geoip.linode.com/
    asns: [63949]
""",
    )
    write(
        tmp_path,
        "providers.d/peers/cdncheck.yaml",
        """providers:
  - id: akamai
    name: Akamai Technologies
    country: XX
    kinds: [cloud]
"""
        + PEER % "akamai"
        + """    hostnames:
      cdn: [edgekey.net, akamaized.net]
    asns: [20940, 16625, 63949]
  - id: edgio
    name: Edgecast (Edgio)
    country: US
"""
        + PEER % "edgecast"
        + """    hostnames:
      cdn: [edgecastcdn.net, edgesuite.net, {suffix: edgio-waf.example, waf: true}]
""",
    )
    write(tmp_path, "providers.d/peers/mapping.yaml", "providers: {}\n")
    return tmp_path


def test_hand_curated_scalars_win_and_lists_are_unioned(root: Path) -> None:
    cat = build_catalog(root=root)
    akamai = cat.providers["akamai"]
    assert (akamai["name"], akamai["country"], akamai["kinds"]) == ("Akamai", "US", ["cdn"])
    patterns = {p.pattern for p in cat.hostnames if p.provider_id == "akamai"}
    assert patterns == {"edgekey.net", "edgesuite.net", "akamaized.net"}
    assert {a for p, a, _ in cat.asns if p == "akamai"} == {20940, 16625}
    assert cat.sources["akamai"] == ["providers.yaml", "providers.d/peers/cdncheck.yaml"]


def test_a_peer_claim_on_another_providers_pattern_or_asn_is_dropped_and_counted(root: Path) -> None:
    cat = build_catalog(root=root)
    assert {(p.pattern, p.provider_id) for p in cat.hostnames if p.pattern == "edgesuite.net"} == {
        ("edgesuite.net", "akamai")
    }
    assert {(a, p) for p, a, _ in cat.asns if a == 63949} == {(63949, "linode")}
    assert sorted((d.what, d.value, d.provider_id, d.kept_by) for d in cat.dropped) == [
        ("asn", "63949", "akamai", "linode"),
        ("hostname", "edgesuite.net", "edgio", "akamai"),
    ]


def test_between_peer_files_the_first_file_keeps_a_contested_claim(root: Path) -> None:
    write(
        root,
        "providers.d/peers/zz_later.yaml",
        "providers:\n  - id: other\n    name: Other\n    country: US\n"
        + PEER % "other"
        + "    hostnames:\n      cdn: [edgecastcdn.net]\n",
    )
    cat = build_catalog(root=root)
    assert [(d.value, d.provider_id, d.kept_by) for d in cat.dropped if d.what == "hostname"][-1] == (
        "edgecastcdn.net",
        "other",
        "edgio",
    )


def test_the_same_id_in_two_hand_curated_files_is_an_error(root: Path) -> None:
    write(root, "providers.d/more.yaml", "providers:\n  - {id: akamai, name: Akamai again}\n")
    with pytest.raises(ConfigError, match="'akamai' is defined twice"):
        build_catalog(root=root)


def test_the_same_id_twice_in_one_peer_file_is_an_error(root: Path) -> None:
    write(root, "providers.d/peers/dup.yaml", "providers:\n  - {id: x, name: X}\n  - {id: x, name: X}\n")
    with pytest.raises(ConfigError, match=r"dup\.yaml: provider id 'x' is defined twice"):
        build_catalog(root=root)


def test_mapping_yaml_is_not_catalog_data(root: Path) -> None:
    write(root, "providers.d/peers/mapping.yaml", "providers:\n  zoho: {name: Zoho}\n")
    assert "zoho" not in build_catalog(root=root).providers


def test_the_tables_say_where_each_row_came_from_and_flag_waf_namespaces(root: Path) -> None:
    ws = Workspace(":memory:")
    try:
        assert load_catalog(ws.con, force=True, root=root)
        rows = ws.rows("select provider_id, pattern, source, waf from catalog_hostnames order by pattern")
        assert {r["pattern"]: (r["provider_id"], r["source"], r["waf"]) for r in rows} == {
            "akamaized.net": ("akamai", "providers.d/peers/cdncheck.yaml", False),
            "edgecastcdn.net": ("edgio", "providers.d/peers/cdncheck.yaml", False),
            "edgekey.net": ("akamai", "providers.yaml", False),
            "edgesuite.net": ("akamai", "providers.yaml", False),
            "edgio-waf.example": ("edgio", "providers.d/peers/cdncheck.yaml", True),
        }
        provider = ws.rows("select sources, peer_names from catalog_providers where provider_id = 'edgio'")
        assert provider == [{"sources": ["providers.d/peers/cdncheck.yaml"], "peer_names": ["edgecast"]}]
        meta = ws.rows("select value from analyzer_meta where key = 'catalog_dropped_peer_claims'")
        assert meta == [{"value": "2"}]
    finally:
        ws.close()


def test_the_digest_covers_the_peer_files(root: Path) -> None:
    ws = Workspace(":memory:")
    try:
        assert load_catalog(ws.con, root=root)
        assert not load_catalog(ws.con, root=root)
        peer = root / "providers.d" / "peers" / "cdncheck.yaml"
        peer.write_text(
            peer.read_text(encoding="utf-8").replace("akamaized.net", "akamaihd.net"), encoding="utf-8"
        )
        assert load_catalog(ws.con, root=root)
        assert ws.rows("select count(*) as n from catalog_hostnames where pattern = 'akamaihd.net'") == [
            {"n": 1}
        ]
    finally:
        ws.close()


def test_a_database_with_the_old_catalog_tables_gets_the_new_columns() -> None:
    con = duckdb.connect()
    con.execute(
        "create table catalog_hostnames (provider_id varchar not null, service varchar not null, "
        "pattern varchar not null, match_kind varchar not null, relationship varchar not null)"
    )
    con.execute("insert into catalog_hostnames values ('a', 'cdn', 'x.example', 'suffix', 'customer')")
    con.execute((sql_dir() / "02_raw_catalog.sql").read_text(encoding="utf-8"))
    assert con.execute("select pattern, source, waf from catalog_hostnames").fetchall() == [
        ("x.example", None, None)
    ]
