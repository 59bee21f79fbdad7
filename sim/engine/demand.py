"""Region-wide demand: how many dossiers each channel brings, day by day and hour by hour.

Over a day a channel's intensity follows its hour-of-day profile (only inside opening hours
for in-person filing, around the clock online); the day's total for a commune is

    dossiers_per_working_day x commune weight x channel share x day factor

(the day factor is the day-of-week multiplier, or the holiday factor). Demand may also change
by date (``demand`` in :mod:`sim.scenario.schema`):

* ``periods`` change the daily volume and/or the channel shares from a date on: piecewise
  constant, or with ``interpolate: linear`` ramping day by day between the consecutive
  periods that set a value (before the first period, the top-level values hold);
* ``total`` gives the dossiers received over a span of dates instead of a daily volume; the
  daily volume D is solved from it (the expected dossiers over the span are affine in D: the
  calendar, day factors, channel shares and periods make the rest), see :meth:`arithmetic`;
* ``observed`` daily counts (read and checked by :mod:`sim.scenario.observed`) replace the
  rate on the days they cover: Poisson around each count, or the counts exactly (replay).

All of this comes down to one number per day and channel, a multiplier of the channel's
base intensity (``D x weight x share``). Arrivals are still drawn a block of days at a time
(:mod:`sim.engine.arrivals`); only the block's cumulative intensity is weighted by the
multipliers of its days. Without periods, total or observed counts every multiplier is
exactly 1.0, so the arrivals are bit for bit those of a single-rate scenario (common random
numbers preserved).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from . import streams
from .calendar import WorkingCalendar, parse_hhmm

MAX_BLOCK_DAYS = 7
BLOCK_ARRIVALS = 200_000  # arrivals a simulation (a shard) holds at once, roughly (~20 MB)
DAY = 1440.0


class DemandError(ValueError):
    """Demand that cannot be drawn: ``problems`` are (row of the observed file or None,
    column name, scenario key path, message, value) for the scenario layer to locate."""

    def __init__(self, problems: list[tuple]):
        self.problems = problems
        super().__init__("; ".join(p[3] for p in problems))


@dataclass
class ObservedCounts:
    """Observed daily counts, one entry per row of the file (already checked)."""

    day: np.ndarray  # day index from the horizon start
    dossiers: np.ndarray  # observed count (whole dossiers)
    channel: np.ndarray | None  # channel index per row, or None: the day's count covers every channel
    commune: np.ndarray | None  # commune index per row, or None: the count covers the whole region
    replay: bool  # exactly these counts (True) or Poisson around them
    source: str = ""
    lines: list = field(default_factory=list)  # line of each row in the file (to locate problems)
    cell_columns: list = field(default_factory=list)  # per row: column name -> where its cell starts

    @property
    def covered(self) -> range:
        """The days the counts cover, from the first to the last date in the file (a date
        missing in between had no dossiers)."""
        return range(int(self.day.min()), int(self.day.max()) + 1) if len(self.day) else range(0)


def _knots(periods, start: dt.date, attribute: str):
    """Day indices and values of the periods that set ``attribute``."""
    chosen = [p for p in periods if getattr(p, attribute) is not None]
    return np.array([(p.from_ - start).days for p in chosen], dtype=float), [getattr(p, attribute) for p in chosen]


def _series(days: np.ndarray, base: np.ndarray, knot_days: np.ndarray, values: np.ndarray, linear: bool) -> np.ndarray:
    """Per-day values: ``base`` before the first knot; the last knot's value (step) or the
    line between consecutive knots (linear) after it. ``values`` has one row per knot."""
    out = np.tile(base, (len(days), 1))
    if not len(knot_days):
        return out
    after = days >= knot_days[0]
    if linear:
        for j in range(values.shape[1]):
            out[after, j] = np.interp(days[after], knot_days, values[:, j])
    else:
        last = np.searchsorted(knot_days, days[after], side="right") - 1
        out[after] = values[last]
    return out


class DemandPlan:
    """Region-wide demand: what every commune's arrival generator shares."""

    def __init__(self, scenario, calendar: WorkingCalendar, weights: np.ndarray,
                 statutory: WorkingCalendar | None = None, shards: int = 1,
                 dossiers_per_working_day: float | None = None, observed: ObservedCounts | None = None,
                 volume_scale: float = 1.0):
        """``scenario``: a validated scenario (:mod:`sim.scenario.schema`); ``shards``: how
        many parts the region's arrivals are sized for (:mod:`sim.engine.shards`,
        ``BLOCK_SIZING_COMMUNES``), which sets how many days a block of arrivals holds; ``dossiers_per_working_day``: the region's
        volume when the scenario gives it per capita (default: the scenario's own figure);
        ``observed``: daily counts to follow; ``volume_scale``: the region's share of the
        population a scenario's absolute volumes refer to (periods, a total: a communes.only
        subset keeps each unit's demand)."""
        demand = scenario.demand
        self.demand, self.seed = demand, scenario.seed
        self.given_volume = demand.dossiers_per_working_day if dossiers_per_working_day is None else dossiers_per_working_day
        self.volume_scale = volume_scale
        self.calendar = calendar
        self.start_date = scenario.horizon.start_date
        self.horizon_days = scenario.horizon.days
        self.holidays = set(scenario.calendar.holidays)
        self.channel_names = list(demand.channels)
        self.channels = list(demand.channels.values())
        self.field_names = list(demand.fields)
        self.fields = list(demand.fields.values())
        self.weights = np.asarray(weights, dtype=float)
        self.field_mix = [[demand.field_mix(c).get(f, 0.0) for f in self.field_names] for c in self.channel_names]
        self.field_cum = [np.cumsum(mix) for mix in self.field_mix]
        self.sign_off = scenario.sign_off
        self.supplement_p = np.array([f.supplementation_share for f in self.fields])
        self.province_p = np.array([f.province_share for f in self.fields])
        self.deadline_days = np.array([f.deadline_mix[0][1] for f in self.fields], dtype=np.int64)  # single deadlines
        # The fields that use a feature, so that a block draws nothing for the others
        self.deadline_mixes = [(f, np.cumsum([share for share, _ in field.deadline_mix]),
                                np.array([days for _, days in field.deadline_mix], dtype=np.int64))
                               for f, field in enumerate(self.fields) if len(field.deadline_mix) > 1]
        self.waiting_fields = [f for f, field in enumerate(self.fields) if field.wait_on_others_working_days is not None]
        self.held_shares = [(f, field.at_appointment_share) for f, field in enumerate(self.fields)
                            if field.at_appointment_share > 0]
        self.cutoff = np.array([parse_hhmm(f.receipt_cutoff) if f.receipt_cutoff else np.inf for f in self.fields])
        self.cutoff_minutes = self.cutoff.tolist()  # the same, as Python floats (one dossier at a time)
        self.statutory = statutory or calendar
        self.observed = observed
        self._profiles: dict[tuple[int, int], tuple[np.ndarray, ...]] = {}
        self._factors: dict[int, np.ndarray] = {}
        self._replay: dict[tuple[int, int], np.ndarray] = {}
        self._rates(demand)
        daily = max(self.busiest_day_volume(), 1.0) / shards
        self.block_days = int(max(1, min(MAX_BLOCK_DAYS, BLOCK_ARRIVALS // daily)))

    # ------------------------------------------------------------- rates by date
    def _rates(self, demand) -> None:
        """The base volume D, each channel's reference share and the per-day multipliers."""
        self.dated = bool(demand.periods or demand.total or self.observed)
        shares = np.array([c.share for c in self.channels])
        self.ref = shares.copy()  # the share the base intensity is drawn with
        if not self.dated:
            self.base_volume = self.given_volume
            self.base = self.base_volume * self.weights
            self.multiplier = self.commune_multiplier = None  # every multiplier is 1
            self.total_arithmetic = None
            return
        span = self.horizon_days + MAX_BLOCK_DAYS
        if demand.total is not None:
            span = max(span, (demand.total.to - self.start_date).days + 1)
        days = np.arange(span, dtype=float)
        volume_days, volumes = _knots(demand.periods, self.start_date, "dossiers_per_working_day")
        share_days, _ = _knots(demand.periods, self.start_date, "channel_shares")
        share_values = [shares for shares in demand.period_shares()[0] if shares is not None]  # channels left out filled in
        linear = demand.interpolate == "linear"
        self.shares_by_day = _series(days, shares, share_days,
                                     np.array([[s[c] for c in self.channel_names] for s in share_values]).reshape(-1, len(shares)), linear)
        for k in np.flatnonzero(self.ref <= 0):  # a channel with no base share: a period gives it one
            self.ref[k] = self.shares_by_day[:, k].max() or 1.0

        volumes = np.array(volumes, dtype=float).reshape(-1, 1) * self.volume_scale

        def volume_with(base_volume: float) -> np.ndarray:
            return _series(days, np.array([base_volume]), volume_days, volumes, linear)[:, 0]

        base_volume = self.given_volume
        observed_days = set(self.observed.covered) if self.observed is not None else set()
        self.total_arithmetic = None
        if demand.total is not None:
            base_volume = self._solve_total(demand.total, volume_with, observed_days)
        elif base_volume is None:  # observed counts alone: the mean per working day, as a reference
            base_volume = self._observed_mean()
        self.base_volume = float(base_volume)
        self.base = self.base_volume * self.weights
        volume = volume_with(self.base_volume)
        self.volume_by_day = volume
        self.multiplier = (volume[:, None] * self.shares_by_day) / (self.base_volume * self.ref)
        self.commune_multiplier = None
        if self.observed is not None:
            self._follow_observed()

    def _solve_total(self, total, volume_with, observed_days: set) -> float:
        """D such that the expected dossiers from total.from to total.to equal total.dossiers."""
        first, last = (total.from_ - self.start_date).days, (total.to - self.start_date).days
        window = [d for d in range(first, last + 1)]
        rate_days = [d for d in window if d not in observed_days]
        factors = np.array([self.day_factors(d) for d in rate_days]).reshape(-1, len(self.channels))
        shares = self.shares_by_day[rate_days]

        def expected(base_volume: float) -> float:
            return float(np.sum(volume_with(base_volume)[rate_days, None] * shares * factors))

        fixed, per_unit = expected(0.0), expected(1.0) - expected(0.0)
        observed = float(sum(c for d, c in zip(self.observed.day.tolist(), self.observed.dossiers.tolist())
                             if first <= d <= last)) if self.observed is not None else 0.0
        if per_unit <= 0:
            raise DemandError([(None, None, "demand.total", f"no day from {total.from_} to {total.to} takes arrivals "
                                "at the base volume: nothing to derive it from", total.dossiers)])
        base_volume = (total.dossiers * self.volume_scale - fixed - observed) / per_unit
        if base_volume <= 0:
            raise DemandError([(None, None, "demand.total", f"is no more than the {fixed + observed:,.0f} dossiers that "
                                f"periods and observed counts already bring from {total.from_} to {total.to}",
                                total.dossiers)])
        self.total_arithmetic = {
            "dossiers": total.dossiers, "share_of_the_population_simulated": self.volume_scale,
            "from": total.from_.isoformat(), "to": total.to.isoformat(),
            "calendar_days": len(window), "working_days": sum(self.statutory.is_working_day(d) for d in window),
            "observed_days": len(window) - len(rate_days), "dossiers_from_observed_days": observed,
            "dossiers_fixed_by_periods": fixed,
            "ordinary_working_day_equivalents": per_unit,
            "dossiers_per_working_day": base_volume,
            "formula": "dossiers_per_working_day = (dossiers x share_of_the_population_simulated - dossiers_from_observed_days"
                       " - dossiers_fixed_by_periods)"
                       " / ordinary_working_day_equivalents, where the equivalents add up, over the days of the span,"
                       " each channel's share x its day factor (0 when it takes no arrivals that day) x the period's"
                       " volume relative to the base",
        }
        return base_volume

    def _observed_mean(self) -> float:
        obs = self.observed
        working = [d for d in obs.covered if self.statutory.is_working_day(d)] or list(obs.covered)
        return max(float(obs.dossiers.sum()) / max(len(working), 1), 1e-9)

    def _follow_observed(self) -> None:
        """Multipliers on the observed days: the observed count over the base intensity."""
        obs, n_channels, n_communes = self.observed, len(self.channels), len(self.weights)
        covered = obs.covered
        by_commune = obs.commune is not None
        counts = np.zeros((n_communes if by_commune else 1, len(self.multiplier), n_channels))
        days = obs.day
        self._check_observed_days()
        split = {d: self.channel_split(d) for d in set(days.tolist())} if obs.channel is None else None
        for i in range(len(days)):
            c = int(obs.commune[i]) if by_commune else 0
            if obs.channel is not None:
                counts[c, days[i], obs.channel[i]] += obs.dossiers[i]
            else:
                counts[c, days[i]] += obs.dossiers[i] * split[days[i]]
        self.observed_counts = counts
        factors = np.array([self.day_factors(d) for d in covered]).reshape(-1, n_channels)
        region = counts.sum(axis=0)[covered.start:covered.stop]
        with np.errstate(invalid="ignore", divide="ignore"):
            m = np.where(factors > 0, region / (factors * self.base_volume * self.ref), 0.0)
        self.multiplier[covered.start:covered.stop] = 0.0 if obs.replay else m
        self.region_observed_multiplier = m  # for the pre-run checks and the arithmetic
        if by_commune and not obs.replay:
            # each commune follows its own counts: intensity base 1, multiplier = count / day factor
            commune = self.base[:, None, None] * self.ref[None, None, :] * self.multiplier[None, :, :]
            with np.errstate(invalid="ignore", divide="ignore"):
                commune[:, covered.start:covered.stop] = np.where(
                    factors[None] > 0, counts[:, covered.start:covered.stop] / factors[None], 0.0)
            self.commune_multiplier = commune

    def _check_observed_days(self) -> None:
        """A count on a day its channel (or every channel) takes no arrivals cannot be drawn."""
        obs, problems = self.observed, []
        for i, (day, count) in enumerate(zip(obs.day.tolist(), obs.dossiers.tolist())):
            factors = self.day_factors(day)
            date = self.start_date + dt.timedelta(days=day)
            if obs.channel is not None and count > 0 and factors[obs.channel[i]] <= 0:
                name = self.channel_names[obs.channel[i]]
                problems.append((i, "dossiers", "demand.observed", f"{count} {name} dossiers on {date}, a day the channel "
                                 "takes no arrivals (closed, or day_of_week / holiday_factor 0)", count))
            elif obs.channel is None and count > 0 and not np.any(self.shares_by_day[day] * factors > 0):
                problems.append((i, "dossiers", "demand.observed", f"{count} dossiers on {date}, a day no channel takes "
                                 "arrivals", count))
        if problems:
            raise DemandError(problems)

    def channel_split(self, day: int) -> np.ndarray:
        """How a day's dossiers split among channels: share x day factor, normalised."""
        weight = self.shares_by_day[day] * self.day_factors(day)
        total = weight.sum()
        return weight / total if total > 0 else weight

    def busiest_day_volume(self) -> float:
        """The largest expected region volume of an ordinary working day (sets the block length)."""
        if not self.dated:
            return self.given_volume
        horizon = slice(0, self.horizon_days)
        volume = float(np.max(np.sum(self.multiplier[horizon] * self.ref, axis=1))) * self.base_volume
        if self.observed is not None:
            volume = max(volume, float(self.observed_counts.sum(axis=(0, 2)).max()))
        return volume

    def demand_states(self) -> list[np.ndarray]:
        """The distinct channel volumes of the horizon's days, relative to the base volume
        (``channel share x volume / base``): the pre-run checks take the busiest."""
        if not self.dated:
            return [self.ref.copy()]
        relative = self.multiplier[: self.horizon_days] * self.ref
        if self.observed is not None:
            covered = self.observed.covered
            relative = relative.copy()
            relative[covered.start:covered.stop] = self.region_observed_multiplier * self.ref
        return [np.array(row) for row in {tuple(row) for row in relative.tolist()}]

    # ------------------------------------------------------------- within a day
    def day_factor(self, channel_index: int, day: int) -> float:
        channel = self.channels[channel_index]
        date = self.start_date + dt.timedelta(days=day)
        if date in self.holidays:
            return channel.holiday_factor
        return channel.day_of_week[date.weekday()]

    def day_factors(self, day: int) -> np.ndarray:
        """Each channel's expected dossiers on ``day`` per unit of base intensity: its day
        factor, or 0 if it takes no arrivals that day (closed, or no hour with arrivals)."""
        if day not in self._factors:
            self._factors[day] = np.array([sum(p[2] for p in self.day_pieces(k, day)) for k in range(len(self.channels))])
        return self._factors[day]

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
        close = self.statutory.last_close_many(day)
        return (late & (t - day * DAY >= cutoff) & (t < close)).astype(np.int64)

    def is_after_cutoff(self, t: float, field: int) -> bool:
        """:meth:`after_cutoff` for one dossier (a citizen coming back after supplementation):
        the same arithmetic on Python floats, without numpy's cost per call."""
        cutoff = self.cutoff_minutes[field]
        if cutoff == math.inf:
            return False
        day = int(t // DAY)
        hours = self.statutory.day_intervals(day)
        return bool(hours) and t - day * DAY >= cutoff and t < hours[-1][1]

    # ------------------------------------------------------------- over a block
    def _unit_profile(self, channel_index: int, block: int):
        """The block's pieces at the base intensity: (starts, lengths, weights, day of each piece)."""
        first = block * self.block_days
        pieces = [(*p, day) for day in range(first, first + self.block_days) for p in self.day_pieces(channel_index, day)]
        return (np.array([p[0] for p in pieces]), np.array([p[1] for p in pieces]),
                np.array([p[2] for p in pieces]), np.array([p[3] for p in pieces], dtype=np.int64))

    def block_profile(self, channel_index: int, block: int):
        """Cumulative intensity over a block, the days weighted by their multipliers:
        (starts, lengths, cum_before, cum_after, unit pieces)."""
        key = (channel_index, block)
        if key not in self._profiles:
            if len(self._profiles) > 64:
                self._profiles.clear()
            unit = self._unit_profile(channel_index, block)
            starts, lengths, weights, days = unit
            if self.multiplier is not None and len(weights):
                weights = weights * self.multiplier[days, channel_index]
            cum = np.cumsum(weights) if len(weights) else np.zeros(0)
            before = np.concatenate(([0.0], cum[:-1])) if len(weights) else np.zeros(0)
            self._profiles[key] = (starts, lengths, before, cum, unit)
        return self._profiles[key]

    def block_intensity(self, channel_index: int, block: int, commune: int):
        """(rate, starts, lengths, cum_before, cum_after): the commune's expected arrivals
        of the channel over the block are ``rate x cum_after[-1]``."""
        starts, lengths, before, cum, unit = self.block_profile(channel_index, block)
        if self.commune_multiplier is None:
            return self.base[commune] * self.ref[channel_index], starts, lengths, before, cum
        weights = unit[2] * self.commune_multiplier[commune, unit[3], channel_index]
        cum = np.cumsum(weights)
        return 1.0, starts, lengths, np.concatenate(([0.0], cum[:-1])), cum

    def replay_counts(self, replication: int, day: int) -> np.ndarray:
        """Exact counts of an observed day, by commune and channel (replay mode). A region
        count is dealt out to communes (by weight) and channels (by the day's channel split)
        with one multinomial draw from the day's own region stream, the same in every shard."""
        key = (replication, day)
        if key not in self._replay:
            if len(self._replay) > 64:
                self._replay.clear()
            counts = self.observed_counts[:, day]  # (communes or 1, channels), whole numbers
            n_communes = len(self.weights)
            if self.observed.commune is None:
                rng = streams.stream(self.seed, replication, streams.REGION, streams.OBSERVED, day)
                dealt = np.zeros((n_communes, len(self.channels)), dtype=np.int64)
                if self.observed.channel is None:
                    cells = self.weights[:, None] * self.channel_split(day)[None, :]
                    total = int(round(counts[0].sum()))
                    if total:
                        dealt = rng.multinomial(total, cells.ravel() / cells.sum()).reshape(dealt.shape)
                else:
                    for k in range(len(self.channels)):
                        if counts[0, k]:
                            dealt[:, k] = rng.multinomial(int(round(counts[0, k])), self.weights)
            else:
                dealt = self._commune_replay(counts, replication, day)
            self._replay[key] = dealt
        return self._replay[key]

    def _commune_replay(self, counts: np.ndarray, replication: int, day: int) -> np.ndarray:
        if self.observed.channel is not None:
            return np.rint(counts).astype(np.int64)
        split = self.channel_split(day)
        dealt = np.zeros(counts.shape, dtype=np.int64)
        for c in np.flatnonzero(counts.sum(axis=1)):
            rng = streams.stream(self.seed, replication, int(c), streams.OBSERVED, day)
            dealt[c] = rng.multinomial(int(round(counts[c].sum())), split)
        return dealt

    # ------------------------------------------------------------- the manifest
    def _source(self) -> str:
        """Which scenario key set the daily volume."""
        if self.demand.total is not None:
            return "demand.total"
        if getattr(self.demand, "dossiers_per_1000_inhabitants_per_working_day", None) is not None:
            return "demand.dossiers_per_1000_inhabitants_per_working_day"
        if self.demand.dossiers_per_working_day is not None:
            return "demand.dossiers_per_working_day"
        return "demand.observed"

    def arithmetic(self) -> dict:
        """How the daily volume was set, and the dossiers expected over the horizon by channel."""
        out: dict = {"dossiers_per_working_day": self.base_volume,
                     "source": self._source(),
                     "periods": len(self.demand.periods), "interpolate": self.demand.interpolate}
        if self.total_arithmetic:
            out["total"] = self.total_arithmetic
        expected = np.zeros(len(self.channels))
        for day in range(self.horizon_days):
            m = self.multiplier[day] if self.multiplier is not None else 1.0
            if self.observed is not None and day in self.observed.covered:
                expected += self.observed_counts.sum(axis=0)[day]
            else:
                expected += self.base_volume * self.ref * m * self.day_factors(day)
        out["expected_dossiers"] = float(expected.sum())
        out["expected_dossiers_by_channel"] = dict(zip(self.channel_names, expected.tolist()))
        if self.observed is not None:
            obs = self.observed
            out["observed"] = {"file": obs.source, "rows": len(obs.day), "mode": "replay" if obs.replay else "poisson",
                               "first_date": (self.start_date + dt.timedelta(days=obs.covered.start)).isoformat(),
                               "last_date": (self.start_date + dt.timedelta(days=obs.covered.stop - 1)).isoformat(),
                               "dossiers": float(obs.dossiers.sum())}
        return out
