"""Arrivals: a non-homogeneous Poisson process per commune and channel.

The intensity of a channel is piecewise constant: over a day it follows the channel's
hour-of-day profile (only inside opening hours for in-person filing, around the clock
online), and the day's total is ``dossiers_per_working_day × commune weight × channel
share × day factor`` (the day-of-week multiplier, or the holiday factor). A Poisson
process with piecewise-constant intensity is drawn exactly by taking the number of
arrivals in a block of days as Poisson(integrated intensity) and placing each one by
inverting the cumulative intensity at a uniform point.

Arrivals are drawn a block of days at a time, per commune, together with
everything a new dossier carries (field, the minutes of work it will need at each
stage, whether it will be returned for supplementation or forwarded to the province),
each from its own stream (:mod:`sim.engine.streams`). A block is a week, or fewer days where a
simulation (one shard of the region, :mod:`sim.engine.shards`) would otherwise hold more than about
``BLOCK_ARRIVALS`` arrivals at once, so memory stays bounded and does not grow with the
horizon. The block length depends on demand and the number of communes only, so a change of
staff or routing never changes what arrives. A block is held as numpy columns (8 bytes a
value) and turned into row tuples ``CHUNK`` at a time as the arrivals come due: drawing in
numpy costs per call, so the longer the block the cheaper each dossier.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from . import streams
from .calendar import WorkingCalendar, parse_hhmm

MAX_BLOCK_DAYS = 7
BLOCK_ARRIVALS = 200_000  # arrivals a simulation (a shard) holds at once, roughly (~20 MB)
CHUNK = 64  # rows made into tuples at a time
DAY = 1440.0


#: What a new dossier carries, one tuple per arrival, in this order.
ROW = ("time", "channel", "field", "intake_minutes", "back_office_minutes", "sign_off_minutes",
       "supplement", "province", "delay_days", "lead_days", "deadline", "key")
# deadline: the statutory deadline as an instant (minutes), from the field's working days
# key = (commune x channels + channel) x fields + field: the dossier's statistics slot (Recorder._group)


class DemandPlan:
    """Region-wide demand: what every commune's arrival generator shares."""

    def __init__(self, scenario, calendar: WorkingCalendar, weights: np.ndarray,
                 statutory: WorkingCalendar | None = None, shards: int = 1,
                 dossiers_per_working_day: float | None = None):
        """``scenario``: a validated scenario (:mod:`sim.scenario.schema`); ``shards``: how
        many simulations the region is split into (:mod:`sim.engine.shards`), which sets
        how many days a block of arrivals holds; ``dossiers_per_working_day``: the region's
        volume when the scenario gives it per capita (default: the scenario's own figure)."""
        demand = scenario.demand
        volume = demand.dossiers_per_working_day if dossiers_per_working_day is None else dossiers_per_working_day
        self.calendar = calendar
        self.start_date = scenario.horizon.start_date
        self.holidays = set(scenario.calendar.holidays)
        self.channel_names = list(demand.channels)
        self.channels = list(demand.channels.values())
        self.field_names = list(demand.fields)
        self.fields = list(demand.fields.values())
        self.base = volume * np.asarray(weights, dtype=float)
        self.field_mix = [[demand.field_mix(c).get(f, 0.0) for f in self.field_names] for c in self.channel_names]
        self.field_cum = [np.cumsum(mix) for mix in self.field_mix]
        self.sign_off = scenario.sign_off
        self.supplement_p = np.array([f.supplementation_share for f in self.fields])
        self.province_p = np.array([f.province_share for f in self.fields])
        self.deadline_days = np.array([f.deadline_working_days for f in self.fields], dtype=np.int64)
        self.cutoff = np.array([parse_hhmm(f.receipt_cutoff) if f.receipt_cutoff else np.inf for f in self.fields])
        self.statutory = statutory or calendar
        self._profiles: dict[tuple[int, int], tuple[np.ndarray, ...]] = {}
        daily = max(volume, 1.0) / shards
        self.block_days = int(max(1, min(MAX_BLOCK_DAYS, BLOCK_ARRIVALS // daily)))

    def day_factor(self, channel_index: int, day: int) -> float:
        channel = self.channels[channel_index]
        date = self.start_date + dt.timedelta(days=day)
        if date in self.holidays:
            return channel.holiday_factor
        return channel.day_of_week[date.weekday()]

    def day_pieces(self, channel_index: int, day: int):
        """(start, length, weight) pieces of one day; weights sum to the day factor."""
        channel = self.channels[channel_index]
        factor = self.day_factor(channel_index, day)
        if factor <= 0:
            return []
        if channel.during_opening_hours:
            intervals = self.calendar.day_intervals(day)
        else:
            intervals = [(day * DAY, (day + 1) * DAY)]
        pieces = []
        for open_, close in intervals:
            t = open_
            while t < close:
                hour_end = min(close, (np.floor(t / 60.0) + 1) * 60.0)
                hour = int((t - day * DAY) // 60) % 24
                pieces.append((t, hour_end - t, channel.hour_of_day[hour] * (hour_end - t)))
                t = hour_end
        total = sum(w for _, _, w in pieces)
        if total <= 0:
            return []
        return [(s, length, factor * w / total) for s, length, w in pieces if w > 0]

    def after_cutoff(self, t: np.ndarray, fields: np.ndarray) -> np.ndarray:
        """1 where a dossier is filed on a working day between its field's receipt cutoff
        and the close (it counts as received the next working day), else 0. Outside
        working hours the deadline already starts from the next working day."""
        cutoff = self.cutoff[fields]
        late = np.isfinite(cutoff)
        if not late.any():
            return np.zeros(len(t), dtype=np.int64)
        day = (t // DAY).astype(np.int64)
        closes = {d: self.statutory.day_intervals(d) for d in np.unique(day[late]).tolist()}
        close = np.array([closes[d][-1][1] if closes.get(d) else -np.inf for d in day.tolist()])
        return (late & (t - day * DAY >= cutoff) & (t < close)).astype(np.int64)

    def block_profile(self, channel_index: int, block: int):
        """Cumulative unit intensity over a block: (starts, lengths, cum_before, cum_after)."""
        key = (channel_index, block)
        if key not in self._profiles:
            if len(self._profiles) > 64:
                self._profiles.clear()
            first = block * self.block_days
            pieces = [p for day in range(first, first + self.block_days) for p in self.day_pieces(channel_index, day)]
            starts = np.array([p[0] for p in pieces])
            lengths = np.array([p[1] for p in pieces])
            cum = np.cumsum([p[2] for p in pieces]) if pieces else np.zeros(0)
            before = np.concatenate(([0.0], cum[:-1])) if pieces else np.zeros(0)
            self._profiles[key] = (starts, lengths, before, cum)
        return self._profiles[key]


class CommuneArrivals:
    """Draws the arrivals of one commune, block by block, from its own streams."""

    def __init__(self, plan: DemandPlan, scenario, commune: int, replication: int):
        self.plan, self.commune = plan, commune
        seed = scenario.seed
        key = (seed, replication, commune)
        self.arrival_rngs = [streams.stream(*key, streams.ARRIVALS, k) for k in range(len(plan.channels))]
        self.field_rng = streams.stream(*key, streams.FIELDS)
        self.intake_rng = streams.stream(*key, streams.INTAKE)
        self.back_office_rng = streams.stream(*key, streams.BACK_OFFICE)
        self.sign_off_rng = streams.stream(*key, streams.SIGN_OFF)
        self.supplement_rng = streams.stream(*key, streams.SUPPLEMENTATION)
        self.province_rng = streams.stream(*key, streams.PROVINCE)
        self.delay_rng = streams.stream(*key, streams.DELAYS)
        self.lead_rng = streams.stream(*key, streams.LEAD_TIME)
        self.citizen_delay = scenario.supplementation.citizen_delay_working_days if scenario.supplementation else None
        self.province_delay = scenario.province.delay_working_days if scenario.province else None
        sign_off = scenario.sign_off
        self.sign_off_dist = sign_off.service_minutes if sign_off else None

    def block(self, index: int, until: float) -> "Block":
        """The arrivals of block ``index`` (before ``until``), sorted by time."""
        plan = self.plan
        times, channels = [], []
        for k, channel in enumerate(plan.channels):
            rate = plan.base[self.commune] * channel.share
            starts, lengths, before, cum = plan.block_profile(k, index)
            if rate <= 0 or not len(cum):
                continue
            rng = self.arrival_rngs[k]
            n = rng.poisson(rate * cum[-1])
            u = rng.random(n) * cum[-1]
            piece = np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)
            t = starts[piece] + (u - before[piece]) / (cum[piece] - before[piece]) * lengths[piece]
            times.append(t)
            channels.append(np.full(n, k, dtype=np.int64))
        t = np.concatenate(times) if times else np.zeros(0)
        ch = np.concatenate(channels) if channels else np.zeros(0, dtype=np.int64)
        keep = t < until
        t, ch = t[keep], ch[keep]
        order = np.argsort(t, kind="stable")
        t, ch = t[order], ch[order]
        return self._dossier_work(t, ch)

    def _dossier_work(self, t: np.ndarray, ch: np.ndarray) -> "Block":
        plan, n = self.plan, len(t)
        u = self.field_rng.random(n)
        fields = np.zeros(n, dtype=np.int64)
        for k, cum in enumerate(plan.field_cum):
            mask = ch == k
            fields[mask] = np.minimum(np.searchsorted(cum, u[mask], side="right"), len(cum) - 1)
        intake = np.zeros(n)
        for k, channel in enumerate(plan.channels):
            if channel.intake is None:
                continue
            for f, field in enumerate(plan.fields):
                mask = (ch == k) & (fields == f)
                if mask.any():
                    dist = field.intake_service_minutes or channel.intake.service_minutes
                    intake[mask] = dist.sample(self.intake_rng, int(mask.sum()))
        back_office = np.zeros(n)
        for f, field in enumerate(plan.fields):
            mask = fields == f
            if field.back_office is not None and mask.any():
                back_office[mask] = field.back_office.service_minutes.sample(self.back_office_rng, int(mask.sum()))
        sign_off = self.sign_off_dist.sample(self.sign_off_rng, n) if self.sign_off_dist else np.zeros(n)
        supplement = self.supplement_rng.random(n) < plan.supplement_p[fields]
        province = ~supplement & (self.province_rng.random(n) < plan.province_p[fields])
        delay = np.zeros(n)
        for flag, dist in ((supplement, self.citizen_delay), (province, self.province_delay)):
            if dist is not None and flag.any():
                delay[flag] = dist.sample(self.delay_rng, int(flag.sum()))
        lead = np.zeros(n)
        for f, field in enumerate(plan.fields):
            mask = fields == f
            if field.lead_time_working_days is not None and mask.any():
                lead[mask] = field.lead_time_working_days.sample(self.lead_rng, int(mask.sum()))
        deadline = plan.statutory.add_working_days_many(t, plan.deadline_days[fields] + plan.after_cutoff(t, fields))
        key = (self.commune * len(plan.channels) + ch) * len(plan.fields) + fields
        return Block((t, ch, fields, intake, back_office, sign_off, supplement, province, delay, lead, deadline, key))


class Block:
    """One commune's arrivals over a block of days: ROW columns, handed out as tuples
    ``CHUNK`` rows at a time (a tuple of Python values reads fast; a column row does not)."""

    __slots__ = ("columns", "n", "_next")

    def __init__(self, columns: tuple[np.ndarray, ...]):
        self.columns, self.n, self._next = columns, len(columns[0]), 0

    @property
    def times(self) -> np.ndarray:
        return self.columns[0]

    @property
    def keys(self) -> np.ndarray:
        return self.columns[-1]

    def next_rows(self) -> list[tuple]:
        """The next ``CHUNK`` rows as ROW tuples; [] once the block is used up."""
        i, j = self._next, min(self._next + CHUNK, self.n)
        self._next = j
        return list(zip(*(c[i:j].tolist() for c in self.columns)))
