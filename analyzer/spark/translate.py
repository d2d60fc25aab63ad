"""The `sql/` views in Spark SQL: parsed as DuckDB by sqlglot, rewritten where the dialects differ in
meaning, printed as Spark SQL. Needs the optional extra (`sqlglot`).

sqlglot translates syntax; the rewrites below keep the meaning where a plain translation runs but
answers differently, or does not run (each was found by the parity tests or the issue's trial):

- `len(list)` is Spark `size`; DuckDB's `len` and `length` parse to one node, so `len(` is told apart
  by its token before parsing (house style: `len` for lists, `length` for strings).
- list indexes and slices are 1-based and clamp in DuckDB: `x[i]` becomes `element_at(x, i)` (null
  out of range, negative from the end), `x[a:b]` a `slice` with DuckDB's bounds.
- `list(distinct v order by v)` (sqlglot drops the order) becomes `array_sort(collect_set(v))`;
  `list(v order by k)` sorts (k, v) pairs.
- a lambda's index (`lambda x, i:` of `list_filter`/`list_transform`) counts from 1 in DuckDB, from 0
  in Spark; `list_position` is null when absent in DuckDB, 0 in Spark (`array_position`).
- `json_object(k, v, ...)` becomes `to_json(named_struct(...))` (the session keeps null fields).
- regular expressions: POSIX classes (`[[:alnum:]]`, RE2) become Java classes (`\\p{Alnum}`), and a
  replacement's `\\1` becomes `$1`; a `regexp_replace` without the `'g'` flag (first match only) has
  no Spark form and is refused.
- a cast of a text column to a nested type (DuckDB parses JSON text) becomes `from_json`.
- `UNION ALL BY NAME` becomes a plain `UNION ALL` over explicit column lists; the columns of each
  side come from Spark's analysis of that side (`schema_of`).
- `range(a, b) as t(k)` in FROM becomes `explode(sequence(a, b - 1))`, empty when b <= a.
- `getvariable('x')` becomes the job's value for x (NULL when unset); `getvariable('x') is null or
  ...` with x unset becomes true (Spark refuses `array_contains(NULL, ...)` even in a dead branch);
  `list_contains` of an unset list variable is NULL (Spark refuses `array_contains` of an untyped NULL).
- scalar macros are inlined at their call sites (a parameter with a default, `with_dns := true`,
  may be left out or named at the call), table macros as subqueries (their CTEs renamed, as
  sqlglot lifts CTEs to the top for Spark; `query_table('t')` is the table t); the few definitions
  that do not translate come from `analyzer.spark.overrides` (keyed by name), whole or, for a table
  macro, CTE by CTE (`Macro.ctes`: the rest of the macro is translated).
- QUALIFY is kept (Spark 4.3 has it); sqlglot's rewrite would leak a helper column into `select *`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp, transforms
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.dialects.spark import Spark
from sqlglot.tokens import TokenType

from analyzer.errors import SQLError
from analyzer.sqlgraph import Definition

# (name, Spark type) pairs of a query's output, from Spark's analysis.
SchemaOf = Callable[[str], list[tuple[str, str]]]


class DuckIn(DuckDB):
    """DuckDB as written: list indexes stay 1-based in the tree (the rewrites below place them)."""

    INDEX_OFFSET = 0


class SparkOut(Spark):
    """Spark 4.3: QUALIFY is native, so sqlglot's subquery rewrite of it is left out."""

    INDEX_OFFSET = 0

    class Generator(Spark.Generator):
        TRANSFORMS = {  # noqa: RUF012 (sqlglot's own pattern)
            **Spark.Generator.TRANSFORMS,
            exp.Select: transforms.preprocess(
                [transforms.eliminate_distinct_on, transforms.unnest_to_explode, transforms.any_to_exists]
            ),
        }


_POSIX = {
    "[:alnum:]": r"\p{Alnum}",
    "[:alpha:]": r"\p{Alpha}",
    "[:digit:]": r"\p{Digit}",
    "[:space:]": r"\s",
    "[:upper:]": r"\p{Upper}",
    "[:lower:]": r"\p{Lower}",
    "[:punct:]": r"\p{Punct}",
    "[:xdigit:]": r"\p{XDigit}",
}


@dataclass(frozen=True)
class Macro:
    name: str
    params: tuple[str, ...]
    body: exp.Expression
    is_table: bool
    # parameters declared `name := default` (sqlglot parses no default in a definition)
    defaults: Mapping[str, exp.Expression] = field(default_factory=dict)
    # a table macro's CTEs replaced by Spark SQL (`{p}` before the name of another CTE of the macro;
    # "" drops the CTE)
    ctes: Mapping[str, str] = field(default_factory=dict)


# `create [or replace] macro name(` up to its parameter list's `)`; parameters hold no parentheses
_MACRO_HEAD = re.compile(r"(\bcreate\s+(?:or\s+replace\s+)?macro\s+\w+\s*\()([^()]*)(\))", re.IGNORECASE)


def _mark_len(sql: str) -> str:
    """`len(` (a list's length in DuckDB) renamed `array_length(` by token, never inside strings."""
    tokens = DuckIn().tokenize(sql)
    out, last = [], 0
    for tok, nxt in itertools.pairwise(tokens):
        if (
            tok.text.lower() == "len"
            and tok.token_type == TokenType.VAR
            and nxt.token_type == TokenType.L_PAREN
        ):
            out.append(sql[last : tok.start])
            out.append("array_length")
            last = tok.end + 1
    out.append(sql[last:])
    return "".join(out)


def parse(sql: str) -> exp.Expression:
    try:
        tree = sqlglot.parse_one(_mark_len(sql), read=DuckIn)
    except sqlglot.errors.ParseError as exc:
        raise SQLError(f"sqlglot cannot parse: {str(exc).splitlines()[0]}") from exc
    return tree


def macro_of(defn: Definition) -> Macro:
    defaults: dict[str, exp.Expression] = {}

    def plain_params(m: re.Match[str]) -> str:
        names = []
        for param in m[2].split(","):
            name, assigns, default = param.partition(":=")
            if assigns:
                defaults[name.strip().lower()] = parse(f"select {default.strip()}").selects[0]
            names.append(name.strip())
        return m[1] + ", ".join(n for n in names if n) + m[3]

    tree = parse(_MACRO_HEAD.sub(plain_params, defn.sql, count=1))
    udf = tree.this
    params = tuple(p.name.lower() for p in udf.expressions)
    body = tree.expression
    return Macro(defn.name, params, body, isinstance(body, exp.Query), defaults)


def _literal(value: Any) -> exp.Expression:
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[_literal(v) for v in value])
    return exp.Literal.string(str(value))


def _is_true(e: exp.Expression) -> bool:
    e = e.unnest()
    return isinstance(e, exp.Boolean) and e.this is True


def _is_number(e: exp.Expression, value: int | None = None) -> bool:
    if isinstance(e, exp.Neg):
        return _is_number(e.this) and (value is None or -int(e.this.name) == value)
    return isinstance(e, exp.Literal) and not e.is_string and (value is None or int(e.name) == value)


def _size(x: exp.Expression) -> exp.Expression:
    return exp.func("size", x.copy())


def _duck_slice(x: exp.Expression, lo: exp.Expression | None, hi: exp.Expression | None) -> exp.Expression:
    """DuckDB `x[lo:hi]` (1-based, inclusive, negative from the end, clamped) as Spark `slice`."""

    def norm(bound: exp.Expression) -> exp.Expression:
        if _is_number(bound):
            value = int(bound.this.name) * -1 if isinstance(bound, exp.Neg) else int(bound.name)
            return (
                exp.Literal.number(value)
                if value >= 0
                else exp.Add(this=_size(x), expression=exp.Literal.number(value + 1))
            )
        return exp.If(
            this=exp.LT(this=bound.copy(), expression=exp.Literal.number(0)),
            true=exp.Add(
                this=_size(x), expression=exp.Add(this=bound.copy(), expression=exp.Literal.number(1))
            ),
            false=bound.copy(),
        )

    start = exp.Literal.number(1) if lo is None else exp.func("greatest", norm(lo), exp.Literal.number(1))
    end = _size(x) if hi is None else exp.func("least", norm(hi), _size(x))
    length = exp.func(
        "greatest",
        exp.Paren(
            this=exp.Sub(this=exp.Sub(this=end, expression=start.copy()), expression=exp.Literal.number(-1))
        ),
        exp.Literal.number(0),
    )
    return exp.func("slice", x.copy(), start, length)


def _fix_regex_literals(pattern: exp.Expression) -> None:
    for lit in pattern.find_all(exp.Literal):
        if lit.is_string:
            text = lit.this
            for posix, java in _POSIX.items():
                text = text.replace(posix, java)
            lit.set("this", text)


def _fix_replacement(repl: exp.Expression | None) -> None:
    if isinstance(repl, exp.Literal) and repl.is_string:
        # RE2 rewrite string -> Java: \\ stays an escaped backslash, \N is group N, $ is literal
        out, text, i = [], repl.this, 0
        while i < len(text):
            ch = text[i]
            if ch == "\\" and i + 1 < len(text):
                nxt = text[i + 1]
                out.append("$" + nxt if nxt.isdigit() else "\\" + nxt)
                i += 2
                continue
            out.append("\\$" if ch == "$" else ch)
            i += 1
        repl.set("this", "".join(out))


def _collect(distinct: bool, value: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this="collect_set" if distinct else "collect_list", expressions=[value.copy()])


def _filter_inside(node: exp.Filter) -> exp.Expression:
    """`agg(...) FILTER (WHERE c)` where agg was rewritten to f(collect_*(...)): the filter moves onto
    the aggregate itself (Spark takes FILTER on aggregates only)."""
    agg = next(
        (n for n in node.this.find_all(exp.Anonymous) if n.name.lower() in ("collect_set", "collect_list")),
        None,
    )
    if agg is None or agg is node.this:
        return node
    agg.replace(exp.Filter(this=agg.copy(), expression=node.expression.copy()))
    return node.this


def _array_agg(node: exp.ArrayAgg) -> exp.Expression:
    """DuckDB list(...) with DISTINCT and/or ORDER BY, in Spark (which has no ordered aggregate)."""
    inner = node.this
    order = None
    if isinstance(inner, exp.Order):
        order, inner = inner, inner.this
    distinct = isinstance(inner, exp.Distinct)
    value = inner.expressions[0] if distinct else inner
    if order is None:
        return _collect(distinct, value)
    keys = order.expressions
    if len(keys) == 1 and keys[0].this == value and not keys[0].args.get("desc"):
        return exp.func("array_sort", _collect(distinct, value))
    if distinct:
        raise SQLError(f"no Spark form for {node.sql(dialect=DuckIn)} (distinct, ordered by another key)")
    if any(k.args.get("desc") for k in keys):
        raise SQLError(f"no Spark form for {node.sql(dialect=DuckIn)} (descending list order)")
    fields = [exp.Literal.string(f"k{i}") for i in range(len(keys))]
    pairs = exp.func(
        "named_struct",
        *[a for i, k in enumerate(keys) for a in (fields[i], k.this.copy())],
        exp.Literal.string("v"),
        value.copy(),
    )
    return exp.func(
        "transform",
        exp.func("array_sort", _collect(False, pairs)),
        exp.Lambda(
            this=exp.Dot(this=exp.column("s"), expression=exp.to_identifier("v")),
            expressions=[exp.to_identifier("s")],
        ),
    )


def _index_from_one(fn: exp.Expression) -> None:
    """A lambda's index parameter counts from 1 in DuckDB, from 0 in Spark: its uses become `i + 1`."""
    if not isinstance(fn, exp.Lambda) or len(fn.expressions) != 2:
        return
    name = fn.expressions[1].name
    spark_name = f"{name}__from0"
    fn.expressions[1].replace(exp.to_identifier(spark_name))
    for ident in list(fn.this.find_all(exp.Identifier)):
        parent = ident.parent
        if ident.name != name or (isinstance(parent, exp.Dot) and parent.expression is ident):
            continue
        target = parent if isinstance(parent, exp.Column) and not parent.table else ident
        target.replace(
            exp.Paren(this=exp.Add(this=exp.to_identifier(spark_name), expression=exp.Literal.number(1)))
        )


def _prefix_ctes(query: exp.Expression, prefix: str) -> exp.Expression:
    """The query with its CTEs renamed `prefix + name` (and every reference to them): sqlglot lifts
    a subquery's CTEs to the top for Spark, where an inlined macro's `final` would meet the view's."""
    with_ = query.args.get("with_")
    if not with_:
        return query
    names = {cte.alias_or_name.lower() for cte in with_.expressions}
    for cte in with_.expressions:
        cte.set("alias", exp.TableAlias(this=exp.to_identifier(prefix + cte.alias_or_name)))
    for table in query.find_all(exp.Table):
        if not table.db and isinstance(table.this, exp.Identifier) and table.name.lower() in names:
            alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(table.name))
            table.set("this", exp.to_identifier(prefix + table.name))
            table.set("alias", alias)
    return query


def _post_order(tree: exp.Expression, fn: Callable[[exp.Expression], exp.Expression]) -> exp.Expression:
    """Apply fn to every node, children before their parent (a parent's rewrite sees rewritten children)."""
    for node in reversed(list(tree.walk(bfs=False))):
        new = fn(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree


class Translator:
    """Translates `sql/` definitions to Spark SQL; macros and overrides are looked up by name."""

    def __init__(
        self,
        macros: Mapping[str, Macro],
        table_overrides: Mapping[str, Callable[[list[exp.Expression]], str]],
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        self.macros = dict(macros)
        self.table_overrides = dict(table_overrides)
        self.variables = dict(variables or {})
        self._spark_ctes: list[exp.Expression] = []

    # -- the passes --------------------------------------------------------------------------------
    def _inline_macros(self, tree: exp.Expression, depth: int = 0) -> exp.Expression:
        if depth > 20:
            raise SQLError("macros nest more than 20 deep")

        def expand(call: exp.Anonymous, macro: Macro) -> exp.Expression:
            positional = [a for a in call.expressions if not isinstance(a, exp.PropertyEQ)]
            named = {
                a.this.name.lower(): a.expression for a in call.expressions if isinstance(a, exp.PropertyEQ)
            }
            bound = {**macro.defaults, **dict(zip(macro.params, positional, strict=False)), **named}
            if len(positional) > len(macro.params) or set(bound) != set(macro.params):
                raise SQLError(
                    f"macro {macro.name} takes {len(macro.params)} arguments, got {len(call.expressions)}"
                )

            def substitute(n: exp.Expression) -> exp.Expression:
                if isinstance(n, exp.Column) and not n.table and n.name.lower() in bound:
                    return exp.Paren(this=bound[n.name.lower()].copy())
                return n

            body = macro.body.copy().transform(substitute)
            if macro.is_table:
                prefix = f"{macro.name}__"
                with_ = body.args.get("with_")
                for cte in list(with_.expressions) if with_ and macro.ctes else []:
                    spark_sql = macro.ctes.get(cte.alias_or_name.lower())
                    if spark_sql == "":  # not needed on Spark
                        cte.pop()
                    elif spark_sql is not None:  # a placeholder, replaced after the rewrites (_rewrite)
                        self._spark_ctes.append(
                            sqlglot.parse_one(spark_sql.replace("{p}", prefix), read=SparkOut)
                        )
                        cte.set("this", exp.select("*").from_(f"__spark_cte_{len(self._spark_ctes) - 1}"))
                body = _prefix_ctes(body, prefix)
            return self._inline_macros(body, depth + 1)

        def visit(node: exp.Expression) -> exp.Expression:
            # a table macro in FROM: its body as a subquery (one with a Spark override is left to _rewrite)
            if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous):
                macro = self.macros.get(node.this.name.lower())
                if macro is not None and macro.is_table and macro.name not in self.table_overrides:
                    alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(macro.name))
                    return exp.Subquery(this=expand(node.this, macro), alias=alias)
            if isinstance(node, exp.Anonymous) and node.name.lower() in self.macros:
                macro = self.macros[node.name.lower()]
                if not macro.is_table:
                    return expand(node, macro)
            return node

        return tree.transform(visit)

    def _unset_is_null(self, node: exp.Expression) -> bool:
        """`getvariable('x') is null` for a variable the job leaves unset, or `NULL is null` (always true)."""
        node = node.unnest()
        if not isinstance(node, exp.Is) or not isinstance(node.expression, exp.Null):
            return False
        x = node.this
        if isinstance(x, exp.Null):  # the variable already replaced (children are rewritten first)
            return True
        return (
            isinstance(x, exp.Anonymous)
            and x.name.lower() == "getvariable"
            and self.variables.get(x.expressions[0].name) is None
        )

    def _rewrite(self, tree: exp.Expression) -> exp.Expression:
        def visit(node: exp.Expression) -> exp.Expression:
            # `getvariable('x') is null or <use of x>` with x unset is true: the use of a typeless
            # NULL (array_contains(NULL, ...)) is not even analysed by Spark
            if isinstance(node, exp.Or) and any(
                self._unset_is_null(side) or _is_true(side) for side in (node.this, node.expression)
            ):
                return exp.true()
            if self._unset_is_null(node):
                return exp.true()
            if isinstance(node, exp.Anonymous) and node.name.lower() == "getvariable":
                return _literal(self.variables.get(node.expressions[0].name))
            if isinstance(node, exp.ArrayContains) and isinstance(node.this, exp.Null):
                return exp.Null()  # an unset list variable: Spark refuses an untyped NULL list
            if isinstance(node, exp.CTE) and isinstance(node.this, exp.Select):
                source = node.this.args.get("from_")
                name = source.this.name if source and isinstance(source.this, exp.Table) else ""
                if name.startswith("__spark_cte_"):
                    node.set("this", self._spark_ctes[int(name.removeprefix("__spark_cte_"))].copy())
                    return node
            if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous):
                name = node.this.name.lower()
                if name == "query_table":  # a table macro's table argument, a string literal
                    arg = node.this.expressions[0] if node.this.expressions else None
                    while isinstance(arg, exp.Paren):
                        arg = arg.this
                    if not (isinstance(arg, exp.Literal) and arg.is_string):
                        raise SQLError("query_table takes a table name (a string literal)")
                    alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(arg.name))
                    return exp.Table(this=exp.to_identifier(arg.name), alias=alias)
                if name in self.table_overrides:
                    sql = self.table_overrides[name](node.this.expressions)
                    alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(name))
                    return exp.Subquery(this=sqlglot.parse_one(sql, read=SparkOut), alias=alias)
                if name in self.macros:  # not inlined: nested where a table macro cannot go
                    raise SQLError(
                        f"table macro {name} could not be inlined; add an override (analyzer/spark/overrides.py)"
                    )
            if isinstance(node, exp.Table) and isinstance(node.this, exp.GenerateSeries):
                return self._lateral(self._range_table(node))
            if isinstance(node, exp.Unnest) and isinstance(node.parent, exp.Join):
                return self._lateral(node)
            if isinstance(node, exp.Bracket):
                return self._bracket(node)
            if isinstance(node, exp.Anonymous) and node.name.lower() == "list_position":
                # DuckDB: null when absent; Spark's array_position: 0
                return exp.func(
                    "nullif", exp.func("array_position", *node.expressions), exp.Literal.number(0)
                )
            if isinstance(node, (exp.ArrayFilter, exp.Transform)):
                _index_from_one(node.expression)
            if isinstance(node, exp.ArrayAgg):
                return _array_agg(node)
            if isinstance(node, exp.Filter):
                return _filter_inside(node)
            if isinstance(node, exp.JSONObject):
                pairs = [a for kv in node.expressions for a in (kv.this.copy(), kv.expression.copy())]
                return exp.func(
                    "to_json",
                    exp.func("named_struct", *pairs),
                    exp.Anonymous(
                        this="map",
                        expressions=[
                            exp.Literal.string("timestampFormat"),
                            exp.Literal.string("yyyy-MM-dd HH:mm:ss"),
                        ],
                    ),
                )
            if isinstance(node, exp.RegexpReplace):
                modifiers = node.args.get("modifiers")
                if not (isinstance(modifiers, exp.Literal) and "g" in modifiers.name):
                    raise SQLError(
                        f"{node.sql(dialect=DuckIn)}: replaces the first match only; Spark replaces all (add 'g' or an override)"
                    )
                _fix_regex_literals(node.expression)
                _fix_replacement(node.args.get("replacement"))
                node.set("modifiers", None)
                node.set("single_replace", None)
            if isinstance(node, (exp.RegexpLike, exp.RegexpExtract, exp.RegexpExtractAll, exp.RegexpILike)):
                _fix_regex_literals(node.expression)
            if (
                isinstance(node, exp.Cast)
                and isinstance(node.this, exp.Column)
                and node.to.is_type(exp.DataType.Type.ARRAY, exp.DataType.Type.STRUCT, exp.DataType.Type.MAP)
            ):
                return exp.func(
                    "from_json", node.this.copy(), exp.Literal.string(node.to.sql(dialect=SparkOut))
                )
            return node

        return _post_order(tree, visit)

    def _range_table(self, node: exp.Table) -> exp.Expression:
        series: exp.GenerateSeries = node.this
        start, end = series.args["start"], series.args["end"]
        last = (
            exp.Sub(this=end.copy(), expression=exp.Literal.number(1))
            if series.args.get("is_end_exclusive")
            else end.copy()
        )
        seq = exp.If(
            this=exp.LT(this=exp.Paren(this=last), expression=start.copy()),
            true=exp.Array(expressions=[]),
            false=exp.func("sequence", start.copy(), last.copy()),
        )
        return exp.Unnest(expressions=[seq], alias=node.args.get("alias"))

    @staticmethod
    def _lateral(node: exp.Unnest) -> exp.Expression:
        """`, unnest(x) as u(c)` -> `, lateral explode(x) as u(c)`: a later join's ON may name u.c."""
        if len(node.expressions) != 1:
            raise SQLError(f"{node.sql(dialect=DuckIn)}: unnest of several lists has no Spark form")
        return exp.Lateral(
            this=exp.Explode(this=node.expressions[0].copy()), view=False, alias=node.args.get("alias")
        )

    @staticmethod
    def _bracket(node: exp.Bracket) -> exp.Expression:
        if len(node.expressions) != 1:
            return node
        idx = node.expressions[0]
        if isinstance(idx, exp.Slice):
            return _duck_slice(node.this, idx.this, idx.expression)
        if isinstance(idx, exp.Literal) and idx.is_string:
            return node  # a struct or map key
        return exp.func("element_at", node.this.copy(), idx.copy())

    def _union_by_name(self, tree: exp.Expression, schema_of: SchemaOf) -> exp.Expression:
        """Every UNION ALL BY NAME as a plain UNION ALL over the sides' columns, innermost first."""
        while True:
            node = next(
                (
                    u
                    for u in tree.find_all(exp.Union)
                    if u.args.get("by_name")
                    and not any(c.args.get("by_name") for c in u.find_all(exp.Union) if c is not u)
                    and not any(  # nor in a CTE it reads (an inlined macro's CTEs come first)
                        c.args.get("by_name")
                        for cte in self._visible_ctes(tree, u)
                        for c in cte.find_all(exp.Union)
                    )
                ),
                None,
            )
            if node is None:
                return tree
            ctes = self._visible_ctes(tree, node)
            # a recursive CTE before the union (int_name_chains' walk) stays recursive in the probe
            with_ = tree.args.get("with_")
            recursive = bool(with_ and with_.args.get("recursive"))
            sides = []
            for side in (node.this, node.expression):
                query = exp.select("*").from_(
                    exp.Subquery(this=side.copy(), alias=exp.TableAlias(this=exp.to_identifier("_s")))
                )
                if ctes:
                    query.set("with_", exp.With(expressions=[c.copy() for c in ctes], recursive=recursive))
                sides.append(schema_of(self.generate(query)))
            names: list[str] = []
            types: dict[str, str] = {}
            for cols in sides:
                for name, dtype in cols:
                    if name.lower() not in types:
                        names.append(name)
                        types[name.lower()] = dtype

            def projection(
                cols: list[tuple[str, str]], names: list[str] = names, types: dict[str, str] = types
            ) -> list[exp.Expression]:
                have = {n.lower() for n, _ in cols}
                return [
                    exp.column(n, quoted=True)
                    if n.lower() in have
                    else exp.alias_(
                        exp.Cast(this=exp.Null(), to=exp.DataType.build(types[n.lower()], dialect=SparkOut)),
                        n,
                        quoted=True,
                    )
                    for n in names
                ]

            left, right = (
                exp.select(*projection(cols)).from_(
                    exp.Subquery(this=side.copy(), alias=exp.TableAlias(this=exp.to_identifier(alias)))
                )
                for cols, side, alias in ((sides[0], node.this, "_l"), (sides[1], node.expression, "_r"))
            )
            node.replace(exp.Union(this=left, expression=right, distinct=node.args.get("distinct")))

    @staticmethod
    def _visible_ctes(tree: exp.Expression, node: exp.Expression) -> list[exp.CTE]:
        """The CTEs `node` can read: of every query around it (an inlined table macro's are nested),
        outermost first, each up to the CTE that holds `node`."""
        out = []
        for with_ in tree.find_all(exp.With):
            query = with_.parent
            if query is None or not any(n is node for n in query.walk()):
                continue
            for cte in with_.expressions:
                if any(n is node for n in cte.walk()):
                    break
                out.append(cte)
        return out

    # -- entry points --------------------------------------------------------------------------------
    def generate(self, tree: exp.Expression) -> str:
        return tree.sql(dialect=SparkOut)

    def query(self, sql: str, schema_of: SchemaOf) -> str:
        """A DuckDB SELECT (or a view's body) as Spark SQL."""
        tree = parse(sql)
        if isinstance(tree, exp.Create):
            tree = tree.expression
        tree = self._inline_macros(tree)
        tree = self._rewrite(tree)
        tree = self._union_by_name(tree, schema_of)
        return self.generate(tree)
