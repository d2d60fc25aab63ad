"""The DuckDB workspace: one connection, the schema and views from `sql/`, schema versions."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from analyzer import lookup_file_header, settings, templates
from analyzer.catalog import catalog_digest, catalog_files, load_catalog
from analyzer.cursors import arrow_of, first_row
from analyzer.errors import ConfigError, SQLError
from analyzer.meta import TABLE_DDL, get_meta, set_meta
from analyzer.psl import load_public_suffixes, psl_in_use
from analyzer.resources import files_digest, sql_files

# polars and pyarrow load with the first `df`/`arrow` call: commands that fetch rows never need them.
if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

# What a workspace runs as it closes without an error, before its connection closes; what a hook
# returns (if not None) runs after the close (see Workspace.on_close).
CloseHook = Callable[["Workspace"], Callable[[], object] | None]

# analyzer_meta key of the last cross-snapshot window `analyzer attribute --chain-window-days` was given.
CHAIN_WINDOW_KEY = "chain_window_days"

# Bump when a raw table changes shape, and add the step that brings version N-1 to N below.
SCHEMA_VERSION = 3


def _v3_range_sets(con: duckdb.DuckDBPyConnection) -> None:
    """v3 keeps published-range intervals per set of files in effect together (net_range_sets, with
    every covering range): the v2 table is dropped and rebuilt from raw_ranges with the v3 sql/ (the
    same two steps as analyzer.network.ranges.rebuild_range_intervals on an empty table)."""
    con.execute("drop table if exists net_range_intervals")
    for f in sql_files():
        con.execute(f.read_text(encoding="utf-8"))
    con.execute(
        "insert into net_range_sets select row_number() over (order by valid_from)::integer, set_key "
        "from stg_range_sets"
    )
    con.execute("insert into net_range_intervals by name select * from net_range_build()")


def _v2_date_sources_and_certificate_identities(con: duckdb.DuckDBPyConnection) -> None:
    """v2 (issue 18): datasets say how their snapshot date was found (null for files loaded before);
    certificates of older crt.sh exports have no serial; crt.sh identities that are organisation
    names are kept per certificate. New tables (raw_certificate_chains, raw_ssl_observations) come
    from sql/06 when it is re-applied."""
    con.execute("alter table datasets add column if not exists date_source varchar")
    con.execute("alter table raw_certificates alter column serial drop not null")
    con.execute("alter table raw_certificates add column if not exists subject_o_candidates varchar[]")


# MIGRATIONS[n] upgrades a database at version n-1 to version n; run before sql/ is re-applied.
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    2: _v2_date_sources_and_certificate_identities,
    3: _v3_range_sets,
}

_VIEW_NAME = re.compile(r"^\s*create\s+or\s+replace\s+view\s+(\w+)", re.IGNORECASE | re.MULTILINE)


def template_key() -> str:
    """What an empty database holds, as a digest: DuckDB's file format, the schema, sql/, the
    provider catalog and the Public Suffix List in use."""
    h = hashlib.sha256()
    for part in (duckdb.__version__, str(SCHEMA_VERSION), TABLE_DDL, files_digest(sql_files())):
        h.update(part.encode() + b"\0")
    h.update(catalog_digest(catalog_files()).encode() + b"\0")
    h.update(hashlib.sha256(psl_in_use().read_bytes()).digest())
    return h.hexdigest()


def _build_template(file: Path) -> None:
    with Workspace(file, template=False) as ws:
        ws.con.execute("checkpoint")


class Workspace:
    """An analyzer database. Opening it creates or migrates the schema and (re)applies the views;
    a new file starts as a copy of the cached empty database (analyzer.templates) unless `template`
    is off."""

    def __init__(
        self, path: str | Path = ":memory:", *, read_only: bool = False, template: bool = True
    ) -> None:
        self.path = str(path)
        self.read_only = read_only
        settings.check_local_db(self.path)
        if read_only and self.path != ":memory:" and not Path(self.path).exists():
            raise ConfigError(
                f"no database at {self.path}: build one with `analyzer ingest` or `analyzer demo`, "
                "or name it with --db"
            )
        window = settings.chain_window_env()  # a bad value is refused before anything is opened
        if (
            template
            and not read_only
            and not self.path.startswith(":memory:")
            and not Path(self.path).exists()
        ):
            templates.seed(Path(self.path), template_key(), _build_template)
        self._on_close: dict[str, CloseHook] = {}
        self._closed = False
        # the bulk lookup's point file, when it is current before this session may write: kept
        # for the database as the session leaves it, if the session leaves the store alone
        held = (
            None
            if read_only or self.path.startswith(":memory:")
            else lookup_file_header.held_store(Path(self.path))
        )
        if held is not None:
            self.on_close(
                lookup_file_header.ON_CLOSE, lambda ws: lookup_file_header.keep(ws.con, Path(ws.path), held)
            )
        try:
            self.con = settings.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise ConfigError(f"cannot open database {self.path}: {exc}") from exc
        # DuckDB's own progress bar writes to stdout, into --json and CSV output (a session setting;
        # the DNS ingest shows its own progress on stderr from query_progress()).
        self.con.execute("set enable_progress_bar_print = false")
        if not read_only:
            self._prepare()
        self._apply_chain_window(window)

    # -- schema ---------------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        exists = first_row(
            self.con.execute(
                "select count(*) from information_schema.tables where table_name = 'analyzer_meta'"
            )
        )
        if not exists or not exists[0]:
            return None
        return get_meta(self.con, key)

    def _apply_chain_window(self, days: int | None) -> None:
        """The cross-snapshot window of this session: `days` ($ANALYZER_CHAIN_WINDOW_DAYS), else the
        last one `analyzer attribute --chain-window-days` was given, else none set (sql/23's default)."""
        if days is None:
            stored = self._meta(CHAIN_WINDOW_KEY)
            days = int(stored) if stored and stored.isdigit() else None
        if days is not None:
            self.con.execute("set variable chain_window_days = ?", [days])

    def set_chain_window_days(self, days: int) -> None:
        """Follow CNAME/MX/NS targets into snapshots within `days` (0: off) in this session and, on a
        writable database, in later ones (the value is remembered; the environment variable wins)."""
        settings.check_chain_window(days)
        self.con.execute("set variable chain_window_days = ?", [days])
        if not self.read_only:
            set_meta(self.con, CHAIN_WINDOW_KEY, str(days))

    @property
    def chain_window_days(self) -> int:
        """The cross-snapshot window in effect (sql/23_dns_chain_window_days.sql)."""
        row = first_row(self.con.execute("select dns_chain_window_days()"))
        assert row is not None
        return int(row[0])

    def _prepare(self) -> None:
        has_tables = first_row(
            self.con.execute("select count(*) from information_schema.tables where table_name = 'datasets'")
        )
        version_text = self._meta("schema_version")
        if version_text is None and has_tables and has_tables[0]:
            raise ConfigError(
                f"{self.path} has analyzer tables but no schema version: it was written by a "
                "pre-release analyzer. Re-create it (move the file away and re-run the ingests)."
            )
        version = int(version_text) if version_text else SCHEMA_VERSION
        if version > SCHEMA_VERSION:
            raise ConfigError(
                f"{self.path} was written by a newer analyzer (schema v{version}, this one knows "
                f"v{SCHEMA_VERSION}); upgrade with `pip install -U analyzer` or use another --db"
            )
        self.con.execute(TABLE_DDL)
        self.con.begin()
        try:
            for target in range(version + 1, SCHEMA_VERSION + 1):
                step = MIGRATIONS.get(target)
                if step is None:
                    raise ConfigError(
                        f"{self.path} is at schema v{version} and no migration to v{target} "
                        "exists; re-create the database and re-run the ingests"
                    )
                step(self.con)
            set_meta(self.con, "schema_version", str(SCHEMA_VERSION))
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise
        self.apply_sql()
        # Reference data the views need, reloaded only when its file changed.
        load_catalog(self.con)
        load_public_suffixes(self.con)

    def apply_sql(self, *, force: bool = False) -> None:
        """Apply every `sql/` file in order, unless the same files were applied already."""
        files = sql_files()
        digest = files_digest(files)
        if not force and self._meta("sql_digest") == digest:
            return
        self.con.begin()
        try:
            for f in files:
                try:
                    self.con.execute(f.read_text(encoding="utf-8"))
                except duckdb.Error as exc:
                    first = str(exc).splitlines()[0]
                    names = _VIEW_NAME.findall(f.read_text(encoding="utf-8"))
                    what = f"view {names[0]}" if names else "schema"
                    raise SQLError(
                        f"{what} failed in sql/{f.name}: {first} (use --debug for the trace)"
                    ) from exc
            set_meta(self.con, "sql_digest", digest)
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise

    @property
    def schema_version(self) -> int:
        value = self._meta("schema_version")
        return int(value) if value else 0

    # -- transactions and queries ----------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing: a failure inside leaves the database as it was."""
        self.con.begin()
        try:
            yield self.con
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    def execute(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        try:
            return self.con.execute(query, params) if params is not None else self.con.execute(query)
        except duckdb.Error as exc:
            raise SQLError(f"query failed: {str(exc).splitlines()[0]}") from exc

    def rows(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[dict]:
        """Rows as dicts, for the CLI and JSON output."""
        cur = self.execute(query, params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def arrow(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pa.Table:
        return arrow_of(self.execute(query, params))

    def df(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pl.DataFrame:
        """A polars DataFrame (via Arrow, no copy through Python objects)."""
        import polars as pl

        frame = pl.from_arrow(self.arrow(query, params))
        assert isinstance(frame, pl.DataFrame)
        return frame

    def on_close(self, key: str, hook: CloseHook) -> None:
        """Run `hook(self)` when the workspace closes without an error, before its connection closes
        (the last hook given under `key`: a later one knows more); what it returns, if not None, is
        called after the connection is closed (a cache written once the database file is final)."""
        if not self._closed:  # a hook that runs during the close registers nothing more
            self._on_close[key] = hook

    def close(self) -> None:
        """Close the connection (once), running the close hooks first. A hook keeps a cache: one
        that fails (a full disk at its checkpoint, say) loses the cache, not what the session
        committed, as DuckDB's own checkpoint at close does."""
        if self._closed:
            return
        self._closed = True
        hooks, self._on_close = list(self._on_close.values()), {}
        later: list[Callable[[], object]] = []
        try:
            for hook in hooks:
                action = _cache_step(hook, self)
                if callable(action):
                    later.append(action)
        finally:
            self.con.close()
        for action in later:
            _cache_step(action)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if kind is not None:  # what the session left is not to be kept or cached
            self._on_close = {}
        self.close()


def _cache_step(step: Callable[..., object], *args: object) -> object:
    """Run a close hook or what it returned; None when it failed (the cache it keeps is then lost,
    and the engine answers without it)."""
    try:
        return step(*args)
    except (duckdb.Error, OSError, MemoryError):
        return None


def open_workspace(path: str | Path | None = None, *, read_only: bool = False) -> Workspace:
    """Open the database at `path` (else $ANALYZER_DB, else ./analyzer.duckdb)."""
    return Workspace(settings.db_path(path), read_only=read_only)
