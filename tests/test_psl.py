"""The Public Suffix List: the rules as stored in `public_suffixes`, the PSL project's own test cases,
and the file in use."""

from __future__ import annotations

import re
from pathlib import Path

import idna
import pytest

from analyzer import psl
from analyzer.domains import registrable_domain
from analyzer.errors import ConfigError
from analyzer.workspace import Workspace

_CHECK = re.compile(r"^checkPublicSuffix\((null|'[^']*'), (null|'[^']*')\);", re.M)


def _official_cases(data: Path) -> list[tuple[str, str | None]]:
    text = (data / "psl" / "test_psl.txt").read_text(encoding="utf-8")
    cases = []
    for name, expected in _CHECK.findall(text):
        if name == "null":
            continue
        want = None if expected == "null" else idna.encode(expected.strip("'"), uts46=True).decode("ascii")
        cases.append((name.strip("'"), want))
    return cases


def test_the_psl_projects_own_cases(data: Path) -> None:
    cases = _official_cases(data)
    assert len(cases) > 70
    assert {name: registrable_domain(name) for name, _ in cases} == dict(cases)


def test_sql_macro_on_normalised_names_of_the_official_cases(ws: Workspace, data: Path) -> None:
    for name, expected in _official_cases(data):
        if name.startswith(".") or not name.isascii():
            continue  # analyzer.domains normalises these first (invalid, or Unicode to punycode)
        assert ws.con.execute("select registrable_domain(?)", [name.lower()]).fetchall()[0][0] == expected, (
            name
        )


def test_rule_kinds_sections_and_both_spellings() -> None:
    text = "// ===BEGIN ICANN DOMAINS===\ncom\n*.ck\n!www.ck\n公司.cn\n// ===BEGIN PRIVATE DOMAINS===\nblogspot.com\n"
    rules = {(s, k, sec) for s, k, sec in psl.parse_rules(text)}
    assert ("ck", "wildcard", "icann") in rules and ("www.ck", "exception", "icann") in rules
    assert ("xn--55qx5d.cn", "normal", "icann") in rules and ("公司.cn", "normal", "icann") in rules
    assert ("blogspot.com", "normal", "private") in rules


def test_a_suffix_listed_twice_keeps_the_prevailing_kind() -> None:
    assert psl.parse_rules("foo\n*.foo\nbar.foo\n!bar.foo\n") == [
        ("bar.foo", "exception", "icann"),
        ("foo", "wildcard", "icann"),
    ]


def test_a_rule_deeper_than_the_macro_looks_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"x.dat line 2: rule 'a.b.c.d.e.f.g.h' has more than 7 labels"):
        psl.parse_rules("com\na.b.c.d.e.f.g.h\n", "x.dat")


def test_table_holds_the_file_in_use_once_per_suffix(ws: Workspace) -> None:
    rows = ws.rows("select count(*) as n, count(distinct suffix) as d from public_suffixes")[0]
    assert rows["n"] == rows["d"] == len(psl.parse_rules(psl.psl_in_use().read_text(encoding="utf-8")))


def test_psl_path_is_handed_the_refreshed_file(tmp_path: Path) -> None:
    refreshed = tmp_path / "public_suffix_list.dat"
    assert psl.psl_path(refreshed) != refreshed  # not there: the shipped snapshot
    refreshed.write_text("com\n", encoding="utf-8")
    assert psl.psl_path(refreshed) == refreshed
