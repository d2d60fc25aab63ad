"""The Public Suffix List into the `public_suffixes` table, so SQL can compute registrable domains."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pyarrow as pa

from analyzer.cursors import first_row
from analyzer.domains import psl_path


def psl_file() -> Path:
    """The same file analyzer.domains uses, so SQL and Python agree."""
    return psl_path()


def parse_rules(text: str) -> list[tuple[str, str, str]]:
    """(suffix, kind, section) for every rule; Unicode rules in punycode like the DNS data."""
    rules, section = [], "icann"
    for raw in text.splitlines():
        line = raw.strip()
        if "===BEGIN PRIVATE DOMAINS===" in line:
            section = "private"
        if not line or line.startswith("//"):
            continue
        rule, kind = line.split()[0], "normal"
        if rule.startswith("!"):
            rule, kind = rule[1:], "exception"
        elif rule.startswith("*."):
            rule, kind = rule[2:], "wildcard"
        if not rule.isascii():
            rule = ".".join(label.encode("idna").decode("ascii") for label in rule.split("."))
        rules.append((rule.lower(), kind, section))
    return rules


def load_public_suffixes(con: duckdb.DuckDBPyConnection) -> bool:
    """Reload the table when the PSL file changed; returns whether it loaded."""
    data = psl_file().read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    row = first_row(con.execute("select value from analyzer_meta where key = 'psl_digest'"))
    if row and row[0] == digest:
        return False
    rules = parse_rules(data.decode("utf-8"))
    rules_table = pa.table(  # noqa: F841 - read by DuckDB below
        {k: [r[i] for r in rules] for i, k in enumerate(("suffix", "kind", "section"))}
    )
    con.begin()
    try:
        con.execute("delete from public_suffixes")
        con.execute("insert into public_suffixes select * from rules_table")
        con.execute("insert or replace into analyzer_meta (key, value) values ('psl_digest', ?)", [digest])
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return True
