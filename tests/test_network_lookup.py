"""The attribution contract: int_ip_attribution over DNS addresses, attribute_addresses (dicts, in
order, invalid input reported), the Arrow/polars variants, and the `analyzer lookup` command."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.errors import AnalyzerError
from analyzer.ingest import ingest
from analyzer.network import lookup as lookup_mod
from analyzer.network.lookup import COLUMNS, attribute_addresses, attribute_arrow, attribute_frame
from analyzer.workspace import Workspace

CONTRACT = [
    "address",
    "family",
    "range_provider_id",
    "range_service",
    "range_region",
    "range_prefix",
    "range_dataset_id",
    "range_date",
    "route_prefix",
    "origin_asns",
    "route_dataset_id",
    "route_date",
    "as_name",
    "as_country",
    "asn_provider_id",
    "provider_id",
    "confidence",
]


@pytest.fixture
def loaded(ws: Workspace, data: Path) -> Workspace:
    net = data / "network"
    ingest(ws, "ranges", [net / "aws_ip_ranges_subset.json", net / "cloudflare-v6-ip-ranges.txt"])
    ingest(
        ws,
        "pfx2as",
        [net / "routeviews-rv2-20240101-1200.pfx2as", net / "routeviews-rv6-20240101-1200.pfx2as"],
    )
    ingest(ws, "as2org", [net / "20240101.as-org2info.txt"])
    return ws


def test_int_ip_attribution_has_one_row_per_distinct_dns_address(loaded: Workspace) -> None:
    ws = loaded
    row = ws.con.execute(
        "insert into datasets (kind, format, source, sha256, bytes, snapshot_date) "
        "values ('dns', 'test', 'test', 'x', 1, '2024-01-02') returning dataset_id"
    ).fetchone()
    assert row is not None
    records = [
        ("www.example.com", "A", "3.5.140.1"),
        ("example.com", "A", "3.5.140.1"),
        ("mail.example.com", "A", "8.8.8.8"),
        ("v6.example.com", "AAAA", "2606:4700::1"),
        ("alias.example.com", "CNAME", "www.example.com"),
    ]
    ws.con.executemany(
        "insert into raw_dns_records (dataset_id, observed_on, name, rtype, value) values (?, ?, ?, ?, ?)",
        [(row[0], dt.date(2024, 1, 2), *r) for r in records],
    )
    rows = {r["address"]: r for r in ws.rows("select * from int_ip_attribution")}
    assert list(next(iter(rows.values())))[: len(CONTRACT)] == CONTRACT
    assert sorted(rows) == ["2606:4700::1", "3.5.140.1", "8.8.8.8"]
    assert (rows["3.5.140.1"]["provider_id"], rows["3.5.140.1"]["confidence"]) == (
        "amazon",
        "published_range",
    )
    google = rows["8.8.8.8"]
    assert (google["provider_id"], google["confidence"], google["as_name"], google["as_country"]) == (
        "google",
        "asn",
        "Google LLC",
        "US",
    )
    assert google["origin_asns"] == [15169] and google["range_provider_id"] is None
    v6 = rows["2606:4700::1"]
    assert (v6["family"], v6["range_provider_id"], v6["origin_asns"]) == (6, "cloudflare", [13335, 209242])


def test_published_range_beats_the_asn(loaded: Workspace) -> None:
    # 23.32.5.0/24 is routed by AS16509 (Amazon) in the fixture; a published range names another provider
    (row,) = attribute_addresses(loaded, ["2606:4700::1"])
    assert (
        row["asn_provider_id"] == "cloudflare"
        and row["provider_id"] == row["range_provider_id"] == "cloudflare"
    )
    assert row["confidence"] == "published_range"


def test_attribute_addresses_keeps_order_and_reports_invalid_input(loaded: Workspace) -> None:
    rows = attribute_addresses(
        loaded, ["8.8.8.8", "not-an-ip", "3.5.140.1", " 8.8.8.8 ", "::ffff:8.8.8.8", "999.1.1.1"]
    )
    assert [r["address"] for r in rows] == [
        "8.8.8.8",
        "not-an-ip",
        "3.5.140.1",
        "8.8.8.8",
        "::ffff:8.8.8.8",
        "999.1.1.1",
    ]
    assert [r["error"] for r in rows] == [None, "not an IP address", None, None, None, "not an IP address"]
    assert rows[4]["family"] == 4 and rows[4]["route_prefix"] == "8.8.8.0/24"
    assert list(rows[0]) == list(COLUMNS)


def test_arrow_and_polars_variants_run_the_same_sql(loaded: Workspace) -> None:
    table = attribute_arrow(loaded, ["8.8.8.8", "3.5.140.1"])
    assert table.column_names == list(COLUMNS)
    frame = attribute_frame(loaded, pl.Series(["8.8.8.8", "3.5.140.1"]))
    assert frame["provider_id"].to_list() == ["google", "amazon"]
    assert table.to_pylist() == attribute_addresses(loaded, ["8.8.8.8", "3.5.140.1"])


def test_an_empty_database_attributes_nothing(ws: Workspace) -> None:
    (row,) = attribute_addresses(ws, ["8.8.8.8"])
    assert (row["family"], row["provider_id"], row["confidence"], row["error"]) == (4, None, None, None)


FDNS_LINES = (
    '{"timestamp":"1752969600","name":"www.example.com","type":"cname","value":"d1.cloudfront.net"}\n'
    '{"timestamp":"1752969600","name":"d1.cloudfront.net","type":"a","value":"3.5.140.1"}\n'
)


def test_hostnames_resolve_through_the_dns_snapshot_with_each_address_attributed(
    loaded: Workspace, tmp_path: Path
) -> None:
    fdns = tmp_path / "2025-07-20-1752969600-fdns_any.json"
    fdns.write_text(FDNS_LINES)
    ingest(loaded, "dns", [fdns])
    rows = lookup_mod.lookup(loaded, ["8.8.8.8", "www.example.com", "nosuch.example.com", "3.5.140.1"])
    assert [r.get("address") or r.get("query") for r in rows] == [
        "8.8.8.8",
        "www.example.com",
        "nosuch.example.com",
        "3.5.140.1",
    ]
    www = rows[1]
    assert [h["name"] for h in www["chain"]["hops"]] == ["d1.cloudfront.net"]
    (address,) = www["addresses"]
    assert address["address"] == "3.5.140.1"
    assert (address["attribution"]["provider_id"], address["attribution"]["range_service"]) == (
        "amazon",
        "S3",
    )
    assert rows[2]["found"] is False and rows[2]["addresses"] == []


def test_lookup_command_json_and_stdin(data: Path, db_file: Path) -> None:
    runner = CliRunner()
    net = data / "network"
    result = runner.invoke(
        app, ["--db", str(db_file), "ingest", "ranges", str(net / "aws_ip_ranges_subset.json")]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["--db", str(db_file), "lookup", "--json", "3.5.140.1", "192.0.2.1"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["provider_id"], r["range_service"], r["range_region"]) for r in rows] == [
        ("amazon", "S3", "ap-northeast-2"),
        (None, None, None),
    ]
    result = runner.invoke(
        app, ["--db", str(db_file), "lookup", "--json", "-"], input="3.5.140.1\n\n52.95.110.1\n"
    )
    # bulk input: one JSON object per line
    assert [json.loads(line)["range_service"] for line in result.stdout.splitlines()] == ["S3", "ROUTE53"]
    result = runner.invoke(app, ["--db", str(db_file), "lookup", "www.example.com"])
    assert result.exit_code == 0 and "not in the loaded DNS data" in result.stdout
    result = runner.invoke(app, ["--db", str(db_file), "lookup", "3.5.140.1"])
    assert result.exit_code == 0 and "amazon" in result.stdout


def test_bulk_lookups_in_chunks_keep_input_order(loaded: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lookup_mod, "CHUNK", 3)
    addresses = ["8.8.8.8", "192.0.2.1", "3.5.140.1", "2606:4700::1", "bad", "8.8.1.1", "12.1.1.1"]
    table = attribute_arrow(loaded, addresses, columns=["address", "provider_id"])
    assert table.column_names == ["address", "provider_id"]
    assert table.column("address").to_pylist() == addresses
    assert attribute_frame(loaded, addresses)["address"].to_list() == addresses
    with pytest.raises(AnalyzerError, match="unknown attribution column"):
        attribute_arrow(loaded, addresses, columns=["nope"])


def test_unordered_bulk_results_carry_each_rows_input_position(
    loaded: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lookup_mod, "CHUNK", 3)
    addresses = ["8.8.8.8", "192.0.2.1", "3.5.140.1", "2606:4700::1", "bad", "8.8.1.1", "12.1.1.1"]
    ordered = attribute_frame(loaded, addresses)
    loose = attribute_frame(loaded, addresses, ordered=False)
    assert sorted(loose["seq"].to_list()) == list(range(len(addresses)))
    assert loose.sort("seq").drop("seq").equals(ordered)
    table = attribute_arrow(loaded, addresses, columns=["address", "provider_id"], ordered=False)
    pairs = zip(table.column("seq").to_pylist(), table.column("address").to_pylist(), strict=True)
    assert sorted(pairs) == list(enumerate(addresses))


def test_a_few_addresses_keep_the_sorted_asof_plan(loaded: Workspace) -> None:
    """DuckDB rewrites an ASOF join with a small left side into a nested loop plus aggregate: over a
    full routing table (1.45M intervals) that took 70 s for 1,000 addresses instead of 0.6 s."""
    loaded.con.execute("create temp table few as select 1 as seq, '8.8.8.8' as address")
    plan = loaded.con.execute("explain select * from net_attribute('few')").fetchall()[0][1]
    joins = re.findall(r"─ ([A-Za-z ]*Join) ─", plan)
    # routes v6, ranges v6 (v4 routes and ranges are hash joins on /16 buckets); nested loops
    # remain only for the date windows of the few loaded files
    assert joins.count("Asof Join") == 2, joins
    assert joins.count("Nested Loop Join") == 4, joins


# Bulk lookups (`analyzer lookup -`): texts the fast IPv4 path must treat as Python's ipaddress does,
# other addresses, hostnames and blanks, mixed, so that every path and every boundary is crossed.
MIXED = [
    "8.8.8.8",
    " 3.5.140.1 ",
    "",
    "192.0.2.1",
    "0.0.0.0",
    "255.255.255.255",
    "2606:4700::1",
    "::ffff:8.8.8.8",
    "01.2.3.4",
    "999.1.1.1",
    "1.2.3",
    "www.example.com",
    "nosuch.example.com",
    "8.8.1.1",
    "12.1.1.1",
    "3.5.140.0",
    "3.5.143.255",
]


def _cli_with_network(data: Path, db_file: Path) -> CliRunner:
    """A CLI runner on a database holding the AWS ranges subset and the 2024 RouteViews sample."""
    runner = CliRunner()
    net = data / "network"
    for kind, path in (
        ("ranges", net / "aws_ip_ranges_subset.json"),
        ("pfx2as", net / "routeviews-rv2-20240101-1200.pfx2as"),
    ):
        assert runner.invoke(app, ["--db", str(db_file), "ingest", kind, str(path)]).exit_code == 0
    return runner


def _flat(parts: list) -> list[dict]:
    return [row for part in parts for row in (part if isinstance(part, list) else part.to_pylist())]


def test_streamed_lookup_gives_the_same_rows_as_the_lookup_in_input_order(
    loaded: Workspace, tmp_path: Path
) -> None:
    from analyzer.lookup import lookup, stream_lookup

    fdns = tmp_path / "2025-07-20-1752969600-fdns_any.json"
    fdns.write_text(FDNS_LINES)
    ingest(loaded, "dns", [fdns])
    expected = lookup(loaded, MIXED)
    for size in (1, 3, len(MIXED)):
        chunks = [MIXED[i : i + size] for i in range(0, len(MIXED), size)]
        assert _flat(list(stream_lookup(loaded, chunks))) == expected, size


def test_streamed_ipv4_rows_are_net_attribute_rows_at_every_interval_edge(loaded: Workspace) -> None:
    """The stored points answer for every address between them: check the edges of every route and
    range interval (and their neighbours) against net_attribute() itself."""
    from analyzer.lookup import stream_lookup

    edges = loaded.con.execute(
        "select distinct ip::ubigint from (select unnest([lo - 1, lo, hi, hi + 1]) as ip from ("
        " select lo::hugeint as lo, hi::hugeint as hi from net_route_intervals where family = 4"
        " union all select lo::hugeint, hi::hugeint from net_range_intervals where family = 4))"
        " where ip between 0 and 4294967295 order by 1"
    ).fetchall()
    texts = [".".join(str(ip >> s & 255) for s in (24, 16, 8, 0)) for (ip,) in edges]
    assert len(texts) > 50
    assert _flat(list(stream_lookup(loaded, [texts]))) == attribute_addresses(loaded, texts)


def test_the_stored_points_follow_new_data(loaded: Workspace, data: Path) -> None:
    from analyzer.lookup import stream_lookup

    (before,) = _flat(list(stream_lookup(loaded, [["104.16.0.1"]])))
    ingest(loaded, "ranges", [data / "network" / "cloudflare-v4-ip-ranges.txt"])
    (after,) = _flat(list(stream_lookup(loaded, [["104.16.0.1"]])))
    assert before["range_provider_id"] is None and after["range_provider_id"] == "cloudflare"
    assert after == attribute_addresses(loaded, ["104.16.0.1"])[0]


def test_bulk_lookup_command_streams_json_lines_and_csv(data: Path, db_file: Path) -> None:
    from analyzer import output
    from analyzer.lookup import lookup
    from analyzer.workspace import open_workspace

    runner = _cli_with_network(data, db_file)
    stdin = "\n".join(MIXED) + "\n"
    result = runner.invoke(app, ["--db", str(db_file), "lookup", "--json", "-"], input=stdin)
    assert result.exit_code == 0, result.output
    with open_workspace(db_file) as ws:
        expected = [output.jsonable(r) for r in lookup(ws, MIXED)]
    assert [json.loads(line) for line in result.stdout.splitlines()] == json.loads(json.dumps(expected))
    result = runner.invoke(
        app, ["--db", str(db_file), "lookup", "--format", "csv", "8.8.8.8", "-"], input=stdin
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == ",".join(["name", *COLUMNS])
    assert [line.split(",")[1] for line in lines[1:4]] == ["8.8.8.8", "8.8.8.8", "3.5.140.1"]
    # a hostname is one row per final address, here an error row
    assert any(line.startswith("nosuch.example.com,") for line in lines)
    assert len(lines) == 1 + 1 + len([m for m in MIXED if m.strip()])


def test_streamed_json_lines_are_the_rows_as_json(loaded: Workspace) -> None:
    from analyzer import output
    from analyzer.lookup import lookup, stream_lookup

    texts = [m.strip() for m in MIXED if m.strip()]
    parts = list(stream_lookup(loaded, [texts], as_json=True))
    assert any(isinstance(p, output.JsonParts) for p in parts)
    lines = b"".join(bytes(b) for p in parts for b in output.json_line_buffers(p)).decode().splitlines()
    expected = json.loads(json.dumps([output.jsonable(r) for r in lookup(loaded, texts)]))
    assert [json.loads(line) for line in lines] == expected
    addresses = [json.loads(line) for line in lines if '"address"' in line[:12]]
    assert {tuple(row) for row in addresses} == {tuple(COLUMNS)}


def _points(ws: Workspace) -> list[tuple]:
    return ws.con.execute(
        "select p.point, p.route_prefix, h.json, r.json from lookup_ip4_points as p"
        " join lookup_ip4_heads as h using (head_id) join lookup_ip4_rests as r using (rest_id) order by p.point"
    ).fetchall()


def test_the_point_store_is_built_by_the_network_ingest_and_rebuilt_by_the_next_one(
    ws: Workspace, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bulk lookup finds its points ready: a routing file's ingest stores them, a second routing
    file rebuilds them, a DNS file leaves them alone, and the lookup itself builds nothing."""
    from analyzer.lookup import stream_lookup
    from analyzer.lookup_file_header import STORE_KEY, store_fingerprint
    from analyzer.meta import get_meta
    from analyzer.network import points

    net = data / "network"
    ingest(ws, "pfx2as", [net / "routeviews-rv2-20240101-1200.pfx2as"])
    assert get_meta(ws.con, STORE_KEY) == store_fingerprint(ws.con)
    first = _points(ws)
    assert len(first) > 10
    ingest(ws, "ip2asn", [net / "iptoasn_ip2asn-v4_sample.tsv"])
    assert get_meta(ws.con, STORE_KEY) == store_fingerprint(ws.con)
    second = _points(ws)
    assert second != first
    assert ("1.1.1.1", "1.1.1.1-1.1.1.1") in {
        (f"{p >> 24}.{p >> 16 & 255}.{p >> 8 & 255}.{p & 255}", r) for p, r, *_ in second
    }

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("the store was rebuilt")

    monkeypatch.setattr(points, "_build", no_build)
    fdns = tmp_path / "2025-07-20-1752969600-fdns_any.json"
    fdns.write_text(FDNS_LINES)
    ingest(ws, "dns", [fdns])  # DNS data: the points do not depend on it
    texts = ["1.1.1.1", "1.1.1.7", "8.8.8.8", "3.5.140.1"]
    assert _flat(list(stream_lookup(ws, [texts]))) == attribute_addresses(ws, texts)


def test_the_point_store_is_built_lazily_when_it_is_missing(loaded: Workspace) -> None:
    from analyzer.lookup import stream_lookup

    loaded.con.execute("drop table lookup_ip4_points")
    assert _flat(list(stream_lookup(loaded, [["8.8.8.8"]]))) == attribute_addresses(loaded, ["8.8.8.8"])
    assert len(_points(loaded)) > 10


def test_points_found_by_hash_and_by_columns_are_the_same(loaded: Workspace) -> None:
    from analyzer.network import points

    keyed = _points(loaded)
    with loaded.transaction() as con:
        points._build(con, (points.POINTS, points.HEADS, points.RESTS), temp=False, keyed=False)
    assert _points(loaded) == keyed


@pytest.mark.parametrize(
    "text",
    [
        "0.0.0.0",
        "255.255.255.255",
        "1.2.3.4",
        "10.0.0.10",
        "256.1.1.1",
        "01.2.3.4",
        "1.2.3",
        "1.2.3.4.5",
        "1..2.3",
        ".1.2.3",
        "1.2.3.",
        "1234.1.1.1",
        "",
        "1.2.3.0255",
        "99.199.249.250",
    ],
)
def test_a_block_of_ipv4_lines_is_parsed_as_ipaddress_reads_each_line(text: str) -> None:
    """The numpy parser of bulk input takes a block only when every line is an IPv4 address that
    ipaddress accepts, and then gives each line's integer."""
    import ipaddress

    from analyzer.network.points import ipv4_block

    block = f"8.8.8.8\n{text}\n9.9.9.9".encode()
    try:
        value = int(ipaddress.IPv4Address(text))
    except ValueError:
        assert ipv4_block(block) is None
        return
    found = ipv4_block(block)
    assert found is not None
    texts, ints = found
    assert texts.to_list() == ["8.8.8.8", text, "9.9.9.9"]
    assert ints.tolist() == [0x08080808, value, 0x09090909]


def test_bulk_command_answers_bare_ipv4_lines_as_the_lookup(data: Path, db_file: Path) -> None:
    """The input of the benchmark (only IPv4 lines) takes the numpy block path: same JSON and CSV."""
    from analyzer import output
    from analyzer.lookup import lookup
    from analyzer.workspace import open_workspace

    runner = _cli_with_network(data, db_file)
    texts = ["3.5.140.1", "8.8.8.8", "1.0.0.1", "52.94.0.1", "0.0.0.0", "8.8.8.8", "255.255.255.255"]
    result = runner.invoke(app, ["--db", str(db_file), "lookup", "--json", "-"], input="\n".join(texts))
    assert result.exit_code == 0, result.output
    with open_workspace(db_file) as ws:
        rows = lookup(ws, texts)
    expected = json.loads(json.dumps([output.jsonable(r) for r in rows]))
    assert [json.loads(line) for line in result.stdout.splitlines()] == expected
    # CSV: the same rows as the general path takes for the same lines ending in CRLF
    fast, general = (
        runner.invoke(
            app, ["--db", str(db_file), "lookup", "--format", "csv", "-"], input=end.join(texts) + end
        )
        for end in ("\n", "\r\n")
    )
    assert fast.exit_code == 0 and general.exit_code == 0, fast.output + general.output
    assert fast.stdout == general.stdout
    assert [line.split(",")[1] for line in fast.stdout.splitlines()[1:]] == texts


def test_json_lines_of_parts_are_the_pieces_joined_whichever_buffers_hold_them() -> None:
    """Bulk JSON lines are written from the buffers polars joined them into when those hold the
    lines back to back, else copied: the same bytes either way."""
    import pyarrow as pa

    from analyzer import output

    texts = pl.Series(["1.2.3.4", "10.0.0.1", "255.255.255.255"] * 3000)
    rests = pl.Series(['{"x":1}', '{"y":"' + "z" * 400 + '"}', "{}"] * 3000)
    part = output.JsonParts(['{"address":"', texts, '",', rests])
    expected = "".join(f'{{"address":"{t}",{r}\n' for t, r in zip(texts, rests, strict=True)).encode()
    assert b"".join(bytes(b) for b in output.json_line_buffers(part)) == expected
    assert b"".join(bytes(b) for b in output.json_line_buffers(part)) == expected
    views = pa.array(["a" * 20, "b" * 30, "c" * 13], pa.string_view())
    assert b"".join(bytes(b) for b in output._back_to_back(views) or []) == b"a" * 20 + b"b" * 30 + b"c" * 13
    # a slice (its buffers hold more than its strings) and strings kept in their views are refused
    assert output._back_to_back(views.slice(1)) is None
    assert output._back_to_back(pa.array(["a" * 20, "short"], pa.string_view())) is None


def test_bulk_lookup_in_many_small_parts_keeps_the_input_order(data: Path, db_file: Path) -> None:
    """Parts are rendered by a pool of threads and written in order: JSON lines, CSV rows and the
    table's rows come in input order when every line or two is a part of its own."""
    runner = _cli_with_network(data, db_file)
    texts = ["3.5.140.1", "8.8.8.8", "1.0.0.1", "52.94.0.1", "203.0.113.9", "9.9.9.9"] * 5
    stdin = "\n".join(texts) + "\n"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("analyzer.cli.network.BLOCK_BYTES", 16)
        as_json, as_csv, as_table = (
            runner.invoke(app, ["--db", str(db_file), "lookup", "-", *fmt], input=stdin)
            for fmt in (["--json"], ["--format", "csv"], [])
        )
    for result in (as_json, as_csv, as_table):
        assert result.exit_code == 0, result.output
    assert [json.loads(line)["address"] for line in as_json.stdout.splitlines()] == texts
    assert [line.split(",")[1] for line in as_csv.stdout.splitlines()[1:]] == texts
    rows = [line for line in as_table.stdout.splitlines() if re.search(r"\d+\.\d+\.\d+\.\d+", line)]
    assert [re.findall(r"\b(?:\d+\.){3}\d+\b", line)[0] for line in rows] == texts


def test_reading_the_point_store_leaves_duckdb_on_its_threads(
    data: Path, db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk lookup reads the store on one thread (one batch, in the table's order), then gives
    DuckDB back the threads it was configured with; the answers are the lookup's."""
    import polars as pl

    from analyzer import output
    from analyzer.network.points import Ip4Points

    monkeypatch.setenv("ANALYZER_DUCKDB_THREADS", "2")
    net = data / "network"
    with Workspace(db_file) as ws:
        ingest(ws, "pfx2as", [net / "routeviews-rv2-20240101-1200.pfx2as"])
        ingest(ws, "as2org", [net / "20240101.as-org2info.txt"])
    texts = ["1.1.1.1", "8.8.8.8", "3.5.140.1", "203.0.113.9"]
    with Workspace(db_file) as ws:
        points = Ip4Points(ws)
        rows = points.attribute(pl.Series(texts), list(COLUMNS)).to_pylist()
        lines = b"".join(output.json_line_buffers(points.json_tails(pl.Series(texts))))
        assert ws.con.execute("select current_setting('threads')").fetchall() == [(2,)]
        assert rows == attribute_addresses(ws, texts)
    assert [json.loads(line) for line in lines.splitlines()] == json.loads(
        json.dumps([output.jsonable(r) for r in rows])
    )
