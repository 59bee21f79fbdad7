"""Working-time calendar: mapping between calendar time and working time.

Calendar time ``t`` is float minutes since 00:00 of the scenario's
``start_date`` (t = 0).  Day number ``k`` is the half-open span
``[k*1440, (k+1)*1440)``; its date is ``start_date + k days``.

An office is open during a few intervals each weekday (e.g. 08:00-12:00 and
13:00-17:00 Monday to Friday) and closed on holidays.  Working time counts
only the open minutes:

    W(t) = working minutes elapsed in [0, t]

``W`` is continuous, non-decreasing and flat while the office is closed.
A service needing ``m`` working minutes that starts at ``t`` finishes at the
earliest instant ``r`` with ``W(r) == W(t) + m``: started while closed, it
effectively begins at the next opening; unfinished at closing, it resumes at
the next opening.

Conventions
-----------
* Open intervals are half-open ``[open, close)``: the office is open at
  08:00 and closed at 17:00 exactly.
* Closing-edge convention: ``instant(w)`` returns the EARLIEST ``t`` with
  ``W(t) == w``.  A service that uses up the last minutes of a day therefore
  ends at the closing edge (17:00), not at the next morning's opening.
  To absorb float noise, a ``w`` within ``EPS`` minutes past an interval's
  cumulative end is also snapped to that closing edge.
* Negative times lie before the calendar starts: closed, ``W(t) = 0``.
* ``add_working_days(t, d)`` is the statutory deadline: the closing instant
  of the d-th working day after "the working day of t" (the day containing
  t if it is a working day and t is before its last close, else the next
  working day).  ``d == 0`` is the close of that day itself.
* ``always_open=True`` is a 24/7 calendar: working time == calendar time,
  a working day lasts 1440 minutes, and every method takes a trivial path.
  Its deadlines are rolling: ``t + d*1440`` for ``d >= 1`` and the next
  midnight after ``t`` for ``d == 0`` (so at an exact midnight d=0 and d=1
  coincide).

Implementation: open intervals are precomputed as flat sorted lists (absolute
starts, ends, cumulative working minutes) for the first days and extended by
doubling when a query goes past the end, so queries are O(log n) via bisect.
"""
from __future__ import annotations

import datetime
import math
from bisect import bisect_left, bisect_right
from collections import Counter
from typing import Iterable, Mapping, Sequence

import numpy as np

__all__ = ["WorkingCalendar", "DAY", "EPS", "parse_hhmm"]

DAY = 1440.0          # minutes per calendar day
EPS = 1e-9            # minutes; snapping tolerance at closing edges
_INITIAL_DAYS = 400


def parse_hhmm(s: str) -> float:
    """``"08:30"`` -> 510.0; ``"24:00"`` is allowed (end of day)."""
    try:
        hh, mm = s.strip().split(":")
        h, m = int(hh), int(mm)
    except (AttributeError, ValueError):
        raise ValueError(f"time must be 'HH:MM', got {s!r}") from None
    if not (0 <= m < 60 and 0 <= h <= 24) or (h == 24 and m != 0):
        raise ValueError(f"time out of range: {s!r}")
    return float(h * 60 + m)


def _validate_day(wd, intervals) -> tuple[tuple[float, float], ...]:
    """Check one weekday's intervals; merge touching ones."""
    out: list[tuple[float, float]] = []
    for iv in intervals:
        try:
            o, c = (float(x) for x in iv)
        except (TypeError, ValueError):
            raise ValueError(f"weekday {wd}: interval must be (open, close) minutes, "
                             f"got {iv!r}") from None
        if not (0.0 <= o < c <= DAY):
            raise ValueError(f"weekday {wd}: need 0 <= open < close <= 1440, got {iv!r}")
        if out and o < out[-1][1]:
            raise ValueError(f"weekday {wd}: intervals must be sorted and "
                             f"non-overlapping, got {list(intervals)!r}")
        if out and o == out[-1][1]:
            out[-1] = (out[-1][0], c)          # touching: merge
        else:
            out.append((o, c))
    return tuple(out)


class WorkingCalendar:
    """Opening hours + holidays; converts between calendar and working time."""

    def __init__(self, start_date: datetime.date,
                 weekly_hours: Mapping[int, Sequence[tuple[float, float]]],
                 holidays: Iterable[datetime.date] = (),
                 always_open: bool = False):
        self.start_date = start_date
        self.always_open = bool(always_open)
        week: list[tuple[tuple[float, float], ...]] = [()] * 7
        for wd, ivs in weekly_hours.items():
            if wd not in range(7):
                raise ValueError(f"weekday must be 0 (Monday) .. 6 (Sunday), got {wd!r}")
            week[wd] = _validate_day(wd, ivs)
        self._week = tuple(week)
        lengths = [sum(c - o for o, c in day) for day in week]
        if not self.always_open and not any(lengths):
            raise ValueError("calendar has no open time in the week "
                             "(give weekly_hours or always_open=True)")
        self.holidays = frozenset(holidays)
        self._holiday_days = frozenset((h - start_date).days for h in self.holidays)
        # (first open, last close) when every day with hours has the same ones (a statutory calendar)
        distinct = {hours for hours in week if hours}
        only = next(iter(distinct)) if len(distinct) == 1 else None
        self._same_hours_every_working_day = (only[0][0], only[-1][1]) if only else None
        self._wd0 = start_date.weekday()
        if self.always_open:
            self.minutes_per_working_day = DAY
        else:
            common = [x for x in lengths[:5] if x > 0] or [x for x in lengths if x > 0]
            counts = Counter(common)
            self.minutes_per_working_day = max(counts, key=lambda x: (counts[x], x))
        # Flat per-interval lists over days [0, self._ndays).
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._cum: list[float] = []        # W at each interval start
        self._cum_end: list[float] = []    # W at each interval end
        self._wdays: list[int] = []        # indices of working days
        self._last_close: list[float] = []  # per day: absolute time of its last close (-1: closed)
        self._ndays = 0
        self._covered = 0.0                # = _ndays * DAY: queries below it need no extension
        if not self.always_open:
            self._extend(_INITIAL_DAYS)

    @classmethod
    def from_hhmm(cls, start_date: datetime.date,
                  weekday_hours: Mapping[int, Sequence[tuple[str, str]]],
                  holidays: Iterable[datetime.date] = (),
                  always_open: bool = False) -> "WorkingCalendar":
        """Like the constructor, with ``("08:00", "12:00")`` string intervals."""
        hours = {wd: [(parse_hhmm(o), parse_hhmm(c)) for o, c in ivs]
                 for wd, ivs in weekday_hours.items()}
        return cls(start_date, hours, holidays, always_open)

    def __repr__(self) -> str:
        return (f"WorkingCalendar(start_date={self.start_date}, always_open="
                f"{self.always_open}, holidays={len(self.holidays)})")

    # ----------------------------------------------------------- internals
    def _hours(self, day: int) -> tuple[tuple[float, float], ...]:
        """Relative open intervals of day number ``day`` (() if closed)."""
        if day < 0 or day in self._holiday_days:
            return ()
        return self._week[(self._wd0 + day) % 7]

    def _extend(self, ndays: int) -> None:
        """Precompute intervals up to day ``ndays`` (exclusive), at least doubling."""
        ndays = max(ndays, 2 * self._ndays)
        total = self._cum_end[-1] if self._cum_end else 0.0
        for day in range(self._ndays, ndays):
            hours = self._hours(day)
            if hours:
                self._wdays.append(day)
            base = day * DAY
            self._last_close.append(base + hours[-1][1] if hours else -1.0)
            for o, c in hours:
                self._starts.append(base + o)
                self._ends.append(base + c)
                self._cum.append(total)
                total += c - o
                self._cum_end.append(total)
        self._ndays = ndays
        self._covered = ndays * DAY

    def _day_of(self, t: float) -> int:
        try:
            return int(t // DAY)  # NaN raises ValueError, infinity OverflowError
        except (ValueError, OverflowError):
            raise ValueError(f"time must be finite, got {t!r}") from None

    # ------------------------------------------------------------- queries
    def is_open(self, t: float) -> bool:
        """True if the office is open at instant ``t`` (intervals are [open, close))."""
        if t < 0:
            return False
        if self.always_open:
            return True
        day = self._day_of(t)
        r = t - day * DAY
        return any(o <= r < c for o, c in self._hours(day))

    def next_opening(self, t: float) -> float:
        """``t`` itself if open, else the start of the next open interval."""
        t = t if t > 0.0 else 0.0  # not max(): hot path
        if self.always_open:
            return t
        day = self._day_of(t)
        if day >= self._ndays:
            self._extend(day + 1)
        i = bisect_right(self._starts, t) - 1
        if i >= 0 and t < self._ends[i]:
            return t
        while i + 1 >= len(self._starts):
            self._extend(self._ndays + 1)
        return self._starts[i + 1]

    def working_minutes(self, t: float) -> float:
        """W(t): working minutes elapsed in [0, t] (0 for t < 0)."""
        if t <= 0:
            return 0.0
        if self.always_open:
            return float(t)
        if not t < self._covered:  # also catches NaN
            self._extend(self._day_of(t) + 1)
        i = bisect_right(self._starts, t) - 1
        if i < 0:
            return 0.0
        end = self._ends[i]  # a conditional, not min(): this runs for every service
        return self._cum[i] + ((t if t < end else end) - self._starts[i])

    def instant(self, w: float) -> float:
        """Earliest ``t`` with ``W(t) == w`` (closing-edge convention)."""
        if not 0 <= w < math.inf:
            raise ValueError(f"working time must be finite and >= 0, got {w!r}")
        if w == 0:
            return 0.0
        if self.always_open:
            return float(w)
        while self._cum_end[-1] < w - EPS:
            self._extend(self._ndays + 1)
        j = bisect_left(self._cum_end, w - EPS)
        t, end = self._starts[j] + (w - self._cum[j]), self._ends[j]
        return t if t < end else end

    def add_working_minutes(self, t: float, m: float) -> float:
        """End of a service of ``m`` working minutes started at ``t``.

        ``m == 0`` returns ``t`` unchanged; otherwise ``instant(W(t) + m)``,
        never earlier than ``next_opening(t)`` (this only matters when ``m`` is
        below float resolution / ``EPS``, which would otherwise snap back to
        the closing edge before a closed ``t``).
        """
        if not m >= 0:
            raise ValueError(f"working minutes must be >= 0, got {m!r}")
        if m == 0:
            return t
        if self.always_open:
            return (t if t > 0.0 else 0.0) + m
        r = self.instant(self.working_minutes(t) + m)
        return r if r >= t else self.next_opening(t)

    def add_working_days(self, t: float, d: int) -> float:
        """Deadline: close of the d-th working day after the working day of ``t``."""
        if d < 0:
            raise ValueError(f"working days must be >= 0, got {d!r}")
        t = t if t > 0.0 else 0.0  # not max(): hot path
        if self.always_open and d >= 1:
            return t + d * DAY
        day = self._day_of(t)
        if self.always_open:
            return (day + 1) * DAY
        if day + 1 >= self._ndays:
            self._extend(day + 2)
        if t >= self._last_close[day]:   # closed day (-1) or after its last close
            day += 1
        n = bisect_left(self._wdays, day) + d
        while n >= len(self._wdays):
            self._extend(self._ndays + 1)
        return self._last_close[self._wdays[n]]

    def add_working_days_many(self, t: np.ndarray, d: np.ndarray) -> np.ndarray:
        """:meth:`add_working_days` for arrays of instants and day counts (a block of
        arrivals): the same table look-ups, vectorised, so the same values exactly."""
        t = np.maximum(np.asarray(t, dtype=float), 0.0)
        d = np.asarray(d, dtype=np.int64)
        if not len(t):
            return t.copy()
        if not np.isfinite(t).all() or (d < 0).any():
            raise ValueError("instants must be finite and working days >= 0")
        day = (t // DAY).astype(np.int64)
        if self.always_open:
            return np.where(d >= 1, t + d * DAY, (day + 1) * DAY)
        if int(day.max()) + 1 >= self._ndays:
            self._extend(int(day.max()) + 2)
        day += t >= np.asarray(self._last_close)[day]
        n = np.searchsorted(np.asarray(self._wdays), day, side="left") + d
        while int(n.max()) >= len(self._wdays):
            self._extend(self._ndays + 1)
        return np.asarray(self._last_close)[np.asarray(self._wdays)[n]]

    def deadline_day_opening(self, deadline: float) -> float:
        """The first opening of the day a deadline instant falls on (the appointment: a result
        held for its appointment date is handed back from then). A deadline at midnight
        closes the day before; a day without opening hours starts at midnight."""
        day = math.ceil(deadline / DAY) - 1
        hours = self._hours(day) if not self.always_open else ()
        return day * DAY + (hours[0][0] if hours else 0.0)

    def deadline_day_opening_many(self, deadlines: np.ndarray) -> np.ndarray:
        """:meth:`deadline_day_opening` for an array (a block of arrivals)."""
        deadlines = np.asarray(deadlines, dtype=float)
        days = np.ceil(deadlines / DAY) - 1
        if self.always_open:
            return days * DAY
        if self._same_hours_every_working_day:  # a deadline is a last close: its day opens a fixed time earlier
            open_, close = self._same_hours_every_working_day
            if np.all(deadlines - days * DAY == close):
                return deadlines - (close - open_)
        unique, where = np.unique(days.astype(np.int64), return_inverse=True)
        first = np.array([self.deadline_day_opening((d + 1) * DAY) for d in unique.tolist()], dtype=float)
        return first[where.reshape(-1)] if len(days) else np.zeros(0)

    def working_minutes_many(self, t: np.ndarray) -> np.ndarray:
        """:meth:`working_minutes` for an array of instants (the same arithmetic)."""
        t = np.asarray(t, dtype=float)
        if self.always_open:
            return np.where(t > 0, t, 0.0)
        if len(t) and not t.max() < self._covered:
            if not np.isfinite(t).all():
                raise ValueError("instants must be finite")
            self._extend(self._day_of(float(t.max())) + 1)
        starts = np.asarray(self._starts)
        i = np.searchsorted(starts, t, side="right") - 1
        j = np.maximum(i, 0)
        w = np.asarray(self._cum)[j] + (np.minimum(t, np.asarray(self._ends)[j]) - starts[j])
        return np.where((t <= 0) | (i < 0), 0.0, w)

    def working_days_between_many(self, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
        """:meth:`working_days_between` for arrays (a batch of completed dossiers)."""
        if self.always_open:
            return (np.maximum(t1, 0.0) - np.maximum(t0, 0.0)) / DAY
        return (self.working_minutes_many(t1) - self.working_minutes_many(t0)) / self.minutes_per_working_day

    def working_days_between(self, t0: float, t1: float) -> float:
        """(W(t1) - W(t0)) / minutes_per_working_day."""
        if self.always_open:
            return ((t1 if t1 > 0.0 else 0.0) - (t0 if t0 > 0.0 else 0.0)) / DAY
        return (self.working_minutes(t1) - self.working_minutes(t0)) / self.minutes_per_working_day

    def day_intervals(self, day_index: int) -> list[tuple[float, float]]:
        """Absolute open intervals of day ``day_index`` (0 = start_date); [] if closed."""
        base = day_index * DAY
        if self.always_open:
            return [(base, base + DAY)] if day_index >= 0 else []
        return [(base + o, base + c) for o, c in self._hours(day_index)]

    def is_working_day(self, day_index: int) -> bool:
        if self.always_open:
            return day_index >= 0
        return bool(self._hours(day_index))

    def working_day_count(self, first_day: int, last_day_exclusive: int) -> int:
        """Number of working days ``k`` with ``first_day <= k < last_day_exclusive``."""
        first_day = max(first_day, 0)
        if last_day_exclusive <= first_day:
            return 0
        if self.always_open:
            return last_day_exclusive - first_day
        if last_day_exclusive > self._ndays:
            self._extend(last_day_exclusive)
        return bisect_left(self._wdays, last_day_exclusive) - bisect_left(self._wdays, first_day)

    def date_of(self, t: float) -> datetime.date:
        """Calendar date of instant ``t``."""
        return self.start_date + datetime.timedelta(days=self._day_of(t))
