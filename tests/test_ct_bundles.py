"""Certificates as they come in the wild: PEM bundles with their chain, `openssl x509 -text` dumps,
a get-entry-and-proof response, Rapid7 Sonar SSL scans (bzip2 JSON lines), compressed DER. The files
are the real samples of tests/data/ct (tests/data/PROVENANCE.md)."""

from __future__ import annotations

import bz2
import gzip
import lzma
from pathlib import Path

import pyarrow as pa
import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from analyzer.ct.ingest import leaves_and_chains
from analyzer.ct.synth import Issuer, build_certificate
from analyzer.ct.x509parse import CertRecord
from analyzer.errors import SourceError
from analyzer.ingest import ingest
from analyzer.workspace import Workspace

CT = Path(__file__).parent / "data" / "ct"
SONAR = CT / "rapid7_sonar_ssl_certs_sample_2013.json.bz2"


def _record(is_ca: bool | None) -> CertRecord:
    return CertRecord("1", "CN=x", None, "x", "CN=y", None, "y", None, is_ca=is_ca)


def test_a_ca_certificate_after_a_leaf_is_its_chain_a_first_one_is_the_subject() -> None:
    leaf, ca, plain = _record(False), _record(True), _record(None)
    assert leaves_and_chains([leaf, ca, ca, plain, ca]) == [(0, [1, 2]), (3, [4])]
    assert leaves_and_chains([ca]) == [(0, [])]  # a self-signed served certificate is the subject
    assert leaves_and_chains([ca, ca]) == [(0, [1])]


def test_pem_chain_is_recorded_as_the_leafs_issuers(ws: Workspace) -> None:
    [result] = ingest(ws, "ct", [CT / "appmattus_mitmproxy-original-chain.pem"])
    assert (result.rows_loaded, result.rows_rejected, result.warnings) == (1, 0, 0)
    [leaf] = ws.rows("select line, subject_cn, issuer_o, fingerprint_sha256, domains from raw_certificates")
    assert leaf["subject_cn"] == "babylonhealth.com" and "babylonhealth.com" in leaf["domains"]
    chain = ws.rows(
        "select line, leaf_fingerprint_sha256, position, subject_cn, is_ca from raw_certificate_chains "
        "order by position"
    )
    assert [(c["position"], c["subject_cn"], c["is_ca"]) for c in chain] == [
        (1, "Amazon", True),
        (2, "Amazon Root CA 1", True),
        (3, "Starfield Services Root Certificate Authority - G2", True),
    ]
    assert {(c["line"], c["leaf_fingerprint_sha256"]) for c in chain} == {
        (leaf["line"], leaf["fingerprint_sha256"])
    }


def test_openssl_text_dump_is_read_from_its_pem_block(ws: Workspace) -> None:
    [result] = ingest(ws, "ct", [CT / "appmattus_google-cert.pem"])
    assert (result.format, result.rows_loaded, str(result.snapshot_date)) == ("pem", 1, "2013-05-22")
    [row] = ws.rows("select subject_o, subject_cn, len(names) as n from raw_certificates")
    assert row == {"subject_o": "Google Inc", "subject_cn": "*.google.com", "n": 44}


def test_get_entry_and_proof_is_one_entry(ws: Workspace) -> None:
    [result] = ingest(ws, "ct", [CT / "icarus_get-entry-and-proof_idx120000000.json"])
    assert (result.format, result.rows_loaded, result.warnings) == ("get_entries", 1, 0)
    assert (str(result.snapshot_date), result.date_source) == ("2017-09-27", "records")
    [row] = ws.rows(
        "select subject_cn, issuer_cn, list_sort(names) as names, is_precert from raw_certificates"
    )
    assert row == {
        "subject_cn": "gem-jewelers.com",
        "issuer_cn": "Let's Encrypt Authority X3",
        "names": ["gem-jewelers.com", "www.gem-jewelers.com"],
        "is_precert": False,
    }


def test_sonar_scans_are_observations_of_what_each_address_served(ws: Workspace) -> None:
    [result] = ingest(ws, "ct", [SONAR])
    assert (result.format, result.rows_loaded, result.rows_rejected) == ("sonar_ssl", 99, 1)
    assert (str(result.snapshot_date), result.date_source) == ("2013-09-10", "records")
    assert any("line 15" in m and "3 is not a valid X509 version" in m for m in result.messages)
    assert any("66 served certificates without subjectAltName" in m for m in result.messages)
    counts = ws.rows(
        "select count(*) as scans, count(distinct host_ip) as hosts, count(distinct leaf_fingerprint_sha256) "
        "as leaves from int_ssl_observations"
    )
    assert counts == [{"scans": 99, "hosts": 99, "leaves": 77}]
    # a certificate whose basicConstraints cA FALSE is encoded explicitly (not DER) still loads
    [vpn] = ws.rows(
        "select port, observed_at::varchar as at, subject_cn, names, chain_length "
        "from int_ssl_observations where subject_cn = 'vpn.fusionstorm.com'"
    )
    assert vpn == {
        "port": 443,
        "at": "2013-09-10 20:42:59",
        "subject_cn": "vpn.fusionstorm.com",
        "names": ["vpn.fusionstorm.com", "www.vpn.fusionstorm.com"],
        "chain_length": vpn["chain_length"],
    }
    # the chain certificates are issuers, the 8 self-signed CA leaves are still the served subjects
    assert ws.rows("select count(*) as n from raw_certificate_chains") == [{"n": 79}]
    assert ws.rows("select count(*) as n from stg_certificates")[0]["n"] == 77  # one per distinct leaf


@pytest.mark.parametrize("codec", ["gzip", "bzip2", "xz", "zstd"])
def test_every_compression_is_read_by_content(ws: Workspace, tmp_path: Path, codec: str) -> None:
    pem = (CT / "appmattus_no-sct.badssl.com.pem").read_bytes()
    packed = {
        "gzip": gzip.compress,
        "bzip2": bz2.compress,
        "xz": lzma.compress,
        "zstd": lambda b: pa.Codec("zstd").compress(b, asbytes=True),
    }[codec](pem)
    path = tmp_path / "bundle.bin"  # the name says nothing
    path.write_bytes(packed)
    [result] = ingest(ws, "ct", [path])
    assert (result.format, result.rows_loaded) == ("pem", 1)


def test_compressed_der_and_a_truncated_bzip2(ws: Workspace, tmp_path: Path) -> None:
    der = build_certificate(Issuer("R3", "Let's Encrypt"), serial=3, sans=["x.example"]).public_bytes(
        Encoding.DER
    )
    path = tmp_path / "cert.der.gz"
    path.write_bytes(gzip.compress(der))
    [result] = ingest(ws, "ct", [path])
    assert (result.format, result.rows_loaded) == ("der", 1)
    cut = tmp_path / "scans.json.bz2"
    cut.write_bytes(SONAR.read_bytes()[:20000])
    with pytest.raises(SourceError, match=r"scans\.json\.bz2: truncated or corrupt bzip2 data"):
        ingest(ws, "ct", [cut])
    assert ws.rows("select count(*) as n from raw_ssl_observations") == [{"n": 0}]
