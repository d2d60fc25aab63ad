"""Benchmark of the CT ingest (issue 4 §5): get-entries JSON (target >= 5,000 certificates/s) and
crt.sh JSON (target >= 100,000 rows/s), each next to a plain `json.loads` of the same file
measured in the same run, so the figures can be compared across machines as ratios.

    .venv/bin/python scripts/bench_ct.py [--entries 10000] [--crtsh-rows 200000]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import random
import tempfile
import time
from pathlib import Path

from analyzer.ct.synth import Issuer, certificate_pair
from analyzer.ingest import ingest
from analyzer.workspace import Workspace

ISSUERS = [
    Issuer("Let's Encrypt", "R10"),
    Issuer("DigiCert Inc", "GeoTrust CN RSA CA G1"),
    Issuer("Amazon", "Amazon RSA 2048 M01"),
]
ORGS = [None, "Example Vision Co., Ltd.", "Contoso Surveillance Ltd.", "Fabrikam Biometrics Inc."]


def make_get_entries(path: Path, n: int) -> None:
    """n entries: pairs of precertificate + certificate, built and signed with cryptography."""
    rng = random.Random(1)
    entries = []
    ts = 1_714_000_000_000
    for i in range(n // 2):
        domain = f"site{i % 5000}.example{rng.randrange(2000)}.com"
        pre, final, _ = certificate_pair(
            ISSUERS[i % len(ISSUERS)],
            ts + i,
            serial=10_000 + i,
            sans=[domain, f"www.{domain}", f"*.{domain}"],
            subject_o=ORGS[i % len(ORGS)],
            not_before=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        )
        entries += [pre, final]
    path.write_text(json.dumps({"entries": entries}), encoding="utf-8")


def make_crtsh(path: Path, n: int) -> None:
    """n rows in crt.sh's exact JSON shape; every certificate twice (precertificate and cert)."""
    rng = random.Random(2)
    rows = []
    for i in range(n):
        c = i // 2
        domain = (
            f"h{c % 50_000}.example{rng.randrange(20_000)}.co.uk" if i % 2 == 0 else rows[-1]["common_name"]
        )
        rows.append(
            {
                "issuer_ca_id": 183267,
                "issuer_name": "C=US, O=Let's Encrypt, CN=R10",
                "common_name": domain,
                "name_value": f"{domain}\nwww.{domain}",
                "id": 9_000_000_000 + i,
                "entry_timestamp": "2024-06-01T00:00:00.123",
                "not_before": "2024-06-01T00:00:00",
                "not_after": "2024-08-30T00:00:00",
                "serial_number": f"{c + 1:036x}",
                "result_count": n,
            }
        )
    path.write_text(json.dumps(rows), encoding="utf-8")


def timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def decode_only(path: Path) -> None:
    """The least any get-entries reader does: JSON, base64, and cryptography's DER load per leaf."""
    from cryptography import x509

    from analyzer.ct.x509parse import wrap_tbs

    for entry in json.loads(path.read_text(encoding="utf-8"))["entries"]:
        leaf = base64.b64decode(entry["leaf_input"])
        n = int.from_bytes(leaf[12:15], "big") if leaf[11] == 0 else int.from_bytes(leaf[44:47], "big")
        der = leaf[15 : 15 + n] if leaf[11] == 0 else wrap_tbs(leaf[47 : 47 + n])
        x509.load_der_x509_certificate(der)


def bench(label: str, path: Path, n: int, target: int, db: Path) -> None:
    baseline = timed(lambda: json.loads(path.read_text(encoding="utf-8")))
    if label == "get-entries":
        decoded = timed(lambda: decode_only(path))
        print(f"{label}: json.loads + base64 + load_der baseline {decoded:.2f} s = {n / decoded:,.0f}/s")
    with Workspace(db) as ws:
        seconds = timed(lambda: ingest(ws, "ct", [path]))
        loaded = ws.rows("select count(*) as n from raw_certificates")[0]["n"]
    assert loaded == n, (loaded, n)
    rate = n / seconds
    verdict = "ok" if rate >= target else "BELOW TARGET"
    print(
        f"{label}: {n:,} in {seconds:.2f} s = {rate:,.0f}/s (target {target:,}/s: {verdict}); "
        f"json.loads baseline {baseline:.2f} s = {n / baseline:,.0f}/s; ingest/json.loads time ratio "
        f"{seconds / baseline:.1f}x; file {path.stat().st_size / 1e6:.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--crtsh-rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        entries, crtsh = root / "get-entries.json", root / "crtsh.json"
        make_get_entries(entries, args.entries)
        make_crtsh(crtsh, args.crtsh_rows)
        bench("get-entries", entries, args.entries, 5_000, root / "a.duckdb")
        bench("crt.sh JSON", crtsh, args.crtsh_rows, 100_000, root / "b.duckdb")


if __name__ == "__main__":
    main()
