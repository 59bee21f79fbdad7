"""Shards (sim/shards.py): a region of independent communes simulated in parts and added up.

Sharding must not change what is simulated: every count, histogram and per-commune figure
of a sharded replication equals the whole simulation's, and floats differ at most in the
last digits (they are added in another order). The layout depends on the scenario only, so
one and two worker processes give identical results.
"""
from __future__ import annotations

import math

import pytest
from conftest import HANOI, nan_equal, same

from sim.engine import shards
from sim.engine.model import Simulation
from sim.scenario.region import Region
from sim.study.api import load_scenario
from sim.study.runner import run_replication, run_replications

SHORT = ["horizon.days=5"]


@pytest.fixture
def small_shards(monkeypatch):
    monkeypatch.setattr(shards, "SHARD_COMMUNES", 40)


def test_layout_is_contiguous_near_equal_and_only_for_home_routing(small_shards):
    scenario = load_scenario(HANOI, SHORT)
    parts = Region(scenario).shards
    assert [len(p) for p in parts] == [31, 32, 31, 32]  # 126 communes, at most 40 a shard
    assert [i for p in parts for i in p] == list(range(126))
    for routed in ("hanoi/variants/location-independent-filing", "hanoi/variants/central-online-back-office",
                   "hanoi/pre-reform"):
        assert Region(load_scenario(routed, SHORT)).shards == [range(126)], routed



def test_a_region_within_one_shard_is_simulated_whole(monkeypatch):
    monkeypatch.setattr(shards, "SHARD_COMMUNES", 126)
    assert Region(load_scenario(HANOI, SHORT)).shards == [range(126)]


def test_sharded_replication_equals_the_whole_simulation(small_shards):
    scenario = load_scenario(HANOI, SHORT + ["outputs.dossier_log=true"])
    whole = Simulation(Region(scenario), 3, dossier_log=True).run()
    sharded = run_replication(scenario, 3)
    for result in (whole, sharded):
        result.pop("wall_seconds", None), result.pop("replication", None)
    log_whole, log_sharded = whole.pop("dossier_log"), sharded.pop("dossier_log")
    same(whole, sharded)
    assert whole["region"]["dossiers_arrived"] > 25_000  # a real run, not an empty one
    # The same dossiers with the same lives; finished ones in finishing order, then the rest.
    assert sorted(log_whole) == sorted(log_sharded)
    finish = [row[6] for row in log_sharded if not math.isnan(row[6])]
    assert finish == sorted(finish) and all(math.isnan(row[6]) for row in log_sharded[len(finish):])


def test_one_or_two_processes_give_identical_results(small_shards):
    scenario = load_scenario(HANOI, ["horizon.days=3", "replications=2"])
    one = run_replications(scenario, jobs=1).results
    two = run_replications(scenario, jobs=2).results
    for a, b in zip(one, two):
        a.pop("wall_seconds"), b.pop("wall_seconds")
        assert a == b or nan_equal(a, b)
    assert [r["replication"] for r in two] == [0, 1]


def test_adder_adds_in_shard_order_whatever_order_shards_finish(small_shards):
    scenario = load_scenario(HANOI, ["horizon.days=2"])
    region = Region(scenario)
    parts = region.shards
    tallies = [shards.run_shard(region, 0, p) for p in parts]
    areas = [t.area for t in tallies]
    adder = shards.Adder(len(parts))
    for k in (2, 0, 3):
        adder.add(k, tallies[k])
        assert not adder.done
    adder.add(1, tallies[1])
    assert adder.done
    assert adder.result().area == ((areas[0] + areas[1]) + areas[2]) + areas[3]


def test_a_region_of_more_than_64_communes_is_two_shards_and_its_arrivals_do_not_depend_on_it(monkeypatch):
    """Hà Nội's 126 communes: two shards of 63 (they run in parallel with --jobs 2). Arrival
    blocks are sized for shards of 128 communes whatever SHARD_COMMUNES is, so the shard size
    changes no arrival (mm4-126: 50,000 a day in one 128-commune part: 4-day blocks)."""
    assert Region(load_scenario(HANOI, SHORT)).shards == [range(0, 63), range(63, 126)]
    mm4 = load_scenario("benchmarks/scenarios/mm4-126.yaml")
    for size in (64, 40, 128):
        monkeypatch.setattr(shards, "SHARD_COMMUNES", size)
        region = Region(mm4)
        assert len(region.shards) == -(-126 // size) and region.plan.block_days == 4, size
