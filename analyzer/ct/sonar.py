"""Rapid7 Project Sonar SSL scans (JSON lines, often bzip2): what each address served.

One line per scanned host_ip:port: `{"host_ip", "host_name", "port", "contact_time", "ssl_version",
"cipher", "certs": [base64 DER, leaf first]}`. The leaf becomes a raw_certificates row (a served
certificate is a subject even when it is a self-signed CA, as device certificates are), the other
certificates are its chain (raw_certificate_chains), and the scan itself an observation
(raw_ssl_observations): this address served a certificate for O=..., names ..., at contact_time.

A scan file has millions of lines and most certificates on the Internet's port 443 are device
certificates without subjectAltName or DNS names: per-certificate problems are counted and reported
once per kind at the end, not line by line. A line whose leaf cannot be read is rejected.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import ipaddress
import json
from collections import Counter
from typing import Any

import pyarrow as pa

from analyzer.ct import stage
from analyzer.ct.x509parse import CertError, CertRecord, parse_der
from analyzer.ingest.base import LoadContext, open_text
from analyzer.safe_text import shown

FIELDS = ("host_ip", "host_name", "port", "contact_time", "ssl_version", "cipher", "certs")

OBSERVATION_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("host_ip", pa.string()),
        ("port", pa.int32()),
        ("host_name", pa.string()),
        ("observed_at", pa.timestamp("us")),
        ("ssl_version", pa.string()),
        ("cipher", pa.string()),
        ("leaf_fingerprint_sha256", pa.string()),
        ("chain_length", pa.int32()),
    ]
)


def looks_like_sonar(first_line: str) -> bool:
    return first_line.lstrip().startswith("{") and '"host_ip"' in first_line and '"certs"' in first_line


def _contact_time(value: object) -> dt.datetime | None:
    """Sonar writes "2013-09-10 20:42:49" (UTC); epoch seconds are accepted too."""
    if isinstance(value, int | float):
        return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=float(value))
    if isinstance(value, str) and value.strip():
        try:
            return dt.datetime.fromisoformat(value.strip().replace("Z", "")).replace(tzinfo=None)
        except ValueError:
            return None
    return None


class _Parsed:
    """Certificates parsed once per distinct DER (a scan repeats the same intermediates)."""

    def __init__(self) -> None:
        self.cache: dict[bytes, CertRecord | CertError] = {}

    def __call__(self, b64: object) -> CertRecord:
        if not isinstance(b64, str):
            raise CertError("a certificate is not a base64 string")
        try:
            der = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CertError(f"a certificate is not valid base64: {exc}") from exc
        key = hashlib.sha256(der).digest()
        found = self.cache.get(key)
        if found is None:
            if len(self.cache) > 100_000:
                self.cache.clear()
            try:
                found = parse_der(der)
            except CertError as exc:
                found = exc
            self.cache[key] = found
        if isinstance(found, CertError):
            raise found
        return found


def stage_scans(ctx: LoadContext) -> Counter[str]:
    """Stage the leaves and chains of every scan line and insert its observation; returns the counts
    of per-certificate problems for the summary warnings."""
    parse = _Parsed()
    counts: Counter[str] = Counter()
    leaves: list[dict[str, Any]] = []
    chains: list[dict[str, Any]] = []
    observations: list[dict[str, Any]] = []
    with open_text(ctx.path) as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                scan = json.loads(raw)
            except json.JSONDecodeError as exc:
                ctx.issues.reject(line_no, f"not valid JSON: {exc.msg}")
                continue
            if not isinstance(scan, dict):
                ctx.issues.reject(line_no, "not a JSON object")
                continue
            for key in sorted(scan.keys() - set(FIELDS)):
                ctx.issues.warn_once(
                    f"field:{key}", f"unexpected Sonar SSL field {shown(key)} (not loaded)", line_no
                )
            problem = _stage_line(ctx, line_no, scan, parse, counts, leaves, chains, observations)
            if problem:
                ctx.issues.reject(line_no, problem)
            if len(leaves) >= stage.BATCH:
                _flush(ctx, leaves, chains, observations)
    _flush(ctx, leaves, chains, observations)
    return counts


def _stage_line(
    ctx: LoadContext,
    line_no: int,
    scan: dict[str, Any],
    parse: _Parsed,
    counts: Counter[str],
    leaves: list[dict[str, Any]],
    chains: list[dict[str, Any]],
    observations: list[dict[str, Any]],
) -> str | None:
    """Stage one scan; the reason it is rejected, or None."""
    try:
        host = str(ipaddress.ip_address(str(scan.get("host_ip", "")).strip()))
    except ValueError:
        return f"host_ip {scan.get('host_ip')!r} is not an IP address"
    certs = scan.get("certs")
    if not isinstance(certs, list) or not certs:
        return f"{host}: no certificate (`certs` is empty or missing)"
    try:
        leaf = parse(certs[0])
    except CertError as exc:
        return f"{host}: the served certificate cannot be read: {exc}"
    if leaf.extensions_note:
        counts["extensions"] += 1
    if not leaf.has_san:
        counts["no_san"] += 1
    leaves.append(stage.row(line_no, line_no, "sonar_ssl", leaf))
    for position, b64 in enumerate(certs[1:], start=1):
        try:
            chains.append(stage.chain_row(line_no, position, parse(b64)))
        except CertError:
            counts["chain_unreadable"] += 1
    port = scan.get("port")
    observations.append(
        {
            "line": line_no,
            "host_ip": host,
            "port": port if isinstance(port, int) else None,
            "host_name": scan.get("host_name") if isinstance(scan.get("host_name"), str) else None,
            "observed_at": _contact_time(scan.get("contact_time")),
            "ssl_version": scan.get("ssl_version") if isinstance(scan.get("ssl_version"), str) else None,
            "cipher": scan.get("cipher") if isinstance(scan.get("cipher"), str) else None,
            "leaf_fingerprint_sha256": leaf.fingerprint_sha256,
            "chain_length": len(certs),
        }
    )
    return None


def _flush(
    ctx: LoadContext,
    leaves: list[dict[str, Any]],
    chains: list[dict[str, Any]],
    observations: list[dict[str, Any]],
) -> None:
    stage.flush(ctx, leaves)
    stage.flush(ctx, chains, "_ct_chain")
    if observations:
        ctx.con.register("_ct_obs", pa.Table.from_pylist(observations, schema=OBSERVATION_SCHEMA))
        try:
            ctx.con.execute(
                "insert into raw_ssl_observations by name select ? as dataset_id, * from _ct_obs",
                [ctx.dataset_id],
            )
        finally:
            ctx.con.unregister("_ct_obs")
        observations.clear()


def report(ctx: LoadContext, counts: Counter[str]) -> None:
    """The per-certificate problems of a scan file, one warning per kind."""
    if counts["no_san"]:
        ctx.issues.warn(
            None, f"{counts['no_san']:,} served certificates without subjectAltName (subject CN used)"
        )
    if counts["extensions"]:
        ctx.issues.warn(
            None,
            f"{counts['extensions']:,} served certificates whose extensions are not DER (cryptography "
            "refuses them): subjectAltName and basicConstraints read from the bytes",
        )
    if counts["chain_unreadable"]:
        ctx.issues.warn(None, f"{counts['chain_unreadable']:,} chain certificates unreadable (not kept)")


def snapshot(ctx: LoadContext) -> dt.date | None:
    """The latest day a scan of this file contacted its address (None: no scan says)."""
    row = ctx.con.execute(
        "select max(observed_at)::date from raw_ssl_observations where dataset_id = ?", [ctx.dataset_id]
    ).fetchall()
    return row[0][0] if row else None
