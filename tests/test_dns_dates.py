"""Every DNS snapshot has a date it can account for: `--date`, the records' timestamps, a date in the
file name, a zone's SOA serial when it is a date; a file with none of these is refused, asking for
`--date`. And the other rules issue 18 found on real files: the root name, measurement failures,
compressed dumps under any name, a file that is not DNS data at all."""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analyzer.dns.zonefile import serial_date
from analyzer.errors import SourceError
from analyzer.ingest import ingest
from analyzer.workspace import Workspace

DNS = Path(__file__).parent / "data" / "dns"

# The root zone as IANA serves it: absolute owners, tab-separated, SOA not first.
ROOT = (
    "com.\t172800\tIN\tNS\ta.gtld-servers.net.\n"
    ".\t518400\tIN\tNS\ta.root-servers.net.\n"
    ".\t86400\tIN\tSOA\ta.root-servers.net. nstld.verisign-grs.com. 2020090500 1800 900 604800 86400\n"
    "com.\t86400\tIN\tDS\t30909 8 2 E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766\n"
)


def _dataset(ws: Workspace) -> dict:
    [row] = ws.rows("select snapshot_date, date_source, rows_loaded from datasets")
    return row


def test_soa_serial_dates_a_zone_and_the_root_name_is_kept(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "root.zone_2020090500.gz"  # no YYYYMMDD boundary in the name
    path.write_bytes(gzip.compress(ROOT.encode()))
    [result] = ingest(ws, "dns", [path])
    assert (result.rows_loaded, result.rows_rejected) == (4, 0)
    assert _dataset(ws) == {
        "snapshot_date": dt.date(2020, 9, 5),
        "date_source": "soa_serial",
        "rows_loaded": 4,
    }
    names = ws.rows("select name, rtype, observed_on from raw_dns_records order by name, rtype")
    assert [(r["name"], r["rtype"]) for r in names] == [
        (".", "NS"),
        (".", "SOA"),
        ("com", "DS"),
        ("com", "NS"),
    ]
    assert {r["observed_on"] for r in names} == {dt.date(2020, 9, 5)}


def test_a_date_in_the_file_name_comes_before_the_serial_and_date_wins_over_both(
    ws: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "root-20200901.zone"
    path.write_text(ROOT, encoding="utf-8")
    ingest(ws, "dns", [path])
    assert _dataset(ws)["date_source"] == "file_name"
    assert _dataset(ws)["snapshot_date"] == dt.date(2020, 9, 1)
    again = tmp_path / "root-copy.zone"
    again.write_text(ROOT + "\n", encoding="utf-8")
    [result] = ingest(ws, "dns", [again], options={"date": dt.date(2021, 1, 2)})
    assert (result.snapshot_date, result.date_source) == (dt.date(2021, 1, 2), "option")


def test_a_zone_without_a_date_is_refused_asking_for_date(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "example.zone"
    path.write_text(
        "$ORIGIN example.\n@ 3600 IN SOA ns1 hostmaster 42 7200 3600 1209600 300\nwww 300 IN A 192.0.2.1\n",
        encoding="utf-8",
    )
    with pytest.raises(
        SourceError, match=r"example\.zone: no snapshot date: .*SOA serial 42 \(line 2\).*--date"
    ):
        ingest(ws, "dns", [path])
    assert ws.rows("select count(*) as n from datasets") == [{"n": 0}]
    assert [serial_date(s) for s in ("2020090500", "2020133100", "42", "20200905")] == [
        dt.date(2020, 9, 5),
        None,
        None,
        None,
    ]


def test_a_csv_export_needs_a_dated_name_or_date(ws: Workspace, tmp_path: Path) -> None:
    plain = tmp_path / "resolver.csv"
    plain.write_bytes((DNS / "resolver_export.csv").read_bytes())
    with pytest.raises(SourceError, match=r"resolver\.csv: no snapshot date: a CSV export carries no dates"):
        ingest(ws, "dns", [plain])
    dated = tmp_path / "resolver_2022-01-05.csv"
    dated.write_bytes(plain.read_bytes())
    [result] = ingest(ws, "dns", [dated])
    assert (result.snapshot_date, result.date_source) == (dt.date(2022, 1, 5), "file_name")


def test_a_list_of_domains_is_not_a_dns_export(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "tranco_2023-11-28.csv"
    path.write_text("google.com\nfacebook.com\nmicrosoft.com\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"not a DNS export: none of the first 3 line\(s\)"):
        ingest(ws, "dns", [path])
    assert ws.rows("select count(*) as n from datasets") == [{"n": 0}]


def _fdns_lines(timestamp: str | None) -> bytes:
    records = [
        {"name": "www.example.com", "type": "a", "value": "192.0.2.1"},
        {"name": "example.com", "type": "ns", "value": "ns1.example.net"},
    ]
    if timestamp is not None:
        for r in records:
            r["timestamp"] = timestamp
    return "".join(json.dumps(r) + "\n" for r in records).encode()


@pytest.mark.parametrize("codec", ["gzip", "bzip2", "none"])
def test_fdns_is_read_by_content_and_dated_by_its_timestamps(
    ws: Workspace, tmp_path: Path, codec: str
) -> None:
    raw = _fdns_lines("1641081600")  # 2022-01-02
    path = tmp_path / "dump.json"  # never named .gz or .bz2
    path.write_bytes({"gzip": gzip.compress, "bzip2": bz2.compress, "none": bytes}[codec](raw))
    [result] = ingest(ws, "dns", [path])
    assert (result.format, result.rows_loaded, result.rows_rejected) == ("fdns", 2, 0)
    assert (result.snapshot_date, result.date_source) == (dt.date(2022, 1, 2), "records")


def test_fdns_without_timestamps_takes_the_file_name_date_else_is_refused(
    ws: Workspace, tmp_path: Path
) -> None:
    undated = tmp_path / "dump.json.gz"
    undated.write_bytes(gzip.compress(_fdns_lines(None)))
    with pytest.raises(SourceError, match=r"dump\.json\.gz: no snapshot date: no record has a timestamp"):
        ingest(ws, "dns", [undated])
    assert ws.rows("select count(*) as n from raw_dns_records") == [{"n": 0}]
    named = tmp_path / "2022-03-04-fdns_a.json.gz"
    named.write_bytes(gzip.compress(_fdns_lines(None)))
    [result] = ingest(ws, "dns", [named])
    assert (result.snapshot_date, result.date_source, result.rows_loaded) == (
        dt.date(2022, 3, 4),
        "file_name",
        2,
    )
    assert ws.rows("select distinct observed_on from raw_dns_records") == [
        {"observed_on": dt.date(2022, 3, 4)}
    ]


def test_fdns_timestamps_are_utc_days_and_an_implausible_one_is_no_date(
    ws: Workspace, tmp_path: Path
) -> None:
    ws.con.execute("set TimeZone = 'America/Los_Angeles'")  # midnight UTC is the day before there
    dated = tmp_path / "dump.json.gz"
    dated.write_bytes(gzip.compress(_fdns_lines("1641081600")))  # 2022-01-02T00:00:00Z
    [result] = ingest(ws, "dns", [dated])
    assert result.snapshot_date == dt.date(2022, 1, 2)
    named = tmp_path / "2022-03-04-fdns_a.json.gz"
    named.write_bytes(gzip.compress(_fdns_lines("99999999999999")))  # year 3170843: not a date
    [result] = ingest(ws, "dns", [named])
    assert (result.snapshot_date, result.date_source, result.rows_loaded) == (
        dt.date(2022, 3, 4),
        "file_name",
        2,
    )


def test_openintel_measurement_failures_are_no_answers_and_the_timestamp_dates_the_file(
    ws: Workspace, tmp_path: Path
) -> None:
    table = pq.read_table(DNS / "openintel_sample.gz.parquet")
    row = {name: [None] for name in table.schema.names}
    failed = {
        **row,
        "query_type": ["A"],
        "query_name": ["failed.examplevision.example."],
        "response_type": ["A"],
        "response_name": ["failed.examplevision.example."],
        "ip4_address": ["192.0.2.99"],
        "timestamp": [1641340800000],  # 2022-01-05: later than every answer, never the date
        "status_code": [65534],
    }
    day = tmp_path / "year=2022" / "month=01" / "day=09"  # the partition folder is not the date
    day.mkdir(parents=True)
    path = day / "part-0.gz.parquet"
    pq.write_table(pa.concat_tables([table, pa.table(failed, schema=table.schema)]), path)
    [result] = ingest(ws, "dns", [path])
    assert (result.snapshot_date, result.date_source) == (dt.date(2022, 1, 2), "records")
    assert ws.rows("select count(*) as n from raw_dns_records where name like 'failed.%'") == [{"n": 0}]
    assert any("1 rows are measurement failures (status_code >= 65533)" in m for m in result.messages)


def test_a_folder_of_daily_partitions_and_dumps_loads_each_file_as_its_snapshot(
    ws: Workspace, tmp_path: Path
) -> None:
    tree = tmp_path / "tranco"
    for day, fixture in (("02", "openintel_sample.gz.parquet"), ("03", "day2/openintel_day2.gz.parquet")):
        folder = tree / "year=2022" / "month=01" / f"day={day}"
        folder.mkdir(parents=True)
        (folder / "part-00000.gz.parquet").write_bytes((DNS / fixture).read_bytes())
    (tree / "year=2022" / "month=01" / "day=02" / "_SUCCESS").write_bytes(b"")
    (tree / ".partial.parquet").write_bytes(b"PAR1")  # hidden: left out
    dumps = tree / "fdns"
    dumps.mkdir()
    (dumps / "2022-01-04-fdns_a.json.gz").write_bytes(gzip.compress(_fdns_lines("1641254400")))  # 2022-01-04
    results = ingest(ws, "dns", [tree], options={"source": "mixed"})
    assert [(r.format, str(r.snapshot_date), r.date_source) for r in results] == [
        ("fdns", "2022-01-04", "records"),
        ("openintel", "2022-01-02", "records"),
        ("openintel", "2022-01-03", "records"),
    ]
    with pytest.raises(SourceError, match="directory holds no DNS files"):
        ingest(ws, "dns", [_empty_dir(tmp_path)])


def _empty_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "README.md").write_text("no data here", encoding="utf-8")
    return folder


def test_two_files_of_the_same_snapshot_of_a_source_count_once(ws: Workspace, tmp_path: Path) -> None:
    first = tmp_path / "rapid7-a.json.gz"
    first.write_bytes(gzip.compress(_fdns_lines("1641081600"), mtime=0))
    again = tmp_path / "rapid7-a-copy.json.bz2"  # the same records, other bytes
    again.write_bytes(bz2.compress(_fdns_lines("1641081600")))
    other = tmp_path / "rapid7-cname.json"  # another part of the same snapshot
    other.write_text(
        json.dumps(
            {"timestamp": "1641081600", "name": "w.example.com", "type": "cname", "value": "www.example.com"}
        )
        + "\n",
        encoding="utf-8",
    )
    results = ingest(ws, "dns", [first, again, other], options={"source": "rapid7"})
    assert [r.rows_loaded for r in results] == [2, 0, 1]
    assert any(
        "2 records already loaded for the snapshot 2022-01-02 of the source 'rapid7' (dataset 1)" in m
        for m in results[1].messages
    )
    assert ws.rows("select count(*) as n from stg_dns_records") == [{"n": 3}]
    # another source's copy of the same day is its own snapshot
    [elsewhere] = ingest(ws, "dns", [again], options={"source": "my-resolver"})
    assert elsewhere.rows_loaded == 2
