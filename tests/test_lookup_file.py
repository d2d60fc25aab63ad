"""The bulk lookup's point file (analyzer.lookup_file): after a JSON bulk lookup through the engine,
the next ones over plain addresses are answered from the file without loading DuckDB, polars or
pyarrow, with the engine's bytes; the file is ignored as soon as the database or the installed
sql/ and catalog files change, or when it is damaged, and the engine answers as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer import lookup_file
from analyzer.ingest import ingest
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


def bulk(db: Path, lines: list[str], *, cache: Path | None = None) -> tuple[str, list[str]]:
    """`analyzer lookup - --json` in a new process: its output and the engine modules it loaded."""
    env = {**os.environ, **({"ANALYZER_CACHE_DIR": str(cache)} if cache else {})}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, "lookup", "-", "--json", "--db", str(db)],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded = done.stderr.strip().splitlines()[-1].removeprefix("loaded:").strip()
    return done.stdout, [m for m in loaded.split(",") if m]


def test_a_json_bulk_lookup_leaves_a_file_the_next_ones_answer_from(network_db: Path) -> None:
    assert lookup_file.current(network_db) is None
    first, loaded = bulk(network_db, ADDRESSES)
    assert loaded == ["duckdb", "polars", "pyarrow"]
    assert lookup_file.current(network_db) is not None
    again, loaded = bulk(network_db, ADDRESSES * 3)
    assert loaded == []  # numpy and the CLI alone
    assert again == first * 3
    rows = [json.loads(line) for line in first.splitlines()]
    assert [r["address"] for r in rows] == ADDRESSES
    assert len({r["range_service"] for r in rows}) > 1  # several heads: a range, and none


def test_the_file_gives_the_engines_bytes_on_every_interval_edge(network_db: Path) -> None:
    with Workspace(network_db, read_only=True) as ws:
        points = [int(r[0]) for r in ws.con.execute("select point from lookup_ip4_points").fetchall()]
    edges = sorted({p + d for p in points for d in (-1, 0, 1) if 0 <= p + d < 1 << 32})
    texts = [".".join(str(e >> s & 255) for s in (24, 16, 8, 0)) for e in edges]
    engine, _ = bulk(network_db, texts)
    from_file, loaded = bulk(network_db, texts)
    assert loaded == []
    assert from_file == engine


def test_other_lines_are_answered_by_the_engine_in_input_order(network_db: Path, tmp_path: Path) -> None:
    bulk(network_db, ADDRESSES)  # writes the file
    mixed = [*ADDRESSES, "2001:db8::1", "", " 8.8.8.8", "not-an-address.example", *ADDRESSES]
    with_file, loaded = bulk(network_db, mixed)
    assert loaded == ["duckdb", "polars", "pyarrow"]  # from the block holding the other lines
    without_file, _ = bulk(network_db, mixed, cache=tmp_path / "empty-cache")
    assert with_file == without_file
    assert [json.loads(line).get("address") for line in with_file.splitlines()][:8] == ADDRESSES


def test_a_change_of_the_database_retires_the_file(network_db: Path, data: Path, tmp_path: Path) -> None:
    before, _ = bulk(network_db, ADDRESSES)
    # a newer routing table (the sample, 8.8.8.0/24 moved to another origin)
    sample = (data / "network" / "routeviews-rv2-20240101-1200.pfx2as").read_text(encoding="utf-8")
    newer = tmp_path / "routeviews-rv2-20240601-1200.pfx2as"
    newer.write_text(sample.replace("8.8.8.0\t24\t15169", "8.8.8.0\t24\t64500"), encoding="utf-8")
    with Workspace(network_db) as ws:
        ingest(ws, "pfx2as", [newer])
    assert lookup_file.current(network_db) is None
    after, loaded = bulk(network_db, ADDRESSES)
    assert loaded == ["duckdb", "polars", "pyarrow"]
    assert lookup_file.current(network_db) is not None  # written again, for the database as it is
    again, loaded = bulk(network_db, ADDRESSES)
    assert (again, loaded) == (after, [])
    assert before != after
    assert [json.loads(line)["origin_asns"] for line in after.splitlines()][1] == [64500]


def test_opening_the_database_for_writing_retires_the_file(network_db: Path) -> None:
    bulk(network_db, ADDRESSES)
    with Workspace(network_db) as ws:
        ws.con.execute("checkpoint")
        ws.con.execute("create table scratch as select 1 as x")
    assert lookup_file.current(network_db) is None


def test_other_installed_sql_or_catalog_files_retire_the_file(
    network_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk(network_db, ADDRESSES)
    assert lookup_file.current(network_db) is not None
    edited = tmp_path / "99_edited.sql"
    edited.write_text("-- an edit\n", encoding="utf-8")
    installed = lookup_file.sql_files()
    monkeypatch.setattr(lookup_file, "sql_files", lambda: [*installed, edited])
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
        data[len(lookup_file.MAGIC) + 3] = ord("}")
    elif damage == "header not an object":
        end = data.index(b"\n", len(lookup_file.MAGIC))
        data[len(lookup_file.MAGIC) : end] = b"[]".ljust(end - len(lookup_file.MAGIC))
    elif damage == "unsorted points":
        header = json.loads(data[len(lookup_file.MAGIC) : data.index(b"\n", len(lookup_file.MAGIC))])
        base = len(data[: data.index(b"\n", len(lookup_file.MAGIC)) + 1])
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


def test_a_write_between_the_engines_close_and_the_save_leaves_no_file(network_db: Path) -> None:
    import polars as pl

    from analyzer.network.points import Ip4Points

    with Workspace(network_db) as ws:
        points = Ip4Points(ws)
        points.json_tails(pl.Series(["8.8.8.8"]))
        contents = points.contents()
    assert contents is not None
    with Workspace(network_db) as ws:  # another process, before the lookup writes its file
        ws.con.execute("create table scratch as select 1 as x")
    assert lookup_file.save(contents, network_db) is None
    assert not lookup_file.location(network_db).exists()


def test_no_file_of_a_read_only_database(network_db: Path) -> None:
    import polars as pl

    from analyzer.network.points import Ip4Points

    with Workspace(network_db, read_only=True) as ws:
        points = Ip4Points(ws)
        points.json_tails(pl.Series(["8.8.8.8"]))
        assert points.contents() is None


def test_a_reader_that_stops_early_ends_the_lookup_quietly(network_db: Path, tmp_path: Path) -> None:
    bulk(network_db, ADDRESSES)  # writes the file
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
