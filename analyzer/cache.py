"""The download cache: dated files per dataset, a JSON sidecar per file, and the refresh lock.

`analyzer refresh` fills it; readers below the refresh machinery read it too (psl.psl_in_use takes
the newest Public Suffix List refresh accepted), so it depends on nothing but errors.

Layout: `<data dir>/<dataset id>/<YYYY-MM-DD>/<file>` with `<file>.meta.json` beside it. The sidecar
is written only after the file is complete and checked, so a file without one is never used.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from analyzer.errors import AnalyzerError, ConfigError

META_SUFFIX = ".meta.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._=-]+")


class RefreshLocked(AnalyzerError):
    """Another refresh holds the lock on this data directory."""


def data_dir(option: str | Path | None = None) -> Path:
    """`--data-dir`, else `$ANALYZER_DATA`, else `$XDG_DATA_HOME/analyzer` (~/.local/share/analyzer)."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get("ANALYZER_DATA")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "analyzer"


def safe_name(text: str, limit: int = 120) -> str:
    """A file name from a URL basename or a query: no separators, no surprises."""
    name = _UNSAFE.sub("_", text).strip("._") or "download"
    return name[:limit]


@dataclass
class CachedFile:
    """What the sidecar says about one cached file."""

    source_id: str
    date: str  # the snapshot date the file was fetched for (YYYY-MM-DD)
    path: str
    url: str
    sha256: str
    bytes: int
    fetched_at: str
    checked_at: str
    status: str = "ok"  # ok | held_back | refused
    rows: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    message: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    final_url: str | None = None  # where redirects led, when not `url`

    @property
    def provenance(self) -> str:
        """What datasets.source records: the URL, and where its redirects led."""
        return f"{self.url} (redirected to {self.final_url})" if self.final_url else self.url

    @property
    def file(self) -> Path:
        return Path(self.path)

    @property
    def checked(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.checked_at)


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class Cache:
    """The data directory of one user or service account."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def dir_for(self, source_id: str, date: dt.date) -> Path:
        return self.root / source_id / date.isoformat()

    def record(self, entry: CachedFile) -> None:
        """Write the sidecar atomically: from now on the file counts as cached."""
        meta = Path(entry.path + META_SUFFIX)
        tmp = meta.with_name(meta.name + ".tmp")
        tmp.write_text(json.dumps(asdict(entry), indent=1), encoding="utf-8")
        os.replace(tmp, meta)

    def entries(self, source_id: str | None = None) -> list[CachedFile]:
        """Every cached file whose sidecar is readable and whose bytes are still there, oldest first."""
        pattern = f"{source_id}/*/*{META_SUFFIX}" if source_id else f"*/*/*{META_SUFFIX}"
        found = []
        for meta in self.root.glob(pattern):
            try:
                entry = CachedFile(**json.loads(meta.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                continue
            if entry.file.is_file():
                found.append(entry)
        return sorted(found, key=lambda e: (e.date, e.fetched_at, e.path))

    def latest(self, source_id: str, url: str | None = None) -> CachedFile | None:
        """The newest usable (`ok`) copy, of one URL when given."""
        usable = [e for e in self.entries(source_id) if e.status == "ok" and (url is None or e.url == url)]
        return usable[-1] if usable else None

    def complete(self, source_id: str, date: dt.date, url: str) -> CachedFile | None:
        """A copy of `url` already fetched for this date: a restarted refresh reuses it as is."""
        for entry in reversed(self.entries(source_id)):
            if entry.date == date.isoformat() and entry.url == url and entry.status != "refused":
                return entry
        return None

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive for the process lifetime; the kernel releases it if the process dies."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the data directory {self.root}: {exc}") from exc
        path = self.root / ".refresh.lock"
        fh = path.open("a+", encoding="utf-8")
        try:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                raise RefreshLocked(
                    f"another refresh is running on {self.root} ({holder}); "
                    "this one stops without doing anything: try again when it has finished"
                ) from None
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()} since {now_utc()}")
            fh.flush()
            yield
        finally:
            fh.close()
