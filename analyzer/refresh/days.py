"""A range of daily snapshots (`analyzer refresh DATASET --from D --to D [--every N]`) and the guard
that holds back a day whose size falls far below its neighbours'.

Upstream lists have shipped truncated days (Tranco's list of 2026-02-28 had 231,784 of its usual
5,505,252 lines) and skipped days. A truncated day loaded as a snapshot would look like thousands of
companies leaving their providers overnight, so a day is compared with the median of its nearest
neighbours (days before and after, from this run and from the download cache) and held back when it
has less than DAY_MIN_SHARE of it; `--force` accepts it. A day with no file upstream is reported as
`missing`, never skipped silently.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from analyzer.errors import ConfigError

# A day with fewer rows than this share of its neighbours' median is held back.
DAY_MIN_SHARE = 0.5
# How many neighbouring days (nearest first, either side) the median is taken over.
NEIGHBOURS = 4
# A range longer than this is most likely a typo in --from or --to.
MAX_DAYS = 3660


@dataclass(frozen=True)
class DateRange:
    start: dt.date
    end: dt.date
    every: int = 1

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ConfigError(f"--to {self.end} is before --from {self.start}")
        if self.every < 1:
            raise ConfigError(f"--every {self.every}: give a number of days, 1 or more")
        if (self.end - self.start).days // self.every + 1 > MAX_DAYS:
            raise ConfigError(f"--from {self.start} --to {self.end} is over {MAX_DAYS} days; narrow it")

    def days(self) -> list[dt.date]:
        span = (self.end - self.start).days
        return [self.start + dt.timedelta(days=n) for n in range(0, span + 1, self.every)]


def short_day(rows: int, day: dt.date, known: dict[dt.date, int]) -> str | None:
    """Why `day` (with `rows` rows) is held back against the other days of `known`, or None."""
    others = sorted((d for d in known if d != day), key=lambda d: (abs((d - day).days), d))[:NEIGHBOURS]
    if not others:
        return None
    median = statistics.median(known[d] for d in others)
    if median <= 0 or rows >= median * DAY_MIN_SHARE:
        return None
    shown = ", ".join(str(d) for d in sorted(others))
    return (
        f"{day}: {rows:,} rows against a median of {median:,.0f} on the neighbouring days {shown} "
        f"(-{1 - rows / median:.0%}); held back as truncated, re-run with --force to accept it"
    )
