"""The Public Suffix List: which file is in use, its rules in the `public_suffixes` table, and the
registrable domain of a name for Python callers, answered by the same SQL macro the views use
(`registrable_domain` in sql/03_raw_psl.sql), so there is one implementation of the algorithm."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from functools import cache
from pathlib import Path

import duckdb
import idna
import publicsuffixlist

from analyzer import settings
from analyzer.cache import Cache, data_dir
from analyzer.errors import ConfigError
from analyzer.meta import get_meta, set_meta
from analyzer.resources import datasets_dir, sql_dir

# registrable_domain() in sql/03 looks up a host's last 1..7 labels.
MAX_RULE_LABELS = 7
# Bump when parse_rules() changes what it stores, so databases reload the table.
_RULES_FORMAT = b"public_suffixes v2\n"
_PRECEDENCE = {"normal": 0, "wildcard": 1, "exception": 2}


def psl_path(refreshed: Path | None = None) -> Path:
    """The PSL file to use: `refreshed` (the newest copy `analyzer refresh psl` accepted) when it
    exists, else one placed in datasets/, else the snapshot the publicsuffixlist package ships."""
    for local in (refreshed, datasets_dir() / "public_suffix_list.dat"):
        if local is not None and local.exists():
            return Path(local)
    return Path(publicsuffixlist.PSLFILE)


def psl_in_use() -> Path:
    """psl_path() handed the newest refreshed copy from the download cache, if any."""
    refreshed = Cache(data_dir()).latest("psl")
    return psl_path(refreshed.file if refreshed else None)


def parse_rules(text: str, source: str = "public_suffix_list.dat") -> list[tuple[str, str, str]]:
    """(suffix, kind, section) per rule, one row per suffix: kind normal, wildcard ("*.ck" stored as
    "ck") or exception ("!www.ck" stored as "www.ck"); a Unicode rule also in punycode (the DNS data
    and certificates carry punycode, users may type Unicode)."""
    rules: dict[str, tuple[str, str]] = {}
    section = "icann"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if "===BEGIN PRIVATE DOMAINS===" in line:
            section = "private"
        if not line or line.startswith("//"):
            continue
        rule, kind = line.split()[0].lower(), "normal"
        if rule.startswith("!"):
            rule, kind = rule[1:], "exception"
        elif rule.startswith("*."):
            rule, kind = rule[2:], "wildcard"
        if rule.count(".") + 1 > MAX_RULE_LABELS:
            raise ConfigError(
                f"{source} line {number}: rule {line.split()[0]!r} has more than {MAX_RULE_LABELS} "
                "labels; registrable_domain in sql/03_raw_psl.sql looks up that many: add levels there"
            )
        spellings = [rule]
        if not rule.isascii():
            with contextlib.suppress(idna.IDNAError):
                spellings.append(idna.encode(rule, uts46=True).decode("ascii"))
        for suffix in spellings:
            seen = rules.get(suffix)
            if seen is None or _PRECEDENCE[kind] > _PRECEDENCE[seen[0]]:
                rules[suffix] = (kind, section)
    return [(suffix, kind, sec) for suffix, (kind, sec) in sorted(rules.items())]


def _digest(data: bytes) -> str:
    return hashlib.sha256(_RULES_FORMAT + data).hexdigest()


def _insert_rules(con: duckdb.DuckDBPyConnection, rules: list[tuple[str, str, str]]) -> None:
    import pyarrow as pa  # only when the rules change: a command that reads never loads it

    table = pa.table({k: [r[i] for r in rules] for i, k in enumerate(("suffix", "kind", "section"))})
    con.register("_psl_rules", table)
    try:
        con.execute("delete from public_suffixes")
        con.execute("insert into public_suffixes select suffix, kind, section from _psl_rules")
    finally:
        con.unregister("_psl_rules")


def load_public_suffixes(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> bool:
    """Reload `public_suffixes` from `path` (default: psl_in_use()) when the file changed, and
    forget the registrable domains cached with the old rules; returns whether it loaded."""
    path = path or psl_in_use()
    data = path.read_bytes()
    digest = _digest(data)
    if get_meta(con, "psl_digest") == digest:
        return False
    rules = parse_rules(data.decode("utf-8"), path.name)
    con.begin()
    try:
        _insert_rules(con, rules)
        con.execute("delete from ct_name_domains")
        set_meta(con, "psl_digest", digest)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return True


@cache
def _rules_connection() -> tuple[duckdb.DuckDBPyConnection, threading.Lock]:
    """A private in-memory database holding only sql/03 and the rules of the PSL file in use."""
    path = psl_in_use()
    con = settings.connect()
    con.execute((sql_dir() / "03_raw_psl.sql").read_text(encoding="utf-8"))
    _insert_rules(con, parse_rules(path.read_text(encoding="utf-8"), path.name))
    return con, threading.Lock()


def registrable_domain(host: str) -> str | None:
    """eTLD+1 of a normalised host name (lowercase, punycode, no "*." prefix), by the SQL macro."""
    con, lock = _rules_connection()
    with lock:
        row = con.execute("select registrable_domain(?)", [host]).fetchall()
    return row[0][0] if row else None
