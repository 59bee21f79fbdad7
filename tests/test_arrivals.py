"""Arrival blocks (sim/arrivals.py): columns handed out as row tuples, a chunk at a time."""
from __future__ import annotations

import numpy as np

from sim.engine import arrivals
from sim.engine.model import Simulation
from sim.scenario.region import Region
from sim.study.api import load_scenario

HANOI = "hanoi/2025-07-first-13-days"


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
    times = [row[0] for row in rows]
    assert times == sorted(times) and 7 * 1440 <= times[0] and times[-1] < 14 * 1440
    # The deadline column is the statutory deadline of each row, as computed one at a time.
    deadline_days = [sim.fields[row[2]].deadline_working_days for row in rows]
    late = sim.plan.after_cutoff(np.array(times), np.array([row[2] for row in rows]))
    assert [row[10] for row in rows] == [sim.statutory.add_working_days(t, d + int(x))
                                         for t, d, x in zip(times, deadline_days, late)]
    assert {row[-1] // (len(sim.channels) * len(sim.fields)) for row in rows} == {5}  # the commune's keys


def test_blocks_are_a_week_unless_a_shard_would_hold_too_many_arrivals():
    assert Simulation(Region(load_scenario(HANOI)), 0).plan.block_days == 7  # ~51,000 arrivals a week
    # 26 shards of ~128 communes, ~7,700 arrivals a working day each:
    national = load_scenario("benchmarks/scenarios/national-q3.yaml", ["horizon.days=2"])
    assert Simulation(Region(national), 0, shard=range(0)).plan.block_days == 7
    # 126 communes, 50,000 a day (24/7): 200,000 // 50,000 = 4 days.
    assert Simulation(Region(load_scenario("benchmarks/scenarios/mm4-126.yaml")), 0).plan.block_days == 4
    huge = load_scenario(HANOI, ["demand.dossiers_per_working_day=1000000"])
    assert Simulation(Region(huge), 0, shard=range(0)).plan.block_days == 1
