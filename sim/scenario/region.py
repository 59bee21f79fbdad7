"""A region: everything a scenario describes before the first dossier arrives, built once.

From a validated scenario it builds the opening calendar and the statutory one (deadlines
are counted Monday to Friday less holidays, whatever extra days a centre opens), the
communes, the demand plan, the staff of every pool in every commune (by the allocation
policy), the router class, the district centres of the three-tier baseline and the shard
layout. The simulation (:mod:`sim.engine.model`), the pre-run checks
(:mod:`sim.scenario.checks`) and the runner all take this one object, so they can never
disagree about, say, how many staff a commune has.
"""
from __future__ import annotations

from pathlib import Path

from ..engine import shards
from ..engine.arrivals import DemandPlan
from ..engine.calendar import WorkingCalendar
from ..engine.routing import Router
from .communes import build_communes, demand_weights
from .policies import ROUTERS, allocate_staff, district_centres


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
    """The built region of a scenario; picklable, so worker processes receive it whole."""

    def __init__(self, scenario, base_dir: Path | None = None, communes: list | None = None):
        """``communes``: the communes if already read (a commune table is read once)."""
        self.scenario = scenario
        self.calendar = build_calendar(scenario)
        self.statutory = build_calendar(scenario, statutory=True)
        self.communes = communes if communes is not None else build_communes(scenario.communes, base_dir)
        self.router_class = ROUTERS[scenario.routing.policy]
        self.shards = shards.layout(len(self.communes), self.independent_communes)
        self.plan = DemandPlan(scenario, self.calendar, demand_weights(self.communes), self.statutory,
                               len(self.shards))
        self.staff = allocate_staff(scenario, self.communes, self.plan)
        districts = scenario.routing.districts
        self.districts = (district_centres(districts, list(self.plan.base))
                          if scenario.routing.policy == "three_tier" and districts is not None else [])

    @property
    def independent_communes(self) -> bool:
        """True when the router keeps every dossier at its home commune (shards possible)."""
        return self.router_class is Router

    def commune_staff(self, index: int) -> dict[str, int]:
        return {pool: counts[index] for pool, counts in self.staff.items()}
