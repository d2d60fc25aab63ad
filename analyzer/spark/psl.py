"""registrable_domain() on Spark: the same rule as sql/'s macro, over the exported PSL table.

DuckDB's macro is a correlated subquery; Spark allows no subquery inside an expression's lambdas and
looks map keys up by linear scan, so the rules travel to the executors as a Python dict inside the
function (pickled by value with it: the executors need Python, not this package).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

_KINDS = {"normal": 1, "wildcard": 2, "exception": 4}


def rules_of(rows: Iterable[tuple[str, str]]) -> dict[str, int]:
    """(suffix, kind) rows of public_suffixes -> suffix: kinds (1 normal, 2 wildcard, 4 exception)."""
    rules: dict[str, int] = {}
    for suffix, kind in rows:
        rules[suffix] = rules.get(suffix, 0) | _KINDS.get(kind, 0)
    return rules


def make_registrable_domain(rules: dict[str, int]) -> Callable[[str | None], str | None]:
    """eTLD+1 of a host: the longest matching rule wins, an exception beats the wildcard it carves
    out, no match is the implicit "*" rule; None when the host is itself a public suffix."""

    def registrable_domain(host: str | None) -> str | None:
        if host is None:
            return None
        labels = host.split(".")
        n = len(labels)
        exception_k = rule_k = None
        for k in range(1, n + 1):
            kinds = rules.get(".".join(labels[n - k :]), 0)
            if kinds & 4:
                exception_k = k - 1
            if kinds & 2:
                rule_k = max(rule_k or 0, k + 1)
            elif kinds & 1:
                rule_k = max(rule_k or 0, k)
        suffix = exception_k if exception_k is not None else rule_k if rule_k is not None else 1
        return ".".join(labels[n - suffix - 1 :]) if n > suffix else None

    return registrable_domain
