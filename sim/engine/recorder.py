"""What one replication measures, kept as streaming aggregates.

Figures cover the dossiers that arrive after the warm-up ("counted" dossiers):

* arrived, completed, in process at the end — and arrived = completed + in process,
  because each counted dossier is in exactly one of the two sets;
* wait before first service, in working minutes (time the centre is open: a dossier
  filed online at night that is taken at 08:00 has waited 0 working minutes);
* time in system from first filing to completion, in calendar days and in working days;
* on-time share: completed by the statutory deadline (restarted after supplementation);
  split three ways as Vietnamese reports do: early (trước hạn, handed back before the
  deadline day), on the due date (đúng hạn, on the deadline day, by the deadline) and late
  (quá hạn, after the deadline); a result held for its appointment date counts when it is
  handed back;
* in process at the end: already overdue, within the deadline, and held for the
  appointment date (work done, result not yet handed back);
* per commune, per channel, per field, per pool; the backlog at the end of every day;
* by date, for the region, each channel and each field: the counted dossiers arrived,
  completed, completed on time and early from the start to the end of every day (dated checkpoints
  of a calibration: "received by 13 July", "in process at 31 August"); counted in the batch,
  from each arrival's and completion's time, never per dossier on the hot path;
* the time-average number of dossiers in the system, for Little's law, from the time each
  dossier spends in the system after the warm-up (added when it leaves, or at the end).

Nothing is kept per dossier: the dossiers still in process at the end are found where
they wait (queues, sign-off trays, pending events). A per-dossier log is kept only when asked.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .analytic import predict_pool
from .dossier import log_row
from .stats import Batch, GroupHistograms

DAY = 1440.0
BATCH = 1 << 15  # observations buffered before they are folded into the histograms
GROUPINGS = ("region", "commune", "channel", "field")
DAILY_GROUPINGS = ("region", "channel", "field")  # by date; per commune and day would weigh more than it tells
RESOLUTION = {"region": 64, "commune": 16, "channel": 32, "field": 32}  # sub-buckets per octave
ON_TIME_SLACK = 1e-6  # minutes: a result handed back at the deadline instant, give or take float noise, is on time


class Grouping:
    """Histograms of wait, time in system (days, working days) and counts for one way of
    slicing the dossiers: one group for the region, one per commune, channel or field."""

    COUNTS = ("arrived", "on_time", "early", "overdue", "held")

    def __init__(self, groups: int, sub: int):
        self.arrived = np.zeros(groups, dtype=np.int64)
        self.on_time = np.zeros(groups, dtype=np.int64)
        self.early = np.zeros(groups, dtype=np.int64)  # handed back before the deadline day
        self.overdue = np.zeros(groups, dtype=np.int64)  # in process past the deadline at the end
        self.held = np.zeros(groups, dtype=np.int64)  # in process at the end, held for the appointment date
        self.waits = GroupHistograms(groups, sub)
        self.days = GroupHistograms(groups, sub)
        self.working_days = GroupHistograms(groups, sub)

    def add(self, other: "Grouping") -> None:
        """The same groups, seen in another shard: counts and histograms add up."""
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in self._histograms(other):
            mine.add_histograms(theirs)

    def extend(self, other: "Grouping") -> None:
        """The groups that follow (the next shard's communes)."""
        for name in self.COUNTS:
            setattr(self, name, np.concatenate((getattr(self, name), getattr(other, name))))
        for mine, theirs in self._histograms(other):
            mine.extend(theirs)

    def _histograms(self, other: "Grouping"):
        return ((self.waits, other.waits), (self.days, other.days), (self.working_days, other.working_days))

    def figures(self) -> list[dict]:
        completed = self.days.n
        columns = {
            "dossiers_arrived": self.arrived, "dossiers_completed": completed,
            "dossiers_in_process": self.arrived - completed, "dossiers_overdue_in_process": self.overdue,
            "mean_wait_minutes": self.waits.mean(), "p50_wait_minutes": self.waits.quantile(0.5),
            "p90_wait_minutes": self.waits.quantile(0.9), "p95_wait_minutes": self.waits.quantile(0.95),
            "probability_of_waiting": 1 - self.waits.share_zero(),
            "mean_time_in_system_days": self.days.mean(), "p90_time_in_system_days": self.days.quantile(0.9),
            "mean_time_in_system_working_days": self.working_days.mean(),
            "p90_time_in_system_working_days": self.working_days.quantile(0.9),
        }
        with np.errstate(invalid="ignore", divide="ignore"):
            columns["on_time_share"] = np.where(completed > 0, self.on_time / np.maximum(completed, 1), np.nan)
            share = lambda count: np.where(completed > 0, count / np.maximum(completed, 1), np.nan)  # noqa: E731
            columns["early_share"] = share(self.early)
            columns["on_due_date_share"] = share(self.on_time - self.early)
            columns["late_share"] = share(completed - self.on_time)
        columns["dossiers_in_process_within_deadline"] = self.arrived - completed - self.overdue
        columns["dossiers_held_for_appointment"] = self.held
        return [{k: v[g].item() for k, v in columns.items()} for g in range(len(self.arrived))]


class Daily:
    """Counted dossiers per group and calendar day of the horizon: arrived, completed, completed
    on time, completed early (by the day they happened); :meth:`figures` turns them into counts
    to date."""

    COUNTS = ("arrived", "completed", "on_time", "early")

    def __init__(self, groups: int, days: int):
        self.groups, self.days = groups, days
        for name in self.COUNTS:
            setattr(self, name, np.zeros(groups * days, dtype=np.int64))

    def day_of(self, times: np.ndarray) -> np.ndarray:
        """The day of the horizon each instant (minutes) falls in: worked out once per batch
        and shared by every grouping."""
        return np.minimum((times // DAY).astype(np.int64), self.days - 1)  # nothing happens at the end itself

    def count_arrivals(self, groups: np.ndarray, days: np.ndarray) -> None:
        self.arrived += self._count(groups * self.days + days)

    def count_completions(self, groups: np.ndarray, days: np.ndarray, on_time: np.ndarray, early: np.ndarray) -> None:
        """Completions of ``groups`` on ``days`` (:meth:`day_of`), and which were on time, early."""
        slots = groups * self.days + days
        self.completed += self._count(slots)
        self.on_time += self._count(slots, on_time)
        self.early += self._count(slots, early)

    def _count(self, slots: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(slots, weights, minlength=self.groups * self.days).astype(np.int64)

    def add(self, other: "Daily") -> None:
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self) -> list[dict]:
        """Per group, from the start to the end of each day: dossiers arrived, completed, in
        process (arrived - completed), and the on-time and early shares of those completed."""
        shape = (self.groups, self.days)
        arrived, completed, on_time, early = (getattr(self, n).reshape(shape).cumsum(axis=1) for n in self.COUNTS)
        with np.errstate(invalid="ignore", divide="ignore"):
            on_time_share = np.where(completed > 0, on_time / np.maximum(completed, 1), np.nan)
            early_share = np.where(completed > 0, early / np.maximum(completed, 1), np.nan)
        return [{"dossiers_arrived": arrived[g].tolist(), "dossiers_completed": completed[g].tolist(),
                 "dossiers_in_process": (arrived[g] - completed[g]).tolist(),
                 "on_time_share": on_time_share[g].tolist(), "early_share": early_share[g].tolist()}
                for g in range(self.groups)]


class Recorder:
    def __init__(self, sim, dossier_log: bool = False):
        self.sim, self.env, self.calendar, self.statutory = sim, sim.env, sim.calendar, sim.statutory
        self.n_channels, self.n_fields = len(sim.channels), len(sim.fields)
        # A shard (sim/shards.py) keeps histograms for its own communes only, from the first.
        self.first_commune = sim.communes[0].index if sim.communes else 0
        sizes = {"region": 1, "commune": len(sim.communes), "channel": self.n_channels, "field": self.n_fields}
        self.groupings = {name: Grouping(sizes[name], RESOLUTION[name]) for name in GROUPINGS}
        self.daily = {name: Daily(sizes[name], sim.scenario.horizon.days) for name in DAILY_GROUPINGS}
        self.live: list = []  # counted dossiers in process at the end (set by result)
        # Every dossier (warm-up ones too) by the day it arrived and the day it left: the
        # backlog at the end of each day
        self.entered_by_day = np.zeros(sim.scenario.horizon.days, dtype=np.int64)
        self.left_by_day = np.zeros(sim.scenario.horizon.days, dtype=np.int64)
        self.warmup_time = sim.warmup_time
        self.area = 0.0  # dossier-minutes in the system after the warm-up (Little's L x time)
        self.log = [] if dossier_log else None
        # Hot-path buffers: plain list appends (flat: no tuple per dossier), folded into the
        # histograms in batches of BATCH dossiers.
        self._arrivals: list[np.ndarray] = []  # keys of counted arrivals, a block at a time
        self._arrival_times: list[np.ndarray] = []  # and their times (the day they arrive)
        self.first_waits: list = []  # key, wait, key, wait, ... appended by the pools
        self.done: list = []  # key, arrival, finish, deadline, key, ... of all that left (direct pools append too)

    def arrivals_ahead(self, block, warmup_time: float) -> None:
        """Count a block's arrivals when it is drawn (each arrives before the run ends):
        cheaper than counting dossier by dossier."""
        self.entered_by_day += np.bincount(self.daily["region"].day_of(block.times), minlength=len(self.entered_by_day))
        counted = block.times >= warmup_time
        self._arrivals.append(block.keys[counted])
        self._arrival_times.append(block.times[counted])
        if len(self.first_waits) >= 2 * BATCH:
            self.flush()

    def completed(self, d) -> None:
        """A dossier leaves. Every one is buffered, warm-up ones too (they count in the backlog
        and, after the warm-up, in the time-average number in the system); the rest is worked
        out a batch at a time (:meth:`flush`)."""
        now = self.env._now
        done = self.done
        done.append(d.key)
        done.append(d.arrival)
        done.append(now)
        done.append(d.deadline)
        if len(done) >= 4 * BATCH:
            self.flush()
        if self.log is not None and d.counted:
            self.log.append(log_row(d, now, now <= d.deadline + ON_TIME_SLACK))

    def flush(self) -> None:
        """Fold the buffered waits and completions into the histograms and counts (also called
        by a direct pool, sim/engine/direct.py, whose buffer is full)."""
        arrivals = np.concatenate(self._arrivals) if self._arrivals else np.zeros(0, dtype=np.int64)
        arrival_times = np.concatenate(self._arrival_times) if self._arrival_times else np.zeros(0)
        waits = np.fromiter(self.first_waits, float, len(self.first_waits)).reshape(-1, 2)
        done = np.fromiter(self.done, float, len(self.done)).reshape(-1, 4)
        self._arrivals, self._arrival_times = [], []
        self.done.clear()  # direct pools hold this list too: empty it, do not replace it
        self.first_waits.clear()  # the pools hold this list: empty it, do not replace it
        keys, arrival, finish, deadline = done[:, 0].astype(np.int64), done[:, 1], done[:, 2], done[:, 3]
        day_of = self.daily["region"].day_of  # every grouping's days are the horizon's
        self.left_by_day += np.bincount(day_of(finish), minlength=len(self.left_by_day))
        self._add_time_in_system(arrival, finish)
        counted = arrival >= self.warmup_time
        if not counted.all():  # warm-up dossiers leave the figures here
            keys, arrival, finish, deadline = keys[counted], arrival[counted], finish[counted], deadline[counted]
        wait_keys = waits[:, 0].astype(np.int64)
        # Each batch of values is taken apart once for the four groupings' histograms
        waited = Batch(waits[:, 1])
        days = Batch((finish - arrival) / DAY)
        working_days = Batch(self.statutory.working_days_between_many(arrival, finish))
        on_time = finish <= deadline + ON_TIME_SLACK
        early = finish < self.statutory.deadline_day_opening_many(deadline)  # before the deadline day
        arrival_days, finish_days = day_of(arrival_times), day_of(finish)
        for name, grouping in self.groupings.items():
            arriving = self._group(name, arrivals)
            grouping.arrived += np.bincount(arriving, minlength=len(grouping.arrived))
            grouping.waits.add(self._group(name, wait_keys), waited)
            groups = self._group(name, keys)
            grouping.days.add(groups, days)
            grouping.working_days.add(groups, working_days)
            grouping.on_time += np.bincount(groups, on_time, minlength=len(grouping.on_time)).astype(np.int64)
            grouping.early += np.bincount(groups, early, minlength=len(grouping.early)).astype(np.int64)
            daily = self.daily.get(name)
            if daily is not None:
                daily.count_arrivals(arriving, arrival_days)
                daily.count_completions(groups, finish_days, on_time, early)

    def _add_time_in_system(self, arrival: np.ndarray, finish: np.ndarray) -> None:
        """Each dossier's time in the system after the warm-up, added to ``area`` in the order
        they left (``cumsum`` adds one value after another, as adding them one by one did)."""
        warm = self.warmup_time
        after = finish > warm
        if after.any():
            spans = finish[after] - np.maximum(arrival[after], warm)
            self.area = np.cumsum(np.concatenate(([self.area], spans)))[-1].item()

    def _group(self, name: str, keys: np.ndarray) -> np.ndarray:
        """Decode dossier keys, (commune × channels + channel) × fields + field, into groups."""
        if name == "region":
            return np.zeros(len(keys), dtype=np.int64)
        if name == "commune":
            return keys // (self.n_channels * self.n_fields) - self.first_commune
        if name == "channel":
            return (keys // self.n_fields) % self.n_channels
        return keys % self.n_fields

    # ------------------------------------------------------------------ results
    def tally(self, end_time: float, in_process: list) -> "Tally":
        """The replication's raw aggregates; ``in_process`` are the dossiers still in the system."""
        sim = self.sim
        warm = self.warmup_time
        self.flush()  # (first: the time in system of those who left adds up before the others')
        self.area += sum(end_time - (d.arrival if d.arrival > warm else warm) for d in in_process)
        self.live = sorted((d for d in in_process if d.counted), key=lambda d: (d.arrival, d.home.index))
        overdue = np.array([d.key for d in self.live if d.deadline < end_time], dtype=np.int64)
        held = np.array([d.key for d in self.live if d.done_at >= 0], dtype=np.int64)
        for name, grouping in self.groupings.items():
            grouping.overdue = np.bincount(self._group(name, overdue), minlength=len(grouping.overdue))
            grouping.held = np.bincount(self._group(name, held), minlength=len(grouping.held))
        if self.log is not None:
            self.log.extend(log_row(d, math.nan, False) for d in self.live)
        w_end = self.calendar.working_minutes(end_time)
        for pool in sim.all_pools():
            pool._integrate(w_end)
        return Tally(groupings=self.groupings, daily=self.daily, backlog_by_day=(self.entered_by_day.cumsum() - self.left_by_day.cumsum()).tolist(), area=self.area,
                     in_process_tracked=len(self.live),
                     pools=[PoolTally.of(p, sim.scenario.outputs.targets.wait_p90_minutes) for p in sim.all_pools()],
                     log=self.log, infos=list(sim.infos), channel_names=sim.plan.channel_names,
                     field_names=sim.plan.field_names, span_minutes=end_time - sim.warmup_time,
                     w_span=w_end - self.calendar.working_minutes(sim.warmup_time))


class PoolTally:
    """What the figures need of one pool, detached from the simulation (it can be pickled
    and added up across shards)."""

    __slots__ = ("name", "commune", "base_staff", "arrivals", "busy_area", "staff_area", "max_busy",
                 "wait_total", "waited", "service_minutes_total", "service_minutes_sq", "p90_wait", "over_target")

    @classmethod
    def of(cls, pool, wait_target: float | None = None) -> "PoolTally":
        tally = cls()
        for name in cls.__slots__[:-2]:
            setattr(tally, name, getattr(pool, name))
        tally.p90_wait, tally.over_target = _wait_summary(pool.waits, wait_target)
        return tally

    def __getstate__(self):
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state):
        for name, value in zip(self.__slots__, state):
            setattr(self, name, value)


def _wait_summary(waits: list | None, target: float | None) -> tuple[float | None, float | None]:
    """The wait that 90% of a pool's services stay under (the smallest w with at least 90% of
    the waits <= w), and the share of waits above ``target``: None when the pool kept no
    waits (or there is no target), NaN when it served nobody."""
    if waits is None:
        return None, None
    if not waits:
        return math.nan, (None if target is None else math.nan)
    values = np.asarray(waits)
    over = None if target is None else float(np.count_nonzero(values > target) / len(values))
    return float(np.quantile(values, 0.9, method="inverted_cdf")), over


@dataclass
class Tally:
    """One replication's raw aggregates, or one shard's: see :mod:`sim.engine.shards`.

    Counts and histograms add up across shards of independent communes; the figures are
    computed once from the total (:func:`figures`).
    """

    groupings: dict[str, Grouping]
    daily: dict[str, Daily]
    backlog_by_day: list[int]
    area: float
    in_process_tracked: int
    pools: list[PoolTally]
    log: list | None
    infos: list
    channel_names: list[str]
    field_names: list[str]
    span_minutes: float
    w_span: float


def merge(total: Tally, other: Tally) -> Tally:
    """Add ``other`` (the next shard of the same replication) into ``total``."""
    for name, grouping in total.groupings.items():
        if name == "commune":  # shards are consecutive ranges of communes
            grouping.extend(other.groupings[name])
        else:
            grouping.add(other.groupings[name])
    for name, daily in total.daily.items():
        daily.add(other.daily[name])
    total.backlog_by_day = [a + b for a, b in zip(total.backlog_by_day, other.backlog_by_day)]
    total.area += other.area
    total.in_process_tracked += other.in_process_tracked
    total.pools += other.pools
    if total.log is not None:
        total.log += other.log
    return total


def sort_log(log: list) -> None:
    """A merged dossier log in the order one simulation writes it: completions by finishing
    time, then the dossiers still in process by arrival."""
    log.sort(key=lambda row: (math.isnan(row[6]), row[4] if math.isnan(row[6]) else row[6], row[0]))


def figures(tally: Tally) -> dict:
    """The replication's figures (result.json) from its tally."""
    figs = {name: g.figures() for name, g in tally.groupings.items()}
    daily = {name: d.figures() for name, d in tally.daily.items()}
    if len(figs["commune"]) != len(tally.infos):
        raise ValueError("figures need every shard of the replication")
    region = figs["region"][0]
    region["dossiers_in_process_tracked"] = tally.in_process_tracked
    span_minutes = tally.span_minutes
    by_commune: dict[int, list] = {}
    by_name: dict[str, list] = {}
    for pool in tally.pools:
        by_commune.setdefault(pool.commune, []).append(pool)
        by_name.setdefault(pool.name, []).append(pool)
    return {
        "region": region,
        "by_channel": dict(zip(tally.channel_names, figs["channel"])),
        "by_field": dict(zip(tally.field_names, figs["field"])),
        "communes": [_commune_row(info, row, by_commune.get(i, [])) for i, (info, row) in enumerate(zip(tally.infos, figs["commune"]))],
        "pools": {name: _pool_figures(pools, tally.w_span) for name, pools in by_name.items()},
        "backlog_by_day": tally.backlog_by_day,
        "by_day": {"region": daily["region"][0], "by_channel": dict(zip(tally.channel_names, daily["channel"])),
                   "by_field": dict(zip(tally.field_names, daily["field"]))},
        "wait_histogram_minutes": tally.groupings["region"].waits.nonzero_buckets(0),
        "littles_law": {
            "mean_in_system": tally.area / span_minutes,
            "arrival_rate_per_minute": region["dossiers_arrived"] / span_minutes,
            "mean_time_in_system_minutes": region["mean_time_in_system_days"] * DAY,
        },
        "dossier_log": tally.log,
    }


def _commune_row(info, figures: dict, pools: list) -> dict:
    row = {"commune": info.name, "type": info.type, "population": info.population}
    if getattr(info, "code", ""):  # a real unit: its official code (maps, joins); synthetic ones have none
        row["code"] = info.code
    row.update(figures)
    for pool in pools:
        row[f"staff_{pool.name}"] = pool.base_staff
        row[f"utilisation_{pool.name}"] = pool.busy_area / pool.staff_area if pool.staff_area else math.nan
    for pool in pools:  # only with outputs.pool_waits: the wait at each pool, every visit
        if pool.p90_wait is not None:
            row[f"p90_wait_{pool.name}_minutes"] = pool.p90_wait
        if pool.over_target is not None:
            row[f"share_over_wait_target_{pool.name}"] = pool.over_target
    return row


def _pool_figures(pools, w_span: float) -> dict:
    served = sum(p.arrivals for p in pools)
    busy, present = sum(p.busy_area for p in pools), sum(p.staff_area for p in pools)
    out = {"pools": len(pools), "dossiers_served": served,
           "mean_staff": present / w_span / len(pools) if w_span > 0 else math.nan,
           "utilisation": busy / present if present else math.nan,
           "max_busy_staff": max(p.max_busy for p in pools),
           "max_staff": max(p.base_staff for p in pools)}
    out["mean_wait_minutes"] = sum(p.wait_total for p in pools) / served if served else math.nan
    out["probability_of_waiting"] = sum(p.waited for p in pools) / served if served else math.nan
    total_s = sum(p.service_minutes_total for p in pools)
    out["mean_service_minutes"] = total_s / served if served else math.nan
    out.update(_analytic(pools, w_span))
    return out


def _analytic(pools, w_span: float) -> dict:
    """Erlang C / Allen–Cunneen per commune pool from its offered load, weighted by arrivals.

    Each pool is read as a stationary M/G/c queue with the arrival rate and mean service it
    actually had over the working time of the run; parting from the simulation shows the
    effect of what that reading ignores (opening hours, surges, batches, rework).
    """
    weighted_wait = weighted_pw = weight = 0.0
    saturated = 0
    for p in pools:
        if not p.arrivals or w_span <= 0:
            continue
        rate = p.arrivals / w_span
        mean_s = p.service_minutes_total / p.arrivals
        var_s = max(p.service_minutes_sq / p.arrivals - mean_s**2, 0.0)
        cs2 = var_s / mean_s**2 if mean_s > 0 else 0.0
        staff = p.staff_area / w_span
        if abs(staff - round(staff)) < 1e-6:  # float integration of a constant staff level
            staff = float(round(staff))
        if mean_s <= 0:
            continue
        pred = predict_pool(rate, mean_s, staff, cs2=cs2)
        if math.isinf(pred.mean_wait_minutes):
            saturated += 1
            continue
        weighted_wait += p.arrivals * pred.mean_wait_minutes
        weighted_pw += p.arrivals * pred.probability_of_waiting
        weight += p.arrivals
    return {
        "analytic_mean_wait_minutes": weighted_wait / weight if weight else math.nan,
        "analytic_probability_of_waiting": weighted_pw / weight if weight else math.nan,
        "analytic_saturated_pools": saturated,
    }
