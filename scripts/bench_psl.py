"""Benchmark of registrable_domain() (sql/03_raw_psl.sql) on N distinct names, next to publicsuffixlist
(a Python loop over the same file) measured in the same run, so the figures compare across machines.

Names: random labels under the 400 real top domains of tests/data/ct (60 %) and under random rules of
the PSL in use (40 %: wildcards, exceptions, deep private rules), 0-3 labels deep.

    .venv/bin/python scripts/bench_psl.py [--names 1000000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from publicsuffixlist import PublicSuffixList

from analyzer import psl
from analyzer.ct.caches import fill_name_domains
from analyzer.workspace import Workspace

TOP = Path(__file__).parent.parent / "tests" / "data" / "ct" / "tranco_top400_2025-06.txt"
WORDS = ("www", "mail", "api", "cdn", "shop", "a1", "static", "img", "m", "dev", "x")


def make_names(n: int) -> list[str]:
    rng = random.Random(7)
    top = TOP.read_text(encoding="utf-8").split()
    rules = [s for s, _, _ in psl.parse_rules(psl.psl_in_use().read_text(encoding="utf-8")) if s.isascii()]
    names: set[str] = set()
    while len(names) < n:
        base = rng.choice(top) if rng.random() < 0.6 else rng.choice(rules)
        labels = [f"{rng.choice(WORDS)}{rng.randrange(100_000)}" for _ in range(rng.randrange(4))]
        names.add(".".join([*labels, base]))
    return sorted(names)


def timed(label: str, n: int, fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    seconds = time.perf_counter() - start
    print(f"{label}: {n:,} names in {seconds:.2f} s = {n / seconds / 1e6:.2f} M names/s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--names", type=int, default=1_000_000)
    args = parser.parse_args()
    names = make_names(args.names)
    with tempfile.TemporaryDirectory() as tmp, Workspace(Path(tmp) / "psl.duckdb") as ws:
        ws.con.execute("create table bench_names as select unnest(?::varchar[]) as name", [names])
        sql = timed(
            "registrable_domain() macro",
            len(names),
            lambda: ws.con.execute(
                "create table bench_out as select name, registrable_domain(name) as domain from bench_names"
            ),
        )
        timed(
            "CT cache fill (ct_name_domains)",
            len(names),
            lambda: fill_name_domains(ws.con, "from bench_names"),
        )
        with psl.psl_in_use().open("rb") as fh:
            oracle = PublicSuffixList(fh)
        sample = names[:200_000]
        python = timed(
            "publicsuffixlist, Python loop", len(sample), lambda: [oracle.privatesuffix(n) for n in sample]
        )
        got = dict(ws.con.execute("select name, domain from bench_out").fetchall())
        wrong = [
            n
            for n in sample
            if got[n] != (lambda r: r if isinstance(r, str) else None)(oracle.privatesuffix(n))
        ]
        print(
            f"macro / publicsuffixlist throughput: {(python / len(sample)) / (sql / len(names)):.1f}x; "
            f"disagreements in the sample: {len(wrong)}"
        )


if __name__ == "__main__":
    main()
