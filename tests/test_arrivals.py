"""Arrival blocks (sim/arrivals.py): columns handed out as row tuples, a chunk at a time."""
from __future__ import annotations

import numpy as np

import pytest
from conftest import HANOI

from sim.engine import arrivals, dossier
from sim.engine.model import Simulation
from sim.scenario.region import Region
from sim.study.api import load_scenario



def test_rows_come_in_chunks_that_make_up_the_block_in_time_order():
    sim = Simulation(Region(load_scenario(HANOI)), 0)
    commune = sim.communes[5]
    block = commune.arrivals.block(1, sim.end_time)
    chunks = []
    while rows := block.next_rows():
        assert len(rows) <= arrivals.CHUNK
        chunks.append(rows)
    assert block.next_rows() == []
    rows = [row for chunk in chunks for row in chunk]
    assert len(rows) == block.n > arrivals.CHUNK
    assert rows == list(zip(*(column.tolist() for column in block.columns)))
    col = {name: i for i, name in enumerate(dossier.NAMES)}
    times = [row[col["arrival"]] for row in rows]
    assert times == sorted(times) and 7 * 1440 <= times[0] and times[-1] < 14 * 1440
    # The deadline column is the statutory deadline of each row, as computed one at a time.
    fields = [row[col["field"]] for row in rows]
    deadline_days = [sim.fields[f].deadline_working_days for f in fields]
    late = sim.plan.after_cutoff(np.array(times), np.array(fields))
    assert [row[col["deadline"]] for row in rows] == [sim.statutory.add_working_days(t, d + int(x))
                                                      for t, d, x in zip(times, deadline_days, late)]
    assert {row[col["key"]] // (len(sim.channels) * len(sim.fields)) for row in rows} == {5}  # the commune's keys


# ------------------------------------------------- one description of a dossier's work
def test_a_block_holds_every_declared_column_with_its_dtype():
    sim = Simulation(Region(load_scenario(HANOI)), 0)
    block = sim.communes[0].arrivals.block(0, sim.end_time)
    assert len(block.columns) == len(dossier.WORK)
    for column, values in zip(dossier.WORK, block.columns):
        assert values.dtype == np.dtype(column.dtype), column.name
    with pytest.raises(ValueError, match=r"missing \['key'\].*not declared \['colour'\]"):
        arrivals.Block.of(**{name: block.columns[i] for i, name in enumerate(dossier.NAMES) if name != "key"},
                          colour=block.columns[0])


def test_a_returning_dossier_gets_every_redrawn_column_afresh_and_keeps_the_others():
    scenario = load_scenario(HANOI, ["demand.fields.land.lead_time_working_days={kind: exponential, mean: 2}",
                                     "demand.fields.land.wait_on_others_working_days={kind: exponential, mean: 3}",
                                     "demand.fields.land.appointment=at_appointment"])
    sim = Simulation(Region(scenario), 0)
    commune = sim.communes[3]
    rows = commune.arrivals.block(0, sim.end_time).next_rows()
    land = sim.plan.field_names.index("land")
    row = next(r for r in rows if r[dossier.NAMES.index("field")] == land)
    d = dossier.new_dossier(row, commune, 0.0)
    assert d.release_at > d.arrival  # held for its appointment
    sentinel = object()
    for name in dossier.REDRAWN:
        setattr(d, name, sentinel)
    d.release_at = 1.0  # a stale appointment (it is compared: no sentinel)
    commune.arrivals.redraw(d, 3 * 1440.0 + 600)
    assert d.release_at == sim.statutory.deadline_day_opening(d.deadline) > 3 * 1440.0
    for name in dossier.REDRAWN:
        if name == "delay_days" and not (d.supplement or d.province):
            continue  # a delay is drawn only for a dossier that goes back or up again
        assert getattr(d, name) is not sentinel, name
    for name in set(dossier.NAMES) - set(dossier.REDRAWN):
        assert getattr(d, name) == row[dossier.NAMES.index(name)], name


def test_the_dossier_log_follows_its_table():
    class Info:
        index = 4

    class Home:
        info = Info()

    d = dossier.new_dossier(tuple(range(len(dossier.NAMES))), Home(), 0.0)
    d.first_wait, d.returns, d.done_at = 2.5, 1, -1.0
    row = dossier.log_row(d, 99.0, True)
    assert len(row) == len(dossier.LOG) == len(dossier.LOG_NAMES)
    values = dict(zip(dossier.LOG_NAMES, row))
    assert values["arrival_minute"] == d.arrival and values["finish_minute"] == 99.0 and values["on_time"] is True
    assert values["home_commune"] == 4 and values["supplementation_returns"] == 1


def test_blocks_are_a_week_unless_a_shard_would_hold_too_many_arrivals():
    assert Simulation(Region(load_scenario(HANOI)), 0).plan.block_days == 7  # ~51,000 arrivals a week
    # blocks sized for 26 parts of ~128 communes, ~7,700 arrivals a working day each:
    national = load_scenario("benchmarks/scenarios/national-q3.yaml", ["horizon.days=2"])
    assert Simulation(Region(national), 0, shard=range(0)).plan.block_days == 7
    # 126 communes, 50,000 a day (24/7): 200,000 // 50,000 = 4 days.
    assert Simulation(Region(load_scenario("benchmarks/scenarios/mm4-126.yaml")), 0).plan.block_days == 4
    huge = load_scenario(HANOI, ["demand.dossiers_per_working_day=1000000"])
    assert Simulation(Region(huge), 0, shard=range(0)).plan.block_days == 1


def test_streams_of_unused_quantities_are_never_made():
    """A commune's streams other than arrivals are made on first use (each ~20 microseconds,
    up to ten per commune): a one-field scenario with no back office, sign-off,
    supplementation or province forwarding draws intake minutes and nothing else; Hà Nội's
    default draws each quantity it uses, and the same values whether or not a stream was
    made early."""
    simple = Simulation(Region(load_scenario("validation/mmc")), 0)
    simple.communes[0].arrivals.block(0, simple.end_time)
    made = {name for name in vars(simple.communes[0].arrivals) if name.endswith("_rng")}
    assert made == {"intake_rng"}
    hanoi = Region(load_scenario(HANOI))
    lazy, eager = Simulation(hanoi, 0), Simulation(hanoi, 0)
    streams = ("field_rng", "intake_rng", "back_office_rng", "sign_off_rng", "supplement_rng", "province_rng",
               "delay_rng", "rework_rng")
    for name in streams:
        getattr(eager.communes[3].arrivals, name)
    one, other = (s.communes[3].arrivals.block(0, s.end_time) for s in (lazy, eager))
    assert {name for name in vars(lazy.communes[3].arrivals) if name.endswith("_rng")} >= set(streams) - {"rework_rng"}
    for a, b in zip(one.columns, other.columns):
        assert np.array_equal(a, b)
