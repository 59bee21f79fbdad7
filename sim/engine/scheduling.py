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
    ``Environment.step`` reads of an event (``callbacks``, and ``_ok``, always true).
    """

    __slots__ = ("env", "callbacks", "payload")
    _ok = True  # read by Environment.step after the callbacks: the event succeeded

    def __init__(self, env: simpy.Environment, at: float, fn, payload=None):
        self.env = env
        self.callbacks = [fn]
        self.payload = payload
        now = env._now
        heappush(env._queue, (at if at > now else now, NORMAL, next(env._eid), self))

    def again(self, at: float, fn, payload) -> None:
        """Re-arm this event from inside its own callback (SimPy is done with it): a
        feeder or a staff member going on to the next dossier reuses its event."""
        self.callbacks = [fn]
        self.payload = payload
        env = self.env
        now = env._now
        heappush(env._queue, (at if at > now else now, NORMAL, next(env._eid), self))


def pending(env: simpy.Environment) -> list:
    """The payloads of the Calls still waiting in the queue (unordered)."""
    return [event.payload for *_, event in env._queue if type(event) is Call]
