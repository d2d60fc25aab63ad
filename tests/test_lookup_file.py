"""The bulk lookup's point file (analyzer.lookup_file): the session that ingests network data (or a
bulk lookup through the engine) leaves it as it closes, and the bulk lookups over plain addresses
after it, as JSON lines or CSV, are answered from the file without loading DuckDB, polars or
pyarrow, with the engine's bytes. A session that leaves the network data alone keeps the file; the file is ignored
as soon as the database changes otherwise, the installed sql/ and catalog files change, or it is
damaged, and the engine answers as before."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from analyzer import lookup_file, lookup_file_header
from analyzer.ingest import drop_datasets, ingest
from analyzer.workspace import Workspace

# Addresses in the AWS ranges subset (several heads: a published range, or none), routed in the
# 2024 RouteViews sample or not, the edges of the space, and a repeat.
ADDRESSES = [
    "3.5.140.1",
    "8.8.8.8",
    "1.0.0.1",
    "52.94.0.1",
    "0.0.0.0",
    "8.8.8.8",
    "255.255.255.255",
    "13.34.0.9",
]
# Run the CLI and say, on the last line of stderr, which engine modules the process loaded.
_RUN = (
    "import sys, atexit\n"
    "atexit.register(lambda: print('loaded:', ','.join(m for m in ('duckdb', 'polars', 'pyarrow') "
    "if m in sys.modules), file=sys.stderr))\n"
    "from analyzer.cli import main\n"
    "sys.argv = ['analyzer', *sys.argv[1:]]\n"
    "main()\n"
)


@pytest.fixture
def network_db(data: Path, tmp_path: Path) -> Path:
    db = tmp_path / "net.duckdb"
    net = data / "network"
    with Workspace(db) as ws:
        ingest(ws, "ranges", [net / "aws_ip_ranges_subset.json"])
        ingest(ws, "pfx2as", [net / "routeviews-rv2-20240101-1200.pfx2as"])
        ingest(ws, "as2org", [net / "20240101.as-org2info.txt"])
    return db


def bulk(
    db: Path, lines: list[str], *, cache: Path | None = None, fmt: str = "json"
) -> tuple[str, list[str]]:
    """`analyzer lookup - --format FMT` in a new process: its output and the engine modules it loaded."""
    env = {**os.environ, **({"ANALYZER_CACHE_DIR": str(cache)} if cache else {})}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, "lookup", "-", "--format", fmt, "--db", str(db)],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded = done.stderr.strip().splitlines()[-1].removeprefix("loaded:").strip()
    return done.stdout, [m for m in loaded.split(",") if m]


def engine(db: Path, lines: list[str], tmp_path: Path, fmt: str = "json") -> str:
    """The engine's answer: a bulk lookup with a cache that holds no point file."""
    cache = tmp_path / f"engine-cache-{len(list(tmp_path.iterdir()))}"
    out, loaded = bulk(db, lines, cache=cache, fmt=fmt)
    assert loaded == ["duckdb", "polars", "pyarrow"]
    return out


def test_an_ingest_of_network_data_leaves_the_file_the_first_lookup_answers_from(
    network_db: Path, tmp_path: Path
) -> None:
    assert lookup_file.current(network_db) is not None
    first, loaded = bulk(network_db, ADDRESSES)
    assert loaded == []  # numpy and the CLI alone
    assert first == engine(network_db, ADDRESSES, tmp_path)
    again, loaded = bulk(network_db, ADDRESSES * 3)
    assert (again, loaded) == (first * 3, [])
    rows = [json.loads(line) for line in first.splitlines()]
    assert [r["address"] for r in rows] == ADDRESSES
    assert len({r["range_service"] for r in rows}) > 1  # several heads: a range, and none


def test_a_json_bulk_lookup_through_the_engine_writes_a_missing_file(network_db: Path) -> None:
    lookup_file.location(network_db).unlink()
    first, loaded = bulk(network_db, ADDRESSES)
    assert loaded == ["duckdb", "polars", "pyarrow"]
    assert lookup_file.current(network_db) is not None
    again, loaded = bulk(network_db, ADDRESSES)
    assert (again, loaded) == (first, [])


def test_the_file_gives_the_engines_bytes_on_every_interval_edge(network_db: Path, tmp_path: Path) -> None:
    texts = edges(network_db)
    from_file, loaded = bulk(network_db, texts)
    assert loaded == []
    assert from_file == engine(network_db, texts, tmp_path)


def test_other_lines_are_answered_by_the_engine_in_input_order(network_db: Path, tmp_path: Path) -> None:
    mixed = [*ADDRESSES, "2001:db8::1", "", " 8.8.8.8", "not-an-address.example", *ADDRESSES]
    with_file, loaded = bulk(network_db, mixed)
    assert loaded == ["duckdb", "polars", "pyarrow"]  # from the block holding the other lines
    assert with_file == engine(network_db, mixed, tmp_path)
    assert [json.loads(line).get("address") for line in with_file.splitlines()][:8] == ADDRESSES


def edges(db: Path) -> list[str]:
    """Every point of the store, and the addresses either side of it."""
    with Workspace(db, read_only=True) as ws:
        points = [int(r[0]) for r in ws.con.execute("select point from lookup_ip4_points").fetchall()]
    found = sorted({p + d for p in points for d in (-1, 0, 1) if 0 <= p + d < 1 << 32})
    return [".".join(str(e >> s & 255) for s in (24, 16, 8, 0)) for e in found]


def test_csv_is_answered_from_the_file_with_the_engines_bytes(network_db: Path, tmp_path: Path) -> None:
    for lines in (ADDRESSES, edges(network_db)):
        from_file, loaded = bulk(network_db, lines, fmt="csv")
        assert loaded == []
        assert from_file == engine(network_db, lines, tmp_path, fmt="csv")
    header, *rows = from_file.splitlines()
    assert header.startswith("name,address,family,") and len(rows) == len(lines)


def test_csv_of_mixed_lines_has_one_header_and_the_engines_rows(network_db: Path, tmp_path: Path) -> None:
    # a first block of addresses from the file, then the engine from the block with other lines
    many = ADDRESSES * 2000  # 16,000 lines: several blocks of stdin
    mixed = [*many, "2001:db8::1", "not-an-address.example", *ADDRESSES]
    with_file, loaded = bulk(network_db, mixed, fmt="csv")
    assert loaded == ["duckdb", "polars", "pyarrow"]
    assert with_file == engine(network_db, mixed, tmp_path, fmt="csv")
    assert with_file.count("name,address,") == 1


@pytest.fixture
def hostile_network_db(tmp_path: Path) -> Path:
    """AS organisations named with what CSV and terminals must not take as theirs: a separator, quotes,
    a formula, ESC and a bidi override (CAIDA as-org2info.txt, a RouteViews pfx2as)."""
    as2org = tmp_path / "20250701.as-org2info.txt"
    as2org.write_text(
        "# format:org_id|changed|org_name|country|source\n"
        '@ORG-ARIN|20240301|=HYPERLINK("https://evil.example","x"), Inc. \x1b[2J \u202eCorp|US|ARIN\n'
        "PLAIN-ARIN|20240301|Plain Networks|US|ARIN\n"
        "# format:aut|changed|aut_name|org_id|opaque_id|source\n"
        "64501|20240301|-2+3cmd|@ORG-ARIN|y_ARIN|ARIN\n"
        '64502|20240301|"quoted"|PLAIN-ARIN|y_ARIN|ARIN\n',
        encoding="utf-8",
    )
    pfx2as = tmp_path / "routeviews-rv2-20250720-1200.pfx2as"
    pfx2as.write_text("198.51.100.0\t24\t64501\n203.0.113.0\t24\t64502\n192.0.2.0\t24\t64501_64502\n")
    db = tmp_path / "hostile.duckdb"
    with Workspace(db) as ws:
        ingest(ws, "as2org", [as2org])
        ingest(ws, "pfx2as", [pfx2as])
    return db


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_hostile_names_come_from_the_file_as_the_engine_writes_them(
    hostile_network_db: Path, tmp_path: Path, fmt: str
) -> None:
    lines = ["198.51.100.7", "203.0.113.9", "192.0.2.1", "10.0.0.1", "198.51.100.8"]
    from_file, loaded = bulk(hostile_network_db, lines, fmt=fmt)
    assert loaded == []
    assert from_file == engine(hostile_network_db, lines, tmp_path, fmt=fmt)
    assert "\x1b" not in from_file or fmt == "csv"  # CSV is data: its cells are as loaded, quoted
    if fmt == "csv":
        assert "'=HYPERLINK(" in from_file and ",'-2+3cmd," in from_file  # no formula runs


@pytest.mark.parametrize("rows_at_once", [2, 1 << 16])
def test_the_csv_records_of_a_table_are_the_lines_the_csv_writer_writes(
    rows_at_once: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow as pa

    from analyzer import output

    monkeypatch.setattr(output, "CSV_RECORD_ROWS", rows_at_once)
    table = pa.table(
        {
            "a": ["plain", 'a "quoted"\nline', None, "", "=1+1", "x,y", "\n"],
            "b": [[1, 2], None, [], [3], [4], [5], None],
        }
    )
    lines = output.csv_lines(table, ["a", "b"], header=False)
    for lead, end in ((b"", b""), (b",", b"\n"), (b",", b",")):
        offsets, data = output.csv_records(table, ["a", "b"], lead=lead, end=end)
        records = [bytes(data[a:b]) for a, b in itertools.pairwise(offsets)]
        assert len(records) == table.num_rows
        assert all(r.startswith(lead) and r.endswith(end) for r in records)
        cells = [r[len(lead) : len(r) - len(end)] for r in records]
        assert b"".join(c + b"\n" for c in cells) == lines
    assert cells[1] == b'"a ""quoted""\nline",' and cells[4].startswith(b"'=1+1,")


def test_without_csv_texts_the_engine_answers_csv(
    network_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analyzer.network.points import Ip4Points

    lookup_file.location(network_db).unlink()
    monkeypatch.setattr(Ip4Points, "csv_texts", lambda self: None)  # records it cannot tell apart
    with Workspace(network_db) as ws:
        Ip4Points(ws).json_texts()  # the file is written as the session closes
    store = lookup_file.current(network_db)
    assert store is not None and store.forms == ("json",)
    as_csv, loaded = bulk(network_db, ADDRESSES, fmt="csv")
    assert loaded == ["duckdb", "polars", "pyarrow"]
    assert as_csv == engine(network_db, ADDRESSES, tmp_path, fmt="csv")
    assert bulk(network_db, ADDRESSES)[1] == []  # JSON from the file


def test_damaged_csv_texts_leave_csv_to_the_engine_which_writes_the_file_again(
    network_db: Path, tmp_path: Path
) -> None:
    path = lookup_file.location(network_db)
    data = bytearray(path.read_bytes())
    end = data.index(b"\n", len(lookup_file_header.MAGIC))
    header = json.loads(data[len(lookup_file_header.MAGIC) : end])
    base = end + 1 + (-(end + 1) % 64)
    at = base + header["arrays"]["csv_rests_offsets"]["offset"]
    data[at] = 1  # the rests' texts no longer start at 0
    stat = path.stat()
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert bulk(network_db, ADDRESSES)[1] == []  # JSON from the file
    done = subprocess.run(
        [sys.executable, "-m", "analyzer", "--debug", "lookup", "-", "-f", "csv", "--db", str(network_db)],
        input="8.8.8.8\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"lookup: the engine answers: the point file at {path}: its csv texts are damaged (" in done.stderr
    as_csv, loaded = bulk(network_db, ADDRESSES, fmt="csv")  # from the file the engine wrote again
    assert loaded == []
    assert as_csv == engine(network_db, ADDRESSES, tmp_path, fmt="csv")


def test_a_csv_bulk_lookup_through_the_engine_writes_a_missing_file(network_db: Path) -> None:
    lookup_file.location(network_db).unlink()
    first, loaded = bulk(network_db, ADDRESSES, fmt="csv")
    assert loaded == ["duckdb", "polars", "pyarrow"]
    again, loaded = bulk(network_db, ADDRESSES, fmt="csv")
    assert (again, loaded) == (first, [])


def test_a_newer_routing_table_leaves_a_new_file(network_db: Path, data: Path, tmp_path: Path) -> None:
    before, _ = bulk(network_db, ADDRESSES)
    # a newer routing table (the sample, 8.8.8.0/24 moved to another origin)
    sample = (data / "network" / "routeviews-rv2-20240101-1200.pfx2as").read_text(encoding="utf-8")
    newer = tmp_path / "routeviews-rv2-20240601-1200.pfx2as"
    newer.write_text(sample.replace("8.8.8.0\t24\t15169", "8.8.8.0\t24\t64500"), encoding="utf-8")
    with Workspace(network_db) as ws:
        ingest(ws, "pfx2as", [newer])
    after, loaded = bulk(network_db, ADDRESSES)
    assert loaded == []  # the ingest wrote the file of the new store
    assert after == engine(network_db, ADDRESSES, tmp_path)
    assert before != after
    assert [json.loads(line)["origin_asns"] for line in after.splitlines()][1] == [64500]


def test_a_session_that_leaves_the_network_data_alone_keeps_the_file(network_db: Path, data: Path) -> None:
    before, _ = bulk(network_db, ADDRESSES)
    with Workspace(network_db) as ws:
        ingest(ws, "dns", [data / "dns" / "fdns_sample.json.gz"], attribute=True)
        ws.con.execute("create table scratch as select 1 as x")
    after, loaded = bulk(network_db, ADDRESSES)
    assert (after, loaded) == (before, [])


def test_dropping_the_network_data_retires_the_file(network_db: Path, tmp_path: Path) -> None:
    with Workspace(network_db) as ws:
        ids = [r[0] for r in ws.con.execute("select dataset_id from datasets").fetchall()]
        drop_datasets(ws, ids)
    assert lookup_file.current(network_db) is None
    after, _ = bulk(network_db, ADDRESSES)
    assert after == engine(network_db, ADDRESSES, tmp_path)
    assert {json.loads(line)["route_prefix"] for line in after.splitlines()} == {None}


def test_a_session_that_writes_nothing_leaves_the_file_as_it_is(network_db: Path) -> None:
    def written() -> tuple[int, int]:
        st = lookup_file.location(network_db).stat()
        return st.st_ino, st.st_mtime_ns

    before = written()
    with Workspace(network_db) as ws:
        ws.con.execute("select count(*) from datasets").fetchall()
    subprocess.run(
        [sys.executable, "-m", "analyzer", "lookup", "8.8.8.8", "--json", "--db", str(network_db)],
        capture_output=True,
        check=True,
    )  # opens the database for writing
    assert written() == before  # not copied again
    assert bulk(network_db, ADDRESSES)[1] == []


def test_a_failing_close_hook_loses_the_file_not_the_session(
    network_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*_: object) -> None:
        raise duckdb.IOException("could not write the checkpoint: no space left on device")

    monkeypatch.setattr(lookup_file_header, "keep", full_disk)
    with Workspace(network_db) as ws:
        ws.con.execute("create table scratch as select 1 as x")
    with Workspace(network_db, read_only=True) as ws:
        assert ws.con.execute("select x from scratch").fetchall() == [(1,)]  # committed
    assert lookup_file.current(network_db) is None


def test_a_workspace_closes_once(data: Path, tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "twice.duckdb")
    ingest(ws, "pfx2as", [data / "network" / "routeviews-rv2-20240101-1200.pfx2as"])  # a close hook
    ws.close()
    ws.close()  # as `with analyzer.open(...)` then close() in a notebook
    assert lookup_file.current(tmp_path / "twice.duckdb") is not None


def test_a_session_ended_by_an_error_retires_the_file(network_db: Path) -> None:
    with pytest.raises(RuntimeError), Workspace(network_db) as ws:
        ws.con.execute("create table scratch as select 1 as x")
        raise RuntimeError("the command failed")
    assert lookup_file.current(network_db) is None


def test_a_write_by_other_means_retires_the_file(network_db: Path) -> None:
    with duckdb.connect(str(network_db)) as con:  # the DuckDB CLI, a notebook ...
        con.execute("create table scratch as select 1 as x")
    assert lookup_file.current(network_db) is None


def test_other_installed_sql_or_catalog_files_retire_the_file(
    network_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk(network_db, ADDRESSES)
    assert lookup_file.current(network_db) is not None
    edited = tmp_path / "99_edited.sql"
    edited.write_text("-- an edit\n", encoding="utf-8")
    installed = lookup_file_header.sql_files()
    monkeypatch.setattr(lookup_file_header, "sql_files", lambda: [*installed, edited])
    assert lookup_file.current(network_db) is None


@pytest.mark.parametrize(
    "damage", ["truncated", "garbled header", "header not an object", "unsorted points", "empty"]
)
def test_a_damaged_file_is_ignored(network_db: Path, damage: str) -> None:
    expected, _ = bulk(network_db, ADDRESSES)
    path = lookup_file.location(network_db)
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "garbled header":
        data[len(lookup_file_header.MAGIC) + 3] = ord("}")
    elif damage == "header not an object":
        end = data.index(b"\n", len(lookup_file_header.MAGIC))
        data[len(lookup_file_header.MAGIC) : end] = b"[]".ljust(end - len(lookup_file_header.MAGIC))
    elif damage == "unsorted points":
        header = json.loads(
            data[len(lookup_file_header.MAGIC) : data.index(b"\n", len(lookup_file_header.MAGIC))]
        )
        base = len(data[: data.index(b"\n", len(lookup_file_header.MAGIC)) + 1])
        base += -base % 64
        at = base + header["arrays"]["points"]["offset"]
        data[at + 4 : at + 8] = (0).to_bytes(4, "little")  # the second point equals the first
    else:
        data = bytearray()
    stat = path.stat()
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert lookup_file.current(network_db) is None
    answered, loaded = bulk(network_db, ADDRESSES)
    assert answered == expected
    assert loaded == ["duckdb", "polars", "pyarrow"]


def test_no_file_when_the_cache_folder_cannot_be_written(network_db: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    out, _ = bulk(network_db, ADDRESSES, cache=blocker)
    assert len(out.splitlines()) == len(ADDRESSES)
    assert not (blocker / "lookup").exists()


def test_with_debug_a_lookup_says_why_the_engine_answers(network_db: Path) -> None:
    def reasons() -> list[str]:
        done = subprocess.run(
            [sys.executable, "-m", "analyzer", "--debug", "lookup", "-", "--json", "--db", str(network_db)],
            input="8.8.8.8\nexample.com\n",
            capture_output=True,
            text=True,
            check=True,
        )
        return [line for line in done.stderr.splitlines() if line.startswith("lookup: ")]

    assert reasons() == [
        "lookup: the engine answers from the first block holding a line that is not a dotted quad"
    ]
    with duckdb.connect(str(network_db)) as con:
        con.execute("create table scratch as select 1 as x")
    stale = f"lookup: the engine answers: no current point file at {lookup_file.location(network_db)}: "
    assert reasons() == [
        stale
        + "the database was written since (by a session that changed its network data, or by other means)"
    ]
    lookup_file.location(network_db).unlink()
    assert reasons() == [stale + "there is none"]


def test_a_write_between_the_close_and_the_save_leaves_no_file(network_db: Path) -> None:
    from analyzer.network.points import point_file

    lookup_file.location(network_db).unlink()
    with Workspace(network_db) as ws:
        save = point_file(ws)  # what the session's close runs (it writes the file)
    assert save is not None
    lookup_file.location(network_db).unlink()
    with Workspace(network_db) as ws:  # another process, before the file is written
        ws.con.execute("create table scratch as select 1 as x")
    assert save() is None
    assert not lookup_file.location(network_db).exists()


def test_a_write_between_the_close_and_the_new_stamp_retires_the_file(network_db: Path) -> None:
    held = lookup_file_header.held_store(network_db)
    assert held is not None
    with Workspace(network_db) as ws:
        ws.con.execute("create table scratch as select 1 as x")  # what the session wrote
        stamp = lookup_file_header.keep(ws.con, network_db, held)
    assert stamp is not None
    with duckdb.connect(str(network_db)) as con:  # another process, before the new stamp
        con.execute("create table other as select 1 as x")
    assert stamp() is None
    assert lookup_file.current(network_db) is None


def test_no_file_of_a_read_only_database(network_db: Path) -> None:
    from analyzer.network.points import point_file

    with Workspace(network_db, read_only=True) as ws:
        assert point_file(ws) is None


def test_a_reader_that_stops_early_ends_the_lookup_quietly(network_db: Path, tmp_path: Path) -> None:
    lines = tmp_path / "addresses.txt"
    lines.write_bytes(b"".join(f"{a}\n".encode() for a in ADDRESSES * 20_000))  # 160,000 lines
    with lines.open("rb") as stdin:
        lookup = subprocess.Popen(
            [sys.executable, "-c", _RUN, "lookup", "-", "--json", "--db", str(network_db)],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert lookup.stdout is not None and lookup.stderr is not None
        assert json.loads(lookup.stdout.readline())["address"] == ADDRESSES[0]
        lookup.stdout.close()  # as `| head -1` does
        errors = lookup.stderr.read().decode()
        lookup.wait(timeout=60)
    assert "Traceback" not in errors, errors
    assert errors.strip().splitlines()[-1] == "loaded:"  # answered from the file to the end
