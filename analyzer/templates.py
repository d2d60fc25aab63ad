"""New databases are copies of a cached empty one, as PostgreSQL's `createdb` copies `template1`.

Preparing an empty database (the schema, the `sql/` views, the provider catalog, the Public
Suffix List) takes one to two seconds, nearly all of it DuckDB binding the nested views of sql/:
more than an ingest of a million DNS records. A new database starts as a byte copy of a template
prepared once per version of those inputs, in `$ANALYZER_CACHE_DIR`, else
`$XDG_CACHE_HOME/analyzer`, else `~/.cache/analyzer`. Nothing is trusted from the copy: the
workspace checks the schema version and the sql/, catalog and PSL digests of the copied database
as it checks any database it opens, and re-applies what differs. Without a writable cache the
database is prepared in place, as before.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from analyzer.settings import cache_dir

_PREFIX = "empty-"


def seed(path: Path, key: str, build: Callable[[Path], None]) -> bool:
    """Create `path` (which must not exist) as a copy of the template named by `key`, building the
    template with `build(file)` first when it is not cached; False when no copy was made (no
    writable cache, or `path` appeared meanwhile): the caller then prepares the database itself."""
    try:
        template = _template(key, build)
    except (OSError, RuntimeError):  # RuntimeError: Path.home() without a home directory
        return False
    try:
        dst = path.open("xb")  # never over a file somebody else just created
    except OSError:
        return False
    try:
        with dst, template.open("rb") as src:
            shutil.copyfileobj(src, dst, 1 << 20)
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink()
        return False
    return True


def _template(key: str, build: Callable[[Path], None]) -> Path:
    """The template file of `key`, built and renamed into place atomically when missing (two
    processes building it at once both succeed; the last rename wins, with equal contents)."""
    folder = cache_dir() / "templates"
    final = folder / f"{_PREFIX}{key[:24]}.duckdb"
    if final.is_file():
        return final
    folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=folder))
    try:
        file = work / "empty.duckdb"
        build(file)
        if Path(f"{file}.wal").exists():  # build() must leave a checkpointed file
            raise OSError(f"{file}: template left a write-ahead log")
        os.replace(file, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for old in folder.glob(f"{_PREFIX}*.duckdb"):  # templates of earlier versions
        if old != final:
            with contextlib.suppress(OSError):
                old.unlink()
    return final
