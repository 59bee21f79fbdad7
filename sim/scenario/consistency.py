"""Rules that span sections of a scenario, each reported at its own key path.

The schema checks each value on its own; these rules check that the parts fit together:
every pool that receives work exists and has staff, sections that a field relies on are
present, policies are registered and have what they need.
"""
from __future__ import annotations

from .limits import value_problems
from .problems import Issue

SHARE_TOLERANCE = 1e-6  # shares must sum to 1 within this


def problems(scenario, communes: int | None = None) -> list[Issue]:
    """Every rule across sections; ``communes`` is the number of communes when known (real
    communes and tables are read after validation), for the rules that depend on it."""
    return [*_shares(scenario), *_demand_by_date(scenario), *_pools(scenario), *_sections(scenario),
            *_allocation(scenario, communes), *_routing(scenario), *_geography(scenario), *value_problems(scenario)]


def _demand_by_date(scenario):
    """Periods in date order with channel shares that add up; a total that can be solved."""
    demand = scenario.demand
    for i, period in enumerate(demand.periods):
        if i and period.from_ <= demand.periods[i - 1].from_:
            yield Issue(f"demand.periods.{i}.from", f"periods must be in date order: {period.from_} is not after "
                        f"{demand.periods[i - 1].from_}", period.from_.isoformat())
    for i, message in demand.period_shares()[1]:
        yield Issue(f"demand.periods.{i}.channel_shares", message, demand.periods[i].channel_shares)
    total = demand.total
    if total is not None:
        if total.from_ < scenario.horizon.start_date:
            yield Issue("demand.total.from", f"is before horizon.start_date ({scenario.horizon.start_date})",
                        total.from_.isoformat())
        volume = [p for p in demand.periods if p.dossiers_per_working_day is not None]
        if volume and volume[0].from_ <= total.from_:
            yield Issue("demand.total", f"periods set dossiers_per_working_day from {volume[0].from_} on, so the total "
                        f"from {total.from_} has no daily volume left to derive", total.dossiers)


def _shares(scenario):
    for part in ("channels", "fields"):
        shares = {k: v.share for k, v in getattr(scenario.demand, part).items()}
        total = sum(shares.values())
        if abs(total - 1) > SHARE_TOLERANCE:
            yield Issue(f"demand.{part}", f"the {part[:-1]} shares must sum to 1; they sum to {total:.6g}", shares)


def _field_has_demand(scenario, field: str) -> bool:
    demand = scenario.demand
    return any(demand.channel_used(c) and demand.field_mix(c).get(field, 0) > 0 for c in demand.channels)


def work_senders(scenario) -> dict[str, list[str]]:
    """Pool -> key paths of the stages that send it work (only flows that carry dossiers)."""
    used: dict[str, list[str]] = {}
    demand = scenario.demand
    for name, ch in demand.channels.items():
        if ch.intake and demand.channel_used(name):
            used.setdefault(ch.intake.pool, []).append(f"demand.channels.{name}.intake.pool")
    for name, f in demand.fields.items():
        if f.back_office and _field_has_demand(scenario, name):
            used.setdefault(f.back_office.pool, []).append(f"demand.fields.{name}.back_office.pool")
    if scenario.sign_off and any(f.sign_off and _field_has_demand(scenario, n) for n, f in demand.fields.items()):
        used.setdefault(scenario.sign_off.pool, []).append("sign_off.pool")
    return used


def staff_pools(scenario) -> dict[str, int]:
    """Every pool the communes have: staff.per_commune, and the pools staffed by population
    (given as their rule's minimum, the least a commune can get)."""
    staff = scenario.staff
    return {**staff.per_commune, **{pool: rule.minimum for pool, rule in staff.by_population.items()}}


def _pools(scenario):
    pools = staff_pools(scenario)
    for pool, senders in work_senders(scenario).items():
        if pool not in pools:
            yield Issue(senders[0], f"pool {pool!r} is not defined in staff.per_commune (pools: {sorted(pools)})", pool)
        elif pools[pool] <= 0 and not scenario.staff.schedule.get(pool) and pool not in scenario.staff.allocation.totals:
            where = f"staff.by_population.{pool}.minimum" if pool in scenario.staff.by_population else f"staff.per_commune.{pool}"
            yield Issue(where, f"pool {pool!r} needs staff in every commune: {senders[0]} sends it work", pools[pool])
    used = work_senders(scenario)
    for pool in pools:  # an idle pool is allowed; one named like a working pool is a typo
        close = _closest(pool, list(used)) if pool not in used else []
        if close:
            where = "by_population" if pool in scenario.staff.by_population else "per_commune"
            yield Issue(f"staff.{where}.{pool}", f"no stage sends work to pool {pool!r}; did you mean {close[0]!r}?",
                        pools[pool])
    for pool in scenario.staff.schedule:
        if pool not in pools:
            yield Issue(f"staff.schedule.{pool}", f"pool {pool!r} is not defined in staff.per_commune", pool)


def _sections(scenario):
    for name, f in scenario.demand.fields.items():
        if f.sign_off and scenario.sign_off is None and _field_has_demand(scenario, name):
            yield Issue(f"demand.fields.{name}.sign_off", "the field needs sign-off but the scenario has no sign_off section", True)
        if f.supplementation_share > 0 and scenario.supplementation is None:
            yield Issue(f"demand.fields.{name}.supplementation_share", "needs a supplementation section (citizen delay)", f.supplementation_share)
        if f.province_share > 0 and scenario.province is None:
            yield Issue(f"demand.fields.{name}.province_share", "needs a province section (delay at the province)", f.province_share)
    for name, ch in scenario.demand.channels.items():
        if scenario.demand.channel_used(name) and sum(ch.day_of_week) == 0 and ch.holiday_factor == 0:
            yield Issue(f"demand.channels.{name}.day_of_week", "the channel has a share but no day with arrivals", ch.day_of_week)
        if scenario.demand.channel_used(name) and sum(ch.hour_of_day) == 0:
            yield Issue(f"demand.channels.{name}.hour_of_day", "the channel has a share but no hour with arrivals", ch.hour_of_day)


def _allocation(scenario, communes: int | None = None):
    from .policies import ALLOCATIONS

    allocation, pools = scenario.staff.allocation, scenario.staff.per_commune
    if allocation.policy not in ALLOCATIONS:
        yield Issue("staff.allocation.policy", f"not a registered allocation policy (known: {sorted(ALLOCATIONS)})", allocation.policy)
    for k, pool in enumerate(allocation.pools):
        if pool not in pools:
            yield Issue(f"staff.allocation.pools.{k}", "pool not defined in staff.per_commune", pool)
    count = communes if communes is not None else None if scenario.communes.real else scenario.communes.count
    for pool in scenario.staff.by_population:
        if pool in allocation.pools or pool in allocation.totals:
            yield Issue(f"staff.by_population.{pool}", "this pool is also in staff.allocation; staff it one way", pool)
    for pool in sorted((set(allocation.pools) | set(allocation.totals)) & set(pools)):
        total = allocation.totals.get(pool, pools[pool] * (count or 0))
        where = f"staff.allocation.totals.{pool}" if pool in allocation.totals else f"staff.per_commune.{pool}"
        if count is not None and total < allocation.minimum * count and allocation.policy != "as_given":
            yield Issue(where, f"a total of {total:,} cannot give each of {count:,} communes the minimum of "
                               f"{allocation.minimum} (staff.allocation.minimum); the smallest total allowed is "
                               f"{allocation.minimum * count:,}", total)
    for pool in allocation.totals:
        if pool not in pools:
            yield Issue(f"staff.allocation.totals.{pool}", "pool not defined in staff.per_commune", pool)


def _routing(scenario):
    from .policies import ROUTERS

    routing, channels = scenario.routing, scenario.demand.channels
    if routing.policy not in ROUTERS:
        yield Issue("routing.policy", f"not a registered router (known: {sorted(ROUTERS)})", routing.policy)
    if routing.policy == "central_pool" and routing.central_pool is None:
        yield Issue("routing.central_pool", "routing.policy central_pool needs this section (name, staff, channels)")
    for k, channel in enumerate(routing.channels):
        if channel not in channels:
            yield Issue(f"routing.channels.{k}", f"no such channel in demand.channels ({sorted(channels)})", channel)
    if routing.central_pool is not None:
        for k, channel in enumerate(routing.central_pool.channels):
            if channel not in channels:
                yield Issue(f"routing.central_pool.channels.{k}", f"no such channel in demand.channels ({sorted(channels)})", channel)
    if routing.policy == "three_tier":
        yield from _districts(scenario)


def _districts(scenario):
    districts = scenario.routing.districts
    if districts is None:
        yield Issue("routing.districts", "routing.policy three_tier needs this section (count, fields, staff)")
        return
    for k, name in enumerate(districts.fields):
        field = scenario.demand.fields.get(name)
        if field is None:
            yield Issue(f"routing.districts.fields.{k}", f"no such field in demand.fields ({sorted(scenario.demand.fields)})", name)
            continue
        needed = {ch.intake.pool for ch in scenario.demand.channels.values() if ch.intake}
        needed |= {field.back_office.pool} if field.back_office else set()
        needed |= {scenario.sign_off.pool} if field.sign_off and scenario.sign_off else set()
        for pool in sorted(needed - set(districts.staff)):
            yield Issue("routing.districts.staff", f"no pool {pool!r}, which district field {name!r} needs", dict(districts.staff))


def _geography(scenario):
    """Neighbours, former districts and distances exist for real communes only."""
    communes, routing, demand = scenario.communes, scenario.routing, scenario.demand
    if demand.dossiers_per_1000_inhabitants_per_working_day is not None and not communes.real \
            and communes.population is None:
        yield Issue("demand.dossiers_per_1000_inhabitants_per_working_day", "per-capita demand needs commune "
                    "populations: communes.population (quantiles), communes.province or communes.table")
    if communes.real:
        return
    why = "needs real communes with a geography (communes.province, or communes.table with a code column); " \
          "synthetic communes have no neighbours, districts or distances"
    if routing.policy == "least_loaded_cluster" and routing.neighbours != "consecutive":
        yield Issue("routing.neighbours", why, _shown(routing.neighbours))
    if routing.policy == "three_tier" and routing.districts is not None and routing.districts.by != "consecutive":
        yield Issue("routing.districts.by", why, routing.districts.by)
    if routing.policy == "central_pool" and routing.central_pool is not None and routing.central_pool.by != "region":
        yield Issue("routing.central_pool.by", why, _shown(routing.central_pool.by))


def _shown(value):
    return value if isinstance(value, str) else value.model_dump()


def _closest(name: str, names: list[str]) -> list[str]:
    import difflib  # a typo hint: imported when a pool is idle, not at every start-up

    return difflib.get_close_matches(name, names, n=1)
