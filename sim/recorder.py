"""What one replication measures, kept as streaming aggregates.

Figures cover the dossiers that arrive after the warm-up ("counted" dossiers):

* arrived, completed, in process at the end — and arrived = completed + in process,
  because each counted dossier is in exactly one of the two sets;
* wait before first service, in working minutes (time the centre is open: a dossier
  filed online at night that is taken at 08:00 has waited 0 working minutes);
* time in system from first filing to completion, in calendar days and in working days;
* on-time share: completed by the statutory deadline (restarted after supplementation);
* per commune, per channel, per field, per pool; the backlog at the end of every day;
* the time-average number of dossiers in the system, for Little's law.

Only dossiers still in process are held, so memory follows the backlog, not the
number of dossiers. A per-dossier log is kept only when asked.
"""
from __future__ import annotations

import math

from .analytic import predict_pool
from .stats import Tally, TimeAverage

DAY = 1440.0


def _tally_figures(prefix: str, tally: Tally, unit: str, quantiles=(0.5, 0.9, 0.95)) -> dict:
    out = {f"mean_{prefix}_{unit}": tally.mean}
    for q in quantiles:
        out[f"p{round(q * 100)}_{prefix}_{unit}"] = tally.quantile(q)
    return out


class Group:
    """Counters and tallies for one slice of dossiers (a commune, a channel, a field)."""

    __slots__ = ("arrived", "completed", "on_time", "waits", "days", "working_days")

    def __init__(self, sub: int = 16):
        self.arrived = self.completed = self.on_time = 0
        self.waits, self.days, self.working_days = Tally(sub), Tally(sub), Tally(sub)

    def figures(self) -> dict:
        out = {"dossiers_arrived": self.arrived, "dossiers_completed": self.completed,
               "dossiers_in_process": self.arrived - self.completed}
        out.update(_tally_figures("wait", self.waits, "minutes"))
        out["probability_of_waiting"] = 1 - self.waits.zeros / self.waits.n if self.waits.n else math.nan
        out.update(_tally_figures("time_in_system", self.days, "days", (0.9,)))
        out.update(_tally_figures("time_in_system", self.working_days, "working_days", (0.9,)))
        out["on_time_share"] = self.on_time / self.completed if self.completed else math.nan
        return out


class Recorder:
    def __init__(self, sim, dossier_log: bool = False):
        self.sim, self.calendar = sim, sim.calendar
        self.region = Group(sub=64)
        self.communes = [Group() for _ in sim.communes]
        self.channels = [Group() for _ in sim.channels]
        self.fields = [Group() for _ in sim.fields]
        self.live: dict = {}  # counted dossiers in process, in arrival order (a dict: reproducible order)
        self.system = TimeAverage()  # all dossiers in the region, calendar minutes
        self.backlog_by_day: list[int] = []
        self.log = [] if dossier_log else None

    def _groups(self, d):
        return self.region, self.communes[d.home.info.index], self.channels[d.channel], self.fields[d.field]

    def arrived(self, d) -> None:
        self.system.change(d.arrival, +1)
        if d.counted:
            self.live[d] = None
            for g in self._groups(d):
                g.arrived += 1

    def first_service(self, d, wait: float) -> None:
        d.first_wait = wait
        if d.counted:
            for g in self._groups(d):
                g.waits.add(wait)

    def completed(self, d, now: float) -> None:
        self.system.change(now, -1)
        if not d.counted:
            return
        self.live.pop(d, None)
        on_time = now <= d.deadline + 1e-6
        days = (now - d.arrival) / DAY
        working_days = self.calendar.working_days_between(d.arrival, now)
        for g in self._groups(d):
            g.completed += 1
            g.on_time += on_time
            g.days.add(days)
            g.working_days.add(working_days)
        if self.log is not None:
            self.log.append(self._log_row(d, now, on_time))

    def end_of_day(self, day: int) -> None:
        self.backlog_by_day.append(self.system.level)

    def end_warmup(self, now: float) -> None:
        self.system.restart(now)

    def _log_row(self, d, finish, on_time):
        return (d.home.info.index, d.commune.info.index, d.channel, d.field, d.arrival, d.first_wait,
                finish, d.deadline, on_time, d.returns)

    # ------------------------------------------------------------------ results
    def result(self, end_time: float) -> dict:
        sim = self.sim
        region = self.region.figures()
        region["dossiers_overdue_in_process"] = sum(1 for d in self.live if d.deadline < end_time)
        region["dossiers_in_process_tracked"] = len(self.live)
        if self.log is not None:
            self.log.extend(self._log_row(d, math.nan, False) for d in self.live)
        span_minutes = end_time - sim.warmup_time
        arrived_all = region["dossiers_arrived"]
        return {
            "region": region,
            "by_channel": {name: g.figures() for name, g in zip(sim.plan.channel_names, self.channels)},
            "by_field": {name: g.figures() for name, g in zip(sim.plan.field_names, self.fields)},
            "communes": [self._commune_row(c, g) for c, g in zip(sim.communes, self.communes)],
            "pools": self._pools(end_time),
            "backlog_by_day": self.backlog_by_day,
            "littles_law": {
                "mean_in_system": self.system.average(end_time),
                "arrival_rate_per_minute": arrived_all / span_minutes,
                "mean_time_in_system_minutes": self.region.days.mean * DAY,
            },
            "dossier_log": self.log,
        }

    def _commune_row(self, commune, group) -> dict:
        row = {"commune": commune.info.name, "type": commune.info.type, "population": commune.info.population}
        row.update(group.figures())
        for name, pool in commune.pools.items():
            row[f"staff_{name}"] = pool.base_staff
            row[f"utilisation_{name}"] = pool.busy_area / pool.staff_area if pool.staff_area else math.nan
        return row

    def _pools(self, end_time: float) -> dict:
        """Per pool name, over communes: simulated figures beside the analytic prediction."""
        w_end = self.calendar.working_minutes(end_time)
        w_span = w_end - self.calendar.working_minutes(self.sim.warmup_time)
        by_name: dict[str, list] = {}
        for pool in self.sim.all_pools():
            pool._integrate(w_end)
            by_name.setdefault(pool.name, []).append(pool)
        return {name: _pool_figures(pools, w_span) for name, pools in by_name.items()}


def _pool_figures(pools, w_span: float) -> dict:
    waits = Tally(sub=32)
    for p in pools:
        waits.merge(p.waits)
    served = sum(p.arrivals for p in pools)
    busy, present = sum(p.busy_area for p in pools), sum(p.staff_area for p in pools)
    out = {"pools": len(pools), "dossiers_served": served,
           "mean_staff": present / w_span / len(pools) if w_span > 0 else math.nan,
           "utilisation": busy / present if present else math.nan,
           "max_busy_staff": max(p.max_busy for p in pools),
           "max_staff": max(p.base_staff for p in pools)}
    out.update(_tally_figures("wait", waits, "minutes", (0.9,)))
    out["probability_of_waiting"] = 1 - waits.zeros / waits.n if waits.n else math.nan
    total_s = sum(p.service_minutes_total for p in pools)
    total_s2 = sum(p.service_minutes_sq for p in pools)
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
