"""Checks made before a run: will any pool be overloaded?

For every pool of every commune, the expected utilisation on an ordinary working day is
the expected staff-minutes of work sent to it (dossiers × mean minutes, rework included)
divided by the staff-minutes present. At 1 or more the queue can only grow: that is a
warning recorded in the manifest, or an error with ``--strict``. (Surges inside the day
can overload a pool whose daily utilisation is below 1; this check does not see them.)
"""
from __future__ import annotations

from pathlib import Path

from .arrivals import DemandPlan
from .communes import build_communes, demand_weights
from .policies import allocate_staff, expected_minutes
from .scenario import Scenario


def utilisation_warnings(scenario: Scenario, base_dir: Path | None = None, limit: int = 10) -> list[str]:
    from .model import build_calendar

    calendar = build_calendar(scenario)
    communes = build_communes(scenario.communes, base_dir)
    plan = DemandPlan(scenario, calendar, demand_weights(communes))
    staff = allocate_staff(scenario, communes, plan)
    day = calendar.minutes_per_working_day
    districts = scenario.routing.districts if scenario.routing.policy == "three_tier" else None
    commune_fields = None if districts is None else set(plan.field_names) - set(districts.fields)
    warnings = []
    for pool, counts in staff.items():
        load = expected_minutes(plan, pool, central=_central_channels(scenario), fields=commune_fields)
        over = [(load[i] / (counts[i] * day) if counts[i] else float("inf"), i) for i in range(len(counts)) if load[i] > 0]
        over = sorted((u, i) for u, i in over if u >= 1)
        for u, i in over[-limit:][::-1]:
            warnings.append(f"pool {pool!r} of {communes[i].name}: expected utilisation {u:.2f} on an ordinary "
                            f"working day (staff {counts[i]}): its queue can only grow")
        if len(over) > limit:
            warnings.append(f"pool {pool!r}: {len(over) - limit} more communes at utilisation >= 1")
    if districts is not None:
        warnings += _district_warnings(scenario, plan, districts, day)
    central = scenario.routing.central_pool
    if scenario.routing.policy == "central_pool" and central is not None:
        load = sum(expected_minutes(plan, None, central=_central_channels(scenario), only_central=True))
        u = load / (central.staff * day)
        if u >= 1:
            warnings.append(f"central pool {central.name!r}: expected utilisation {u:.2f} (staff {central.staff})")
    return warnings


def _central_channels(scenario: Scenario) -> set[str]:
    routing = scenario.routing
    if routing.policy == "central_pool" and routing.central_pool is not None:
        return set(routing.central_pool.channels)
    return set()


def _district_warnings(scenario, plan, districts, day: float) -> list[str]:
    """The same check for the district centres of the three-tier baseline."""
    from .policies import ThreeTier

    n = len(plan.base)
    members = [[i for i in range(n) if i * districts.count // n == k] for k in range(districts.count)]
    demand = [sum(plan.base[i] for i in m) for m in members]
    staff = ThreeTier._district_staff(districts, demand)
    warnings = []
    for pool in districts.staff:
        load = expected_minutes(plan, pool, fields=set(districts.fields))
        for k, m in enumerate(members):
            minutes = sum(load[i] for i in m)
            u = minutes / (staff[k][pool] * day) if staff[k][pool] else float("inf")
            if minutes > 0 and u >= 1:
                warnings.append(f"pool {pool!r} of District {k + 1:02d}: expected utilisation {u:.2f} on an "
                                f"ordinary working day (staff {staff[k][pool]}): its queue can only grow")
    return warnings
