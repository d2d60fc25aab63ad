"""`analyzer ingest ct PATH`: crt.sh JSON/CSV exports (every schema crt.sh served), RFC 6962
`get-entries` and `get-entry-and-proof` JSON, PEM/DER certificates and bundles, Rapid7 Sonar SSL
scans; any of them compressed (analyzer/compression.py).

Every format fills the staging tables of stage.py (`_ct_stage`: one row per subject certificate, raw
names as written; `_ct_chain`: the CA certificates that came after a leaf); one shared step then
reads each non-DNS name as what it is (e-mail address, IP address, crt.sh organisation identity, or
a broken name), fills the name/organisation caches and inserts into raw_certificates and
raw_certificate_chains. crt.sh exports are read by DuckDB (crtsh.py); certificate bytes are parsed
with `cryptography` in batches and handed to DuckDB as Arrow tables.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from analyzer.compression import open_maybe_compressed
from analyzer.ct import caches, crtsh, sonar, stage
from analyzer.ct.x509parse import CertError, CertRecord, parse_der, parse_log_entry
from analyzer.errors import SourceError
from analyzer.ingest.base import LoadContext, open_text

# The fields of a get-entries entry we read, and those a get-entry-and-proof response adds.
GET_ENTRIES_FIELDS = ("leaf_input", "extra_data")
GET_ENTRY_AND_PROOF_FIELDS = ("audit_path", "leaf_index")
CRTSH_FORMATS = ("crtsh_json", "crtsh_csv")

# Certificate files are read into memory (PEM/DER bundles are a few kB; scans are streamed).
MAX_BUNDLE_BYTES = 64 << 20


# -- format detection ---------------------------------------------------------------------------
def detect_format(path: Any) -> str:
    """crtsh_json, crtsh_csv, get_entries, sonar_ssl, pem or der, from the first bytes of the content."""
    with open_maybe_compressed(path) as fh:
        head: bytes = fh.read(65536)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    # A PEM block anywhere in the head: `openssl x509 -text` output puts it after the text dump.
    if stripped.startswith(b"-----BEGIN") or b"-----BEGIN CERTIFICATE-----" in head:
        return "pem"
    if stripped[:1] == b"\x30" and head[:1] == b"\x30":
        return "der"
    text = stripped.decode("utf-8", "replace")
    if sonar.looks_like_sonar(text.split("\n", 1)[0]):
        return "sonar_ssl"
    if text[:1] in "[{":
        if '"leaf_input"' in text:
            return "get_entries"
        if '"name_value"' in text or '"issuer_ca_id"' in text:
            return "crtsh_json"
        if text.startswith("[]"):
            return "crtsh_json"
    first = text.split("\n", 1)[0]
    if "name_value" in first and "issuer_name" in first and "," in first:
        return "crtsh_csv"
    raise SourceError(
        path,
        "not a certificate file: expected crt.sh JSON/CSV (issuer_name, name_value, ...), CT "
        "get-entries or get-entry-and-proof JSON (leaf_input, extra_data), Rapid7 Sonar SSL JSON lines "
        "(host_ip, certs), or PEM/DER certificates",
    )


# -- get-entries and get-entry-and-proof -------------------------------------------------------
def _get_entries_pages(ctx: LoadContext) -> Iterator[tuple[int, Any]]:
    """(line, decoded JSON value) per page: one object per file, or one per line (JSON lines)."""
    with open_text(ctx.path) as fh:
        first = fh.readline()
        try:
            value = json.loads(first)
        except json.JSONDecodeError:
            value = None
        if value is not None:  # JSON lines: one get-entries response per line
            yield 1, value
            for line_no, line in enumerate(fh, start=2):
                if not line.strip():
                    continue
                try:
                    yield line_no, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SourceError(ctx.path, f"not valid JSON: {exc.msg}", line_no) from exc
            return
        rest = first + fh.read()
    try:
        yield 1, json.loads(rest)
    except json.JSONDecodeError as exc:
        raise SourceError(ctx.path, f"not valid JSON: {exc.msg}", exc.lineno) from exc


def _entries_of(ctx: LoadContext, line: int, page: Any) -> list[Any]:
    """The entries of a page: a get-entries response {entries: [...]}, a get-entry-and-proof
    response {leaf_input, extra_data, audit_path} (one entry), or a bare list of entries."""
    if isinstance(page, dict) and "entries" in page:
        entries = page["entries"]
    elif isinstance(page, dict) and "leaf_input" in page:
        entries = [page]
    else:
        entries = page
    if not isinstance(entries, list):
        raise SourceError(
            ctx.path,
            "CT JSON that is neither a get-entries response (an `entries` list) nor a "
            "get-entry-and-proof response (`leaf_input`)",
            line,
        )
    return entries


def _stage_get_entries(ctx: LoadContext) -> None:
    rows: list[dict[str, Any]] = []
    known = set(GET_ENTRIES_FIELDS) | set(GET_ENTRY_AND_PROOF_FIELDS)
    k = 0
    for line, page in _get_entries_pages(ctx):
        for entry in _entries_of(ctx, line, page):
            k += 1
            if not isinstance(entry, dict):
                ctx.issues.reject(line, f"entry {k}: not a JSON object")
                continue
            extra = set(entry) - known
            if extra:
                ctx.issues.warn_once("extra", f"unexpected get-entries field(s) ignored: {sorted(extra)}")
            try:
                rec = parse_log_entry(entry.get("leaf_input"), entry.get("extra_data"))
            except CertError as exc:
                ctx.issues.reject(line, f"entry {k}: {exc}")
                continue
            if not rec.has_san:
                ctx.issues.warn(line, f"entry {k}: certificate without subjectAltName (subject CN used)")
            rows.append(stage.row(k, line, "get_entries", rec))
            if len(rows) >= stage.BATCH:
                stage.flush(ctx, rows)
    stage.flush(ctx, rows)


# -- PEM and DER bundles -----------------------------------------------------------------------
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)


def leaves_and_chains(records: list[CertRecord]) -> list[tuple[int, list[int]]]:
    """(leaf, its chain) index groups of a bundle in file order: a certificate is a leaf when it
    comes first or is not a CA (basicConstraints cA); a CA certificate after a leaf is that leaf's
    chain. So a self-signed served certificate that calls itself a CA is still the subject."""
    groups: list[tuple[int, list[int]]] = []
    for i, rec in enumerate(records):
        if not groups or not rec.is_ca:
            groups.append((i, []))
        else:
            groups[-1][1].append(i)
    return groups


def _stage_bundle(ctx: LoadContext, fmt: str, parsed: list[tuple[int, int, CertRecord]]) -> None:
    """Stage (k, line, record) certificates of one PEM/DER file as leaves and their chains."""
    rows: list[dict[str, Any]] = []
    chains: list[dict[str, Any]] = []
    records = [rec for _, _, rec in parsed]
    for leaf, chain in leaves_and_chains(records):
        k, line, rec = parsed[leaf]
        if not rec.has_san:
            ctx.issues.warn(line, f"certificate {k}: no subjectAltName (subject CN used)")
        if rec.extensions_note:
            ctx.issues.warn(
                line, f"certificate {k}: extensions not DER ({rec.extensions_note}); read from the bytes"
            )
        rows.append(stage.row(k, line, fmt, rec))
        chains.extend(stage.chain_row(k, pos, parsed[i][2]) for pos, i in enumerate(chain, start=1))
    stage.flush(ctx, rows)
    stage.flush(ctx, chains, "_ct_chain")


def _read_bundle(ctx: LoadContext) -> bytes:
    with open_maybe_compressed(ctx.path) as fh:
        data: bytes = fh.read(MAX_BUNDLE_BYTES + 1)
    if len(data) > MAX_BUNDLE_BYTES:
        raise SourceError(ctx.path, f"a certificate bundle over {MAX_BUNDLE_BYTES >> 20} MiB; split it")
    return data


def _stage_pem(ctx: LoadContext) -> None:
    text = _read_bundle(ctx).decode("utf-8-sig", errors="strict")
    blocks = list(_PEM_BLOCK.finditer(text))
    if not blocks:
        raise SourceError(ctx.path, "no complete PEM block (-----BEGIN ... / -----END ...)")
    parsed: list[tuple[int, int, CertRecord]] = []
    for k, m in enumerate(blocks, start=1):
        line = text.count("\n", 0, m.start()) + 1
        if m.group(1) != "CERTIFICATE":
            ctx.issues.warn(line, f"PEM block {m.group(1)!r} is not a certificate; skipped")
            continue
        try:
            der = base64.b64decode("".join(m.group(2).split()), validate=True)
            parsed.append((k, line, parse_der(der)))
        except (binascii.Error, ValueError) as exc:
            ctx.issues.reject(line, f"certificate {k}: {exc}")
    _stage_bundle(ctx, "pem", parsed)


def _stage_der(ctx: LoadContext) -> None:
    try:
        rec = parse_der(_read_bundle(ctx))
    except CertError as exc:
        raise SourceError(ctx.path, str(exc)) from exc
    _stage_bundle(ctx, "der", [(1, 1, rec)])


# -- names that are not DNS names --------------------------------------------------------------
# A name that fails the DNS pattern but still looks like a host name (ends in a label such as
# ".com", or holds markup) is a broken name, not an organisation.
_HOSTLIKE = re.compile(r"(\.[A-Za-z][A-Za-z0-9-]*[A-Za-z]$)|[<>]")


def name_kind(raw: str, *, crtsh_identities: bool) -> str:
    """What a certificate name that is not a DNS name is: email, ip, identity (an organisation name
    crt.sh listed among the identities it matched) or bad."""
    if "@" in raw:
        return "email"
    try:
        ipaddress.ip_address(raw.strip("[]"))
        return "ip"
    except ValueError:
        pass
    if crtsh_identities and any(c.isalpha() for c in raw) and not _HOSTLIKE.search(raw):
        return "identity"
    return "bad"


def _read_other_names(ctx: LoadContext, fmt: str) -> None:
    """E-mail addresses and IPs are counted; crt.sh's organisation identities become the record's
    subject_o_candidates; any other non-DNS name is dropped with a warning (counted once for scans)."""
    rows = ctx.con.execute(
        "select k, crtsh_id, line, raw from _ct_names where not ok order by k, raw"
    ).fetchall()
    counts: Counter[str] = Counter()
    identities: dict[int, list[str]] = defaultdict(list)
    first_bad: str | None = None
    for k, cid, line, name in rows:
        kind = name_kind(name, crtsh_identities=fmt in CRTSH_FORMATS)
        counts[kind] += 1
        if kind == "identity":
            if name not in identities[k]:
                identities[k].append(name)
        elif kind == "bad":
            first_bad = first_bad or name
            if fmt != "sonar_ssl":
                what = f"crt.sh id {cid}" if cid is not None else f"record {k}"
                ctx.issues.warn(line, f"{what}: name {name[:80]!r} is not a DNS name; dropped")
    if counts["bad"] and fmt == "sonar_ssl":
        ctx.issues.warn(
            None,
            f"{counts['bad']:,} certificate names that are not DNS names dropped (e.g. {first_bad[:80]!r})",
        )
    if counts["email"]:
        ctx.issues.warn(None, f"{counts['email']} e-mail address(es) among the certificate names ignored")
    if counts["ip"]:
        ctx.issues.warn(None, f"{counts['ip']} IP address(es) among the certificate names ignored")
    if identities:
        table = pa.table(
            {"k": list(identities), "candidates": list(identities.values())},
            schema=pa.schema([("k", pa.int64()), ("candidates", pa.list_(pa.string()))]),
        )
        ctx.con.register("_ct_identities", table)
        try:
            ctx.con.execute(
                "update _ct_stage set subject_o_candidates = i.candidates from _ct_identities as i "
                "where _ct_stage.k = i.k"
            )
        finally:
            ctx.con.unregister("_ct_identities")


# -- the kind ----------------------------------------------------------------------------------
def ingest(ctx: LoadContext) -> int:
    """The `ct` kind: detect the format, stage, read the names, fill the caches, insert the rows."""
    fmt = detect_format(ctx.path)
    ctx.format = fmt
    stage.create(ctx)
    scan_counts: Counter[str] = Counter()
    try:
        if fmt in CRTSH_FORMATS:
            crtsh.stage(ctx, fmt)
        elif fmt == "get_entries":
            _stage_get_entries(ctx)
        elif fmt == "sonar_ssl":
            scan_counts = sonar.stage_scans(ctx)
        elif fmt == "pem":
            _stage_pem(ctx)
        else:
            _stage_der(ctx)
        ctx.con.execute("create or replace temp table _ct_names as from ct_staged_names('_ct_stage')")
        _read_other_names(ctx, fmt)
        sonar.report(ctx, scan_counts)
        caches.fill_name_domains(ctx.con, "select name from _ct_names where ok")
        caches.fill_org_names(
            ctx.con,
            "select subject_o from _ct_stage "
            "union all select unnest(subject_o_candidates) as subject_o from _ct_stage",
        )
        ctx.con.execute(
            "insert into raw_certificates by name from ct_certificate_rows('_ct_stage', '_ct_names', ?)",
            [ctx.dataset_id],
        )
        ctx.con.execute(
            "insert into raw_certificate_chains by name from ct_chain_rows('_ct_chain', '_ct_stage', ?)",
            [ctx.dataset_id],
        )
        row = ctx.con.execute(
            "select count(*), max(coalesce(entry_time, not_before))::date from raw_certificates "
            "where dataset_id = ?",
            [ctx.dataset_id],
        ).fetchall()[0]
    finally:
        stage.drop(ctx)
    # A scan is dated by when it contacted the addresses; certificates by their log entry or validity.
    ctx.set_snapshot(sonar.snapshot(ctx) if fmt == "sonar_ssl" else row[1], "records")
    return int(row[0])


def prepare(paths: Any, options: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """The crt.sh query that produced a file (`refresh crtsh` knows it, `--query` says it) is the
    dataset's label, e.g. `O=PayPal`: the evidence of an organisation match names it."""
    query = options.get("query")
    if query and not options.get("label"):
        text = "&".join(f"{k}={v}" for k, v in query.items()) if isinstance(query, dict) else str(query)
        options = {**options, "label": text}
    return list(paths), options
