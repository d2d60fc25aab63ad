"""Registrable domains of certificate names are computed in SQL from the PSL rules; they must equal
what publicsuffixlist (an independent implementation) says for the same file, name for name."""

from __future__ import annotations

from pathlib import Path

from publicsuffixlist import PublicSuffixList

from analyzer.ct.caches import fill_name_domains
from analyzer.domains import registrable_domain
from analyzer.psl import parse_rules, psl_in_use
from analyzer.workspace import Workspace

TRICKY = [
    "*.hikvision.com",
    "www.hikvision.com.cn",
    "a.b.s3.dualstack.us-east-1.amazonaws.com",
    "x.ck",
    "www.ck",
    "a.www.ck",
    "city.kawasaki.jp",
    "a.city.kawasaki.jp",
    "foo.kawasaki.jp",
    "a.github.io",
    "github.io",
    "example.co.uk",
    "co.uk",
    "localhost",
    "com",
    "xn--fiqs8s",
    "a.b.xn--55qx5d.cn",
    "x.y.unknowntld",
    "run.app",
    "svc.run.app",
    "a.svc.run.app",
]


def test_sql_psl_equals_publicsuffixlist(ws: Workspace, data: Path) -> None:
    top = (data / "ct" / "tranco_top400_2025-06.txt").read_text().split()
    names = TRICKY + top + [f"www.{d}" for d in top] + [f"*.cdn.{d}" for d in top]
    ws.con.execute("create temp table t as select unnest(?::varchar[]) as name", [names])
    fill_name_domains(ws.con, "select name from t")
    got = dict(ws.con.execute("select name, domain from ct_name_domains").fetchall())
    with psl_in_use().open("rb") as fh:
        oracle = PublicSuffixList(fh)
    expected = {n: oracle.privatesuffix(n.removeprefix("*.")) for n in names}
    assert {n: got[n] for n in names} == {n: e if isinstance(e, str) else None for n, e in expected.items()}
    assert {n: registrable_domain(n) for n in names} == {n: got[n] for n in names}


def test_psl_rule_kinds() -> None:
    rules = {(s, k) for s, k, _ in parse_rules("// comment\ncom\n*.ck\n!www.ck\n公司.cn\n")}
    assert ("ck", "wildcard") in rules and ("www.ck", "exception") in rules
    assert ("xn--55qx5d.cn", "normal") in rules and ("公司.cn", "normal") in rules
