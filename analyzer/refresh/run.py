"""One refresh run: resolve, download (or reuse the cache), check, ingest, and log every outcome.

Restart safety: a file counts as cached only once its sidecar is written (after the atomic rename
and the checks), and ingest is one transaction per file that skips bytes already loaded. A run
killed at any point therefore re-runs to the same end state: complete files are reused from the
cache for the same date without a request, a partial `.part` is resumed with Range, and a file
whose ingest was rolled back is ingested again.
"""

from __future__ import annotations

import datetime as dt
import fcntl
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from analyzer import attribution, settings
from analyzer import ingest as ingest_mod
from analyzer.attribution import AttributionResult
from analyzer.cache import Cache, CachedFile, RefreshLocked, now_utc
from analyzer.cache import data_dir as cache_dir
from analyzer.errors import AnalyzerError, ConfigError
from analyzer.ingest.base import file_digest
from analyzer.refresh.checks import CheckFailed, check_file, check_unannounced, count_rows
from analyzer.refresh.days import DateRange, short_day
from analyzer.refresh.http import Fetcher
from analyzer.refresh.registry import Source, load_sources, select
from analyzer.refresh.resolve import Item, NothingPublished, resolve
from analyzer.workspace import Workspace, open_workspace

EXIT_OK = 0
EXIT_PARTIAL = 2  # some datasets failed, were refused, held back or missing; the others are done
EXIT_FAILED = 3  # nothing succeeded
EXIT_LOCKED = 4  # another refresh is running; nothing was done
BAD = ("failed", "refused", "held_back", "missing")


@dataclass
class Outcome:
    """What happened to one file of one dataset."""

    dataset: str
    url: str
    status: str  # dry_run | ingested | unchanged | cached_only | held_back | refused | failed | missing
    message: str = ""
    path: str | None = None
    sha256: str | None = None
    bytes: int | None = None
    snapshot_date: dt.date | None = None
    dataset_id: int | None = None

    def line(self) -> str:
        return f"{self.dataset}: {self.status}: {self.message or self.url}"


@dataclass
class RunReport:
    """Every file's outcome, and what refreshing the stored attribution did (None: nothing to do)."""

    outcomes: list[Outcome] = field(default_factory=list)
    attribution: AttributionResult | None = None

    @property
    def exit_code(self) -> int:
        bad = sum(o.status in BAD for o in self.outcomes)
        if not bad:
            return EXIT_OK
        return EXIT_FAILED if bad == len(self.outcomes) else EXIT_PARTIAL


@dataclass
class RefreshOptions:
    date: dt.date | None = None
    dry_run: bool = False
    offline: bool = False
    force: bool = False
    url: str | None = None
    crtsh_interval: float | None = None  # seconds between crt.sh requests (registry default)
    days: DateRange | None = None  # --from/--to/--every: one snapshot per day, instead of `date`


def _entities(ws: Workspace | None, source: Source) -> list[tuple[str, str, str]] | None:
    """(entity_id, 'name'|'domain', value) for the crt.sh queries: listed names and known domains."""
    if ws is None:
        return None
    lists = list(source.extra.get("lists") or [])
    where = "where list_code in (select unnest(?::varchar[]))" if lists else ""
    names = ws.rows(
        f"select entity_id::varchar as id, name from entities {where} order by entity_id",  # noqa: S608
        [lists] if lists else None,
    )
    domains = ws.rows(
        "select entity_id::varchar as id, domain from entity_known_domains order by entity_id, domain"
    )
    return [(r["id"], "name", r["name"]) for r in names] + [(r["id"], "domain", r["domain"]) for r in domains]


class Refresher:
    """Carries the run's state (cache, fetcher, workspace) through the datasets of one run."""

    def __init__(
        self,
        ws: Workspace | None,
        cache: Cache,
        fetcher: Fetcher | None,
        options: RefreshOptions,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.ws = ws
        self.cache = cache
        self.fetcher = fetcher
        self.options = options
        self.log = log or (lambda _m: None)
        self.run_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        self.date = options.date or dt.datetime.now(dt.UTC).date()

    def run(self, sources: list[Source]) -> RunReport:
        report = RunReport()
        for source in sources:
            for outcome in self.days_of(source) if self.options.days else self.dataset(source):
                self.log(outcome.line())
                self._record(outcome)
                report.outcomes.append(outcome)
        return report

    def dataset(self, source: Source) -> list[Outcome]:
        try:
            if self.options.dry_run:
                items = resolve(source, self.date, None, url=self.options.url)
                return [Outcome(source.id, i.url, "dry_run", f"{i.url}  {i.note}".rstrip()) for i in items]
            if self.options.offline:
                return self._offline(source)
            entities = _entities(self.ws, source) if source.resolve == "crtsh" else None
            items = resolve(source, self.date, self.fetcher, url=self.options.url, entities=entities)
        except AnalyzerError as exc:
            url = self.options.url or source.index_for(self.date) or source.url
            return [Outcome(source.id, url, "failed", str(exc))]
        if source.resolve == "crtsh" and not items:
            return [Outcome(source.id, source.url, "cached_only", "no watchlist entities to query")]
        outcomes = []
        interval = self.options.crtsh_interval
        if interval is None:
            interval = float(source.extra.get("interval") or 0)
        # crt.sh answers differ per query: each is compared only with earlier answers to itself.
        single = len(items) == 1 and source.resolve != "crtsh"
        for item in items:
            try:
                outcome, fetched = self.item(source, item, single=single)
            except OSError as exc:  # disk full, permissions: this file fails, the run goes on
                outcome, fetched = Outcome(source.id, item.url, "failed", f"{item.filename}: {exc}"), False
            outcomes.append(outcome)
            if fetched and interval and self.fetcher is not None:
                self.fetcher.sleep(interval)  # be gentle with per-query services (crt.sh)
        return outcomes

    # -- one file --------------------------------------------------------------------------------
    def item(self, source: Source, item: Item, *, single: bool) -> tuple[Outcome, bool]:
        """Download (or reuse) one file, check it, ingest it; the bool says whether the network was used."""
        entry, outcome, why, network = self._fetch(source, item, single=single)
        if outcome is not None:
            return outcome, network
        assert entry is not None
        return self._ingest(source, item, entry, why), network

    def _fetch(
        self, source: Source, item: Item, *, single: bool
    ) -> tuple[CachedFile | None, Outcome | None, str, bool]:
        """(cached file ready to ingest, or the outcome that stops it; why; network used)."""
        existing = self.cache.complete(source.id, item.date, item.url)
        if existing is not None and existing.status == "held_back" and self.options.force:
            existing.status, existing.message = "ok", None
            self.cache.record(existing)
            return existing, None, "held-back file accepted with --force", False
        if existing is not None and not self.options.force:
            return *self._usable(source, item, existing, "already fetched for this date"), False
        assert self.fetcher is not None
        previous = self.cache.latest(source.id, item.url) if not self.options.force else None
        dest = self.cache.dir_for(source.id, item.date) / item.filename
        try:
            fetched = self.fetcher.download(
                item.url,
                dest,
                etag=previous.etag if previous else None,
                last_modified=previous.last_modified if previous else None,
                max_bytes=source.max_bytes,
                accept_types=source.accepted_types,
            )
        except AnalyzerError as exc:
            return None, Outcome(source.id, item.url, "failed", str(exc)), "", True
        if fetched.status == "not_modified":
            if previous is None:
                failed = Outcome(source.id, item.url, "failed", "HTTP 304 to an unconditional request")
                return None, failed, "", True
            previous.checked_at = now_utc()
            self.cache.record(previous)
            return *self._usable(source, item, previous, "not modified upstream"), True
        sha256, size = fetched.sha256 or file_digest(dest)[0], fetched.bytes
        entry = CachedFile(
            source_id=source.id,
            date=item.date.isoformat(),
            path=str(dest),
            url=item.url,
            sha256=sha256,
            bytes=size,
            fetched_at=now_utc(),
            checked_at=now_utc(),
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            extra={"snapshot": item.snapshot.isoformat() if item.snapshot else None},
            final_url=fetched.final_url,
        )
        # The previous snapshot of a single-file dataset is its latest good copy, whatever the URL
        # (dated URLs change daily); of a multi-file dataset, the latest good copy of the same URL.
        before = self.cache.latest(source.id, None if single else item.url)
        try:
            entry.rows = count_rows(source, dest)
            check_file(source, size, entry.rows, before.rows if before else None, self.options.force)
            if not fetched.length_known:
                check_unannounced(size, before.bytes if before else None, self.options.force)
        except CheckFailed as exc:
            entry.status = "held_back" if exc.held else "refused"
            entry.message = str(exc)
            self.cache.record(entry)
            return None, self._outcome(source, item, entry, entry.status, f"{dest.name}: {exc}"), "", True
        self.cache.record(entry)
        return entry, None, f"downloaded {size:,} bytes", True

    def _usable(
        self, source: Source, item: Item, entry: CachedFile, why: str
    ) -> tuple[CachedFile | None, Outcome | None, str]:
        if entry.status != "ok":
            return None, self._outcome(source, item, entry, entry.status, f"{why}; {entry.message}"), why
        return entry, None, why

    # -- a range of days -------------------------------------------------------------------------
    def days_of(self, source: Source) -> list[Outcome]:
        """Every day of --from/--to/--every: days already loaded are skipped without a request, a day
        with nothing upstream is `missing`, a day far smaller than its neighbours is held back, the
        others are fetched and ingested in date order, each day its own snapshot."""
        assert self.options.days is not None
        days = self.options.days.days()
        if self.options.dry_run:
            outcomes = []
            for day in days:
                self.date = day
                outcomes += self.dataset(source)
            return outcomes
        per_day: dict[dt.date, list[Outcome]] = {}
        ready: dict[dt.date, list[tuple[Item, CachedFile, str]]] = {}
        for day in days:
            per_day[day], ready[day] = self._fetch_day(source, day)
        totals = self._cached_day_rows(source)
        for day, files in ready.items():
            if files and all(entry.rows is not None for _, entry, _ in files):
                totals[day] = sum(entry.rows or 0 for _, entry, _ in files)
        outcomes: list[Outcome] = []
        for day in days:
            outcomes += per_day[day] + self._ingest_day(source, day, ready[day], per_day[day], totals)
        return outcomes

    def _fetch_day(
        self, source: Source, day: dt.date
    ) -> tuple[list[Outcome], list[tuple[Item, CachedFile, str]]]:
        where = source.index_for(day) or source.url_for(day)
        loaded = self._loaded_day(source, day)
        if loaded:
            ids = ", ".join(str(i) for i in loaded)
            return [
                Outcome(source.id, where, "unchanged", f"{day}: already loaded (dataset {ids}); skipped")
            ], []
        try:
            items = resolve(source, day, self.fetcher)
        except NothingPublished as exc:
            message = f"{day}: nothing published upstream ({exc.problem}); a gap in the series, not loaded"
            return [Outcome(source.id, exc.url, "missing", message, snapshot_date=day)], []
        except AnalyzerError as exc:
            return [Outcome(source.id, where, "failed", f"{day}: {exc}", snapshot_date=day)], []
        stopped: list[Outcome] = []
        files: list[tuple[Item, CachedFile, str]] = []
        for item in items:
            try:
                entry, outcome, why, _ = self._fetch(source, item, single=False)
            except OSError as exc:  # disk full, permissions: this file fails, the run goes on
                entry, outcome, why = (
                    None,
                    Outcome(source.id, item.url, "failed", f"{item.filename}: {exc}"),
                    "",
                )
            if outcome is not None:
                stopped.append(outcome)
            elif entry is not None:
                files.append((item, entry, why))
        return stopped, files

    def _ingest_day(
        self,
        source: Source,
        day: dt.date,
        files: list[tuple[Item, CachedFile, str]],
        stopped: list[Outcome],
        totals: dict[dt.date, int],
    ) -> list[Outcome]:
        if not files:
            return []
        if stopped:  # part of a day is no snapshot: the fetched files wait in the cache
            why = f"{day}: {len(stopped)} of {len(stopped) + len(files)} files not fetched; the day is not loaded in part"
            return [self._outcome(source, item, entry, "held_back", why) for item, entry, _ in files]
        reason = None
        if day in totals and not self.options.force:
            reason = short_day(totals[day], day, totals)
        if reason:
            totals.pop(day)  # not a neighbour for the days after it
            held = []
            for item, entry, _ in files:
                entry.status, entry.message = "held_back", reason
                self.cache.record(entry)
                held.append(self._outcome(source, item, entry, "held_back", reason))
            return held
        return [self._ingest(source, item, entry, why) for item, entry, why in files]

    def _cached_day_rows(self, source: Source) -> dict[dt.date, int]:
        """Rows per day of the good files cached for `source` (earlier runs): the neighbours' sizes."""
        per_day: dict[str, list[int | None]] = {}
        for entry in self.cache.entries(source.id):
            if entry.status == "ok":
                per_day.setdefault(entry.date, []).append(entry.rows)
        return {
            dt.date.fromisoformat(day): sum(r or 0 for r in rows)
            for day, rows in per_day.items()
            if all(r is not None for r in rows)
        }

    def _loaded_day(self, source: Source, day: dt.date) -> list[int]:
        """Datasets that already hold `day` of `source`: its cached files' bytes, or (with a source
        label, as `ingest dns --source` and the registry's options give) a dataset of that label and date."""
        if self.ws is None or not source.kind:
            return []
        shas = [
            e.sha256 for e in self.cache.entries(source.id) if e.date == day.isoformat() and e.status == "ok"
        ]
        label = source.options.get("label") or source.options.get("source")
        rows = self.ws.rows(
            "select dataset_id from datasets where kind = ? and status = 'loaded' "
            "and (sha256 in (select unnest(?::varchar[])) or (label = ? and snapshot_date = ?)) "
            "order by dataset_id",
            [source.kind, shas, label, day],
        )
        return [r["dataset_id"] for r in rows]

    def _offline(self, source: Source) -> list[Outcome]:
        """Re-ingest the newest cached snapshot (all its files) without touching the network."""
        entries = [e for e in self.cache.entries(source.id) if e.status == "ok"]
        if self.options.date:
            entries = [e for e in entries if e.date <= self.date.isoformat()]
        if not entries:
            return [
                Outcome(
                    source.id, source.url, "failed", f"nothing cached for {source.id}; run without --offline"
                )
            ]
        newest = entries[-1].date
        outcomes = []
        for entry in (e for e in entries if e.date == newest):
            snapshot = (entry.extra or {}).get("snapshot")
            item = Item(
                entry.url,
                entry.file.name,
                dt.date.fromisoformat(entry.date),
                snapshot=dt.date.fromisoformat(snapshot) if snapshot else None,
            )
            outcomes.append(self._ingest(source, item, entry, "from the cache (offline)"))
        return outcomes

    def _ingest(self, source: Source, item: Item, entry: CachedFile, why: str) -> Outcome:
        kind = source.kind
        if not kind:
            return self._outcome(source, item, entry, "cached_only", f"{why}; cached at {entry.path}")
        ingest_mod.load_capabilities()
        if kind not in ingest_mod.KINDS:
            return self._outcome(
                source, item, entry, "cached_only", f"{why}; ingest of {kind} is not available in this build"
            )
        if self.ws is None:
            return self._outcome(source, item, entry, "cached_only", f"{why}; no database given")
        options: dict[str, Any] = {**source.options, **item.options}
        if item.snapshot:
            options["date"] = item.snapshot
        try:
            result = ingest_mod.ingest(self.ws, kind, [entry.file], options=options, source=entry.provenance)[
                0
            ]
        except AnalyzerError as exc:
            return self._outcome(source, item, entry, "failed", f"{why}; ingest failed: {exc}")
        status = "unchanged" if result.skipped else "ingested"
        outcome = self._outcome(source, item, entry, status, f"{why}; {result.summary()}")
        outcome.dataset_id = result.dataset_id
        outcome.snapshot_date = result.snapshot_date
        return outcome

    def _outcome(self, source: Source, item: Item, entry: CachedFile, status: str, message: str) -> Outcome:
        return Outcome(
            source.id,
            entry.url,
            status,
            message,
            path=entry.path,
            sha256=entry.sha256,
            bytes=entry.bytes,
            snapshot_date=item.snapshot,
        )

    def _record(self, o: Outcome) -> None:
        if self.ws is None or o.status == "dry_run":
            return
        self.ws.execute(
            "insert into refresh_log (run_at, source_id, url, path, sha256, bytes, snapshot_date, status, "
            "dataset_id, message) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.run_at,
                o.dataset,
                o.url,
                o.path,
                o.sha256,
                o.bytes,
                o.snapshot_date,
                o.status,
                o.dataset_id,
                o.message,
            ],
        )


def is_dated(source: Source) -> bool:
    """Whether the dataset publishes one snapshot per date (a listing or a URL with the date in it)."""
    return source.resolve == "openintel" or "{date" in source.url or "{date" in (source.index or "")


def refresh(
    ws: Workspace | None,
    sources: list[Source],
    cache: Cache,
    fetcher: Fetcher | None,
    options: RefreshOptions,
    log: Callable[[str], None] | None = None,
) -> RunReport:
    """Refresh `sources` under the cache lock (no lock and no network for a dry run); when files were
    ingested, the stored attribution is brought up to date once, after the last of them."""
    if options.url and len(sources) != 1:
        raise ConfigError("--url replaces one dataset's URL: name exactly one dataset with it")
    if options.days is not None:
        if options.url or options.offline or options.date:
            raise ConfigError(
                "--from/--to fetch a range of days: use them without --date, --url or --offline"
            )
        undated = [s.id for s in sources if not is_dated(s)]
        if undated:
            raise ConfigError(
                f"--from/--to: {', '.join(undated)} publish one current file, not dated snapshots; "
                "name dated datasets (openintel-tranco, ...)"
            )
    runner = Refresher(ws, cache, None if options.dry_run or options.offline else fetcher, options, log)
    if options.dry_run:
        return runner.run(sources)
    with cache.lock():
        report = runner.run(sources)
    if ws is not None and any(o.status == "ingested" for o in report.outcomes):
        report.attribution = attribution.ensure(ws)
    return report


def refresh_datasets(
    db: str | Path | None,
    datasets: Sequence[str] | None = None,
    options: RefreshOptions | None = None,
    *,
    data_dir: str | Path | None = None,
    sources: str | Path | None = None,
    log: Callable[[str], None] | None = None,
    console: Console | None = None,
) -> RunReport:
    """`analyzer refresh`: the registry's datasets (all, or the ones named) fetched into the download
    cache, checked and ingested into the database at `db`, and the stored attribution brought up to
    date. A dry run opens neither the database nor a connection. `log` gets the downloader's
    messages, `console` shows its progress bars."""
    options = options or RefreshOptions()
    if options.dry_run and options.offline:
        raise ConfigError("--dry-run and --offline exclude each other")
    chosen = select(load_sources(Path(sources) if sources else None), list(datasets) if datasets else None)
    cache = Cache(cache_dir(data_dir))
    if options.dry_run:
        return refresh(None, chosen, cache, None, options)
    fetcher = Fetcher(log=log, console=console)
    try:
        with _database_lock(settings.db_path(db)), open_workspace(db) as ws:
            return refresh(ws, chosen, cache, fetcher, options)
    finally:
        fetcher.close()


@contextmanager
def _database_lock(db: Path) -> Iterator[None]:
    """One refresh per database, whatever the data directories: a second one stops with
    RefreshLocked (exit 4) instead of failing on DuckDB's file lock (exit 1). The kernel
    releases the lock when the process dies."""
    if str(db) == ":memory:":
        yield
        return
    lock = db.with_name(db.name + ".refresh.lock")
    try:
        fh = lock.open("a+", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot create the lock file {lock}: {exc}") from exc
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RefreshLocked(
                f"another refresh is running on {db}; this one stops without doing anything: "
                "try again when it has finished"
            ) from None
        yield
