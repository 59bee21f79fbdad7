"""Policies: how staff are allocated to communes, and where a dossier is handled.

Both are extension points, chosen by name in the scenario and looked up in a registry.
A modeler adds one without touching the engine::

    from sim.scenario.policies import Router, register_router

    @register_router("nearest_ward")
    class NearestWard(Router):
        def intake_commune(self, dossier):
            ...

Staff allocation runs once before the simulation and returns, for every pool, the staff
of each commune. A router is asked at each step where the dossier goes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..engine.routing import Router
from . import geography

ALLOCATIONS: dict[str, Callable] = {}
ROUTERS: dict[str, type["Router"]] = {}


def register_allocation(name: str):
    def decorate(fn):
        ALLOCATIONS[name] = fn
        return fn
    return decorate


def register_router(name: str):
    def decorate(cls):
        ROUTERS[name] = cls
        return cls
    return decorate


@register_allocation("as_given")
def as_given(scenario, communes, plan, pool: str, total: int) -> list[int]:
    """Every commune gets the staff of ``staff.per_commune``."""
    return [scenario.staff.per_commune[pool]] * len(communes)


@register_allocation("equal")
def equal(scenario, communes, plan, pool: str, total: int) -> list[int]:
    """The region total shared out equally (the remainder to the first communes)."""
    return largest_remainder([1.0] * len(communes), total, scenario.staff.allocation.minimum)


@register_allocation("proportional")
def proportional(scenario, communes, plan, pool: str, total: int) -> list[int]:
    """The region total shared in proportion to each commune's expected workload for the pool."""
    return largest_remainder(expected_minutes(plan, pool), total, scenario.staff.allocation.minimum)


def expected_minutes(plan, pool, central: set = frozenset(), only_central: bool = False,
                     fields: set | None = None, channel_shares=None) -> list[float]:
    """Expected staff-minutes of work per ordinary working day that each commune sends ``pool``.

    Rework counts: a field returned for supplementation with share p is handled 1/(1-p)
    times on average. Back-office work of ``central`` channels goes to a central pool; with
    ``only_central`` the result is each commune's contribution to that central pool.
    ``fields`` (names) restricts the work to those fields. ``channel_shares``: each channel's
    volume relative to the base volume on the day considered (default: the channel shares;
    demand that changes by date gives other days, see ``DemandPlan.demand_states``).
    """
    per_unit = 0.0  # minutes per dossier-per-day of commune base volume
    for k, channel in enumerate(plan.channels):
        mix = plan.field_mix[k]
        to_centre = plan.channel_names[k] in central
        for f, field in enumerate(plan.fields):
            if fields is not None and plan.field_names[f] not in fields:
                continue
            channel_share = channel.share if channel_shares is None else channel_shares[k]
            share = channel_share * mix[f] / (1 - field.supplementation_share)
            if only_central:
                if to_centre and field.back_office is not None:
                    per_unit += share * field.back_office.service_minutes.mean
                continue
            if channel.intake is not None and channel.intake.pool == pool:
                per_unit += share * (field.intake_service_minutes or channel.intake.service_minutes).mean
            if field.back_office is not None and field.back_office.pool == pool and not to_centre:
                per_unit += share * field.back_office.service_minutes.mean
            if plan.sign_off is not None and plan.sign_off.pool == pool and field.sign_off:
                per_unit += share * plan.sign_off.service_minutes.mean
    return [b * per_unit for b in plan.base]


def largest_remainder(weights, total: int, minimum: int = 0) -> list[int]:
    """Whole staff numbers summing to ``total``, each at least ``minimum``, near total × weight."""
    n = len(weights)
    if total < minimum * n:
        raise ValueError(f"a total of {total} cannot give each of {n} communes at least {minimum}")
    spare = total - minimum * n
    weight_sum = sum(weights)
    ideal = [spare * w / weight_sum if weight_sum > 0 else spare / n for w in weights]
    counts = [int(x) for x in ideal]
    by_remainder = sorted(range(n), key=lambda i: (-(ideal[i] - counts[i]), i))
    for i in by_remainder[: spare - sum(counts)]:
        counts[i] += 1
    return [minimum + c for c in counts]


def allocate_staff(scenario, communes, plan) -> dict[str, list[int]]:
    """Staff of every pool in every commune: by population for the pools of
    ``staff.by_population``, else by the scenario's allocation policy."""
    allocation = scenario.staff.allocation
    staff = {}
    for pool, rule in scenario.staff.by_population.items():
        staff[pool] = [rule.staff(c.population) for c in communes]
    for pool, per_commune in scenario.staff.per_commune.items():
        if pool in staff:
            continue
        if pool in allocation.pools or pool in allocation.totals:
            total = allocation.totals.get(pool, per_commune * len(communes))
            staff[pool] = ALLOCATIONS[allocation.policy](scenario, communes, plan, pool, total)
        else:
            staff[pool] = as_given(scenario, communes, plan, pool, 0)
    return staff


register_router("home")(Router)


@register_router("least_loaded_cluster")
class LeastLoadedCluster(Router):
    """Location-independent filing: an eligible dossier is filed at the least-loaded desk
    among its commune's neighbours (load = dossiers queued or in service per staff member).

    Who neighbours whom is ``routing.neighbours`` (built once by the region, see
    :mod:`sim.scenario.geography`): the run of ``cluster_size`` consecutive communes (the old
    stand-in for geography), the units sharing a border, or the units within a distance.
    Ties go to home, then to the lowest index. Back office and sign-off stay with the home
    commune, which is competent for the procedure.
    """

    def __init__(self, scenario, simulation):
        super().__init__(scenario, simulation)
        from ..engine.distributions import Buffered, Uniform
        from ..engine.streams import ROUTING, stream

        routing = scenario.routing
        communes = simulation.communes
        self.cluster = {c.index: [communes[j] for j in simulation.region.neighbourhoods[c.index]] for c in communes}
        self.channels = {i for i, name in enumerate(simulation.plan.channel_names) if name in routing.channels}
        self.eligible_share = routing.eligible_share
        unit = Uniform(low=0, high=1)
        self.uniform = {c.index: Buffered(unit, stream(scenario.seed, simulation.replication, c.index, ROUTING))
                        for c in communes}

    def intake_commune(self, dossier):
        home = dossier.home
        if dossier.channel not in self.channels or self.uniform[home.index]() >= self.eligible_share:
            return home
        pool = self.simulation.channels[dossier.channel].intake.pool
        return min(self.cluster[home.index], key=lambda c: (_load(c.pools[pool]), c is not home, c.index))


def _load(pool) -> float:
    return (len(pool.queue) + pool.busy) / pool.staff if pool.staff > 0 else float("inf")


@register_router("central_pool")
class CentralPool(Router):
    """Central back offices do the back-office work of some channels (typically online
    filings), first come first served: one for the whole region, or one per group of
    communes (former district, or distance: ``routing.central_pool.by``), as the region
    built them (:func:`central_pools`)."""

    def __init__(self, scenario, simulation):
        super().__init__(scenario, simulation)
        from ..engine.pools import Pool

        spec = scenario.routing.central_pool
        groups = simulation.region.central_pools
        # One pool name for all of them, so the figures add them up as one kind of pool (like
        # the communes' pools); each is told apart by its index, -1, -2, ...
        self.pools = [Pool(simulation.env, simulation.calendar, spec.name, -(k + 1), g.staff["central"])
                      for k, g in enumerate(groups)]
        self.pool_of = {i: self.pools[k] for k, g in enumerate(groups) for i in g.members}
        self.channels = {i for i, name in enumerate(simulation.plan.channel_names) if name in spec.channels}

    def back_office_pool(self, dossier, pool: str):
        return self.pool_of[dossier.home.index] if dossier.channel in self.channels else dossier.home.pools[pool]

    def extra_pools(self):
        return list(self.pools)


class Office:
    """A handling place that is not a commune (a district centre): pools and a name."""

    def __init__(self, simulation, index: int, name: str, staff: dict[str, int]):
        from ..engine.pools import Pool
        from .communes import CommuneInfo

        self.index = index
        self.info = CommuneInfo(index, name, "district", 0.0)
        self.pools = {pool: Pool(simulation.env, simulation.calendar, f"district_{pool}", index, n)
                      for pool, n in staff.items()}


@register_router("three_tier")
class ThreeTier(Router):
    """Before 1 July 2025: district one-stop centres handle the district-level fields
    (intake, back office and sign-off there); communes keep their own procedures.

    Districts are the real former districts (``routing.districts.by: former_district``: each
    unit in the district it mostly came from), or runs of consecutive communes, as equal in
    number as possible (the stand-in for synthetic communes); the region builds them once
    (:func:`district_centres`).
    """

    def __init__(self, scenario, simulation):
        super().__init__(scenario, simulation)
        spec = scenario.routing.districts
        centres = simulation.region.districts
        self.offices = [Office(simulation, -(k + 1), c.name, c.staff) for k, c in enumerate(centres)]
        self.district_of = {i: self.offices[k] for k, c in enumerate(centres) for i in c.members}
        self.fields = {f for f, name in enumerate(simulation.plan.field_names) if name in spec.fields}

    def intake_commune(self, dossier):
        return self.district_of[dossier.home.index] if dossier.field in self.fields else dossier.home

    def back_office_pool(self, dossier, pool: str):
        return self._place(dossier).pools[pool]

    def sign_off_pool(self, dossier, pool: str):
        return self._place(dossier).pools[pool]

    def _place(self, dossier):
        return self.district_of[dossier.home.index] if dossier.field in self.fields else dossier.home

    def extra_pools(self):
        return [pool for office in self.offices for pool in office.pools.values()]


@dataclass(frozen=True)
class DistrictCentre:
    """A district one-stop centre of the three-tier baseline (or a central pool of a group of
    communes): the communes it serves and its staff per pool."""

    name: str
    members: tuple[int, ...]
    staff: dict[str, int]


def district_groups(spec, communes) -> dict[str, tuple[int, ...]]:
    """{district name: member communes} of ``routing.districts``: the real former districts,
    or ``count`` runs of consecutive communes, as equal in number as possible."""
    if spec.by == "former_district":
        return geography.former_district_groups(communes)
    n = len(communes)
    groups: list[list[int]] = [[] for _ in range(spec.count)]
    for i in range(n):  # commune i belongs to district i * count // n: one pass over the communes
        groups[i * spec.count // n].append(i)
    return {f"District {k + 1:02d}": tuple(g) for k, g in enumerate(groups)}


def district_centres(spec, communes, base: list[float]) -> list[DistrictCentre]:
    """The district centres of ``routing.districts``, each with its staff: all alike, or the total
    (staff x number of districts) shared by expected workload (a district's dossier volume:
    every district sees the same field mix)."""
    groups = district_groups(spec, communes)
    demand = [sum(base[i] for i in members) for members in groups.values()]
    if spec.allocation == "equal":
        staff = [dict(spec.staff) for _ in demand]
    else:
        shares = {pool: largest_remainder(demand, k * len(demand), minimum=min(k, 1)) for pool, k in spec.staff.items()}
        staff = [{pool: shares[pool][k] for pool in spec.staff} for k in range(len(demand))]
    return [DistrictCentre(name, members, staff[k]) for k, (name, members) in enumerate(groups.items())]


def central_pools(spec, communes, plan) -> list[DistrictCentre]:
    """The central back offices of ``routing.central_pool``: one for the region, or one per former
    district or distance group, the staff total shared by the expected back-office minutes each
    group sends (at least 1 each)."""
    if spec.by == "region":
        return [DistrictCentre(spec.name, tuple(range(len(communes))), {"central": spec.staff})]
    if spec.by == "former_district":
        groups = geography.former_district_groups(communes, "routing.central_pool.by")
    else:
        groups = geography.hub_groups(communes, spec.by.within_km)
    minutes = expected_minutes(plan, None, central=set(spec.channels), only_central=True)
    load = [sum(minutes[i] for i in members) for members in groups.values()]
    if spec.staff < len(groups):
        raise geography.GeographyError("routing.central_pool.staff", f"{spec.staff} staff cannot give each of the "
                                       f"{len(groups)} central pools at least 1")
    staff = largest_remainder(load, spec.staff, minimum=1)
    return [DistrictCentre(name, members, {"central": staff[k]}) for k, (name, members) in enumerate(groups.items())]
