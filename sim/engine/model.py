"""The model: communes with staff pools, and the life of a dossier through them.

One replication is one :class:`Simulation`. Its SimPy environment holds three kinds of
scheduled calls: the next arrival of each commune, the end of each service, and one call
at every midnight (staff shifts, sign-off batches, progress by day).

The life of a dossier reads as the methods below, in order::

    arrive -> intake (counter, or review of an online filing)
           -> lead time?                      waiting on others before the work (no staff)
           -> back office of its field
           -> returned for supplementation?  back to the citizen, comes back later,
              deadline clock restarted, and arrives again
           -> waits on other agencies?        verification, survey, tax (no staff)
           -> forwarded to the province?      a delay outside the commune, then complete
           -> leader sign-off (continuous, or in batches at set times)
           -> complete: its result is handed back at once, or, if it is held for its
              appointment date and finished before it, on that date (in process, not late)

Two waits use no staff: the lead time (``lead_time_working_days``) comes before the
back-office work (the commune cannot start: information, coordination), the wait on other
agencies (``wait_on_others_working_days``) after it (the commune's file is with the
cadastral office or the tax authority) and before sign-off. A dossier returned for
supplementation does not wait on others: its file is incomplete.

Every step is a plain function call or one scheduled :class:`~sim.engine.scheduling.Call`; there is
no process per dossier. Routing and staffing policies come from :mod:`sim.scenario.policies`.
"""
from __future__ import annotations

import gc

from .arrivals import DAY, CommuneArrivals
from .calendar import parse_hhmm
from .direct import CHANNEL, ROW_COLUMNS, DirectPool, direct_path_applies, in_process
from .dossier import Dossier, new_dossier
from .pools import Pool
from .recorder import Recorder, Tally, figures
from .routing import Router
from .scheduling import NORMAL, Call, environment, heappush, pending


def _settled_at_intake(field) -> bool:
    return (field.lead_time_working_days is None and field.back_office is None and not field.sign_off
            and field.supplementation_share == 0 and field.province_share == 0
            and field.wait_on_others_working_days is None)


class Commune:
    """A commune in the simulation: its pools and its arrivals (the block being handed out)."""

    __slots__ = ("index", "info", "pools", "arrivals", "intake", "block", "block_index", "rows", "next_row")

    def __init__(self, sim: "Simulation", index: int, info, staff: dict[str, int]):
        self.index, self.info = index, info
        kind = DirectPool if sim.direct else Pool
        self.pools = {name: kind(sim.env, sim.calendar, name, index, n) for name, n in staff.items()}
        self.arrivals = CommuneArrivals(sim.plan, sim.scenario, index, sim.replication)
        # The pool that takes in each channel's dossiers here (None: the channel has no intake)
        self.intake = [ch.intake and self.pools[ch.intake.pool] for ch in sim.plan.channels]


class Simulation:
    direct_path = True  # False: every scenario on the general path (tests compare the two)

    def __init__(self, region, replication: int = 0, dossier_log: bool = False, on_day=None,
                 shard: range | None = None):
        """``region``: the built scenario (:class:`sim.scenario.region.Region`: calendars,
        communes, demand plan, staff, router). ``shard``: simulate only these communes (by
        index), for a region whose communes are independent (see :mod:`sim.engine.shards`);
        every commune keeps its own streams."""
        self.region, self.scenario, self.replication = region, region.scenario, replication
        scenario = region.scenario
        self.on_day = on_day  # called with each simulated day number (progress)
        self.env = environment()
        self.calendar = region.calendar
        self.statutory = region.statutory  # deadlines, working days in system
        self.day_minutes = self.calendar.minutes_per_working_day
        self.end_time = scenario.horizon.days * DAY
        self.warmup_time = scenario.horizon.warmup_days * DAY
        self.infos = infos = region.communes
        self.plan = region.plan
        self.block_minutes = self.plan.block_days * DAY
        # One-stage dossiers on a 24/7 calendar are served as their block rows (sim/engine/direct.py)
        self.direct = self.direct_path and not scenario.outputs.pool_waits and direct_path_applies(
            scenario, self.plan, self.calendar, region.router_class.intake_commune is not Router.intake_commune,
            dossier_log)
        self._heap, self._eid = self.env._queue, self.env._eid  # for Call.rearm inlined (sim/engine/scheduling.py)
        self.communes = [Commune(self, i, infos[i], region.commune_staff(i))
                         for i in (shard if shard is not None else range(len(infos)))]
        self.router = region.router_class(scenario, self)
        self.fields = self.plan.fields
        self.channels = self.plan.channels
        self.n_channels, self.n_fields = len(self.channels), len(self.fields)
        self.intake_pool = [ch.intake.pool if ch.intake else None for ch in self.channels]
        router = type(self.router)
        self.router_moves_intake = router.intake_commune is not Router.intake_commune
        # Where a home router is asked, the home commune's pool is taken straight away
        self.home_back_office = router.back_office_pool is Router.back_office_pool
        self.home_sign_off = router.sign_off_pool is Router.sign_off_pool
        # Per field, read once: its back-office pool (None: no back office) and whether it is signed
        self.back_office_of = [f.back_office.pool if f.back_office is not None else None for f in self.fields]
        self.signed = [bool(f.sign_off) for f in self.fields]
        sign_off = scenario.sign_off
        self.sign_off_pool = sign_off.pool if sign_off is not None else None
        self.sign_off_batched = bool(sign_off is not None and sign_off.batch_times)
        # Bound methods made once: the dossier path hands them to pools as "what next".
        self._after_intake, self._after_back_office = self.after_intake, self.after_back_office
        self.recorder = Recorder(self, dossier_log)
        # What `complete` does, one call shorter: hand the result back, or, where some field
        # holds results for the appointment date, first check whether it is due yet.
        holds = any(f.at_appointment_share > 0 for f in self.fields)
        self._complete = self._release if holds else self.recorder.completed
        # What follows intake, per field: a field settled at the counter with nothing after
        # it (no lead time, back office, rework, province or sign-off) completes at once; one
        # with neither lead time nor back office goes on to what follows the back office.
        self._after_intake_of = [self._complete if _settled_at_intake(f)
                                 else self._after_back_office if f.lead_time_working_days is None and f.back_office is None
                                 else self._after_intake for f in self.fields]
        keep_waits = scenario.outputs.pool_waits
        for pool in self.all_pools():
            pool.first_waits = self.recorder.first_waits
            pool.recording = self.warmup_time == 0
            pool.waits = [] if keep_waits else None
            if self.direct:
                pool.warmup_time, pool.recorder, pool.done = self.warmup_time, self.recorder, self.recorder.done

    def all_pools(self):
        seen = set()
        for commune in self.communes:
            for pool in commune.pools.values():
                if id(pool) not in seen:
                    seen.add(id(pool))
                    yield pool
        yield from (p for p in self.router.extra_pools() if id(p) not in seen)

    # ----------------------------------------------------------------- running
    def run(self) -> dict:
        """Simulate the horizon; the replication's figures (result.json)."""
        return figures(self.tally())

    def tally(self) -> Tally:
        """Simulate the horizon; the raw aggregates, which shards add up."""
        for commune in self.communes:
            self._next_block(commune, 0)
        for day in range(self.scenario.horizon.days):
            Call(self.env, day * DAY, self._midnight, day)
        if self.warmup_time > 0:
            Call(self.env, self.warmup_time, self._end_warmup)
        # The cyclic garbage collector would rescan every live dossier and queued arrival
        # again and again; the engine makes no garbage cycles (dossiers are freed by
        # reference counting), so it pauses for the run.
        collecting = gc.isenabled()
        gc.collect()  # an earlier simulation in this process (it refers to itself: bound methods)
        gc.disable()
        try:
            self.env.run(until=self.end_time)
        finally:
            if collecting:
                gc.enable()
        return self.recorder.tally(self.end_time, self.dossiers_in_process())

    def dossiers_in_process(self) -> list[Dossier]:
        """Every dossier still in the system: queued, in a sign-off tray, or held by a
        pending event (in service, with the citizen, at the province, waiting on others)."""
        found = [d for pool in self.all_pools() for d in (*pool.queue, *pool.tray)]
        found += [p for p in pending(self.env) if type(p) is Dossier]
        if self.direct:  # queued (row, minute) pairs and rows in service
            rows = [entry[0] for entry in found] + [p for p in pending(self.env) if type(p) is tuple]
            return in_process(rows, {c.index: c for c in self.communes}, self.n_channels * self.n_fields,
                              self.warmup_time)
        return found

    def _next_block(self, commune: Commune, index: int) -> None:
        """Draw the commune's arrivals of block ``index`` and schedule the first one."""
        start = index * self.block_minutes
        if start >= self.end_time:
            return
        commune.block_index, commune.block = index, commune.arrivals.block(index, self.end_time)
        if self.direct:  # rows of the columns the direct path reads
            commune.block.row_columns = tuple(commune.block.columns[c] for c in ROW_COLUMNS)
            commune.block.chunk = 4 * commune.block.chunk  # short rows: more of them at a time, same memory
        self.recorder.arrivals_ahead(commune.block, self.warmup_time)  # every row arrives before the end
        commune.rows, commune.next_row = commune.block.next_rows(), 0
        if commune.rows:
            Call(self.env, commune.rows[0][0], self._arrival, commune)
        else:
            Call(self.env, start + self.block_minutes, self._block_done, commune)

    def _block_done(self, event) -> None:
        commune = event.payload
        self._next_block(commune, commune.block_index + 1)

    def _arrival(self, event) -> None:
        """A commune's next dossier arrives: its next arrival is scheduled on the same event
        (``event.rearm``, inlined), or the next block is asked for when this one is used up;
        the dossier is made from its block row and goes to intake (:meth:`arrive`, inlined
        for the home commune). This runs for every dossier, so it is written out in one
        function: a call less is some 4% of the direct path's time."""
        commune = event.payload
        rows, i = commune.rows, commune.next_row
        row = rows[i]
        i += 1
        if i == len(rows):
            rows = commune.rows = commune.block.next_rows()
            i = 0
        commune.next_row = i
        if rows:
            at, now = rows[i][0], self.env._now
            event.callbacks = event._call
            heappush(self._heap, (at if at > now else now, NORMAL, next(self._eid), event))
        else:
            Call(self.env, (commune.block_index + 1) * self.block_minutes, self._block_done, commune)
        if self.direct:  # the row goes to its intake pool as it is (sim/engine/direct.py)
            commune.intake[row[CHANNEL]].take(row)
            return
        d = new_dossier(row, commune, self.warmup_time)
        pool = commune.intake[d.channel]
        if pool is None or self.router_moves_intake:
            self.arrive(d)
        else:
            pool.request(d, d.intake_minutes, self._after_intake_of[d.field])

    def _midnight(self, event) -> None:
        day = event.payload
        if day > 0 and self.on_day is not None:
            self.on_day(day)
        if day < self.scenario.horizon.days and self.calendar.is_working_day(day):
            self._schedule_day(day)

    def _schedule_day(self, day: int) -> None:
        sign_off = self.scenario.sign_off
        if sign_off is not None:
            for clock in sign_off.batch_times:
                Call(self.env, day * DAY + parse_hhmm(clock), self._sign_off_batch)
        weekday = self.calendar.date_of(day * DAY).weekday()  # 0 = Monday
        for pool_name, shifts in self.scenario.staff.schedule.items():
            for shift in shifts:
                if weekday in shift.weekdays:
                    for commune in self.communes:
                        self._schedule_shift(commune.pools[pool_name], shift, day)

    def _schedule_shift(self, pool: Pool, shift, day: int) -> None:
        base = pool.base_staff
        during = shift.staff if shift.staff is not None else max(base + shift.delta, 0)
        Call(self.env, day * DAY + parse_hhmm(shift.start), lambda e: pool.set_staff(during))
        Call(self.env, day * DAY + parse_hhmm(shift.end), lambda e: pool.set_staff(base))

    def _end_warmup(self, event) -> None:
        w_now = self.calendar.working_minutes(self.env._now)
        for pool in self.all_pools():
            pool.recording = True
            pool.reset_statistics(w_now)

    # ------------------------------------------------------- life of a dossier
    def arrive(self, d: Dossier) -> None:
        pool = self.intake_pool[d.channel]
        if pool is None:
            self.after_intake(d)
            return
        if self.router_moves_intake:
            d.commune = self.router.intake_commune(d)
        d.commune.pools[pool].request(d, d.intake_minutes, self._after_intake_of[d.field])

    def after_intake(self, d: Dossier) -> None:
        if d.lead_days > 0:
            back = self.calendar.add_working_minutes(self.env._now, d.lead_days * self.day_minutes)
            d.lead_days = 0.0
            Call(self.env, back, self._lead_time_over, d)
            return
        pool = self.back_office_of[d.field]
        if pool is None:
            self.after_back_office(d)
        elif self.home_back_office:
            d.home.pools[pool].request(d, d.back_office_minutes, self._after_back_office)
        else:
            self.router.back_office_pool(d, pool).request(d, d.back_office_minutes, self._after_back_office)

    def _lead_time_over(self, event) -> None:
        self.after_intake(event.payload)

    def after_back_office(self, d: Dossier) -> None:
        if d.supplement:
            self.return_to_citizen(d)
        elif d.wait_days > 0:
            back = self.calendar.add_working_minutes(self.env._now, d.wait_days * self.day_minutes)
            d.wait_days = 0.0
            Call(self.env, back, self._others_done, d)
        elif d.province:
            back = self.calendar.add_working_minutes(self.env._now, d.delay_days * self.day_minutes)
            Call(self.env, back, self._from_province, d)
        elif self.signed[d.field]:
            self.sign(d)
        else:
            self._complete(d)

    def _others_done(self, event) -> None:
        self.after_back_office(event.payload)

    def return_to_citizen(self, d: Dossier) -> None:
        back = self.calendar.add_working_minutes(self.env._now, d.delay_days * self.day_minutes)
        Call(self.env, back, self._comes_back, d)

    def _comes_back(self, event) -> None:
        """The citizen brings the missing papers: a fresh filing with a fresh deadline clock."""
        d = event.payload
        d.returns += 1
        d.home.arrivals.redraw(d, self.env._now)
        self.arrive(d)

    def _from_province(self, event) -> None:
        self.complete(event.payload)

    def sign(self, d: Dossier) -> None:
        name = self.sign_off_pool
        pool = d.home.pools[name] if self.home_sign_off else self.router.sign_off_pool(d, name)
        if self.sign_off_batched:
            pool.tray.append(d)  # taken at the next batch time
        else:
            pool.request(d, d.sign_off_minutes, self._complete)

    def _sign_off_batch(self, event) -> None:
        for pool in self.all_pools():
            tray, pool.tray = pool.tray, []
            for d in tray:
                pool.request(d, d.sign_off_minutes, self._complete)

    def complete(self, d: Dossier) -> None:
        self._complete(d)

    def _release(self, d: Dossier) -> None:
        """Work done: hand the result back now, or hold it until its appointment instant."""
        if d.release_at > self.env._now:
            d.done_at = self.env._now
            Call(self.env, d.release_at, self._released, d)
        else:
            self.recorder.completed(d)

    def _released(self, event) -> None:
        self.recorder.completed(event.payload)
