"""Real certificate bytes for tests and the benchmark: X.509 certificates and precertificates built
with `cryptography`, and RFC 6962 log entries (MerkleTreeLeaf and extra_data) exactly as a log's
get-entries serves them. Nothing here is used when analysing data."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import struct
from dataclasses import dataclass
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@cache
def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(o: str | None, cn: str | None, c: str | None = None) -> x509.Name:
    attrs = []
    if c:
        attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, c))
    if o:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, o))
    if cn:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


@dataclass
class Issuer:
    """A CA: its name and a self-signed certificate (the chain a log returns in extra_data)."""

    o: str
    cn: str
    c: str = "US"

    @property
    def cert(self) -> x509.Certificate:
        return _ca_cert(self.o, self.cn, self.c)

    @property
    def key_hash(self) -> bytes:
        spki = self.cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return hashlib.sha256(spki).digest()


@cache
def _ca_cert(o: str, cn: str, c: str) -> x509.Certificate:
    name = _name(o, cn, c)
    now = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(_key().public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(_key(), hashes.SHA256())
    )


def build_certificate(
    issuer: Issuer,
    *,
    serial: int,
    sans: list[str] | None,
    subject_o: str | None = None,
    subject_cn: str | None = None,
    subject_c: str | None = None,
    not_before: dt.datetime = dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    days: int = 365,
    precert: bool = False,
) -> x509.Certificate:
    """A leaf certificate; `precert` adds the CT poison extension (RFC 6962 §3.1)."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject_o, subject_cn or (sans[0] if sans else None), subject_c))
        .issuer_name(_name(issuer.o, issuer.cn, issuer.c))
        .public_key(_key().public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_before + dt.timedelta(days=days))
    )
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False
        )
    if precert:
        builder = builder.add_extension(x509.PrecertPoison(), critical=True)
    return builder.sign(_key(), hashes.SHA256())


def _u24(data: bytes) -> bytes:
    return len(data).to_bytes(3, "big") + data


def _leaf_header(timestamp_ms: int, entry_type: int) -> bytes:
    return struct.pack(">BBQH", 0, 0, timestamp_ms, entry_type)


def x509_entry(cert: x509.Certificate, issuer: Issuer, timestamp_ms: int) -> dict[str, str]:
    """A get-entries entry for a final certificate: leaf with the DER, extra_data the chain."""
    der = cert.public_bytes(serialization.Encoding.DER)
    leaf = _leaf_header(timestamp_ms, 0) + _u24(der) + b"\x00\x00"
    chain = _u24(_u24(issuer.cert.public_bytes(serialization.Encoding.DER)))
    return {"leaf_input": base64.b64encode(leaf).decode(), "extra_data": base64.b64encode(chain).decode()}


def precert_entry(
    precert: x509.Certificate, final_tbs: bytes, issuer: Issuer, timestamp_ms: int
) -> dict[str, str]:
    """A get-entries entry for a precertificate: the leaf holds issuer_key_hash and the TBS without
    the poison extension (`final_tbs`); extra_data is the PrecertChainEntry (precert DER + chain)."""
    leaf = _leaf_header(timestamp_ms, 1) + issuer.key_hash + _u24(final_tbs) + b"\x00\x00"
    ca_der = issuer.cert.public_bytes(serialization.Encoding.DER)
    extra = _u24(precert.public_bytes(serialization.Encoding.DER)) + _u24(_u24(ca_der))
    return {"leaf_input": base64.b64encode(leaf).decode(), "extra_data": base64.b64encode(extra).decode()}


def certificate_pair(
    issuer: Issuer, timestamp_ms: int, **fields: object
) -> tuple[dict[str, str], dict[str, str], x509.Certificate]:
    """The precertificate entry and the final-certificate entry of one certificate, and the cert."""
    final = build_certificate(issuer, **fields)  # type: ignore[arg-type]
    pre = build_certificate(issuer, precert=True, **fields)  # type: ignore[arg-type]
    return (
        precert_entry(pre, final.tbs_certificate_bytes, issuer, timestamp_ms),
        x509_entry(final, issuer, timestamp_ms + 1000),
        final,
    )
