"""Benchmark of the refresh hot paths against baselines measured in the same run (offline).

    .venv/bin/python scripts/bench_refresh.py [--mb 200] [--lines 2000000]

1. Download over local HTTPS: analyzer's Fetcher (streaming, sha256 afterwards, atomic rename)
   against a bare `requests` stream written to disk, same server, same file.
2. Row count of a pfx2as-sized .gz (the sanity check before ingest) against `zcat | wc -l`.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from refresh_server import LocalServer, Route, make_certificates

from analyzer.refresh.checks import count_rows
from analyzer.refresh.http import Fetcher, HttpPolicy
from analyzer.refresh.registry import Source


def best(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--lines", type=int, default=2_000_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-refresh-"))
    ca, cert, key = make_certificates(tmp)
    body = os.urandom(1 << 20) * args.mb
    sha = hashlib.sha256(body).hexdigest()
    with LocalServer(cert, key) as srv:
        srv.routes["/f"] = Route(body)
        url = srv.url("/f")

        def baseline() -> None:
            with (
                requests.get(url, stream=True, verify=str(ca), timeout=60) as r,
                (tmp / "b").open("wb") as fh,
            ):
                for chunk in r.iter_content(1 << 20):
                    fh.write(chunk)

        def baseline_sha() -> None:
            h = hashlib.sha256()
            with (
                requests.get(url, stream=True, verify=str(ca), timeout=60) as r,
                (tmp / "c").open("wb") as fh,
            ):
                for chunk in r.iter_content(1 << 20):
                    fh.write(chunk)
                    h.update(chunk)
            assert h.hexdigest() == sha

        fetcher = Fetcher(HttpPolicy(ca_bundle=str(ca)))

        def ours() -> None:
            got = fetcher.download(url, tmp / "a")  # hashes while streaming
            assert got.sha256 == sha

        t_base, t_sha, t_ours = best(baseline), best(baseline_sha), best(ours)
    size = len(body) / 1e6
    print(
        f"download {args.mb} MiB over local HTTPS: requests {size / t_base:.0f} MB/s, "
        f"requests+sha256 {size / t_sha:.0f} MB/s, Fetcher (sha256, resumable) {size / t_ours:.0f} MB/s; "
        f"Fetcher time = {t_ours / t_base:.2f}x requests, {t_ours / t_sha:.2f}x requests+sha256"
    )

    gz = tmp / "pfx2as.gz"
    with gzip.open(gz, "wt", compresslevel=6) as fh:
        for i in range(args.lines):
            fh.write(f"{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}.0\t24\t{13335 + i % 5000}\n")
    source = Source("pfx2as-v4", "t", "https://x", "pfx2as.gz", None, "t", 1)
    t_zcat = best(lambda: subprocess.run(f"zcat {gz} | wc -l", shell=True, check=True, capture_output=True))
    t_count = best(lambda: count_rows(source, gz))
    print(
        f"row count of {args.lines:,} pfx2as lines (.gz): zcat|wc -l {t_zcat:.2f}s, "
        f"count_rows {t_count:.2f}s, ratio {t_count / t_zcat:.2f}x time"
    )


if __name__ == "__main__":
    main()
