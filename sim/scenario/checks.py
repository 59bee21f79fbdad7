"""Checks made on the built region before a run: can the staff do the work at all, and will
any pool be overloaded?

**Problems** (the run is refused, in ``validate`` as in ``run``): what only the built region
knows — staff per commune after the allocation policy and the weekly schedule. A commune
whose pool receives work but never has staff during opening hours (an allocation that gives
it none, a shift that takes everyone away) would finish nothing; a schedule ``delta`` that
takes a pool below zero staff; a pool larger than the engine allows.

**Warnings** (stderr and the manifest; errors with ``--strict``): for every pool of every
commune, the expected utilisation on an ordinary working day is the expected staff-minutes
of work sent to it (dossiers × mean minutes, rework included) divided by the staff-minutes
present; where demand changes by date, on the busiest day of the horizon for that pool. At 1 or more the queue can only grow. One line per pool: how many communes, and the
worst of them. (Surges inside the day can overload a pool whose daily utilisation is below 1;
this check does not see them.)

The warnings are data here (:class:`Overload`, and :class:`OverloadAcross` for the variants of a
sweep), with an English ``text()`` for the API and the manifests; the commands print them in the
reader's language from the catalogue (``sim.study.overload_words``), which this layer cannot import.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .limits import MAX_STAFF
from .policies import expected_minutes
from .problems import Issue
from .region import Region
from .schema import clock_minutes

DAY_MINUTES = 1440


@dataclass(frozen=True)
class Overload:
    """Pools at expected utilisation 1 or more: how many places, and the worst one."""

    pool: str
    places: str      # "communes", "district centres", "central pools" or "central pool" (the region's one)
    count: int
    of: int
    worst: str
    utilisation: float
    staff: int

    def text(self) -> str:
        if self.places == "central pool":
            return (f"central pool {self.pool!r}: expected utilisation {self.utilisation:.2f} on an ordinary working "
                    f"day (staff {self.staff}): its queue can only grow")
        return (f"pool {self.pool!r}: {self.count} of {self.of} {self.places} at expected utilisation 1 or more on an "
                f"ordinary working day; the worst, {self.worst} (staff {self.staff}), at expected utilisation "
                f"{self.utilisation:.2f}: their queues can only grow")


def overloads(region: Region) -> list[Overload]:
    scenario, plan = region.scenario, region.plan
    day = region.calendar.minutes_per_working_day
    districts = scenario.routing.districts if region.districts else None
    fields = None if districts is None else set(plan.field_names) - set(districts.fields)
    central = _central_channels(scenario)
    found = []
    for pool, counts in region.staff.items():
        load = _busiest(plan, lambda shares: expected_minutes(plan, pool, central=central, fields=fields,
                                                              channel_shares=shares))
        over = [(load[i] / (counts[i] * day), i) for i in range(len(counts)) if load[i] > 0 and counts[i] > 0]
        over = [(u, i) for u, i in over if u >= 1]
        if over:
            u, i = max(over, key=lambda x: (x[0], -x[1]))
            found.append(Overload(pool, "communes", len(over), len(counts), region.communes[i].name, u, counts[i]))
    if districts is not None:
        for pool in districts.staff:
            load = _busiest(plan, lambda shares: expected_minutes(plan, pool, fields=set(districts.fields),
                                                                  channel_shares=shares))
            over = []
            for centre in region.districts:
                minutes, staff = sum(load[i] for i in centre.members), centre.staff[pool]
                if minutes > 0 and staff > 0 and minutes / (staff * day) >= 1:
                    over.append((minutes / (staff * day), centre))
            if over:
                u, centre = max(over, key=lambda x: x[0])
                found.append(Overload(pool, "district centres", len(over), len(region.districts), centre.name, u,
                                      centre.staff[pool]))
    if region.central_pools:  # one for the region, or one per group of communes
        name = scenario.routing.central_pool.name
        load = _busiest(plan, lambda shares: expected_minutes(plan, None, central=central, only_central=True,
                                                              channel_shares=shares))
        over = []
        for group in region.central_pools:
            staff = group.staff["central"]
            u = sum(load[i] for i in group.members) / (staff * day)
            if u >= 1:
                over.append((u, group))
        if over:
            u, group = max(over, key=lambda x: x[0])
            places = "central pool" if len(region.central_pools) == 1 else "central pools"
            found.append(Overload(name, places, len(over), len(region.central_pools), group.name, u,
                                  group.staff["central"]))
    return found


def utilisation_warnings(scenario, base_dir: Path | None = None, region: Region | None = None) -> list[str]:
    """The overload warnings as English text, one line per pool (the commands print them in the reader's
    language from the catalogue: sim.study.overload_words)."""
    return [o.text() for o in overloads(region or Region(scenario, base_dir))]


@dataclass(frozen=True)
class OverloadAcross:
    """A pool overloaded in some variants of a sweep: in how many, and the worst of them."""

    pool: str
    places: str      # as in Overload
    variants: int    # variants in which the pool is overloaded
    of: int          # variants in all (that have any overload)
    most: int        # the most places overloaded in one variant
    label: str       # the variant with the worst place
    worst: Overload  # that variant's overload of this pool

    def text(self) -> str:
        worst = self.worst
        where = worst.worst if self.places == "central pool" else f"{worst.worst} (staff {worst.staff})"
        what = "" if self.places == "central pool" else f"up to {self.most} of {worst.of} {self.places} each; "
        return (f"pool {self.pool!r}: expected utilisation 1 or more on an ordinary working day in {self.variants} of "
                f"{self.of} variants ({what}the worst, variant {self.label}, {where}, at {worst.utilisation:.2f}): "
                "their queues can only grow")


def overloads_across(found: dict[str, list[Overload]]) -> list[OverloadAcross]:
    """One entry per pool for many variants (a sweep), from each variant's overloads by its label."""
    by_pool: dict[tuple[str, str], list[tuple[str, Overload]]] = {}
    for label, items in found.items():
        for o in items:
            by_pool.setdefault((o.pool, o.places), []).append((label, o))
    out = []
    for (pool, places), items in by_pool.items():
        label, worst = max(items, key=lambda x: x[1].utilisation)
        out.append(OverloadAcross(pool, places, len(items), len(found), max(o.count for _, o in items), label, worst))
    return out


def describe_across(found: dict[str, list[Overload]]) -> list[str]:
    """One line per pool for many variants (a sweep): in how many variants, and the worst (English)."""
    return [a.text() for a in overloads_across(found)]


def _busiest(plan, load_on) -> list[float]:
    """Per commune, the largest load over the distinct demand days of the horizon."""
    loads = [load_on(shares) for shares in plan.demand_states()]
    return [max(values) for values in zip(*loads)]


def _central_channels(scenario) -> set[str]:
    routing = scenario.routing
    if routing.policy == "central_pool" and routing.central_pool is not None:
        return set(routing.central_pool.channels)
    return set()


# ------------------------------------------------------------------ problems
def problems(region: Region) -> list[Issue]:
    return [*_pool_sizes(region), *_negative_shifts(region), *_unstaffed(region), *_unstaffed_districts(region)]


def _pool_sizes(region: Region):
    for pool, counts in region.staff.items():
        largest = max(counts, default=0)
        if largest > MAX_STAFF:
            i = counts.index(largest)
            yield Issue(_staff_source(region.scenario, pool), f"the allocation gives {region.communes[i].name} "
                                                              f"{largest:,} staff; the largest pool allowed has {MAX_STAFF:,}",
                        largest)
    for centre in region.districts:
        for pool, n in centre.staff.items():
            if n > MAX_STAFF:
                yield Issue(f"routing.districts.staff.{pool}", f"{centre.name} would get {n:,} staff; the largest pool "
                                                               f"allowed has {MAX_STAFF:,}", n)


def _staff_source(scenario, pool: str) -> str:
    """The key path that decides a pool's staff per commune."""
    if pool in scenario.staff.by_population:
        return f"staff.by_population.{pool}"
    allocation = scenario.staff.allocation
    if pool in allocation.totals:
        return f"staff.allocation.totals.{pool}"
    if pool in allocation.pools:
        return "staff.allocation.minimum"
    return f"staff.per_commune.{pool}"


def _negative_shifts(region: Region):
    for pool, shifts in region.scenario.staff.schedule.items():
        counts = region.staff.get(pool)
        if not counts:
            continue
        smallest = min(counts)
        for k, shift in enumerate(shifts):
            if shift.delta is not None and smallest + shift.delta < 0:
                i = counts.index(smallest)
                yield Issue(f"staff.schedule.{pool}.{k}.delta",
                            f"takes {region.communes[i].name} (base staff {smallest}) to {smallest + shift.delta} staff; "
                            f"the smallest delta allowed here is {-smallest}", shift.delta)


def _open_hours(scenario) -> list[list[tuple[int, int]]]:
    """Open intervals (minutes after midnight) of each weekday, Monday first."""
    calendar = scenario.calendar
    if calendar.always_open:
        return [[(0, DAY_MINUTES)]] * 7
    def minutes(hours):
        return [(clock_minutes(a), clock_minutes(b)) for a, b in hours]
    return [minutes(calendar.weekday_hours)] * 5 + [minutes(calendar.saturday_hours), minutes(calendar.sunday_hours)]


def staffed_sometime(base: int, shifts, open_hours: list[list[tuple[int, int]]], weekdays) -> bool:
    """Whether a pool of ``base`` staff with these weekly ``shifts`` has anyone during some
    opening minute of ``weekdays``. Shifts act as in the engine (sim.engine.model): at its
    start a shift sets its staff, at its end the base again, in the order they are listed."""
    for weekday in weekdays:
        if not open_hours[weekday]:
            continue
        changes = []
        for k, shift in enumerate(shifts):
            if weekday in shift.weekdays:
                during = shift.staff if shift.staff is not None else max(base + shift.delta, 0)
                changes += [(clock_minutes(shift.start), 2 * k, during), (clock_minutes(shift.end), 2 * k + 1, base)]
        level, since = base, 0
        for at, _, new in sorted(changes) + [(DAY_MINUTES, 0, base)]:
            if level > 0 and any(min(at, close) > max(since, open_) for open_, close in open_hours[weekday]):
                return True
            level, since = new, at
    return False


def _horizon_weekdays(scenario) -> set[int]:
    first = scenario.horizon.start_date.weekday()
    return {(first + d) % 7 for d in range(min(scenario.horizon.days, 7))}


def _unstaffed(region: Region):
    scenario, plan = region.scenario, region.plan
    districts = scenario.routing.districts if region.districts else None
    fields = None if districts is None else set(plan.field_names) - set(districts.fields)
    hours, weekdays = _open_hours(scenario), _horizon_weekdays(scenario)
    for pool, counts in region.staff.items():
        load = expected_minutes(plan, pool, central=_central_channels(scenario), fields=fields)
        shifts = scenario.staff.schedule.get(pool, [])
        verdict = {c: staffed_sometime(c, shifts, hours, weekdays) for c in set(counts)}  # a handful of values
        idle = [i for i in range(len(counts)) if load[i] > 0 and not verdict[counts[i]]]
        if not idle:
            continue
        name = region.communes[idle[0]].name
        if any(counts[i] > 0 for i in idle):  # staff there, but the schedule takes them away
            yield Issue(f"staff.schedule.{pool}", f"leaves {len(idle)} of {len(counts)} communes (e.g. {name}) with "
                                                  f"work for pool {pool!r} but no staff during any opening hour",
                        [s.model_dump(exclude_none=True) for s in shifts])
        elif pool in scenario.staff.by_population:  # the rule by population gives them none
            rule = scenario.staff.by_population[pool]
            yield Issue(f"staff.by_population.{pool}.minimum", f"gives {len(idle)} of {len(counts)} communes (e.g. "
                                                                f"{name}) work for pool {pool!r} but no staff; the "
                                                                "smallest minimum allowed here is 1", rule.minimum)
        elif _staff_source(scenario, pool) != f"staff.per_commune.{pool}":  # the allocation left them none
            minimum = scenario.staff.allocation.minimum
            yield Issue("staff.allocation.minimum", f"the allocation gives {len(idle)} of {len(counts)} communes "
                                                    f"(e.g. {name}) work for pool {pool!r} but no staff; the smallest "
                                                    f"minimum allowed here is 1", minimum)
        elif any(pool in region.listed_staff.get(i, {}) for i in idle):  # a commune listed by name with none
            i = next(i for i in idle if pool in region.listed_staff.get(i, {}))
            yield Issue(_listed_source(scenario, region, i, pool), f"gives {region.communes[i].name} work for pool "
                                                                    f"{pool!r} but no staff", 0)
        else:
            yield Issue(f"staff.per_commune.{pool}", f"gives {len(idle)} of {len(counts)} communes (e.g. {name}) "
                                                     f"work for pool {pool!r} but no staff", counts[idle[0]])


def _listed_source(scenario, region: Region, commune: int, pool: str) -> str:
    """Where commune ``commune``'s staff of ``pool`` was set: its staff.by_commune entry, else staff.table."""
    from .commune_staff import CommuneIndex

    index = CommuneIndex(region.communes)
    for key, counts in scenario.staff.by_commune.items():
        if pool in counts and index.find(key)[0] == commune:
            return f"staff.by_commune.{key}.{pool}"
    return "staff.table"


def _unstaffed_districts(region: Region):
    districts = region.scenario.routing.districts if region.districts else None
    if districts is None:
        return
    for pool in districts.staff:
        load = expected_minutes(region.plan, pool, fields=set(districts.fields))
        idle = [c for c in region.districts if c.staff[pool] <= 0 and sum(load[i] for i in c.members) > 0]
        if idle:
            yield Issue(f"routing.districts.staff.{pool}", f"{len(idle)} of {len(region.districts)} district centres "
                                                           f"(e.g. {idle[0].name}) get work for pool {pool!r} but no staff",
                        districts.staff[pool])
