"""Policies: registered by name, chosen in the scenario, and extensible in a few lines."""
import numpy as np
import pytest
from conftest import HANOI

from sim.engine.model import Simulation
from sim.scenario.policies import (
    ALLOCATIONS,
    ROUTERS,
    Router,
    register_allocation,
    register_router,
)
from sim.scenario.region import Region
from sim.study.api import load_scenario

SHORT = ["horizon.days=2"]


def test_a_modeler_adds_a_router_in_a_few_lines():
    # The README's example: every in-person dossier filed at commune 0's desk.
    @register_router("everyone_to_first_commune")
    class EveryoneToFirst(Router):
        def intake_commune(self, dossier):
            return self.simulation.communes[0]

    try:
        scenario = load_scenario(HANOI, [*SHORT, "routing.policy=everyone_to_first_commune", "communes.count=5",
                                         "communes.types={}", "staff.allocation.totals={back_office: 40}"])
        sim = Simulation(Region(scenario), 0)
        result = sim.run()
        served = [c.pools["counter"].arrivals for c in sim.communes]
        assert served[0] == result["pools"]["counter"]["dossiers_served"] and sum(served[1:]) == 0
    finally:
        del ROUTERS["everyone_to_first_commune"]


def test_a_modeler_adds_an_allocation_in_a_few_lines():
    @register_allocation("all_to_the_biggest")
    def all_to_the_biggest(scenario, communes, plan, pool, total):
        biggest = max(range(len(communes)), key=lambda i: communes[i].population)
        return [total - (len(communes) - 1) if i == biggest else 1 for i in range(len(communes))]

    try:
        scenario = load_scenario(HANOI, [*SHORT, "staff.allocation.policy=all_to_the_biggest"])
        sim = Simulation(Region(scenario), 0)
        staff = [c.pools["back_office"].base_staff for c in sim.communes]
        assert sum(staff) == 1008 and sorted(staff)[-2] == 1
        assert staff.index(max(staff)) == int(np.argmax([c.info.population for c in sim.communes]))
    finally:
        del ALLOCATIONS["all_to_the_biggest"]


def test_unknown_policy_names_are_refused_with_the_known_ones():
    from sim.scenario.loading import ScenarioError

    with pytest.raises(ScenarioError) as info:
        load_scenario(HANOI, ["routing.policy=nearest", "staff.allocation.policy=fair"])
    text = str(info.value)
    assert "routing.policy: not a registered router (known: ['central_pool', 'home'" in text
    assert "staff.allocation.policy: not a registered allocation policy" in text


def test_least_loaded_cluster_moves_intake_only_within_clusters():
    scenario = load_scenario(HANOI, [*SHORT, "routing.policy=least_loaded_cluster", "routing.cluster_size=4",
                                     "routing.eligible_share=1.0", "outputs.dossier_log=true"])
    sim = Simulation(Region(scenario), 0, dossier_log=True)
    result = sim.run()
    rows = result["dossier_log"]
    moved = [(home, intake) for home, intake, *_ in rows if home != intake]
    assert moved, "with every in-person dossier eligible, some must be filed elsewhere"
    assert all(home // 4 == intake // 4 for home, intake in moved)
    in_person = sim.plan.channel_names.index("in_person")
    assert all(ch == in_person for (home, intake, ch, *_) in rows if home != intake)
    baseline = Simulation(Region(load_scenario(HANOI, SHORT)), 0).run()
    assert result["region"]["mean_wait_minutes"] < baseline["region"]["mean_wait_minutes"]


def test_central_pool_takes_the_online_back_office_work():
    # A centre so large that nobody queues there: the same dossiers reach a back office as in
    # the home-commune run (common random numbers), the online ones at the centre.
    scenario = load_scenario(HANOI, [*SHORT, "routing.policy=central_pool",
                                     "routing.central_pool={name: centre, staff: 500, channels: [online]}"])
    result = Simulation(Region(scenario), 0).run()
    baseline = Simulation(Region(load_scenario(HANOI, SHORT)), 0).run()
    moved = result["pools"]["centre"]["dossiers_served"]
    assert result["pools"]["centre"]["pools"] == 1 and result["pools"]["centre"]["probability_of_waiting"] == 0
    total = result["pools"]["back_office"]["dossiers_served"] + moved
    assert abs(total - baseline["pools"]["back_office"]["dossiers_served"]) <= 40  # services still running at the end
    assert 0.05 < moved / total < 0.3  # the online share of back-office work (14% of dossiers are online)


def test_three_tier_sends_district_fields_to_district_centres():
    scenario = load_scenario("hanoi/variants/pre-reform-land-branches", SHORT)
    sim = Simulation(Region(scenario), 0)
    result = sim.run()
    assert result["pools"]["district_back_office"]["pools"] == 30
    land = result["by_field"]["land"]["dossiers_arrived"]
    assert land > 0
    commune_bo = sum(c.pools["back_office"].arrivals for c in sim.communes)
    district_bo = result["pools"]["district_back_office"]["dossiers_served"]
    assert district_bo > 0 and commune_bo > 0
    staff = [o.pools["back_office"].base_staff for o in sim.router.offices]
    assert sum(staff) == 27 * 30 and max(staff) > min(staff)  # proportional allocation
