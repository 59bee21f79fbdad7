"""Arrivals: a non-homogeneous Poisson process per commune and channel.

The intensity of a channel is piecewise constant: over a day it follows the channel's
hour-of-day profile, and the day's total is set by the demand plan (:mod:`sim.engine.demand`:
``dossiers_per_working_day × commune weight × channel share × day factor``, changed by date
where the scenario says so). A Poisson process with piecewise-constant intensity is drawn
exactly by taking the number of arrivals in a block of days as Poisson(integrated
intensity) and placing each one by inverting the cumulative intensity at a uniform point.
Observed counts replayed exactly are placed the same way within their day.

Arrivals are drawn a block of days at a time, per commune, together with everything a new
dossier carries (the WORK columns of :mod:`sim.engine.dossier`: field, the minutes of work
it will need at each stage, whether it will be returned for supplementation or forwarded to
the province, its deadline, the waits on others, whether its result waits for the
appointment date), each from its own stream (:mod:`sim.engine.streams`). A block is a week,
or fewer days where a simulation (one shard of the region, :mod:`sim.engine.shards`) would
otherwise hold more than about ``BLOCK_ARRIVALS`` arrivals at once, so memory stays bounded
and does not grow with the horizon. The block length depends on demand and the number of
communes only, so a change of staff or routing never changes what arrives. A block is held
as numpy columns (8 bytes a value) and turned into row tuples ``CHUNK`` at a time as the
arrivals come due: drawing in numpy costs per call, so the longer the block the cheaper
each dossier.
"""
from __future__ import annotations

from functools import cached_property

import numpy as np

from . import streams
from .demand import BLOCK_ARRIVALS, DAY, MAX_BLOCK_DAYS, DemandPlan  # noqa: F401 (the plan lives in demand)
from .distributions import Buffered
from .dossier import ARRIVAL, DTYPES, KEY, NAMES

CHUNK = 64  # rows made into tuples at a time


def _lazy_stream(quantity: int) -> cached_property:
    """A commune's stream of ``quantity``, made the first time it is asked for."""
    return cached_property(lambda self: self._stream(quantity))


class CommuneArrivals:
    """Draws the arrivals of one commune, block by block, from its own streams."""

    def __init__(self, plan: DemandPlan, scenario, commune: int, replication: int):
        self.plan, self.commune = plan, commune
        self.seed, self.replication = scenario.seed, replication
        self.arrival_rngs = [self._stream(streams.ARRIVALS, k) for k in range(len(plan.channels))]
        self._buffers: dict = {}
        self.citizen_delay = scenario.supplementation.citizen_delay_working_days if scenario.supplementation else None
        self.province_delay = scenario.province.delay_working_days if scenario.province else None
        sign_off = scenario.sign_off
        self.sign_off_dist = sign_off.service_minutes if sign_off else None

    def _stream(self, quantity: int, *extra: int) -> np.random.Generator:
        return streams.stream(self.seed, self.replication, self.commune, quantity, *extra)

    # The other streams are made on first use: a generator costs about 20 microseconds, there
    # are up to ten per commune and replication, and a scenario without back office, sign-off,
    # supplementation, province forwarding, lead times... never needs theirs. Each quantity
    # has a stream of its own, so one made late, or never, changes no other draw.
    field_rng = _lazy_stream(streams.FIELDS)
    intake_rng = _lazy_stream(streams.INTAKE)
    back_office_rng = _lazy_stream(streams.BACK_OFFICE)
    sign_off_rng = _lazy_stream(streams.SIGN_OFF)
    supplement_rng = _lazy_stream(streams.SUPPLEMENTATION)
    province_rng = _lazy_stream(streams.PROVINCE)
    delay_rng = _lazy_stream(streams.DELAYS)
    lead_rng = _lazy_stream(streams.LEAD_TIME)
    deadline_rng = _lazy_stream(streams.DEADLINE_MIX)
    wait_rng = _lazy_stream(streams.WAIT_ON_OTHERS)
    appointment_rng = _lazy_stream(streams.APPOINTMENT)
    rework_rng = _lazy_stream(streams.REWORK)  # everything drawn again after supplementation

    def block(self, index: int, until: float) -> "Block":
        """The arrivals of block ``index`` (before ``until``), sorted by time."""
        plan = self.plan
        times, channels = [], []
        replay = plan.observed is not None and plan.observed.replay
        for k in range(len(plan.channels)):
            rate, starts, lengths, before, cum = plan.block_intensity(k, index, self.commune)
            rng = self.arrival_rngs[k]
            if rate > 0 and len(cum):
                n = rng.poisson(rate * cum[-1])
                u = rng.random(n) * cum[-1]
                piece = np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)
                t = starts[piece] + (u - before[piece]) / (cum[piece] - before[piece]) * lengths[piece]
            elif not replay:
                continue
            else:
                t = np.zeros(0)
            if replay:  # the observed days' exact counts (their Poisson intensity is 0)
                t = np.concatenate((t, self._replayed(k, index, rng)))
            times.append(t)
            channels.append(np.full(len(t), k, dtype=np.int64))
        t = np.concatenate(times) if times else np.zeros(0)
        ch = np.concatenate(channels) if channels else np.zeros(0, dtype=np.int64)
        keep = t < until
        t, ch = t[keep], ch[keep]
        order = np.argsort(t, kind="stable")
        t, ch = t[order], ch[order]
        return self._dossier_work(t, ch)

    def _replayed(self, k: int, index: int, rng) -> np.ndarray:
        """Exactly the observed count of each observed day of the block, placed in the day by
        the channel's intensity profile."""
        plan = self.plan
        starts, lengths, weights, days = plan.block_profile(k, index)[4]
        covered = plan.observed.covered
        counts = np.array([plan.replay_counts(self.replication, int(d))[self.commune, k] if d in covered else 0
                           for d in days], dtype=np.int64)  # per piece: the count of its day, on its first piece
        first_piece = np.concatenate(([True], days[1:] != days[:-1])) if len(days) else np.zeros(0, dtype=bool)
        counts = np.where(first_piece, counts, 0)
        if not counts.sum():
            return np.zeros(0)
        cum = np.cumsum(weights)
        before = np.concatenate(([0.0], cum[:-1]))
        day_end = np.array([cum[days == d][-1] for d in days])  # cumulative intensity at the end of each piece's day
        u = np.repeat(before, counts) + rng.random(int(counts.sum())) * np.repeat(day_end - before, counts)
        piece = np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)
        return starts[piece] + (u - before[piece]) / (cum[piece] - before[piece]) * lengths[piece]

    def _dossier_work(self, t: np.ndarray, ch: np.ndarray) -> "Block":
        plan, n = self.plan, len(t)
        fields = np.zeros(n, dtype=np.int64)
        if len(plan.fields) > 1:  # (one field: every dossier's, nothing to draw)
            u = self.field_rng.random(n)
            for k, cum in enumerate(plan.field_cum):
                mask = ch == k
                fields[mask] = np.minimum(np.searchsorted(cum, u[mask], side="right"), len(cum) - 1)
        # How many of each channel x field and of each field: the draws below are made for the
        # groups that have dossiers, in this order (one mask per group drawn, no more)
        n_fields = len(plan.fields)
        pair = ch * n_fields + fields
        per_pair = np.bincount(pair, minlength=len(plan.channels) * n_fields).tolist()
        per_field = np.bincount(fields, minlength=n_fields).tolist()
        intake = np.zeros(n)
        for k, channel in enumerate(plan.channels):
            if channel.intake is None:
                continue
            for f, field in enumerate(plan.fields):
                if per_pair[k * n_fields + f]:
                    dist = field.intake_service_minutes or channel.intake.service_minutes
                    intake[pair == k * n_fields + f] = dist.sample(self.intake_rng, per_pair[k * n_fields + f])
        back_office = np.zeros(n)
        for f, field in enumerate(plan.fields):
            if field.back_office is not None and per_field[f]:
                back_office[fields == f] = field.back_office.service_minutes.sample(self.back_office_rng, per_field[f])
        sign_off = self.sign_off_dist.sample(self.sign_off_rng, n) if self.sign_off_dist else np.zeros(n)
        # (where no field is ever returned, or forwarded, there is nothing to draw)
        supplement = np.zeros(n, dtype=bool)
        if plan.supplement_p.any():
            supplement = self.supplement_rng.random(n) < plan.supplement_p[fields]
        province = np.zeros(n, dtype=bool)
        if plan.province_p.any():
            province = ~supplement & (self.province_rng.random(n) < plan.province_p[fields])
        delay = np.zeros(n)
        for flag, dist in ((supplement, self.citizen_delay), (province, self.province_delay)):
            if dist is not None and flag.any():
                delay[flag] = dist.sample(self.delay_rng, int(flag.sum()))
        lead = np.zeros(n)
        for f, field in enumerate(plan.fields):
            if field.lead_time_working_days is not None and per_field[f]:
                lead[fields == f] = field.lead_time_working_days.sample(self.lead_rng, per_field[f])
        deadline_days = self._deadline_days(fields)
        deadline = plan.statutory.add_working_days_many(t, deadline_days + plan.after_cutoff(t, fields))
        key = self.commune * len(plan.channels) * n_fields + pair  # = (commune x channels + channel) x fields + field
        return Block.of(arrival=t, channel=ch, field=fields, intake_minutes=intake, back_office_minutes=back_office,
                        sign_off_minutes=sign_off, supplement=supplement, province=province, delay_days=delay,
                        lead_days=lead, wait_days=self._waits(fields, deadline_days), deadline_days=deadline_days,
                        deadline=deadline, release_at=self._release_at(fields, deadline), key=key)

    # Each of these draws only for the fields that use the feature, on its own stream: a
    # scenario without it draws nothing more than before (common random numbers).
    def _deadline_days(self, fields: np.ndarray) -> np.ndarray:
        """The statutory deadline of each dossier: its field's, or one drawn from its mix."""
        days = self.plan.deadline_days[fields]
        for f, cum, choices in self.plan.deadline_mixes:
            mask = fields == f
            if mask.any():
                pick = np.minimum(np.searchsorted(cum, self.deadline_rng.random(int(mask.sum())), side="right"), len(cum) - 1)
                days[mask] = choices[pick]
        return days

    def _waits(self, fields: np.ndarray, deadline_days: np.ndarray) -> np.ndarray:
        """Working days each dossier waits on other agencies after back-office work."""
        wait = np.zeros(len(fields))
        for f in self.plan.waiting_fields:
            mask = fields == f
            if mask.any():
                wait[mask] = self._wait_of(self.plan.fields[f], int(mask.sum()), deadline_days[mask],
                                           lambda dist, n: dist.sample(self.wait_rng, n))
        return wait

    @staticmethod
    def _wait_of(field, n: int, deadline_days, sample):
        rule = field.wait_on_others_working_days
        fraction = getattr(rule, "fraction_of_deadline", None)
        return sample(rule, n) if fraction is None else sample(fraction, n) * deadline_days

    def _release_at(self, fields: np.ndarray, deadline: np.ndarray) -> np.ndarray:
        """When a finished dossier may be handed back: its appointment instant (the opening of
        its deadline day) if it is held for the appointment, else -1 (on completion)."""
        release = np.full(len(fields), -1.0)
        for f, share in self.plan.held_shares:
            mask = fields == f
            if mask.any():
                held = mask.copy()
                if share < 1:
                    held[mask] = self.appointment_rng.random(int(mask.sum())) < share
                release[held] = self.plan.statutory.deadline_day_opening_many(deadline[held])
        return release

    # ------------------------------------------------------- a citizen comes back
    def redraw(self, d, now: float) -> None:
        """Fresh work for a dossier filed again after supplementation (every WORK column
        marked ``redrawn``), from the commune's rework stream, one value at a time."""
        plan = self.plan
        field, channel = plan.fields[d.field], plan.channels[d.channel]
        d.deadline = plan.statutory.add_working_days(now, d.deadline_days + plan.is_after_cutoff(now, d.field))
        d.intake_minutes = self.draw(field.intake_service_minutes or channel.intake.service_minutes) if channel.intake else 0.0
        d.back_office_minutes = self.draw(field.back_office.service_minutes) if field.back_office else 0.0
        d.sign_off_minutes = self.draw(self.sign_off_dist) if self.sign_off_dist else 0.0
        d.supplement = self.uniform() < field.supplementation_share
        d.province = not d.supplement and self.uniform() < field.province_share
        if d.supplement:
            d.delay_days = self.draw(self.citizen_delay)
        elif d.province:
            d.delay_days = self.draw(self.province_delay)
        d.lead_days = self.draw(field.lead_time_working_days) if field.lead_time_working_days else 0.0
        d.wait_days = (self._wait_of(field, 1, d.deadline_days, lambda dist, n: self.draw(dist))
                       if field.wait_on_others_working_days is not None else 0.0)
        if d.release_at >= 0:  # held for the appointment: a fresh receipt, a fresh appointment date
            d.release_at = plan.statutory.deadline_day_opening(d.deadline)

    def draw(self, dist) -> float:
        """One value from ``dist`` on this commune's rework stream."""
        key = id(dist)
        if key not in self._buffers:
            self._buffers[key] = Buffered(dist, self.rework_rng)
        return self._buffers[key]()

    def uniform(self) -> float:
        return self.rework_rng.random()


class Block:
    """One commune's arrivals over a block of days: the WORK columns of
    :mod:`sim.engine.dossier`, handed out as tuples ``CHUNK`` rows at a time (a tuple of
    Python values reads fast; a column row does not)."""

    __slots__ = ("columns", "n", "_next", "row_columns", "chunk")

    def __init__(self, columns: tuple[np.ndarray, ...]):
        self.columns, self.n, self._next = columns, len(columns[0]), 0
        self.row_columns = columns  # what a row holds: every column (the direct path takes fewer)
        self.chunk = CHUNK

    @classmethod
    def of(cls, **drawn: np.ndarray) -> "Block":
        """A block from one array per WORK column, by name (every column, no other)."""
        if drawn.keys() != set(NAMES):
            missing, extra = sorted(set(NAMES) - drawn.keys()), sorted(drawn.keys() - set(NAMES))
            raise ValueError(f"a block needs exactly the WORK columns (missing {missing}, not declared {extra})")
        return cls(tuple(np.asarray(drawn[name], dtype=DTYPES[name]) for name in NAMES))

    @property
    def times(self) -> np.ndarray:
        return self.columns[ARRIVAL]

    @property
    def keys(self) -> np.ndarray:
        return self.columns[KEY]

    def next_rows(self) -> list[tuple]:
        """The next ``chunk`` rows as tuples (``row_columns``: in WORK order unless set);
        [] once the block is used up."""
        i, j = self._next, min(self._next + self.chunk, self.n)
        self._next = j
        return list(zip(*(c[i:j].tolist() for c in self.row_columns)))
