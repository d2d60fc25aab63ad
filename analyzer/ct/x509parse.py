"""Certificates into flat records: X.509 DER/PEM and RFC 6962 log entries (MerkleTreeLeaf).

`cryptography` parses the DER; a precertificate's TBSCertificate from a log leaf is wrapped in a
Certificate SEQUENCE with an empty signature so the same parser reads it (nothing here verifies
signatures: CT logs already did, and we only describe what was logged).

Certificates seen in the wild (scan data) are not all DER: some encode a DEFAULT value explicitly
(basicConstraints cA FALSE), which cryptography refuses when it reads the extensions. For those the
three extensions we use (subjectAltName, basicConstraints, the CT poison) are read from the DER here,
and the record says so (`extensions_note`).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import functools
import hashlib
import struct
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography import x509


@functools.cache
def _x509() -> Any:
    """cryptography's x509, imported when the first certificate is parsed, not by every command
    that imports analyzer (it is 10 MB of memory and a tenth of the start-up of `analyzer lookup`).

    Scan data holds certificates with a zero or negative serial (device certificates); cryptography
    still reads them but warns on every one. We keep them (the serial is the issuer's choice, not
    ours to validate); a cryptography that refuses them makes them rejected rows, with its message."""
    from cryptography import x509
    from cryptography.utils import CryptographyDeprecationWarning

    warnings.filterwarnings(
        "ignore",
        message="Parsed a serial number which wasn't positive",
        category=CryptographyDeprecationWarning,
    )
    return x509


# RFC 6962 §3.4: MerkleTreeLeaf.version v1 = 0, leaf_type timestamped_entry = 0; LogEntryType.
X509_ENTRY = 0
PRECERT_ENTRY = 1
# sha256WithRSAEncryption AlgorithmIdentifier and an empty BIT STRING: the placeholder signature.
_SIG_ALG = bytes.fromhex("300d06092a864886f70d01010b0500")
_EMPTY_SIG = b"\x03\x01\x00"


class CertError(ValueError):
    """A log entry or certificate that cannot be read; the message says what is wrong."""


@dataclass
class CertRecord:
    """The fields of one certificate (or precertificate) that the analyzer keeps."""

    serial: str
    issuer_dn: str
    issuer_o: str | None
    issuer_cn: str | None
    subject_dn: str
    subject_o: str | None
    subject_cn: str | None
    subject_c: str | None
    names: list[str] = field(default_factory=list)  # SAN dNSNames then subject CN, as written
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None
    is_precert: bool = False
    fingerprint_sha256: str | None = None
    entry_time: dt.datetime | None = None
    has_san: bool = False
    is_ca: bool | None = None  # basicConstraints cA; None when the certificate has no basicConstraints
    extensions_note: str | None = None  # why the extensions were read from the DER, not by cryptography


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def wrap_tbs(tbs: bytes) -> bytes:
    """A parseable Certificate around a bare TBSCertificate (placeholder signature)."""
    body = tbs + _SIG_ALG + _EMPTY_SIG
    return b"\x30" + _der_length(len(body)) + body


# Names are read from the DER directly: building cryptography's Name objects costs more than the
# rest of the parse. Attribute OIDs (2.5.4.x) we name; others are written as dotted OIDs.
_SHORT = {3: "CN", 10: "O", 11: "OU", 6: "C", 8: "ST", 7: "L", 5: "serialNumber"}
_STRING_CODECS = {
    0x0C: "utf-8",
    0x13: "latin-1",
    0x16: "latin-1",
    0x14: "latin-1",
    0x1E: "utf-16-be",
    0x1C: "utf-32-be",
}
NameFields = tuple[str, str | None, str | None, str | None]


def _tlv(buf: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at `pos`."""
    if pos + 2 > len(buf):
        raise CertError("truncated DER element")
    tag, first = buf[pos], buf[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        n = first & 0x7F
        if n == 0 or n > 4 or pos + n > len(buf):
            raise CertError("bad DER length")
        length = int.from_bytes(buf[pos : pos + n], "big")
        pos += n
    if pos + length > len(buf):
        raise CertError("truncated DER element")
    return tag, pos, pos + length


def _oid_text(raw: bytes) -> str:
    if len(raw) == 3 and raw[:2] == b"\x55\x04" and raw[2] in _SHORT:
        return _SHORT[raw[2]]
    parts, value = [], 0
    for byte in raw:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    if not parts:
        return "OID"
    first = min(parts[0] // 40, 2)
    return ".".join(str(x) for x in [first, parts[0] - 40 * first, *parts[1:]])


def name_fields(der: bytes, start: int, end: int) -> NameFields:
    """(DN as "CN=..,O=..,C=..", first O, first CN, first C) of a DER Name's content."""
    parts: list[str] = []
    found: dict[str, str] = {}
    pos = start
    while pos < end:
        _, set_start, set_end = _tlv(der, pos)
        inner = set_start
        while inner < set_end:
            _, atv_start, atv_end = _tlv(der, inner)
            _, oid_start, oid_end = _tlv(der, atv_start)
            vtag, v_start, v_end = _tlv(der, oid_end)
            key = _oid_text(der[oid_start:oid_end])
            text = der[v_start:v_end].decode(_STRING_CODECS.get(vtag, "utf-8"), "replace").strip()
            parts.append(f"{key}={text}")
            if key in ("O", "CN", "C") and key not in found and text:
                found[key] = text
            inner = atv_end
        pos = set_end
    return ",".join(reversed(parts)), found.get("O"), found.get("CN"), found.get("C")


def tbs_names(tbs: bytes) -> tuple[tuple[int, int], tuple[int, int]]:
    """Content spans of the issuer and subject Names inside a DER TBSCertificate."""
    _, pos, end = _tlv(tbs, 0)
    spans: list[tuple[int, int]] = []
    index = 0
    while pos < end and len(spans) < 2:
        tag, c_start, c_end = _tlv(tbs, pos)
        if index == 0 and tag == 0xA0:  # [0] version: not counted
            pos = c_end
            continue
        if index in (2, 4):  # serial, signature, issuer, validity, subject
            spans.append((c_start, c_end))
        index += 1
        pos = c_end
    if len(spans) < 2:
        raise CertError("TBSCertificate without issuer and subject")
    return spans[0], spans[1]


# Issuers repeat across a log: their fields are read once per distinct encoded name.
_ISSUERS: dict[bytes, NameFields] = {}


def _issuer_fields(der: bytes, start: int, end: int) -> NameFields:
    key = der[start:end]
    fields = _ISSUERS.get(key)
    if fields is None:
        if len(_ISSUERS) > 10_000:
            _ISSUERS.clear()
        fields = _ISSUERS[key] = name_fields(der, start, end)
    return fields


# Extension OIDs (DER content bytes) read from the DER when cryptography cannot read the extensions.
_OID_SAN = bytes.fromhex("551d11")  # 2.5.29.17
_OID_BASIC_CONSTRAINTS = bytes.fromhex("551d13")  # 2.5.29.19
_OID_POISON = bytes.fromhex("2b06010401d679020403")  # 1.3.6.1.4.1.11129.2.4.3


def raw_extensions(tbs: bytes) -> dict[bytes, bytes]:
    """{extension OID: extnValue content} of a DER TBSCertificate, read without cryptography."""
    _, pos, end = _tlv(tbs, 0)
    found: dict[bytes, bytes] = {}
    while pos < end:
        tag, c_start, c_end = _tlv(tbs, pos)
        pos = c_end
        if tag != 0xA3:  # [3] extensions, after the other fields
            continue
        _, e_pos, e_end = _tlv(tbs, c_start)  # SEQUENCE OF Extension
        while e_pos < e_end:
            _, x_start, x_end = _tlv(tbs, e_pos)
            e_pos = x_end
            _, oid_start, oid_end = _tlv(tbs, x_start)
            inner = oid_end
            vtag, v_start, v_end = _tlv(tbs, inner)
            if vtag == 0x01:  # critical BOOLEAN
                vtag, v_start, v_end = _tlv(tbs, v_end)
            if vtag == 0x04:
                found[tbs[oid_start:oid_end]] = tbs[v_start:v_end]
    return found


def _raw_san_names(value: bytes) -> list[str]:
    """dNSName entries ([2] IA5String) of a DER GeneralNames."""
    names: list[str] = []
    _, pos, end = _tlv(value, 0)
    while pos < end:
        tag, c_start, c_end = _tlv(value, pos)
        if tag == 0x82:
            names.append(value[c_start:c_end].decode("latin-1"))
        pos = c_end
    return names


def _raw_is_ca(value: bytes) -> bool:
    """basicConstraints cA of a DER (or BER: explicit FALSE) BasicConstraints SEQUENCE."""
    _, pos, end = _tlv(value, 0)
    if pos >= end:
        return False
    tag, c_start, c_end = _tlv(value, pos)
    return tag == 0x01 and any(value[c_start:c_end])


def record_from_cert(
    cert: x509.Certificate, *, der: bytes | None, tbs: bytes, is_precert: bool
) -> CertRecord:
    """Read the fields we keep; `der` (the exact bytes) gives the SHA-256 fingerprint, `tbs` is the
    DER TBSCertificate (names are read from it)."""
    x509 = _x509()
    try:
        (i_start, i_end), (s_start, s_end) = tbs_names(tbs)
        issuer_dn, issuer_o, issuer_cn, _ = _issuer_fields(tbs, i_start, i_end)
        subject_dn, subject_o, subject_cn, subject_c = name_fields(tbs, s_start, s_end)
    except (CertError, UnicodeDecodeError, LookupError) as exc:
        raise CertError(f"unreadable issuer or subject: {exc}") from exc
    names: list[str] = []
    has_san = False
    is_ca: bool | None = None
    note: str | None = None
    try:
        extensions = cert.extensions
        try:
            san = extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names.extend(san.get_values_for_type(x509.DNSName))
            has_san = True
        except x509.ExtensionNotFound:
            pass
        with contextlib.suppress(x509.ExtensionNotFound):
            is_ca = extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except ValueError as exc:  # not DER (e.g. an explicit DEFAULT): read the two we need ourselves
        note = str(exc).splitlines()[0][:200]
        try:
            raw = raw_extensions(tbs)
            if _OID_SAN in raw:
                names.extend(_raw_san_names(raw[_OID_SAN]))
                has_san = True
            if _OID_BASIC_CONSTRAINTS in raw:
                is_ca = _raw_is_ca(raw[_OID_BASIC_CONSTRAINTS])
        except CertError as raw_exc:
            raise CertError(f"unreadable extensions: {exc}; {raw_exc}") from exc
    if subject_cn and subject_cn not in names:
        names.append(subject_cn)
    try:
        serial = format(cert.serial_number, "x")
        not_before = cert.not_valid_before_utc.replace(tzinfo=None)
        not_after = cert.not_valid_after_utc.replace(tzinfo=None)
    except ValueError as exc:
        raise CertError(f"unreadable serial or validity: {exc}") from exc
    return CertRecord(
        serial=serial,
        issuer_dn=issuer_dn,
        issuer_o=issuer_o,
        issuer_cn=issuer_cn,
        subject_dn=subject_dn,
        subject_o=subject_o,
        subject_cn=subject_cn,
        subject_c=subject_c,
        names=names,
        not_before=not_before,
        not_after=not_after,
        is_precert=is_precert,
        fingerprint_sha256=hashlib.sha256(der).hexdigest() if der is not None else None,
        has_san=has_san,
        is_ca=is_ca,
        extensions_note=note,
    )


def parse_der(der: bytes, *, is_precert: bool | None = None) -> CertRecord:
    """One DER certificate; a precertificate is recognised by its poison extension."""
    x509 = _x509()
    try:
        cert = x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion) as exc:
        raise CertError(f"not a DER certificate ({len(der)} bytes): {exc}") from exc
    _, tbs_start, _ = _tlv(der, 0)  # Certificate SEQUENCE; the TBSCertificate comes first
    _, _, tbs_end = _tlv(der, tbs_start)
    tbs = der[tbs_start:tbs_end]
    if is_precert is None:
        try:
            cert.extensions.get_extension_for_oid(x509.ExtensionOID.PRECERT_POISON)
            is_precert = True
        except x509.ExtensionNotFound:
            is_precert = False
        except ValueError:  # record_from_cert reads the extensions from the DER and says so
            is_precert = _OID_POISON in raw_extensions(tbs)
    return record_from_cert(cert, der=der, tbs=tbs, is_precert=is_precert)


def _b64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise CertError(f"{what} is missing or not a string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CertError(f"{what} is not valid base64: {exc}") from exc


def _u24(buf: bytes, pos: int, what: str) -> tuple[bytes, int]:
    if pos + 3 > len(buf):
        raise CertError(f"{what}: truncated length at byte {pos}")
    n = int.from_bytes(buf[pos : pos + 3], "big")
    end = pos + 3 + n
    if end > len(buf):
        raise CertError(f"{what}: says {n} bytes, only {len(buf) - pos - 3} present")
    return buf[pos + 3 : end], end


def parse_log_entry(leaf_input: object, extra_data: object) -> CertRecord:
    """One `get-entries` entry: MerkleTreeLeaf (RFC 6962 §3.4) plus extra_data (§4.6).

    For a precertificate the TBSCertificate in the leaf is the logged form (poison removed, issuer
    already the final CA), so its issuer and serial equal those of the final certificate; the
    fingerprint is that of the precertificate in extra_data when it is present.
    """
    x509 = _x509()
    leaf = _b64(leaf_input, "leaf_input")
    if len(leaf) < 12:
        raise CertError(f"leaf_input is {len(leaf)} bytes, shorter than a MerkleTreeLeaf header")
    version, leaf_type, timestamp_ms, entry_type = struct.unpack(">BBQH", leaf[:12])
    if version != 0 or leaf_type != 0:
        raise CertError(f"unknown MerkleTreeLeaf version {version} / leaf type {leaf_type}")
    entry_time = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=timestamp_ms)
    if entry_type == X509_ENTRY:
        der, _ = _u24(leaf, 12, "leaf_input x509_entry")
        record = parse_der(der, is_precert=False)
    elif entry_type == PRECERT_ENTRY:
        if len(leaf) < 44:
            raise CertError("leaf_input precert_entry: truncated issuer_key_hash")
        tbs, _ = _u24(leaf, 44, "leaf_input precert_entry")
        try:
            cert = x509.load_der_x509_certificate(wrap_tbs(tbs))
        except (ValueError, x509.InvalidVersion) as exc:
            raise CertError(f"precertificate TBSCertificate is not valid DER: {exc}") from exc
        precert_der = None
        if extra_data:
            extra = _b64(extra_data, "extra_data")
            precert_der, _ = _u24(extra, 0, "extra_data pre_certificate")
        record = record_from_cert(cert, der=precert_der, tbs=tbs, is_precert=True)
    else:
        raise CertError(f"unknown LogEntryType {entry_type}")
    record.entry_time = entry_time
    return record
