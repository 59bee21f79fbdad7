"""What sim/engine/scheduling.py relies on in SimPy, checked one assumption at a time.

The engine pushes its events straight onto SimPy's heap (a deliberate speed choice). If a
SimPy release changes any of the internals below, these tests fail with a message naming
the assumption, before any figure can silently change.
"""
from __future__ import annotations

import simpy
from simpy.events import NORMAL, URGENT

from sim.engine.scheduling import Call, environment, pending

BROKEN = "SimPy changed what sim/engine/scheduling.py relies on: "


def test_the_environment_has_the_attributes_we_use():
    env = environment()
    assert isinstance(env, simpy.Environment)
    for name, kind in (("_queue", list), ("_now", (int, float))):
        assert isinstance(getattr(env, name, None), kind), BROKEN + f"Environment.{name} is no longer a {kind}"
    assert hasattr(env, "_eid") and isinstance(next(env._eid), int), BROKEN + "Environment._eid is no longer an id iterator"
    assert env._now == env.now, BROKEN + "Environment._now is not what Environment.now returns"


def test_a_queue_entry_is_time_priority_id_event():
    env = environment()
    event = simpy.Event(env)
    env.schedule(event, NORMAL, 3.5)
    (entry,) = env._queue
    assert isinstance(entry, tuple) and len(entry) == 4, BROKEN + f"a queue entry is no longer a 4-tuple: {entry!r}"
    at, priority, eid, queued = entry
    assert (at, priority, queued) == (3.5, NORMAL, event), BROKEN + f"queue entry layout changed: {entry!r}"
    assert isinstance(eid, int), BROKEN + "the third item of a queue entry is no longer an event id"
    assert NORMAL > URGENT, BROKEN + "URGENT events no longer come before NORMAL ones at the same time"


def test_step_calls_the_callbacks_of_a_bare_event_and_reads_nothing_else_of_it():
    env = environment()
    seen = []
    call = Call(env, 7.0, lambda e: seen.append((env.now, e.payload, e.callbacks)), "a dossier")
    env.step()
    assert seen == [(7.0, "a dossier", None)], BROKEN + (
        "Environment.step no longer sets now to the entry's time, clears callbacks and calls each with the event")
    assert call.callbacks is None


def test_events_come_out_in_time_then_scheduling_order_and_a_past_instant_is_now():
    env = environment()
    order = []
    for name, at in (("b", 5.0), ("a", 2.0), ("c", 5.0)):
        Call(env, at, lambda e: order.append((env.now, e.payload)), name)
    env.run()
    assert order == [(2.0, "a"), (5.0, "b"), (5.0, "c")], BROKEN + "the heap no longer orders (time, priority, id)"
    late = []
    Call(env, 1.0, lambda e: late.append(env.now))  # 1.0 is in the past: clamped to now
    env.run()
    assert late == [5.0]


def test_an_event_rearmed_inside_its_callback_runs_again():
    env = environment()
    times = []

    def tick(event):
        times.append(env.now)
        if event.payload < 3:
            event.again(env.now + 10, tick, event.payload + 1)

    Call(env, 0.0, tick, 1)
    env.run()
    assert times == [0.0, 10.0, 20.0], BROKEN + "an event can no longer be re-armed from inside its callback"


def test_run_until_stops_before_ordinary_events_at_that_instant():
    env = environment()
    fired = []
    Call(env, 10.0, lambda e: fired.append(10.0))
    Call(env, 9.0, lambda e: fired.append(9.0))
    env.run(until=10.0)
    assert fired == [9.0] and env.now == 10.0, BROKEN + "run(until=t) no longer stops before NORMAL events at t"
    assert pending(env) == [None], "the event at the stop instant is still pending"


def test_pending_finds_only_our_payloads_among_simpy_events():
    env = environment()
    Call(env, 4.0, print, "dossier 1")
    simpy.Event(env).succeed("not ours")  # a SimPy event in the same queue
    Call(env, 6.0, print, "dossier 2")
    assert sorted(pending(env)) == ["dossier 1", "dossier 2"]


def test_simpy_is_pinned_to_the_tested_range():
    import re
    from importlib import metadata
    from pathlib import Path

    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    pin = re.search(r'"simpy([^"]*)"', pyproject).group(1)
    assert "<" in pin, f"simpy must be pinned with an upper bound in pyproject.toml (got {pin!r})"
    major, minor = (int(x) for x in metadata.version("simpy").split(".")[:2])
    low = tuple(int(x) for x in re.search(r">=\s*([\d.]+)", pin).group(1).split(".")[:2])
    high = tuple(int(x) for x in re.search(r"<\s*([\d.]+)", pin).group(1).split(".")[:2])
    assert low <= (major, minor) < high, f"installed simpy {major}.{minor} is outside the pin {pin}"
