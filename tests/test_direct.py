"""The direct path (sim/engine/direct.py) gives exactly the general path's figures.

One-stage scenarios on a 24/7 calendar are served as block rows instead of Dossier objects.
Each scenario here is simulated both ways (``Simulation.direct_path`` off forces the general
path) and the results must be equal, float for float: the same arithmetic in the same order.
The cases cover a warm-up, two channels and two fields with deadline mixes, several
communes, and an overloaded counter (dossiers queued and in service at the end).
"""
from __future__ import annotations

import pytest

from conftest import MMC, make, nan_equal
from sim.engine.model import Simulation
from sim.scenario.region import Region
from sim.study.api import load_scenario

EXP = {"kind": "exponential", "mean": 12}


def _both_ways(scenario, monkeypatch):
    results = {}
    for direct in (True, False):
        monkeypatch.setattr(Simulation, "direct_path", direct)
        sim = Simulation(Region(scenario), 0)
        assert sim.direct == direct
        results[direct] = sim.run()
    return results[True], results[False]


def _always_open(**kw):
    return make(calendar={"always_open": True}, **kw)


CASES = {
    "mmc with warm-up": lambda: load_scenario(MMC).model_copy(
        update={"horizon": load_scenario(MMC).horizon.model_copy(update={"days": 8, "warmup_days": 2})}),
    "two channels, two fields, three communes": lambda: _always_open(
        channels={"in_person": {"share": 0.6, "intake": {"pool": "counter", "service_minutes": EXP}},
                  "online": {"share": 0.4, "intake": {"pool": "reviewer", "service_minutes": {"kind": "exponential",
                                                                                               "mean": 5}}}},
        fields={"civil": {"share": 0.7, "deadline_working_days": 1, "back_office": None, "sign_off": False},
                "land": {"share": 0.3, "deadline_working_days": 3, "back_office": None, "sign_off": False}},
        staff={"counter": 2, "reviewer": 1}, rate=200, days=5, warmup=1, communes={"count": 3}),
    "overloaded counter": lambda: _always_open(
        channels={"in_person": {"share": 1.0, "intake": {"pool": "counter", "service_minutes": EXP}}},
        fields={"any": {"share": 1.0, "deadline_working_days": 1, "back_office": None, "sign_off": False}},
        staff={"counter": 1}, rate=180, days=3),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_direct_path_gives_the_general_paths_figures(case, monkeypatch):
    direct, general = _both_ways(CASES[case](), monkeypatch)
    assert nan_equal(direct, general)
    assert direct["region"]["dossiers_arrived"] > 100


def test_overloaded_counter_leaves_dossiers_in_process(monkeypatch):
    """The case above that checks the rows still queued or in service at the end."""
    direct, _ = _both_ways(CASES["overloaded counter"](), monkeypatch)
    assert direct["region"]["dossiers_in_process"] > 10


def test_general_path_where_a_dossier_has_more_than_one_stage():
    scenario = _always_open(
        channels={"in_person": {"share": 1.0, "intake": {"pool": "counter", "service_minutes": EXP}}},
        fields={"any": {"share": 1.0, "deadline_working_days": 1, "back_office": {"pool": "officer",
                                                                                  "service_minutes": EXP},
                        "sign_off": False}},
        staff={"counter": 2, "officer": 2}, rate=50, days=2)
    assert not Simulation(Region(scenario), 0).direct
    assert not Simulation(Region(load_scenario(MMC)), 0, dossier_log=True).direct  # the log needs dossiers
