"""CT certificate bytes: RFC 6962 get-entries JSON (certificates and precertificates built with
`cryptography`, serialised exactly as a log serves them), PEM bundles and DER files."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from analyzer.ct.synth import Issuer, build_certificate, certificate_pair, x509_entry
from analyzer.ct.x509parse import CertError, parse_log_entry
from analyzer.errors import SourceError
from analyzer.ingest import ingest
from analyzer.workspace import Workspace

LE = Issuer("Let's Encrypt", "R3")
TS = 1_714_000_000_000  # 2024-04-24T23:06:40Z


def _write(tmp_path: Path, name: str, entries: list[dict[str, str]]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"entries": entries}), encoding="utf-8")
    return path


def test_precertificate_and_certificate_are_one_certificate(ws: Workspace, tmp_path: Path) -> None:
    pre, final, _ = certificate_pair(
        LE,
        TS,
        serial=0x03B5914E5F,
        sans=["hikvision.com", "*.hikvision.com", "www.hik-connect.com"],
        subject_o="Hangzhou Hikvision Digital Technology Co., Ltd.",
        subject_c="CN",
    )
    [result] = ingest(ws, "ct", [_write(tmp_path, "entries.json", [pre, final])])
    assert (result.format, result.rows_loaded, result.rows_rejected) == ("get_entries", 2, 0)
    rows = ws.rows(
        "select cert_id, is_precert, serial, issuer_o, issuer_cn, subject_o, subject_c, sans, domains, "
        "fingerprint_sha256, entry_time from stg_certificates order by is_precert"
    )
    assert [r["is_precert"] for r in rows] == [False, True]
    assert rows[0]["cert_id"] == rows[1]["cert_id"]
    assert rows[0]["fingerprint_sha256"] != rows[1]["fingerprint_sha256"]
    assert rows[0]["serial"] == "3b5914e5f"
    assert (rows[0]["issuer_o"], rows[0]["issuer_cn"]) == ("Let's Encrypt", "R3")
    assert rows[1]["subject_o"] == "Hangzhou Hikvision Digital Technology Co., Ltd."
    assert rows[1]["subject_c"] == "CN"
    assert sorted(rows[1]["domains"]) == ["hik-connect.com", "hikvision.com"]
    assert rows[1]["entry_time"].isoformat() == "2024-04-24T23:06:40"
    assert ws.rows("select count(*) as n from stg_certificate_domains")[0]["n"] == 2


def test_precert_leaf_without_extra_data_still_parses() -> None:
    pre, _, _ = certificate_pair(LE, TS, serial=7, sans=["example.com"])
    record = parse_log_entry(pre["leaf_input"], None)
    assert record.is_precert and record.serial == "7" and record.fingerprint_sha256 is None


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"leaf_input": "%%% not base64 %%%", "extra_data": ""}, "not valid base64"),
        ({"extra_data": ""}, "leaf_input is missing"),
        ({"leaf_input": base64.b64encode(b"\x00\x00" + b"\x00" * 8).decode()}, "shorter than"),
    ],
)
def test_unreadable_entries_raise_cert_error(entry: dict[str, str], problem: str) -> None:
    with pytest.raises(CertError, match=problem):
        parse_log_entry(entry.get("leaf_input"), entry.get("extra_data"))


def test_bad_entries_are_counted_and_the_rest_loads(ws: Workspace, tmp_path: Path) -> None:
    good = x509_entry(build_certificate(LE, serial=1, sans=["dahuasecurity.com"]), LE, TS)
    no_san = x509_entry(build_certificate(LE, serial=2, sans=None, subject_cn="dahuatech.com"), LE, TS)
    leaf = base64.b64decode(good["leaf_input"])
    truncated = {"leaf_input": base64.b64encode(leaf[:200]).decode(), "extra_data": ""}
    broken_der = bytearray(leaf)
    broken_der[15:25] = b"\xff" * 10
    garbage = {"leaf_input": base64.b64encode(bytes(broken_der)).decode(), "extra_data": ""}
    entries = [good, {"leaf_input": "@@@", "extra_data": ""}, truncated, garbage, no_san, "not an object"]
    [result] = ingest(ws, "ct", [_write(tmp_path, "mixed.json", entries)])  # type: ignore[list-item]
    assert result.rows_loaded == 2
    assert result.rows_rejected == 4
    text = "\n".join(result.messages)
    assert "entry 2: leaf_input is not valid base64" in text
    assert "entry 3: leaf_input x509_entry: says" in text
    assert "entry 4: not a DER certificate" in text
    assert "entry 5: certificate without subjectAltName (subject CN used)" in text
    assert ws.rows("select domains from stg_certificates where serial = '2'")[0]["domains"] == [
        "dahuatech.com"
    ]


def test_json_lines_of_pages_load(ws: Workspace, tmp_path: Path) -> None:
    pages = [
        {"entries": [x509_entry(build_certificate(LE, serial=i, sans=[f"h{i}.example.com"]), LE, TS)]}
        for i in range(1, 4)
    ]
    path = tmp_path / "pages.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in pages) + "\n", encoding="utf-8")
    [result] = ingest(ws, "ct", [path])
    assert result.rows_loaded == 3


def test_pem_bundle_and_der_file(ws: Workspace, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    certs = [build_certificate(LE, serial=10 + i, sans=[f"site{i}.sensetime.com"]) for i in range(2)]
    pem = b"".join(c.public_bytes(Encoding.PEM) for c in certs).decode()
    pem += "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"
    pem_path = tmp_path / "bundle.pem"
    pem_path.write_text(pem, encoding="ascii")
    [result] = ingest(ws, "ct", [pem_path])
    assert (result.format, result.rows_loaded, result.rows_rejected) == ("pem", 2, 1)
    der_path = tmp_path / "one.der"
    der_path.write_bytes(build_certificate(LE, serial=99, sans=["megvii.com"]).public_bytes(Encoding.DER))
    [result] = ingest(ws, "ct", [der_path])
    assert (result.format, result.rows_loaded) == ("der", 1)


def test_truncated_der_file_is_one_clear_error(ws: Workspace, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    der = build_certificate(LE, serial=5, sans=["x.com"]).public_bytes(Encoding.DER)
    path = tmp_path / "cut.der"
    path.write_bytes(der[:100])
    with pytest.raises(SourceError, match=r"cut\.der: not a DER certificate"):
        ingest(ws, "ct", [path])
    assert ws.rows("select count(*) as n from raw_certificates")[0]["n"] == 0


def test_a_file_of_another_kind_is_refused(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"prefixes": []}', encoding="utf-8")
    with pytest.raises(SourceError, match="not a certificate file"):
        ingest(ws, "ct", [path])


def test_names_are_read_from_the_der_like_cryptography_reads_them() -> None:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    from analyzer.ct.synth import _key
    from analyzer.ct.x509parse import parse_der

    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "浙江省"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "杭州海康威视数字技术股份有限公司"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "IT"),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, "admin@hikvision.com"),
            x509.NameAttribute(NameOID.COMMON_NAME, "*.hikvision.com"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(_key().public_key())
        .serial_number(0xABCDEF)
        .not_valid_before(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
        .sign(_key(), hashes.SHA256())
    )
    record = parse_der(cert.public_bytes(Encoding.DER))
    assert record.subject_dn == cert.subject.rfc4514_string()
    assert (record.subject_o, record.subject_cn, record.subject_c) == (
        "杭州海康威视数字技术股份有限公司",
        "*.hikvision.com",
        "CN",
    )
    assert (record.issuer_o, record.serial, record.is_precert) == (record.subject_o, "abcdef", False)
    assert not record.has_san and record.names == ["*.hikvision.com"]
