"""Verified downloads with requests: HTTPS only, retries, conditional GET, Range resume, sha256, size cap.

The only module of analyzer that opens network connections. A download is streamed into
`<dest>.part`; only a complete body is renamed to `dest` (atomic on one file system), so a cut
connection leaves either nothing or a resumable part file, never a short file under the real name.
"""

from __future__ import annotations

import email.utils
import hashlib
import ipaddress
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from analyzer.errors import AnalyzerError
from analyzer.safe_text import visible
from analyzer.version import __version__

USER_AGENT = f"analyzer/{__version__} (passive export-control infrastructure research; python-requests)"
CHUNK = 1 << 20
REDIRECTS = (301, 302, 303, 307, 308)


class DownloadError(AnalyzerError):
    """A file could not be fetched, or what came back is not acceptable."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"{url}: {problem}")
        self.url = url
        self.problem = problem


@dataclass
class HttpPolicy:
    """Timeouts, retries and safety switches; tests shrink the waits, production keeps the defaults."""

    connect_timeout: float = 15.0
    read_timeout: float = 120.0
    retries: int = 4
    backoff: float = 2.0  # first wait after a failure; doubles each time
    max_wait: float = 600.0  # longest single wait (backoff or Retry-After) before giving up
    max_redirects: int = 5
    ca_bundle: str | None = None  # a CA file to trust instead of the system store (tests)
    allow_http_loopback: bool = False  # test-only: plain http:// to 127.0.0.1/::1/localhost


@dataclass
class Fetched:
    """Outcome of one download: a new complete file, or the server's word that nothing changed."""

    url: str
    status: str  # downloaded | not_modified
    path: Path | None = None
    bytes: int = 0
    sha256: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    resumed_from: int = 0
    attempts: int = 1
    final_url: str | None = None  # after redirects, when it differs from `url`
    length_known: bool = True  # the server announced the length (Content-Length or chunked)


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying after `wait` seconds."""

    def __init__(self, problem: str, wait: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.wait = wait


def _is_loopback(host: str | None) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class Fetcher:
    """One requests session with the policy applied; `download` and `get_text` are the whole API."""

    def __init__(
        self,
        policy: HttpPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] | None = None,
        console: Console | None = None,
    ) -> None:
        self.policy = policy or HttpPolicy()
        self.sleep = sleep
        self.log = log or (lambda _msg: None)
        self.console = console
        self.session = requests.Session()
        self.session.headers.update(
            # identity: byte ranges and sizes must refer to the file, not to a compressed transfer.
            {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
        )

    def close(self) -> None:
        self.session.close()

    # -- safety --------------------------------------------------------------------------------
    def check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme == "https":
            return
        if parts.scheme == "http" and self.policy.allow_http_loopback and _is_loopback(parts.hostname):
            return
        raise DownloadError(url, "refused: only https:// URLs are fetched (the data must be verified)")

    def _get(self, url: str, headers: dict[str, str]) -> requests.Response:
        """GET following redirects by hand, so that every hop is checked for https."""
        verify: bool | str = self.policy.ca_bundle or True
        timeout = (self.policy.connect_timeout, self.policy.read_timeout)
        for _ in range(self.policy.max_redirects + 1):
            self.check_url(url)
            response = self.session.get(
                url, headers=headers, stream=True, timeout=timeout, verify=verify, allow_redirects=False
            )
            if response.status_code not in REDIRECTS:
                return response
            location = response.headers.get("Location")
            response.close()
            if not location:
                raise DownloadError(url, f"HTTP {response.status_code} redirect without a Location")
            target = urljoin(url, location)
            try:
                self.check_url(target)
            except DownloadError:
                raise DownloadError(url, f"refused: redirected to {target}, which is not https") from None
            url = target
        raise DownloadError(url, f"more than {self.policy.max_redirects} redirects")

    # -- retry loop ----------------------------------------------------------------------------
    def _attempts(self, url: str, attempt: Callable[[], Any]) -> Any:
        problem = "no attempt made"
        for n in range(self.policy.retries + 1):
            wait: float | None = None
            try:
                return attempt()
            except _Retry as exc:
                problem, wait = exc.problem, exc.wait
            except requests.exceptions.SSLError as exc:
                raise DownloadError(url, f"TLS verification failed: {exc}") from exc
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"connection failed: {type(exc).__name__}"
            if n == self.policy.retries:
                break
            wait = self.policy.backoff * (2**n) if wait is None else wait
            if wait > self.policy.max_wait:
                raise DownloadError(url, f"{problem}; the server asks to wait {wait:.0f}s, giving up")
            self.log(f"{url}: {problem}; retrying in {wait:.1f}s ({n + 1}/{self.policy.retries})")
            self.sleep(wait)
        raise DownloadError(url, f"gave up after {self.policy.retries + 1} attempts: {problem}")

    def _check_status(self, response: requests.Response) -> None:
        status = response.status_code
        if status == 429:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            response.close()
            shown = "none" if wait is None else f"{wait:.0f}s"
            raise _Retry(f"HTTP 429 Too Many Requests (Retry-After {shown})", wait)
        if status >= 500:
            response.close()
            raise _Retry(f"HTTP {status} {response.reason}")
        if status >= 400:
            response.close()
            raise DownloadError(response.url or "", f"HTTP {status} {response.reason}")

    # -- small documents (listings, download pages) ---------------------------------------------
    def get_text(self, url: str, *, max_bytes: int = 32 << 20) -> str:
        """A listing or page as text, with the same retries, size-capped."""

        def attempt() -> str:
            response = self._get(url, {})
            self._check_status(response)
            body = bytearray()
            try:
                for chunk in response.iter_content(CHUNK):
                    body.extend(chunk)
                    if len(body) > max_bytes:
                        raise DownloadError(url, f"listing larger than {max_bytes:,} bytes; refused")
            except requests.exceptions.ChunkedEncodingError as exc:
                raise _Retry(f"connection cut: {exc}") from None
            finally:
                response.close()
            return body.decode(response.encoding or "utf-8", errors="replace")

        return self._attempts(url, attempt)

    # -- files ---------------------------------------------------------------------------------
    def download(
        self,
        url: str,
        dest: Path,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
        accept_types: tuple[str, ...] = (),
    ) -> Fetched:
        """Fetch `url` into `dest` atomically; `not_modified` when the validators still match."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        part_meta = dest.with_name(dest.name + ".part.json")
        count = {"n": 0}

        def attempt() -> Fetched:
            count["n"] += 1
            have = part.stat().st_size if part.exists() else 0
            validator = _read_json(part_meta).get("validator") if have else None
            headers: dict[str, str] = {}
            if have and validator:
                headers["Range"] = f"bytes={have}-"
                headers["If-Range"] = validator
            else:
                have = 0
                if etag:
                    headers["If-None-Match"] = etag
                if last_modified:
                    headers["If-Modified-Since"] = last_modified
            response = self._get(url, headers)
            self._check_status(response)
            if response.status_code == 304:
                response.close()
                return Fetched(url, "not_modified", etag=etag, last_modified=last_modified)
            try:
                return self._receive(url, response, part, part_meta, have, max_bytes, accept_types, count)
            finally:
                response.close()

        fetched: Fetched = self._attempts(url, attempt)
        if fetched.status == "downloaded":
            os.replace(part, dest)
            part_meta.unlink(missing_ok=True)
            fetched.path = dest
            _stamp(dest, fetched.last_modified)
        return fetched

    def _receive(
        self,
        url: str,
        response: requests.Response,
        part: Path,
        part_meta: Path,
        have: int,
        max_bytes: int | None,
        accept_types: tuple[str, ...],
        count: dict[str, int],
    ) -> Fetched:
        content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type == "text/html" or (
            content_type and accept_types and not content_type.startswith(accept_types)
        ):
            _discard(part, part_meta)
            raise DownloadError(
                url, f"unexpected Content-Type {content_type!r} (expected {', '.join(accept_types)})"
            )
        resumed = response.status_code == 206
        if resumed:
            start = _content_range_start(response.headers.get("Content-Range"))
            if start != have:
                _discard(part, part_meta)
                raise _Retry(f"server resumed at byte {start}, expected {have}; starting over")
        else:
            have = 0
        length = response.headers.get("Content-Length")
        expected = have + int(length) if length and length.isdigit() else None
        if max_bytes is not None and expected is not None and expected > max_bytes:
            _discard(part, part_meta)
            raise DownloadError(url, f"{expected:,} bytes is over the size cap of {max_bytes:,}; refused")
        got_etag = response.headers.get("ETag")
        got_modified = response.headers.get("Last-Modified")
        if not resumed:
            # Only a strong ETag or a date may guard a later Range request (If-Range).
            validator = got_etag if got_etag and not got_etag.startswith("W/") else got_modified
            _write_json(part_meta, {"url": url, "validator": validator})
        received = have
        digest = hashlib.sha256()
        if resumed:  # the hash covers the whole file: the part on disk first, then what arrives
            with part.open("rb") as old:
                while block := old.read(CHUNK):
                    digest.update(block)
        with part.open("ab" if resumed else "wb") as fh, self._progress(url, expected, have) as advance:
            try:
                for chunk in _chunks(response):
                    received += len(chunk)
                    if max_bytes is not None and received > max_bytes:
                        fh.close()
                        _discard(part, part_meta)
                        raise DownloadError(url, f"body exceeds the size cap of {max_bytes:,} bytes; refused")
                    fh.write(chunk)
                    digest.update(chunk)
                    advance(len(chunk))
            except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError) as exc:
                raise _Retry(f"connection cut after {received:,} bytes: {type(exc).__name__}") from None
        if expected is not None and received < expected:
            raise _Retry(f"truncated body: {received:,} of {expected:,} bytes")
        chunked = "chunked" in (response.headers.get("Transfer-Encoding") or "").lower()
        final = response.url if response.url and response.url != url else None
        self.log(f"{url}: {received:,} bytes" + (f" (resumed at {have:,})" if resumed else ""))
        return Fetched(
            url,
            "downloaded",
            bytes=received,
            sha256=digest.hexdigest(),
            etag=got_etag,
            last_modified=got_modified,
            content_type=content_type or None,
            resumed_from=have if resumed else 0,
            attempts=count["n"],
            final_url=final,
            length_known=expected is not None or chunked,
        )

    def _progress(self, url: str, total: int | None, done: int) -> Any:
        """A rich bar on a terminal; otherwise nothing (the caller logs a line per file)."""
        return _Bar(self.console, url, total, done)


class _Bar:
    def __init__(self, console: Console | None, url: str, total: int | None, done: int) -> None:
        self.progress: Progress | None = None
        if console is not None and console.is_terminal:
            self.progress = Progress(
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                console=console,
                transient=True,
            )
            name = visible(url.rsplit("/", 1)[-1][:40], one_line=True)
            self.task = self.progress.add_task(name, total=total, completed=done)

    def __enter__(self) -> Callable[[int], None]:
        if self.progress is None:
            return lambda _n: None
        self.progress.start()
        progress, task = self.progress, self.task
        return lambda n: progress.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def _chunks(response: requests.Response) -> Iterator[bytes]:
    """The body in blocks, undecoded. Unlike iter_content, a plain read hands over the bytes that came
    before a cut (the error surfaces on the next read), so a resume loses nothing."""
    raw = response.raw
    try:
        while chunk := raw.read(CHUNK, decode_content=False):
            yield chunk
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise requests.exceptions.ChunkedEncodingError(str(exc)) from None


def _stamp(path: Path, last_modified: str | None) -> None:
    """File time = upstream Last-Modified: ingest falls back to it as the snapshot date."""
    try:
        when = email.utils.parsedate_to_datetime(last_modified) if last_modified else None
    except (TypeError, ValueError):
        return
    if when is not None:
        os.utime(path, (when.timestamp(), when.timestamp()))


def _content_range_start(value: str | None) -> int | None:
    # "bytes 100-999/1000"
    if not value or not value.startswith("bytes "):
        return None
    try:
        return int(value[6:].split("-", 1)[0])
    except ValueError:
        return None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _write_json(path: Path, value: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value), encoding="utf-8")
    os.replace(tmp, path)


def _discard(part: Path, part_meta: Path) -> None:
    part.unlink(missing_ok=True)
    part_meta.unlink(missing_ok=True)
