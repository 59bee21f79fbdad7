"""The direct path: one-stage dossiers on a 24/7 calendar, served as their block rows.

Where every dossier is settled at the counter (no lead time, back office, rework, province,
waits on others or sign-off), the calendar is 24/7, no result is held for an appointment,
no dossier log is kept, staff do not change shifts and the home commune takes every filing,
a dossier's whole life is: arrive, wait for a free staff member, be served, complete. It
then needs none of a :class:`~sim.engine.dossier.Dossier`'s state: a short row of its block
(:data:`ROW`: arrival, channel, intake minutes, key, deadline) is all that the pool queues
and the service-end event carries, and working minutes are calendar minutes. :class:`DirectPool` serves rows with the same arithmetic, in
the same order, as :class:`~sim.engine.pools.Pool` serves dossiers, so the figures are
identical (``tests/test_direct.py`` runs scenarios both ways); it only skips making and
filling an object per dossier. Dossiers still in process at the end are made into
:class:`Dossier` objects then, for the recorder.

Which scenarios take this path is decided once (:func:`direct_path_applies`); every other
scenario runs the general path, unchanged.
"""
from __future__ import annotations

from .dossier import NAMES, Dossier
from .pools import Pool
from .recorder import BATCH
from .scheduling import Call, NORMAL, heappush

#: What a row carries on the direct path (block columns, by name), and where
ROW = ("arrival", "channel", "intake_minutes", "key", "deadline")
ARRIVAL, CHANNEL, INTAKE, KEY, DEADLINE = range(len(ROW))
ROW_COLUMNS = tuple(NAMES.index(name) for name in ROW)  # their places among the block's columns


def direct_path_applies(scenario, plan, calendar, router_moves_intake: bool, dossier_log: bool) -> bool:
    """True where every dossier's life is arrive, queue, one service, complete (see above)."""
    settled = all(f.lead_time_working_days is None and f.back_office is None and not f.sign_off
                  and f.supplementation_share == 0 and f.province_share == 0
                  and f.wait_on_others_working_days is None and f.at_appointment_share == 0 for f in plan.fields)
    return (settled and calendar.always_open and not dossier_log and not router_moves_intake
            and all(ch.intake is not None for ch in plan.channels) and not any(scenario.staff.schedule.values()))


class DirectPool(Pool):
    """A :class:`Pool` serving block rows: ``take(row)`` at the row's arrival, and on
    completion its key, arrival, finish and deadline in the recorder's buffer ``done`` (what
    :meth:`Recorder.completed <sim.engine.recorder.Recorder.completed>` keeps of a dossier).
    Queued entries are ``(row, minute queued)``."""

    # Call.rearm is inlined below as in Pool; a service end is never before now (minutes >= 0
    # and working minutes are calendar minutes), so rearm's clamp to now is not needed.
    __slots__ = ("warmup_time", "recorder", "done")

    def take(self, row: tuple) -> None:
        """:meth:`Pool.request` of the row's intake, working minutes = calendar minutes."""
        now = self.env._now
        if self.free <= 0:
            self.queue.append((row, now))
            return
        self.free -= 1
        span = now - self._last_w
        if span > 0:
            self.busy_area += self.busy * span
            self.staff_area += self.staff * span
            self._last_w = now
        busy = self.busy = self.busy + 1
        if busy > self.max_busy:
            self.max_busy = busy
        minutes = row[INTAKE]
        if self.recording:
            self.arrivals += 1
            self.service_minutes_total += minutes
            self.service_minutes_sq += minutes * minutes
        if row[ARRIVAL] >= self.warmup_time:
            first_waits = self.first_waits
            first_waits.append(row[KEY])
            first_waits.append(0.0)
        if self.spare_events:
            event = self.spare_events.pop()
            event.callbacks = event._call
            event.payload = row
            heappush(self._heap, (now + minutes, NORMAL, next(self._eid), event))
        else:
            Call(self.env, now + minutes, self._finish, row)

    def _start(self, queued: tuple, w_now: float, event: Call | None) -> None:
        row, enqueued = queued
        minutes = row[INTAKE]
        wait = w_now - enqueued
        if self.recording:
            self.arrivals += 1
            if wait > 1e-9:
                self.wait_total += wait
                self.waited += 1
            self.service_minutes_total += minutes
            self.service_minutes_sq += minutes * minutes
        if row[ARRIVAL] >= self.warmup_time:
            first_waits = self.first_waits
            first_waits.append(row[KEY])
            first_waits.append(wait)
        if event is None:
            Call(self.env, w_now + minutes, self._finish, row)
        else:
            event.callbacks = event._call
            event.payload = row
            heappush(self._heap, (w_now + minutes, NORMAL, next(self._eid), event))

    def _finish(self, event) -> None:
        row = event.payload
        w_now = self.env._now  # the service end: its working minute on a 24/7 calendar
        if self.queue and self.free >= 0:
            self._start(self.queue.popleft(), w_now, event)
        else:
            span = w_now - self._last_w
            if span > 0:
                self.busy_area += self.busy * span
                self.staff_area += self.staff * span
                self._last_w = w_now
            self.busy -= 1
            self.free += 1
            event.payload = None
            self.spare_events.append(event)
        done = self.done  # Recorder.completed, inlined: a call here is some 4% of the path
        done.append(row[KEY])
        done.append(row[ARRIVAL])
        done.append(w_now)
        done.append(row[DEADLINE])
        if len(done) >= 4 * BATCH:
            self.recorder.flush()


def in_process(entries: list[tuple], communes: dict, per_commune: int, warmup_time: float) -> list[Dossier]:
    """Rows still in the system at the end as Dossier objects (what the recorder reads of
    them: arrival, key, deadline, home); ``communes`` by index, ``per_commune`` keys per
    commune (channels x fields)."""
    found = []
    for row in entries:
        d = Dossier()
        for name, value in zip(ROW, row):  # the rest of its work is not read once it is in process
            setattr(d, name, value)
        d.home = d.commune = communes[row[KEY] // per_commune]
        d.counted = row[ARRIVAL] >= warmup_time
        d.first_wait = d.done_at = -1.0  # the log is off here, and nothing else reads the wait
        d.returns = 0
        found.append(d)
    return found
