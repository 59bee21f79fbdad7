"""Scheduling straight onto SimPy's event queue: the one module that knows SimPy's insides.

The engine has one kind of event, :class:`Call`: "call ``fn(event)`` at time ``at``", with a
payload (a dossier, a commune, a day). It is pushed straight onto the environment's heap with
its absolute time instead of going through ``simpy.Event`` and ``Environment.schedule``
(``now + delay``): no generator, no process, no per-instance dictionary, one heap entry, and
a service end or an arrival feeder re-uses its event for the next one. This is a deliberate
speed choice (the engine runs about twice as fast as idiomatic SimPy, README "Speed"), and it
depends on SimPy internals that are not part of its public API. They are used here only,
and ``tests/test_scheduling.py`` checks each of them, failing with a message that names it:

* ``Environment._queue`` is a heap (list) of ``(time, priority, event id, event)`` tuples and
  ``Environment._eid`` an iterator of event ids (what ``Environment.schedule`` pushes);
* ``Environment.step`` pops the smallest entry, sets ``_now`` to its time, takes the event's
  ``callbacks``, sets them to ``None``, calls each with the event, then reads ``event._ok``
  (a true ``_ok``: nothing more is read);
* ``run(until=t)`` stops before ordinary events at ``t`` (its stop event is URGENT);
* ``Environment._now`` is what ``Environment.now`` returns: the hot path (model, pools,
  recorder) reads the attribute directly, one property call fewer per step of a dossier.

``simpy`` is pinned in ``pyproject.toml`` to the range this was tested with.

The hot path re-arms events without calling :meth:`Call.rearm` (a service end in
:mod:`sim.engine.pools` and :mod:`sim.engine.direct`, the next arrival in
:mod:`sim.engine.model`): the same three statements written out, with ``NORMAL`` and
``heappush`` taken from here, about a tenth of the direct path's time. They use only the
internals listed above; whoever changes :meth:`Call.rearm` changes them too.
"""
from __future__ import annotations

from heapq import heappush

import simpy
from simpy.events import NORMAL


def environment() -> simpy.Environment:
    return simpy.Environment()


class Call:
    """``fn(event)`` at absolute time ``at``; what it is about is ``event.payload``.

    An instant already past is clamped to now. It carries exactly what
    ``Environment.step`` reads of an event (``callbacks``, and ``_ok``, always true). Its
    one-item callback list is made once and handed back to SimPy at every re-arming
    (``step`` takes the list, sets ``callbacks`` to None and calls the list's items; a
    callback that re-arms its own event puts the same one-item list back, which the loop
    in ``step`` has already passed).
    """

    __slots__ = ("env", "callbacks", "payload", "_call")
    _ok = True  # read by Environment.step after the callbacks: the event succeeded

    def __init__(self, env: simpy.Environment, at: float, fn, payload=None):
        self.env = env
        self.callbacks = self._call = [fn]
        self.payload = payload
        now = env._now
        heappush(env._queue, (at if at > now else now, NORMAL, next(env._eid), self))

    def again(self, at: float, fn, payload) -> None:
        """Re-arm this event from inside its own callback, or once SimPy is done with it:
        a feeder or a staff member going on to the next dossier reuses its event."""
        call = self._call
        call[0] = fn
        self.callbacks = call
        self.payload = payload
        env = self.env
        now = env._now
        heappush(env._queue, (at if at > now else now, NORMAL, next(env._eid), self))

    def rearm(self, at: float, payload) -> None:
        """:meth:`again` with the same ``fn`` (a staff member's next service end)."""
        self.callbacks = self._call
        self.payload = payload
        env = self.env
        now = env._now
        heappush(env._queue, (at if at > now else now, NORMAL, next(env._eid), self))


def pending(env: simpy.Environment) -> list:
    """The payloads of the Calls still waiting in the queue (unordered)."""
    return [event.payload for *_, event in env._queue if type(event) is Call]


__all__ = ["NORMAL", "Call", "environment", "heappush", "pending"]  # NORMAL, heappush: for inlined re-arming
