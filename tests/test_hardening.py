"""Issue 15: hostile names, hostile files and a hostile network never break a command, leak, or lose
data. One test (or a few) per numbered case of the issue, each failing on the code before the fix."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hostile import NAMES, build_hostile_demo
from refresh_server import LocalServer, Route, make_certificates
from typer.testing import CliRunner

from analyzer import psl
from analyzer.cli import app
from analyzer.errors import SourceError
from analyzer.ingest import ingest
from analyzer.refresh import RefreshOptions, refresh_datasets
from analyzer.workspace import Workspace

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"
runner = CliRunner()


def run(*args: str, db: Path | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, [*(["--db", str(db)] if db else []), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_hostile_demo(tmp_path_factory.mktemp("hostile") / "hostile.duckdb")


def datasets_count(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select count(*) from datasets").fetchall()[0][0]
    finally:
        con.close()


# -- 1. rich console markup in data ------------------------------------------------------------
def test_markup_in_a_path_is_printed_and_the_database_stays_usable(tmp_path: Path) -> None:
    folder = tmp_path / "a[" / "x]"  # the path then reads .../a[/x]/r.pfx2as: a rich closing tag
    folder.mkdir(parents=True)
    shutil.copy(DATA / "network" / "routeviews-rv2-20240101-1200.pfx2as", folder / "r.pfx2as")
    db = tmp_path / "a.duckdb"
    code, out, err = run("ingest", "pfx2as", str(folder / "r.pfx2as"), db=db)
    assert code == 0, err
    assert "a[/x]/r.pfx2as: pfx2as/caida_pfx2as" in out
    code, out, _ = run("datasets", db=db)
    assert code == 0 and "[/x]" in out


def test_markup_in_names_is_shown_literally_by_every_command(hostile_db: Path) -> None:
    northwind = NAMES["Northwind Vision Technology Co., Ltd."]
    for args in (["entities"], ["report"], ["explain", "Northwind"], ["domains", "Northwind"]):
        code, out, err = run(*args, db=hostile_db)
        assert code == 0, (args, err)
        flat = " ".join(out.split())
        assert "[/bold] Northwind" in flat, args
    code, out, _ = run("explain", "Northwind", db=hostile_db)
    assert "[link=https://evil.example]Click[/link]" in " ".join(out.split())  # text, not a hyperlink
    assert northwind.startswith("[/bold]")
    code, out, _ = run("sql", "select '[/]' as x", db=hostile_db)
    assert code == 0 and "[/]" in out


# -- 2. terminal escape injection --------------------------------------------------------------
def test_control_characters_reach_the_terminal_escaped(hostile_db: Path, tmp_path: Path) -> None:
    code, out, _ = run(
        "sql", "select chr(27) || '[2J' || chr(27) || ']8;;https://evil.example' as x", db=hostile_db
    )
    assert code == 0 and "\x1b" not in out and "\\x1b[2J\\x1b]8;;https://evil.example" in out
    code, out, _ = run("entities", "--search", "Woodgrove", db=hostile_db)
    assert "\u202e" not in out and "\\u202eevil\\u202c" in out
    # an ESC in a file name is shown escaped in the ingest summary
    path = tmp_path / "x\x1b[2J.pfx2as"
    shutil.copy(DATA / "network" / "routeviews-rv2-20240101-1200.pfx2as", path)
    code, out, err = run("ingest", "pfx2as", str(path), db=tmp_path / "b.duckdb")
    assert code == 0 and "\x1b" not in out + err and "x\\x1b[2J.pfx2as" in out


HOSTILE_AS_NAME = "[link=https://evil.example]Click[/link] \x1b[2J \u202eCorp"


@pytest.fixture(scope="module")
def hostile_as_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An AS organisation named with markup, ESC and a bidi override (CAIDA as-org2info.txt)."""
    folder = tmp_path_factory.mktemp("hostile-as")
    as2org = folder / "20250701.as-org2info.txt"
    as2org.write_text(
        "# format:org_id|changed|org_name|country|source\n"
        f"MARK-ARIN|20240301|{HOSTILE_AS_NAME}|US|ARIN\n"
        "# format:aut|changed|aut_name|org_id|opaque_id|source\n"
        "64501|20240301|-2+3cmd|MARK-ARIN|y_ARIN|ARIN\n",
        encoding="utf-8",
    )
    pfx2as = folder / "routeviews-rv2-20250720-1200.pfx2as"
    pfx2as.write_text("198.51.100.0\t24\t64501\n", encoding="utf-8")
    db = folder / "as.duckdb"
    ws = Workspace(db)
    try:
        ingest(ws, "as2org", [as2org])
        ingest(ws, "pfx2as", [pfx2as])
    finally:
        ws.close()
    return db


def test_bulk_lookup_json_escapes_bidi_controls_like_every_json_output(hostile_as_db: Path) -> None:
    result = runner.invoke(
        app, ["--db", str(hostile_as_db), "lookup", "-", "--format", "json"], input="198.51.100.7\n"
    )
    assert result.exit_code == 0 and "\u202e" not in result.stdout and "\x1b" not in result.stdout
    assert json.loads(result.stdout.splitlines()[0])["as_name"] == HOSTILE_AS_NAME  # the same data


@pytest.mark.parametrize("raw", ["\u202e", "\u2066", "\u200b", "\x85", "\x9b", "\x7f", "\ufeff", "\u2028"])
def test_json_pieces_stored_once_and_json_written_by_others_escape_what_json_dumps_escapes(raw: str) -> None:
    """The bulk lookup's stored JSON parts are escaped once when loaded (json_texts), other writers'
    JSON when written (json_bytes): either way a bidi, C1 or DEL character from data is a \\u
    escape, as in json_dumps, and other text (accents, ASCII) is left as it is."""
    import polars as pl

    from analyzer.safe_text import json_bytes, json_dumps, json_texts

    value = {"as_name": f"Caf\u00e9 {raw}Corp"}
    rendered = json.dumps(value, ensure_ascii=False)
    assert raw in rendered and raw not in json_dumps(value)
    texts = pl.Series([rendered, None, '{"plain":"Caf\u00e9"}', '{"ascii":1}'], dtype=pl.String)
    assert json_texts(texts).to_list() == [json_dumps(value), None, '{"plain":"Caf\u00e9"}', '{"ascii":1}']
    assert texts[0] == rendered  # the caller's column is not changed in place
    assert bytes(json_bytes(rendered.encode())) == json_dumps(value).encode()
    assert json.loads(bytes(json_bytes(rendered.encode()))) == value
    plain = '{"plain":"Caf\u00e9 \u00a0 \u2013"}'.encode()  # C2/E2 lead bytes, no unsafe character
    assert bytes(json_bytes(plain)) == plain


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_bulk_lookup_on_a_terminal_shows_control_characters_escaped(fmt: str, hostile_as_db: Path) -> None:
    import pty

    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "analyzer", "--db", str(hostile_as_db), "lookup", "-", "--format", fmt],
            input=b"198.51.100.7\n",
            stdout=follower,
            stderr=subprocess.PIPE,
            timeout=120,
        )
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    text = shown.decode("utf-8")
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in text and "\u202e" not in text and "Click[/link]" in text
    if fmt == "csv":
        assert "\\x1b[2J \\u202eCorp" in text


def test_entity_names_with_control_characters_are_rejected_at_ingest(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        yaml.safe_dump({"entities": [{"name": "Evil \x1b[2J Co"}, {"name": "Fine Co"}]}), encoding="utf-8"
    )
    [result] = ingest(ws, "watchlist", [path])
    assert result.rows_loaded == 1 and result.rows_rejected == 1
    assert result.messages == [
        "w.yaml line 2: name 'Evil \\x1b[2J Co' contains control characters; entry skipped"
    ]


# -- 3. Markdown and CSV injection -------------------------------------------------------------
def test_markdown_report_escapes_html_and_markdown(hostile_db: Path) -> None:
    code, md, _ = run("report", "--format", "md", db=hostile_db)
    assert code == 0
    for live in ("<script", "<img"):
        assert live not in md
    assert not re.search(r"(?<!\\)\]\(javascript:", md)  # an escaped \] makes no link
    assert "&lt;script&gt;alert\\(1\\)" in md or "&lt;script&gt;alert(1)&lt;/script&gt;" in md


def test_csv_outputs_neutralise_formula_cells(hostile_db: Path, tmp_path: Path) -> None:
    code, _, _ = run("report", "--format", "csv", "--out", str(tmp_path / "r.csv"), db=hostile_db)
    assert code == 0
    for name in ("r.csv", "r.matrix.csv"):
        cells = [c for row in csv.reader((tmp_path / name).open(encoding="utf-8")) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@")], name
        assert not [c for c in cells if c.startswith("-") and not c.lstrip("-").replace(".", "").isdigit()]
    matrix = (tmp_path / "r.matrix.csv").read_text(encoding="utf-8")
    assert """'=HYPERLINK(""https://evil.example"",""Click"") Contoso""" in matrix
    code, out, _ = run(
        "sql",
        "select '=1+1' as f, '@x' as a, -5 as n, '-5' as t, '-x' as d",
        "--format",
        "csv",
        db=hostile_db,
    )
    assert out == "f,a,n,t,d\n'=1+1,'@x,-5,-5,'-x\n"


# -- 4. truncated download accepted ------------------------------------------------------------
@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def server(certs: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certs[0]))
    with LocalServer(certs[1], certs[2]) as srv:
        yield srv


def registry(tmp_path: Path, server: LocalServer, **entries: dict) -> Path:
    base = {
        "csl": {
            "url": server.url("/consolidated.csv"),
            "format": "csv",
            "kind": "csl",
            "rows": [100, 100_000],
        },
        "cloudflare-v4": {
            "url": server.url("/ips-v4"),
            "format": "text",
            "kind": "ranges",
            "options": {"provider": "cloudflare"},
            "rows": [1, 1000],
        },
    }
    sources = [
        {"id": k, "publisher": "local", "licence": "-", "frequency": 1, **v, **entries.get(k, {})}
        for k, v in base.items()
    ]
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    return path


def big_csl(rows: int = 2000) -> bytes:
    """A consolidated.csv of `rows` entries in the real header (names numbered to keep them apart)."""
    lines = (DATA / "watchman_consolidated_sample_2025.csv").read_text(encoding="utf-8").splitlines()
    reader = csv.reader(io.StringIO("\n".join(lines)))
    header, *records = list(reader)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    name = header.index("name")
    for i in range(rows):
        rec = list(records[i % len(records)])
        rec[name] = f"{rec[name]} {i}"
        if "_id" in header:
            rec[header.index("_id")] = f"id-{i}"
        writer.writerow(rec)
    return buf.getvalue().encode()


def test_a_body_cut_without_content_length_is_refused(tmp_path: Path, server: LocalServer) -> None:
    body = big_csl()
    server.add("/consolidated.csv", Route(body, "text/csv", script=[f"eof:{len(body) * 8 // 10}"]))
    db = tmp_path / "r.duckdb"
    sources = registry(tmp_path, server)
    code, out, _ = run("refresh", "csl", "--sources", str(sources), "--data-dir", str(tmp_path / "d"), db=db)
    assert code == 3, out
    assert "csl: refused: consolidated.csv: the last record has" in out and "the file is cut off" in out
    assert datasets_count(db) == 0


def test_a_shorter_body_without_content_length_is_held_back(tmp_path: Path, server: LocalServer) -> None:
    body = (DATA / "refresh" / "cloudflare-ips-v4.txt").read_bytes()
    cut = body[: body.rindex(b"\n", 0, len(body) * 8 // 10) + 1]  # cut at a line end: no broken record
    route = Route(body, "text/plain", etag='"v1"')
    server.add("/ips-v4", route)
    db, data_dir = tmp_path / "r.duckdb", tmp_path / "d"
    sources = registry(tmp_path, server)
    args = ["refresh", "cloudflare-v4", "--sources", str(sources), "--data-dir", str(data_dir)]
    assert run(*args, "--date", "2024-01-01", db=db)[0] == 0
    route.etag, route.body, route.script = '"v2"', body + b"\n", [f"eof:{len(cut)}"]
    code, out, _ = run(*args, "--date", "2024-01-02", db=db)
    assert code == 3, out
    assert "held_back" in out and "the server did not say how long the body is" in out
    assert datasets_count(db) == 1


# -- 5. glob characters in file names ----------------------------------------------------------
def test_glob_characters_in_a_path_are_literal(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "g"
    folder.mkdir()
    record = {"timestamp": "1641081600", "name": "one.example", "type": "a", "value": "192.0.2.1"}
    (folder / "a*.json").write_text(json.dumps(record) + "\n", encoding="utf-8")
    (folder / "ab.json").write_text((json.dumps({**record, "name": "other.example"}) + "\n") * 5)
    [result] = ingest(ws, "dns", [folder / "a*.json"])
    assert result.rows_loaded == 1
    shutil.copy(DATA / "dns" / "openintel_sample.gz.parquet", folder / "x[1].parquet")
    shutil.copy(DATA / "dns" / "day2" / "openintel_day2.gz.parquet", folder / "x1.parquet")
    [bracketed] = ingest(ws, "dns", [folder / "x[1].parquet"])
    [plain] = ingest(Workspace(":memory:"), "dns", [DATA / "dns" / "openintel_sample.gz.parquet"])
    assert bracketed.rows_loaded == plain.rows_loaded


def test_a_quoted_glob_that_names_no_file_loads_each_match_as_its_own_dataset(
    ws: Workspace, tmp_path: Path
) -> None:
    shutil.copy(DATA / "dns" / "openintel_sample.gz.parquet", tmp_path / "p1.parquet")
    shutil.copy(DATA / "dns" / "day2" / "openintel_day2.gz.parquet", tmp_path / "p2.parquet")
    results = ingest(ws, "dns", [str(tmp_path / "p*.parquet")])
    assert [Path(r.source).name for r in results] == ["p1.parquet", "p2.parquet"]
    assert len({r.dataset_id for r in results}) == 2


# -- 6. network outside refresh ----------------------------------------------------------------
def test_every_duckdb_connection_has_extension_downloads_off() -> None:
    ws = Workspace(":memory:")
    psl.registrable_domain("www.example.co.uk")
    con, _ = psl._rules_connection()
    for c in (ws.con, con):
        row = c.execute(
            "select current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions')"
        ).fetchall()
        assert row == [(False, False)]


def test_remote_urls_and_databases_are_refused(hostile_db: Path) -> None:
    code, _, err = run("sql", "select * from read_csv('https://127.0.0.1:9/x.csv')", db=hostile_db)
    assert code == 1
    assert "names the remote location 'https://127.0.0.1:9/x.csv': analyzer works offline" in err
    code, _, err = run("--db", "md:x", "datasets")
    assert code == 1 and "--db 'md:x' is not a local file" in err


def test_the_test_suite_blocks_name_lookups_and_connections() -> None:
    import socket

    with pytest.raises(AssertionError, match="resolve a host name"):
        socket.getaddrinfo("example.com", 443)
    sock = socket.socket()
    try:
        with pytest.raises(AssertionError, match="reach the network"):
            sock.connect_ex(("192.0.2.1", 443))
    finally:
        sock.close()


# -- 7. tracebacks on broken files -------------------------------------------------------------
NON_DNS = {
    "csl": DATA / "watchman_consolidated_sample_2025.csv",
    "watchlist": DATA / "watchlist" / "investigation.csv",
    "ranges": DATA / "network" / "aws_ip_ranges_subset.json",
    "pfx2as": DATA / "network" / "routeviews-rv2-20240101-1200.pfx2as",
    "ip2asn": DATA / "network" / "iptoasn_ip2asn-v4_sample.tsv",
    "as2org": DATA / "network" / "20240701.as-org2info.jsonl",
    "ct": DATA / "ct" / "crtsh_hikvision.json",
}


def corrupt_gzip(raw: bytes) -> bytes:
    """The bytes gzipped with a damaged deflate stream in the middle (zlib: invalid distance ...)."""
    gz = bytearray(gzip.compress(raw * max(1, 20_000 // len(raw))))
    middle = len(gz) // 2
    for i in range(middle, middle + 40):
        gz[i] ^= 0x5A
    return bytes(gz)


@pytest.mark.parametrize("kind", sorted(NON_DNS))
def test_corrupt_deflate_is_one_line_naming_the_offset(kind: str, ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / f"{kind}.gz"
    path.write_bytes(corrupt_gzip(NON_DNS[kind].read_bytes()))
    with pytest.raises(SourceError) as info:
        ingest(ws, kind, [path], options={"provider": "amazon"} if kind == "ranges" else None)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert "gzip data" in message and "byte" in message
    assert ws.rows("select count(*) as n from datasets") == [{"n": 0}]


def openintel_with(tmp_path: Path, name: str, **columns: pa.Array) -> Path:
    table = pq.read_table(DATA / "dns" / "openintel_sample.gz.parquet")
    for col, values in columns.items():
        table = table.set_column(table.schema.get_field_index(col), col, values)
    path = tmp_path / name
    pq.write_table(table, path)
    return path


def test_openintel_timestamps_that_are_strings_or_out_of_range_are_named(
    ws: Workspace, tmp_path: Path
) -> None:
    n = pq.read_metadata(DATA / "dns" / "openintel_sample.gz.parquet").num_rows
    strings = openintel_with(tmp_path, "s.parquet", timestamp=pa.array(["x"] * n))
    with pytest.raises(SourceError, match=r"column 'timestamp' is string, expected epoch milliseconds"):
        ingest(ws, "dns", [strings])
    far = openintel_with(tmp_path, "f.parquet", timestamp=pa.array([10**18] * n, pa.int64()))
    with pytest.raises(SourceError, match=r"row 1: timestamp 1000000000000000000 is not epoch milliseconds"):
        ingest(ws, "dns", [far])
    assert ws.rows("select count(*) as n from datasets") == [{"n": 0}]


def test_provider_json_with_wrong_element_types_rejects_those_entries(ws: Workspace, tmp_path: Path) -> None:
    doc = json.loads((DATA / "network" / "aws_ip_ranges_subset.json").read_text(encoding="utf-8"))
    good = len(doc["prefixes"]) + len(doc.get("ipv6_prefixes") or [])
    doc["prefixes"] += [5, None, {"ip_prefix": ["1.2.3.0/24"], "service": 7, "region": {"x": 1}}]
    path = tmp_path / "aws.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    [result] = ingest(ws, "ranges", [path])
    assert (result.rows_loaded, result.rows_rejected) == (good, 3)
    azure = {"changeNumber": 1, "values": [{"name": "x", "properties": {"addressPrefixes": 5}}, 7]}
    (tmp_path / "ServiceTags_Public_20250721.json").write_text(json.dumps(azure), encoding="utf-8")
    with pytest.raises(SourceError, match="no prefixes found"):
        ingest(ws, "ranges", [tmp_path / "ServiceTags_Public_20250721.json"])
    jsonl = tmp_path / "as2org.jsonl"
    jsonl.write_text(
        json.dumps({"type": "Organization", "organizationId": "O-1", "name": ["x"], "country": 5})
        + "\n"
        + json.dumps({"type": "ASN", "asn": "64500", "name": {"a": 1}, "organizationId": "O-1"})
        + "\n",
        encoding="utf-8",
    )
    [orgs] = ingest(ws, "as2org", [jsonl])
    assert orgs.rows_loaded == 1


# -- 8. weak validation ------------------------------------------------------------------------
def test_dns_values_and_names_are_validated(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "name,type,value\n"
        "ok.example,A,192.0.2.1\n"
        "bad.example,A,not-an-address\n"
        "big.example,A,300.1.2.3\n"
        "six.example,AAAA,zz::1\n"
        "esc\x1b[2J.example,A,192.0.2.2\n"
        "nul\x00.example,A,192.0.2.3\n"
        "[/x].example,A,192.0.2.4\n"
        "ok6.example,AAAA,2001:db8::1\n",
        encoding="utf-8",
    )
    [result] = ingest(ws, "dns", [path], options={"date": dt.date(2025, 7, 20)})
    assert (result.rows_loaded, result.rows_rejected) == (2, 6)
    assert "r.csv line 3: A value not-an-address is not an IPv4 address" in result.messages
    assert "r.csv line 5: AAAA value zz::1 is not an IPv6 address" in result.messages
    assert "r.csv line 8: name [/x].example contains a control or markup character" in result.messages


def test_list_typed_parquet_columns_are_refused(ws: Workspace, tmp_path: Path) -> None:
    n = pq.read_metadata(DATA / "dns" / "openintel_sample.gz.parquet").num_rows
    path = openintel_with(tmp_path, "l.parquet", ip4_address=pa.array([[1, 2]] * n))
    with pytest.raises(SourceError, match=r"column 'ip4_address' is list<\w+: int64>, expected a string"):
        ingest(ws, "dns", [path])


@pytest.mark.parametrize("content", [b"\n  \n\n", gzip.compress(b""), gzip.compress(b"; only a comment\n")])
def test_dns_files_without_records_are_refused(content: bytes, ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "empty-20250720.zone"
    path.write_bytes(content)
    with pytest.raises(SourceError, match="holds no DNS records"):
        ingest(ws, "dns", [path])
    assert ws.rows("select count(*) as n from datasets") == [{"n": 0}]


def test_watchlist_problems_name_their_real_lines_and_values_are_checked(
    ws: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        "list: W\n"
        "entities:\n"
        "  - name: First Co\n"
        "    country: CN\n"
        "  - name: Second Co\n"
        "    country: <b>\n"
        "    domains:\n"
        "      - 300.1.2.3\n"
        "  - name: " + "y" * 10_000 + "\n"
        "    domains: [not a domain]\n",
        encoding="utf-8",
    )
    [result] = ingest(ws, "watchlist", [path])
    assert result.messages[:2] == [
        "w.yaml line 7: domain '300.1.2.3' of 'Second Co' is not a valid hostname",
        "w.yaml line 10: domain 'not a domain' of '" + "y" * 79 + "…' is not a valid hostname",
    ]
    assert (
        "w.yaml line 5: country '<B>' of 'Second Co' is not a two-letter ISO code (left out)"
        in result.messages
    )
    assert max(len(m) for m in result.messages) < 300
    [second] = ws.rows("select country from entities where name = 'Second Co'")
    assert second["country"] is None


# -- 9. refresh semantics ----------------------------------------------------------------------
def test_a_second_refresh_on_the_same_database_exits_4(
    tmp_path: Path, server: LocalServer, certs: tuple[Path, Path, Path]
) -> None:
    body = (DATA / "refresh" / "cloudflare-ips-v4.txt").read_bytes()
    server.add("/ips-v4", Route(body, "text/plain", script=["stall:10"]))
    db, sources = tmp_path / "r.duckdb", registry(tmp_path, server)
    first = threading.Thread(
        target=refresh_datasets,
        args=(db, ["cloudflare-v4"], RefreshOptions()),
        kwargs={"data_dir": tmp_path / "d1", "sources": sources},
        daemon=True,
    )
    first.start()
    try:
        for _ in range(200):  # until the first run holds the database and waits on the stalled body
            if server.requests_to("/ips-v4"):
                break
            first.join(0.05)
        env = {"REQUESTS_CA_BUNDLE": str(certs[0]), "PATH": "/usr/bin:/bin"}
        env.update({k: v for k, v in os.environ.items() if k == "PYTHONPATH"})
        second = subprocess.run(
            [sys.executable, "-m", "analyzer", "--db", str(db), "refresh", "cloudflare-v4", "--sources",
             str(sources), "--data-dir", str(tmp_path / "d2")],
            capture_output=True, text=True, timeout=120, env=env, check=False,
        )  # fmt: skip
    finally:
        server.release.set()
        first.join(60)
    assert second.returncode == 4, second.stderr
    assert "another refresh is running on" in second.stderr


def test_the_url_a_redirect_led_to_is_recorded(tmp_path: Path, server: LocalServer) -> None:
    body = (DATA / "refresh" / "cloudflare-ips-v4.txt").read_bytes()
    server.add("/ips-v4", Route(b"", script=["redirect:" + server.url("/mirror/ips-v4")]))
    server.add("/mirror/ips-v4", Route(body, "text/plain"))
    db = tmp_path / "r.duckdb"
    code, out, _ = run(
        "refresh", "cloudflare-v4", "--sources", str(registry(tmp_path, server)), "--data-dir",
        str(tmp_path / "d"), db=db,
    )  # fmt: skip
    assert code == 0, out
    con = duckdb.connect(str(db), read_only=True)
    [(source,)] = con.execute("select source from datasets").fetchall()
    con.close()
    assert source == f"{server.url('/ips-v4')} (redirected to {server.url('/mirror/ips-v4')})"


# -- 10. read-only by default for readers ------------------------------------------------------
def test_sql_is_read_only_unless_write(hostile_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(hostile_db, db)
    code, _, err = run("sql", "delete from raw_entities", db=db)
    assert code == 1 and "read-only" in err
    target = tmp_path / "leak.csv"
    code, _, err = run("sql", f"copy (select 1) to '{target}'", db=db)
    assert code == 1 and "a COPY statement needs --write" in err and not target.exists()
    for statement in ("attach 'other.duckdb'", "export database 'x'"):
        code, _, err = run("sql", statement, db=db)
        assert code == 1 and "needs --write" in err, statement
    code, out, _ = run("sql", "select count(*) as n from attr_entity_services", "--format", "json", db=db)
    assert code == 0 and json.loads(out)[0]["n"] > 0  # the stored attribution is fresh: read-only works
    code, _, _ = run("sql", f"copy (select 1 as a) to '{target}'", "--write", db=db)
    assert code == 0 and target.read_text() == "a\n1\n"


@pytest.mark.parametrize(
    "statement",
    [
        "install httpfs",
        "load httpfs",
        "force install httpfs",
        "set autoinstall_known_extensions = true",
        "pragma autoload_known_extensions = true",
        "set custom_extension_repository = '/tmp/x'",
    ],
)
def test_sql_never_fetches_extensions_even_with_write(
    statement: str, hostile_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(hostile_db, db)
    for flags in ((), ("--write",)):
        code, _, err = run("sql", statement, *flags, db=db)
        assert code == 1 and "analyzer works offline" in err and "refused, with --write too" in err, (
            flags,
            err,
        )
    assert run("sql", "set threads = 1; select 1", "--write", db=db)[0] == 0  # other settings stay open


def test_sql_on_a_stale_database_says_to_run_attribute(hostile_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "stale.duckdb"
    shutil.copy(hostile_db, db)
    # a dataset withdrawn behind analyzer's back: the stored answers no longer match the inputs
    assert run("sql", "update datasets set status = 'withdrawn' where kind = 'dns'", "--write", db=db)[0] == 0
    code, _, err = run("sql", "select count(*) from attr_entity_services", db=db)
    assert code == 1 and "run `analyzer attribute` on it first" in err


# -- also: decompression bombs and size caps ---------------------------------------------------
def test_a_decompression_bomb_is_refused_before_parsing(ws: Workspace, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.pfx2as.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as fh:
        for _ in range(64):
            fh.write(b"0" * (1 << 20))
    with pytest.raises(
        SourceError, match=r"inflates more than 100 times \(a decompression bomb\?\); refused"
    ):
        ingest(ws, "pfx2as", [bomb])
    assert ws.rows("select count(*) as n from datasets") == [{"n": 0}]


def test_the_size_cap_of_a_kind_is_configurable(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = DATA / "network" / "routeviews-rv2-20240101-1200.pfx2as"
    monkeypatch.setenv("ANALYZER_MAX_INPUT_PFX2AS", "100")  # the file has 141 bytes
    with pytest.raises(SourceError, match=r"bytes is over the cap of 100 for pfx2as; refused"):
        ingest(ws, "pfx2as", [plain])
    # compressed: the gzip trailer announces the size; streamed text stops at the cap too
    packed = tmp_path / "r.pfx2as.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    with pytest.raises(SourceError, match=r"more than 100 bytes of pfx2as data after decompression"):
        ingest(ws, "pfx2as", [packed])
    monkeypatch.setenv("ANALYZER_MAX_INPUT_PFX2AS", "lots")
    with pytest.raises(Exception, match=r"ANALYZER_MAX_INPUT_PFX2AS is 'lots', expected a size"):
        ingest(ws, "pfx2as", [plain])
    assert ws.rows("select count(*) as n from datasets") == [{"n": 0}]


def test_report_table_written_to_a_file_shows_timeline_names_literally(
    hostile_db: Path, tmp_path: Path
) -> None:
    target = tmp_path / "report.txt"
    code, _, err = run("report", "--format", "table", "--out", str(target), db=hostile_db)
    assert code == 0, err
    timeline = target.read_text(encoding="utf-8").split("Timeline", 1)[1]
    assert "[/bold] Northwind" in timeline  # the name as written (long cells fold)
