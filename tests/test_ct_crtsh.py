"""crt.sh exports: JSON in the exact shape crt.sh serves (`?q=...&output=json`) and CSV with the
same columns; the same certificate appears as precertificate and certificate (two crt.sh ids)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from analyzer.errors import SourceError
from analyzer.ingest import ingest
from analyzer.workspace import Workspace


def test_crtsh_json_loads_with_issuer_parts_and_registrable_domains(ws: Workspace, data: Path) -> None:
    [result] = ingest(ws, "ct", [data / "ct" / "crtsh_hikvision.json"])
    assert (result.format, result.rows_loaded, result.rows_rejected, result.warnings) == (
        "crtsh_json",
        5,
        0,
        0,
    )
    assert str(result.snapshot_date) == "2024-04-04"  # the latest log entry in the file
    pair = ws.rows(
        "select crtsh_id, cert_id, serial, issuer_o, issuer_cn, domains from stg_certificates "
        "where crtsh_id in (9123456701, 9123456702) order by crtsh_id"
    )
    assert pair[0]["cert_id"] == pair[1]["cert_id"]  # precertificate and certificate: one cert
    assert pair[0]["serial"] == "3b5914e5f28724457a5a51ad2c494d040f6"
    assert sorted(pair[0]["domains"]) == ["hik-connect.com", "hikvision.com"]  # *.hikvision.com too
    quoted = ws.rows("select issuer_o, issuer_cn from stg_certificates where crtsh_id = 9123456704")[0]
    assert quoted == {
        "issuer_o": "Starfield Technologies, Inc.",
        "issuer_cn": "Starfield Secure Certificate Authority - G2",
    }
    assert ws.rows("select count(distinct cert_id) as n from stg_certificates")[0]["n"] == 4


def test_crtsh_csv_and_gzip(ws: Workspace, data: Path, tmp_path: Path) -> None:
    [result] = ingest(ws, "ct", [data / "ct" / "crtsh_sample.csv"])
    assert (result.format, result.rows_loaded) == ("crtsh_csv", 2)
    assert ws.rows("select count(distinct cert_id) as n from stg_certificates")[0]["n"] == 1
    gz = tmp_path / "crtsh.json.gz"
    with (data / "ct" / "crtsh_hikvision.json").open("rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    [result] = ingest(ws, "ct", [gz])
    assert (result.format, result.rows_loaded) == ("crtsh_json", 5)


def test_bad_crtsh_rows_are_counted_never_a_crash(ws: Workspace, data: Path) -> None:
    [result] = ingest(ws, "ct", [data / "ct" / "crtsh_bad.json"])
    assert result.rows_loaded == 3  # the row without serial_number is kept, keyed by its crt.sh id
    assert result.rows_rejected == 1  # the duplicate id
    text = "\n".join(result.messages)
    assert "crt.sh id 9200000002: no serial_number; kept, keyed by its crt.sh id" in text
    assert "crt.sh id 9200000001 appears more than once" in text
    assert "'www.dahuasecurity.com<BR>dahuatech.com' is not a DNS name" in text  # HTML
    assert "'bad name.dahuasecurity.com' is not a DNS name" in text  # a space in a host name
    assert "1 IP address(es) among the certificate names ignored" in text  # an IP address SAN
    assert "1 e-mail address(es)" in text
    # a broken host name is no organisation identity
    assert ws.rows("select subject_o_candidates from raw_certificates where crtsh_id = 9200000001") == [
        {"subject_o_candidates": None}
    ]
    assert "crt.sh id 9200000003: not_before/not_after is not a timestamp" in text
    issues = ws.rows("select count(*) as n from load_issues where dataset_id = ?", [result.dataset_id])
    assert issues[0]["n"] == len(result.messages)


def test_reingest_is_idempotent_and_overlapping_files_do_not_double_count(
    ws: Workspace, data: Path, tmp_path: Path
) -> None:
    path = data / "ct" / "crtsh_hikvision.json"
    ingest(ws, "ct", [path])
    [again] = ingest(ws, "ct", [path])
    assert again.skipped
    copy = tmp_path / "copy.json"
    copy.write_bytes(path.read_bytes().replace(b"]", b" ]"))  # other bytes, same certificates
    ingest(ws, "ct", [copy])
    assert ws.rows("select count(*) as n from raw_certificates")[0]["n"] == 10
    assert ws.rows("select count(*) as n from stg_certificates")[0]["n"] == 5


def test_missing_required_field_stops_the_file(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "nofields.json"
    path.write_text('[{"issuer_ca_id": 1, "issuer_name": "C=US, O=X, CN=Y", "id": 1}]')
    with pytest.raises(SourceError, match=r"without the field\(s\) name_value"):
        ingest(ws, "ct", [path])
    assert ws.rows("select count(*) as n from datasets where kind = 'ct'")[0]["n"] == 0


# The older crt.sh schema, in crt.sh's field order: no common_name, no serial_number.
OLDER = (
    '[{"issuer_ca_id":16418,"issuer_name":"C=US, O=Let\'s Encrypt, CN=Let\'s Encrypt Authority X3",'
    '"name_value":"*.python.org","id":1088685,"entry_timestamp":"2016-01-04T16:01:39.000",'
    '"not_before":"2016-01-04T15:02:00","not_after":"2016-04-03T15:02:00"},'
    '{"issuer_ca_id":16418,"issuer_name":"C=US, O=Let\'s Encrypt, CN=Let\'s Encrypt Authority X3",'
    '"name_value":"psf@python.org\\npython.org","id":963842,"entry_timestamp":"2020-04-04T04:41:42.875",'
    '"not_before":"2020-04-04T03:41:42","not_after":"2020-07-03T03:41:42"}]'
)


def test_older_crtsh_schema_loads_keyed_by_crtsh_id(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "older.json"
    path.write_text(OLDER, encoding="utf-8")
    [result] = ingest(ws, "ct", [path])
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    assert result.messages == [f"{path.name}: 1 e-mail address(es) among the certificate names ignored"]
    assert (str(result.snapshot_date), result.date_source) == ("2020-04-04", "records")
    rows = ws.rows(
        "select crtsh_id, serial, subject_cn, cert_id, domains from stg_certificates order by crtsh_id"
    )
    assert [(r["crtsh_id"], r["serial"], r["subject_cn"], r["domains"]) for r in rows] == [
        (963842, None, None, ["python.org"]),
        (1088685, None, None, ["python.org"]),
    ]
    assert rows[0]["cert_id"] != rows[1]["cert_id"]  # two certificates, told apart by their crt.sh ids


def test_unexpected_fields_are_reported_once(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "extra.json"
    path.write_text(
        '[{"issuer_ca_id":1,"issuer_name":"C=US, O=X, CN=Y","common_name":"a.com","name_value":"a.com",'
        '"id":1,"entry_timestamp":"2024-01-01T00:00:00","not_before":"2024-01-01T00:00:00",'
        '"not_after":"2024-02-01T00:00:00","serial_number":"01","subject_key":"zz"}]'
    )
    [result] = ingest(ws, "ct", [path])
    assert result.rows_loaded == 1
    assert result.messages == [f"{path.name}: unexpected crt.sh field(s) ignored: subject_key"]


def test_truncated_json_stops_the_file_with_nothing_loaded(ws: Workspace, data: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.json"
    cut.write_bytes((data / "ct" / "crtsh_hikvision.json").read_bytes()[:700])
    with pytest.raises(SourceError, match=r"cut\.json: could not be read as ct"):
        ingest(ws, "ct", [cut])
    assert ws.rows("select count(*) as n from raw_certificates")[0]["n"] == 0
    assert ws.rows("select count(*) as n from datasets")[0]["n"] == 0
    cut_entries = tmp_path / "entries.json"
    cut_entries.write_text('{"entries": [{"leaf_input": "AAAA", "extra_', encoding="utf-8")
    with pytest.raises(SourceError, match=r"entries\.json line 1: not valid JSON"):
        ingest(ws, "ct", [cut_entries])


def test_dn_values_as_crtsh_renders_them(ws: Workspace) -> None:
    dn = 'C=US, O="Example, Inc.", OU=Say ""hi"", CN=Example CA 1'
    got = ws.con.execute(
        "select ct_dn_value(?, 'O'), ct_dn_value(?, 'CN'), ct_dn_value(?, 'C'), ct_dn_value(?, 'L')",
        [dn, dn, dn, dn],
    ).fetchall()[0]
    assert got == ("Example, Inc.", "Example CA 1", "US", None)
