"""A region: everything a scenario describes before the first dossier arrives, built once.

From a validated scenario it builds the opening calendar and the statutory one (deadlines
are counted Monday to Friday less holidays, whatever extra days a centre opens), the
communes, the demand plan, the staff of every pool in every commune (by the allocation
policy, then the communes listed in ``staff.table`` and ``staff.by_commune``: see
:mod:`sim.scenario.commune_staff`), the router class, the neighbourhoods of location-independent filing, the district
centres of the three-tier baseline, the central pools and the shard layout; the demand plan
follows a scenario's observed counts file, read and checked here (:mod:`sim.scenario.observed`).
The simulation (:mod:`sim.engine.model`), the pre-run checks
(:mod:`sim.scenario.checks`) and the runner all take this one object, so they can never
disagree about, say, how many staff a commune has.
"""
from __future__ import annotations

import copy
from pathlib import Path

from ..engine import shards
from ..engine.calendar import WorkingCalendar
from ..engine.demand import DemandError, DemandPlan
from ..engine.routing import Router
from . import commune_staff, geography
from .communes import Selection, demand_weights, resolve_table, select_communes
from .observed import located, read_observed
from .policies import ROUTERS, allocate_staff, central_pools, district_centres


def build_calendar(scenario, statutory: bool = False) -> WorkingCalendar:
    """The opening calendar; or, with ``statutory``, the one deadlines are counted in:
    Monday to Friday less public holidays, whatever extra days the centre opens."""
    cal = scenario.calendar
    hours = {d: cal.weekday_hours for d in range(5)}
    if not statutory:
        hours[5], hours[6] = cal.saturday_hours, cal.sunday_hours
    return WorkingCalendar.from_hhmm(scenario.horizon.start_date, hours, cal.holidays, cal.always_open)


def period(scenario) -> dict:
    """The simulated dates, from ``horizon``: what a scenario's name may not say correctly
    after ``--set horizon.days=...``. Working days are Monday to Friday less public holidays
    (as deadlines count them); ``days_open`` are the days the centres open."""
    import datetime as dt

    horizon = scenario.horizon
    return {"first_day": horizon.start_date.isoformat(),
            "last_day": (horizon.start_date + dt.timedelta(days=horizon.days - 1)).isoformat(),
            "days": horizon.days,
            "working_days": build_calendar(scenario, statutory=True).working_day_count(0, horizon.days),
            "days_open": build_calendar(scenario).working_day_count(0, horizon.days),
            "warmup_days": horizon.warmup_days}


class Region:
    """The built region of a scenario; picklable, so worker processes receive it whole.

    ``notes`` are what was assumed in building it that a reader must be told (imputed
    populations, suspect figures); the manifest records them among its warnings.
    """

    def __init__(self, scenario, base_dir: Path | None = None, selection: Selection | None = None,
                 positions_of=None):
        """``selection``: the communes if already selected (a commune table is read once);
        ``positions_of(key_path)``: where a scenario key was set, to locate problems of the
        demand by date (default: unlocated)."""
        self.scenario = scenario
        self.calendar = build_calendar(scenario)
        self.statutory = build_calendar(scenario, statutory=True)
        selection = selection if selection is not None else select_communes(scenario.communes, base_dir)
        self.communes, self.notes = selection.communes, list(selection.notes)
        self.share_of_source = selection.share_of_source
        self.router_class = ROUTERS[scenario.routing.policy]
        self.shards = shards.layout(len(self.communes), self.independent_communes)
        observed = None
        if scenario.demand.observed is not None:
            where = positions_of("demand.observed") if positions_of else None
            observed = read_observed(resolve_table(scenario.demand.observed, base_dir), scenario,
                                     [c.name for c in self.communes], where)
        try:
            self.plan = DemandPlan(scenario, self.calendar, demand_weights(self.communes), self.statutory,
                                   len(shards.layout(len(self.communes), self.independent_communes,
                                                     shards.BLOCK_SIZING_COMMUNES)),
                                   self.dossiers_per_working_day, observed, self.share_of_source)
        except DemandError as error:
            raise located(error, observed, positions_of or (lambda key: None)) from None
        listed, problems = commune_staff.resolve(scenario.staff, self.communes,
                                                 commune_staff.table_path(scenario.staff, base_dir))
        if problems:
            raise ValueError("\n".join(map(str, problems)))
        self.staff = commune_staff.apply(allocate_staff(scenario, self.communes, self.plan), listed)
        self.listed_staff = listed  # commune index -> {pool: staff} set by staff.table / by_commune (for the checks)
        routing = scenario.routing
        self.neighbourhoods = (geography.neighbourhoods(self.communes, routing.neighbours, routing.cluster_size)
                               if routing.policy == "least_loaded_cluster" else [])
        self.districts = (district_centres(routing.districts, self.communes, list(self.plan.base))
                          if routing.policy == "three_tier" and routing.districts is not None else [])
        self.central_pools = (central_pools(routing.central_pool, self.communes, self.plan)
                              if routing.policy == "central_pool" and routing.central_pool is not None else [])

    @property
    def population(self) -> float:
        return sum(c.population for c in self.communes)

    @property
    def dossiers_per_working_day(self) -> float | None:
        """The region's dossiers on an ordinary working day: per capita x population, or the
        given total (of the whole province or table, scaled to a communes.only subset's share
        of its population, so every unit keeps its demand); None when the demand plan derives
        it (from demand.total or observed counts: ``plan.base_volume``)."""
        demand = self.scenario.demand
        if demand.dossiers_per_working_day is not None:
            return demand.dossiers_per_working_day * self.share_of_source
        if demand.dossiers_per_1000_inhabitants_per_working_day is not None:
            return demand.dossiers_per_1000_inhabitants_per_working_day * self.population / 1000
        return None

    @property
    def has_geography(self) -> bool:
        """Real communes with official codes: neighbours, former districts and maps exist."""
        return bool(self.communes) and all(c.code for c in self.communes)

    @property
    def independent_communes(self) -> bool:
        """True when the router keeps every dossier at its home commune (shards possible)."""
        return self.router_class is Router

    def commune_staff(self, index: int) -> dict[str, int]:
        return {pool: counts[index] for pool, counts in self.staff.items()}

    def with_staff(self, staff: dict[str, list[int]]) -> "Region":
        """The same region with other staff numbers (pool -> staff per commune): what a staffing
        search simulates, level after level, without building the region again."""
        other = copy.copy(self)
        other.staff = {pool: list(staff.get(pool, counts)) for pool, counts in self.staff.items()}
        return other
