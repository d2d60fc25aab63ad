"""The notebook API: `analyzer.open(path)` returns an Analyzer, a Workspace whose methods return
polars DataFrames (or Arrow tables with `arrow=True`). The CLI calls the same library functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypeAlias

import polars as pl
import pyarrow as pa

from analyzer import attribution, domain_store
from analyzer.explain import explain as explain_target
from analyzer.explain import to_rows as explanation_rows
from analyzer.lookup import lookup_frame
from analyzer.report import Filters, Report, build_report
from analyzer.report import entity_services as entity_services_table
from analyzer.report import entity_timeline as entity_timeline_table
from analyzer.report import provider_summary as provider_summary_table
from analyzer.report.changes import COLUMNS as CHANGE_COLUMNS
from analyzer.report.changes import diff
from analyzer.sqlquery import run_query
from analyzer.watchlists import entities as entities_mod
from analyzer.workspace import Workspace, arrow_of

Frame: TypeAlias = pl.DataFrame | pa.Table


def _date(value: str | dt.date | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _out(table: pa.Table, arrow: bool) -> Frame:
    if arrow:
        return table
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


class Analyzer(Workspace):
    """An analyzer database for notebooks: entities, entity services, provider summary, lookups, SQL."""

    def entities(
        self,
        *,
        list_code: str | None = None,
        country: str | None = None,
        search: str | None = None,
        arrow: bool = False,
    ) -> Frame:
        """Current watchlist entries (same filters as `analyzer entities`)."""
        frame = entities_mod.entities_frame(self, list_code=list_code, country=country, search=search)
        return frame.to_arrow() if arrow else frame

    def entity_services(
        self,
        *,
        list_code: str | None = None,
        provider_country: str | None = None,
        service: str | None = None,
        as_of: str | dt.date | None = None,
        history: bool = False,
        arrow: bool = False,
    ) -> Frame:
        """Rows of attr_entity_services: the latest observation per (entity, domain, service) on or
        before `as_of` (default: the latest snapshot), or every snapshot's row with `history=True`."""
        filters = Filters(list_code, provider_country, service, _date(as_of), latest=not history)
        return _out(entity_services_table(self, filters), arrow)

    def provider_summary(
        self,
        *,
        list_code: str | None = None,
        provider_country: str | None = None,
        service: str | None = None,
        as_of: str | dt.date | None = None,
        arrow: bool = False,
    ) -> Frame:
        """Provider parent by service: distinct entities and their names (the report's first table)."""
        filters = Filters(list_code, provider_country, service, _date(as_of))
        return _out(provider_summary_table(self, filters), arrow)

    def entity_timeline(
        self,
        *,
        list_code: str | None = None,
        provider_country: str | None = None,
        service: str | None = None,
        as_of: str | dt.date | None = None,
        arrow: bool = False,
    ) -> Frame:
        """attr_entity_timeline over the snapshots on or before `as_of` (all by default): first and
        last seen, snapshots, after the listing, ongoing, per (entity, service, provider)."""
        filters = Filters(list_code, provider_country, service, _date(as_of))
        return _out(entity_timeline_table(self, filters), arrow)

    def changes(
        self,
        from_date: str | dt.date,
        to_date: str | dt.date,
        *,
        entity: str | None = None,
        arrow: bool = False,
    ) -> Frame:
        """Providers added and removed between the snapshots nearest to the dates (`analyzer diff`)."""
        start, end = _date(from_date), _date(to_date)
        assert start is not None and end is not None
        rows = diff(self, start, end, entity).rows
        table = pa.Table.from_pylist(rows) if rows else pa.table({c: [] for c in CHANGE_COLUMNS})
        return _out(table, arrow)

    def report(self, **filters: Any) -> Report:
        """The report object; render it with `analyzer.report.render(report, "html")`."""
        if "as_of" in filters:
            filters["as_of"] = _date(filters["as_of"])
        return build_report(self, Filters(**filters))

    def explain(self, target: str) -> list[dict[str, Any]]:
        """The evidence of every row about an entity, domain or address (as `analyzer explain --json`)."""
        return explanation_rows(explain_target(self, target))

    def lookup(self, targets: str | Iterable[str], *, arrow: bool = False) -> Frame:
        """Attribution of addresses and hostnames against the loaded ranges, routes and DNS data."""
        frame = lookup_frame(self, targets)
        return frame.to_arrow() if arrow else frame

    def domain_services(self, domains: str | Iterable[str], *, arrow: bool = False) -> Frame:
        """Who serves some domains (attr_domain_services rows), from the stored answer, computed
        for the names it lacks (as `analyzer services`)."""
        rows = domain_store.services(self, [domains] if isinstance(domains, str) else domains)
        frame = pl.DataFrame(rows) if rows else pl.DataFrame()
        return frame.to_arrow() if arrow else frame

    def sql(self, query: str, *, arrow: bool = False) -> Frame:
        """Any query over the database; the result as a DataFrame."""
        attribution.ensure_if_stored(self, query)
        domain_store.ensure_if_named(self, query)
        cursor = self.execute(query)
        if cursor.description is None:
            return pa.table({}) if arrow else pl.DataFrame()
        return _out(arrow_of(cursor), arrow)

    def rows_of(self, query: str) -> list[dict[str, Any]]:
        """Rows as dicts (what `analyzer sql --format json` prints); a notebook's workspace is its
        own, so any statement runs (the CLI's read-only guard is for `analyzer sql` without --write)."""
        return run_query(self, query, write=True)
