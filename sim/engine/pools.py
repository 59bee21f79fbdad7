"""Staff pools: a number of staff, a first-come-first-served queue, and the clock.

A pool is the whole of a queueing station. It does not use ``simpy.Resource``: a free
staff count and a deque do the same job for FCFS with far less work per dossier. When a
staff member takes a dossier, the end of the service is computed once from the working
calendar (a service unfinished at closing resumes at the next opening, so the end is
``instant(W(now) + minutes)``) and scheduled as a single event, :class:`Call`. A staff
member who finishes keeps that event for the next service (:meth:`Call.rearm`), so a
service costs one heap entry and no new objects.

A pool also keeps its own statistics in working time: time integrals of busy staff and
of staff present (utilisation = busy / present), and the wait of every dossier it serves.

On a 24/7 calendar working time *is* calendar time (``W(t) = t``, ``instant(w) = w``): a
pool there converts with ``float`` instead of asking the calendar, the same values for
less work (``tests/test_pools.py`` checks both ways give identical figures).

When asked (``waits`` a list, ``outputs.pool_waits`` of the scenario), it also keeps each
of those waits, so that the wait at this pool has quantiles (the staffing search needs the
p90 wait at each pool of each commune, not only before a dossier's first service).
"""
from __future__ import annotations

from collections import deque

from simpy.core import Environment

from .calendar import WorkingCalendar
from .scheduling import NORMAL, Call, heappush


class Pool:
    """``staff`` people serving dossiers in arrival order, in working time only."""

    __slots__ = ("env", "calendar", "name", "commune", "staff", "base_staff", "free", "busy", "queue",
                 "spare_events", "tray", "first_waits", "waits", "recording", "arrivals", "wait_total", "waited",
                 "service_minutes_total", "service_minutes_sq", "max_busy", "_last_w", "busy_area", "staff_area",
                 "_working_minutes", "_instant", "_heap", "_eid")

    def __init__(self, env: Environment, calendar: WorkingCalendar, name: str, commune: int, staff: int):
        self.env, self.calendar, self.name, self.commune = env, calendar, name, commune
        self._heap, self._eid = env._queue, env._eid  # Call.rearm inlined below (sim/engine/scheduling.py)
        if calendar.always_open:  # what the calendar would answer (times are >= 0), without asking it
            self._working_minutes = self._instant = float
        else:
            self._working_minutes, self._instant = calendar.working_minutes, calendar.instant  # bound once
        self.staff = self.base_staff = staff
        self.free = staff
        self.first_waits: list = []  # key, wait, key, wait... of first services: the recorder's buffer, shared
        self.busy = 0
        self.queue: deque = deque()
        self.spare_events: list[Call] = []  # service-end events of idle staff, ready for reuse
        self.tray: list = []  # dossiers waiting for the next sign-off batch time
        self.waits: list | None = None  # every recorded wait at this pool, when asked
        self.recording = True  # False during warm-up
        self.arrivals = 0
        self.wait_total = 0.0  # working minutes waited by the dossiers served
        self.waited = 0  # how many of them waited at all
        self.service_minutes_total = 0.0
        self.service_minutes_sq = 0.0
        self.max_busy = 0
        self._last_w = 0.0
        self.busy_area = 0.0  # staff-working-minutes spent serving
        self.staff_area = 0.0  # staff-working-minutes present

    def request(self, dossier, minutes: float, then) -> None:
        """Serve ``dossier`` for ``minutes`` working minutes, then call ``then(dossier)``."""
        dossier.then = then
        now = self.env._now
        w_now = self._working_minutes(now)
        if self.free <= 0:
            dossier.minutes, dossier.enqueued_w = minutes, w_now
            self.queue.append(dossier)
            return
        # Served at once (no wait): one more busy (_one_more_busy, inlined: the hot path), then
        # what _start does for a queued dossier, less the wait
        self.free -= 1
        span = w_now - self._last_w
        if span > 0:
            self.busy_area += self.busy * span
            self.staff_area += self.staff * span
            self._last_w = w_now
        busy = self.busy = self.busy + 1
        if busy > self.max_busy:
            self.max_busy = busy
        if self.recording:
            self.arrivals += 1
            if self.waits is not None:
                self.waits.append(0.0)  # served at once
            self.service_minutes_total += minutes
            self.service_minutes_sq += minutes * minutes
        if dossier.first_wait < 0:  # its very first service: it waited 0 working minutes
            dossier.first_wait = 0.0
            if dossier.counted:
                first_waits = self.first_waits
                first_waits.append(dossier.key)
                first_waits.append(0.0)
        end_w = dossier.end_w = w_now + minutes
        if self.spare_events:  # a staff member's service-end event, re-armed (Call.rearm, inlined)
            event = self.spare_events.pop()
            event.callbacks = event._call
            event.payload = dossier
            at = self._instant(end_w)
            heappush(self._heap, (at if at > now else now, NORMAL, next(self._eid), event))
        else:
            Call(self.env, self._instant(end_w), self._finish, dossier)

    def set_staff(self, staff: int) -> None:
        """A shift change: new staff take queued dossiers; leavers finish what they hold."""
        w_now = self._working_minutes(self.env._now)
        self._integrate(w_now)
        self.free += staff - self.staff
        self.staff = staff
        while self.free > 0 and self.queue:
            self.free -= 1
            self._one_more_busy(w_now)
            self._start(self.queue.popleft(), w_now, self.spare_events.pop() if self.spare_events else None)

    def _one_more_busy(self, w_now: float) -> None:
        """A staff member takes a dossier (a shift change; request does the same inline)."""
        self._integrate(w_now)
        self.busy += 1
        if self.busy > self.max_busy:
            self.max_busy = self.busy

    def _start(self, dossier, w_now: float, event: Call | None) -> None:
        """Start serving ``dossier``, taken from the queue, at working minute ``w_now``;
        ``event``: the staff member's service-end event to re-use (None: a new one)."""
        minutes = dossier.minutes
        wait = w_now - dossier.enqueued_w
        if self.recording:
            self.arrivals += 1
            if wait > 1e-9:
                self.wait_total += wait
                self.waited += 1
            if self.waits is not None:
                self.waits.append(wait)
            self.service_minutes_total += minutes
            self.service_minutes_sq += minutes * minutes
        if dossier.first_wait < 0:  # the dossier's very first service: the wait citizens see
            dossier.first_wait = wait
            if dossier.counted:
                first_waits = self.first_waits  # the recorder's buffer: key, wait, key, wait...
                first_waits.append(dossier.key)
                first_waits.append(wait)
        end_w = dossier.end_w = w_now + minutes
        if event is None:
            Call(self.env, self._instant(end_w), self._finish, dossier)
        else:  # event.rearm(...), inlined
            event.callbacks = event._call
            event.payload = dossier
            at, now = self._instant(end_w), self.env._now
            heappush(self._heap, (at if at > now else now, NORMAL, next(self._eid), event))

    def _finish(self, event) -> None:
        dossier = event.payload
        w_now = dossier.end_w
        if self.queue and self.free >= 0:
            self._start(self.queue.popleft(), w_now, event)  # the same staff member goes on: busy unchanged
        else:
            span = w_now - self._last_w  # _integrate, inlined: the hot path
            if span > 0:
                self.busy_area += self.busy * span
                self.staff_area += self.staff * span
                self._last_w = w_now
            self.busy -= 1
            self.free += 1
            event.payload = None  # let the finished dossier go
            self.spare_events.append(event)  # the next service start re-arms it
        dossier.then(dossier)

    def _integrate(self, w_now: float) -> None:
        span = w_now - self._last_w
        if span > 0:
            self.busy_area += self.busy * span
            self.staff_area += self.staff * span
            self._last_w = w_now

    def reset_statistics(self, w_now: float) -> None:
        """End of warm-up: keep the state, forget the figures."""
        self._integrate(w_now)
        self.busy_area = self.staff_area = 0.0
        self.arrivals = 0
        self.wait_total, self.waited = 0.0, 0
        if self.waits is not None:
            self.waits.clear()
        self.service_minutes_total = self.service_minutes_sq = 0.0
