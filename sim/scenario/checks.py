"""Checks made before a run: will any pool be overloaded?

For every pool of every commune, the expected utilisation on an ordinary working day is
the expected staff-minutes of work sent to it (dossiers × mean minutes, rework included)
divided by the staff-minutes present. At 1 or more the queue can only grow: that is a
warning recorded in the manifest, or an error with ``--strict``. (Surges inside the day
can overload a pool whose daily utilisation is below 1; this check does not see them.)
"""
from __future__ import annotations

from pathlib import Path

from .policies import expected_minutes
from .region import Region


def utilisation_warnings(scenario, base_dir: Path | None = None, limit: int = 10,
                         region: Region | None = None) -> list[str]:
    region = region or Region(scenario, base_dir)
    plan, communes, staff = region.plan, region.communes, region.staff
    day = region.calendar.minutes_per_working_day
    districts = scenario.routing.districts if region.districts else None
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
        warnings += _district_warnings(region, districts, day)
    central = scenario.routing.central_pool
    if region.central_pools:
        load = expected_minutes(plan, None, central=_central_channels(scenario), only_central=True)
        for group in region.central_pools:
            staff = group.staff["central"]
            u = sum(load[i] for i in group.members) / (staff * day)
            if u >= 1:
                which = central.name if len(region.central_pools) == 1 else f"{central.name} ({group.name})"
                warnings.append(f"central pool {which!r}: expected utilisation {u:.2f} (staff {staff})")
    return warnings


def _central_channels(scenario) -> set[str]:
    routing = scenario.routing
    if routing.policy == "central_pool" and routing.central_pool is not None:
        return set(routing.central_pool.channels)
    return set()


def _district_warnings(region: Region, districts, day: float) -> list[str]:
    """The same check for the district centres of the three-tier baseline."""
    warnings = []
    for pool in districts.staff:
        load = expected_minutes(region.plan, pool, fields=set(districts.fields))
        for centre in region.districts:
            minutes = sum(load[i] for i in centre.members)
            staff = centre.staff[pool]
            u = minutes / (staff * day) if staff else float("inf")
            if minutes > 0 and u >= 1:
                warnings.append(f"pool {pool!r} of {centre.name}: expected utilisation {u:.2f} on an "
                                f"ordinary working day (staff {staff}): its queue can only grow")
    return warnings
