"""`analyzer ingest dns`: every format loads from fixtures in the publishers' formats; bad input is
rejected with the file, line and problem; the database never keeps half a file."""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
from pathlib import Path

import pytest

from analyzer.errors import SourceError
from analyzer.ingest import ingest
from analyzer.workspace import Workspace

DNS = Path(__file__).parent / "data" / "dns"


def records(ws: Workspace, where: str = "true") -> set[tuple]:
    return set(
        ws.con.execute(f"select name, rtype, value, preference from stg_dns_records where {where}").fetchall()
    )


def test_fdns_names_are_lowercased_undotted_and_punycoded(ws: Workspace) -> None:
    [result] = ingest(ws, "dns", [DNS / "fdns_sample.json.gz"])
    assert result.format == "fdns"
    assert result.snapshot_date == dt.date(2022, 1, 1)  # epoch seconds 1640995200..
    got = records(ws)
    assert ("examplevision.example", "MX", "aspmx.l.google.com", 10) in got  # "10 ASPMX.L.GOOGLE.COM."
    assert ("www.examplevision.example", "CNAME", "www.examplevision.example.edgekey.net", None) in got
    assert ("xn--bcher-kva.example", "A", "192.0.2.1", None) in got  # bücher.example
    assert (
        "examplevision.example",
        "TXT",
        "v=spf1 include:_spf.google.com include:amazonses.com ~all",
        None,
    ) in got
    assert result.rows_loaded == 15 and result.rows_rejected == 0


def test_fdns_malformed_lines_are_quarantined_with_line_numbers(ws: Workspace) -> None:
    [result] = ingest(ws, "dns", [DNS / "fdns_bad_lines.json.gz"])
    assert result.rows_loaded == 5
    assert result.rows_rejected == 5
    lines = {
        line
        for line, _, _ in ws.con.execute(
            "select line, severity, message from load_issues where dataset_id = ?", [result.dataset_id]
        ).fetchall()
    }
    assert {4, 5} <= lines  # the unterminated object and the non-JSON line
    text = "\n".join(result.messages)
    assert "over 63 characters" in text
    assert "over 253 characters" in text
    assert "empty label" in text


def test_truncated_gzip_is_rejected_with_the_byte_offset_and_nothing_loaded(ws: Workspace) -> None:
    with pytest.raises(
        SourceError, match=r"fdns_truncated.json.gz: truncated gzip data: the file ends at byte 197"
    ):
        ingest(ws, "dns", [DNS / "fdns_truncated.json.gz"])
    assert ws.con.execute("select count(*) from raw_dns_records").fetchone() == (0,)
    assert ws.con.execute("select count(*) from datasets").fetchone() == (0,)


def test_truncated_gzip_deep_inside_a_large_file(ws: Workspace, tmp_path: Path) -> None:
    """Truncation past the first block fails inside DuckDB's reader: still rolled back, with the offset."""
    path = tmp_path / "big.json.gz"
    with gzip.open(path, "wt", compresslevel=1) as fh:
        for i in range(60_000):
            fh.write(
                f'{{"timestamp":"1640995200","name":"h{i}.example","type":"a","value":"192.0.2.{i % 250}"}}\n'
            )
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 1000])
    with pytest.raises(SourceError, match=f"ends at byte {len(data) - 1000:,}"):
        ingest(ws, "dns", [path], options={"quiet": True})
    assert ws.con.execute("select count(*) from raw_dns_records").fetchone() == (0,)


def test_same_file_again_is_a_no_op(ws: Workspace) -> None:
    first = ingest(ws, "dns", [DNS / "fdns_sample.json.gz"])[0]
    again = ingest(ws, "dns", [DNS / "fdns_sample.json.gz"])[0]
    assert again.skipped and "already loaded" in again.summary()
    assert ws.con.execute("select count(*) from raw_dns_records").fetchone() == (first.rows_loaded,)


def test_openintel_parquet_keeps_every_type_and_each_cname_hop(ws: Workspace) -> None:
    [result] = ingest(ws, "dns", [DNS / "openintel_sample.gz.parquet"])
    assert result.format == "openintel"
    assert result.snapshot_date == dt.date(2022, 1, 2)  # timestamp in ms
    got = records(ws)
    assert ("www.examplevision.example", "CNAME", "d111111abcdef8.cloudfront.net", None) in got
    assert ("d111111abcdef8.cloudfront.net", "CNAME", "d111111abcdef8.r.cloudfront.net", None) in got
    assert ("examplevision.example", "MX", "examplevision-example.mail.protection.outlook.com", 0) in got
    assert {r[1] for r in got} == {"A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA"}
    soa = next(r for r in got if r[1] == "SOA")
    assert soa[2].startswith("ns1-01.azure-dns.com azuredns-hostmaster.microsoft.com 1 ")
    assert result.rows_loaded == 10
    assert any("without an answer" in m for m in result.messages)  # the NXDOMAIN row


def test_openintel_missing_column_is_named(ws: Workspace) -> None:
    with pytest.raises(SourceError, match="missing required column 'cname_name'"):
        ingest(ws, "dns", [DNS / "openintel_missing_column.gz.parquet"])
    assert ws.con.execute("select count(*) from datasets").fetchone() == (0,)


def test_a_directory_or_glob_of_parquet_files_loads_one_dataset_per_file(
    ws: Workspace, tmp_path: Path
) -> None:
    day = tmp_path / "day"
    day.mkdir()
    shutil.copy(DNS / "openintel_sample.gz.parquet", day / "part-0.gz.parquet")
    shutil.copy(DNS / "day2" / "openintel_day2.gz.parquet", day / "part-1.gz.parquet")
    results = ingest(ws, "dns", [day], options={"source": "openintel-tranco"})
    assert [r.rows_loaded for r in results] == [10, 1]
    labels = ws.con.execute("select distinct label from datasets").fetchall()
    assert labels == [("openintel-tranco",)]
    again = ingest(ws, "dns", [str(day / "*.parquet")], options={"source": "openintel-tranco"})
    assert all(r.skipped for r in again)
    with pytest.raises(SourceError, match="matches no file"):
        ingest(ws, "dns", [str(tmp_path / "nothing-*.parquet")])


def test_date_option_wins_over_the_data(ws: Workspace) -> None:
    [result] = ingest(ws, "dns", [DNS / "fdns_sample.json.gz"], options={"date": dt.date(2021, 6, 1)})
    assert result.snapshot_date == dt.date(2021, 6, 1)
    assert ws.con.execute("select distinct observed_on from raw_dns_records").fetchall() == [
        (dt.date(2021, 6, 1),)
    ]


def test_csv_with_header_and_bad_rows(ws: Workspace) -> None:
    [result] = ingest(ws, "dns", [DNS / "resolver_export.csv"], options={"date": dt.date(2022, 1, 5)})
    assert result.format == "csv"
    assert ("examplevision.example", "MX", "aspmx.l.google.com", 10) in records(ws)
    assert result.rows_loaded == 4 and result.rows_rejected == 2
    assert any("line 6" in m and "5 fields" in m for m in result.messages)
    assert any("line 7" in m and "'soon'" in m for m in result.messages)


def test_related_only_keeps_linked_names_their_targets_and_the_targets_addresses(
    ws: Workspace, tmp_path: Path
) -> None:
    watch = tmp_path / "watch.yaml"
    watch.write_text(
        "list: WATCH\nentities:\n  - name: ExampleVision Co., Ltd.\n"
        "    domains: [{domain: www.examplevision.example, source: test}]\n",
        encoding="utf-8",
    )
    ingest(ws, "watchlist", [watch])
    [result] = ingest(ws, "dns", [DNS / "fdns_sample.json.gz"], options={"related_only": True})
    names = {r[0] for r in records(ws)}
    assert "examplevision.example" in names  # registrable domain of the watchlist's www name
    assert "www.examplevision.example.edgekey.net" in names  # CNAME target
    assert "e1234.a.akamaiedge.net" in names  # the target's target, with its address
    assert ("e1234.a.akamaiedge.net", "A", "23.45.67.89", None) in records(ws)
    assert "unrelated.example" not in names and "xn--bcher-kva.example" not in names
    assert "other.cloudfront.net" not in names
    assert any("pass(es)" in m for m in result.messages)


def test_string_compression_is_off_only_while_loading(ws: Workspace) -> None:
    ingest(ws, "dns", [DNS / "fdns_sample.json.gz"])
    assert ws.con.execute("select current_setting('disabled_compression_methods')").fetchall() == [("",)]


def test_a_gzip_file_streamed_in_small_batches_loads_the_same_rows_as_plain_json_lines(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A .gz is staged batch by batch (bounded memory); a plain file is read in one statement."""
    from analyzer.dns import fdns

    monkeypatch.setattr(fdns, "BATCH_ROWS", 2)
    plain = tmp_path / "2025-07-20-1752969600-fdns_any.json"
    with gzip.open(DNS / "fdns_bad_lines.json.gz", "rt") as fh:
        plain.write_text(fh.read())
    [streamed] = ingest(ws, "dns", [DNS / "fdns_bad_lines.json.gz"])
    # another source label: the same records of one snapshot of one source would count once
    [whole] = ingest(ws, "dns", [plain], options={"label": "plain copy"})
    assert (streamed.rows_loaded, streamed.rows_rejected) == (whole.rows_loaded, whole.rows_rejected)
    assert streamed.rows_loaded > 2 and streamed.rows_rejected > 0
    query = "select name, rtype, value, observed_on from raw_dns_records where dataset_id = ? order by all"
    assert ws.rows(query, [streamed.dataset_id]) == ws.rows(query, [whole.dataset_id])
