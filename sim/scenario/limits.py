"""The largest values a run can hold: stated once, checked before anything runs.

Two kinds of limits, each refused with the largest value allowed in the message.

**What the engine cannot hold** (always refused):

* dates: the horizon must end by 31 December 9998 (Python's calendar ends with 9999, and
  arrivals are drawn up to a week ahead);
* durations: a distribution must not draw a value above ``MAX_SERVICE_MINUTES`` working
  minutes (service) or ``MAX_DELAY_WORKING_DAYS`` working days (delays) more often than once
  in ``1 / TAIL_PROBABILITY`` draws — the calendar is extended, day by day, to the end of the
  longest service, so one draw of 10^12 minutes would take the memory of the machine — and a
  coefficient of variation is at most ``MAX_CV`` (beyond it ``cv²`` overflows);
* counts: staff of one pool at most ``MAX_STAFF`` (the Erlang formulas loop over servers),
  commune populations at most ``MAX_POPULATION``, a region's daily volume at most
  ``MAX_DOSSIERS_PER_WORKING_DAY``, day and hour multipliers at most ``MAX_FACTOR``.

**What a run should not take on by accident** (refused unless ``--force-large``):
``MAX_COMMUNES`` communes (a region simulated whole holds about 45 KB per commune),
``MAX_DOSSIERS_PER_REPLICATION`` expected dossiers in one replication and ``MAX_DOSSIERS`` in
all of them, ``MAX_DOSSIER_LOG_ROWS`` rows of the per-dossier log (held in memory, about
400 bytes each, until written), and for a sweep ``MAX_VARIANTS`` variants and ``MAX_RUNS`` runs.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Iterator

from .problems import Issue

LAST_DATE = dt.date(9998, 12, 31)
TAIL_PROBABILITY = 1e-12
MAX_SERVICE_MINUTES = 10_000_000   # working minutes: about 85 years of 8-hour working days
MAX_DELAY_WORKING_DAYS = 10_000    # working days: about 40 years
MAX_CV = 100.0
MAX_STAFF = 10_000                 # one pool (Hà Nội assigned 9,622 positions to all 126 communes)
MAX_POPULATION = 1e9               # one commune
MAX_DOSSIERS_PER_WORKING_DAY = 1e9
MAX_DOSSIERS_PER_1000 = 1000.0     # per 1,000 inhabitants: one dossier per inhabitant a day
MAX_FACTOR = 1e6                   # day-of-week, holiday and hour-of-day multipliers

# Size limits, lifted by --force-large
MAX_COMMUNES = 20_000              # the whole country has 3,321
MAX_DOSSIERS_PER_REPLICATION = 100_000_000  # the national quarter holds 12.9 million
MAX_DOSSIERS = 1_000_000_000       # all replications (and all variants of a sweep) together
MAX_DOSSIER_LOG_ROWS = 2_000_000   # about 0.8 GB held in memory until written
MAX_VARIANTS = 1_000
MAX_RUNS = 10_000
# Ceilings even with --force-large (memory the lists themselves would take)
HARD_MAX_COMMUNES = 1_000_000
HARD_MAX_VARIANTS = 100_000

FORCE = "--force-large lifts this limit"

#: The parameter a limit message suggests, by distribution kind: (field name, name in YAML).
_MAIN_PARAMETER = {"exponential": ("mean_value", "mean"), "lognormal": ("cv", "cv"), "gamma": ("cv", "cv"),
                   "deterministic": ("value", "value"), "uniform": ("high", "high")}


# ------------------------------------------------------------- values the engine cannot hold
def value_problems(scenario) -> Iterator[Issue]:
    yield from _dates(scenario.horizon)
    for path, dist, limit, unit in distributions(scenario):
        yield from _duration(path, dist, limit, unit)
    yield from _counts(scenario)


def _dates(horizon) -> Iterator[Issue]:
    if horizon.start_date > LAST_DATE:
        yield Issue("horizon.start_date", f"must be on or before {LAST_DATE} (the calendar ends in 9999 and "
                                          "arrivals are drawn a week ahead)", str(horizon.start_date))
        return
    last = horizon.start_date + dt.timedelta(days=horizon.days - 1)
    if last > LAST_DATE:
        largest = (LAST_DATE - horizon.start_date).days + 1
        yield Issue("horizon.days", f"the horizon would end on {last}, after {LAST_DATE}, the last day a run "
                                    f"may simulate; from {horizon.start_date} the largest allowed is {largest:,} days",
                    horizon.days)


def distributions(scenario) -> Iterator[tuple[str, object, float, str]]:
    """(key path, distribution, largest value allowed, unit) of every duration in a scenario."""
    minutes, days = (MAX_SERVICE_MINUTES, "working minutes"), (MAX_DELAY_WORKING_DAYS, "working days")
    for name, channel in scenario.demand.channels.items():
        if channel.intake is not None:
            yield f"demand.channels.{name}.intake.service_minutes", channel.intake.service_minutes, *minutes
    for name, field in scenario.demand.fields.items():
        where = f"demand.fields.{name}"
        if field.intake_service_minutes is not None:
            yield f"{where}.intake_service_minutes", field.intake_service_minutes, *minutes
        if field.back_office is not None:
            yield f"{where}.back_office.service_minutes", field.back_office.service_minutes, *minutes
        if field.lead_time_working_days is not None:
            yield f"{where}.lead_time_working_days", field.lead_time_working_days, *days
    if scenario.sign_off is not None:
        yield "sign_off.service_minutes", scenario.sign_off.service_minutes, *minutes
    if scenario.supplementation is not None:
        yield "supplementation.citizen_delay_working_days", scenario.supplementation.citizen_delay_working_days, *days
    if scenario.province is not None:
        yield "province.delay_working_days", scenario.province.delay_working_days, *days


def _fits(dist, limit: float) -> bool:
    q = dist.upper_quantile(TAIL_PROBABILITY)
    return q is None or q <= limit  # (a NaN fails)


def _duration(path: str, dist, limit: float, unit: str) -> Iterator[Issue]:
    got = dist.model_dump(by_alias=True)
    cv = getattr(dist, "cv", None)
    if cv is not None and cv > MAX_CV:
        yield Issue(f"{path}.cv", f"a coefficient of variation above {MAX_CV:g} is not a duration the engine can "
                                  f"draw; the largest allowed is {MAX_CV:g}", cv)
        return
    if _fits(dist, limit):
        return
    hint = ""
    for field, shown in [_MAIN_PARAMETER.get(dist.kind, (None, None)), ("mean_value", "mean")]:
        largest = _largest(dist, field, limit) if field in type(dist).model_fields else None
        if largest is not None:
            hint = f"; the largest {shown} allowed{' with these other values' if len(got) > 2 else ''} is {largest:.4g}"
            break
    odds = f"10^{round(-math.log10(TAIL_PROBABILITY))}"
    yield Issue(path, f"more than one draw in {odds} would exceed {limit:,.0f} {unit}, the longest the engine "
                      f"allows{hint}", got)


def _largest(dist, field: str, limit: float) -> float | None:
    """The largest value of ``field`` (below its current one) that keeps ``dist`` within ``limit``."""
    current = getattr(dist, field)
    lo = min(current, 1.0) * 1e-12
    if not _fits(dist.model_copy(update={field: lo}), limit):
        return None
    hi = current
    for _ in range(100):  # bisection on a log scale: the tail grows with the parameter
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if _fits(dist.model_copy(update={field: mid}), limit) else (lo, mid)
    return lo


def _counts(scenario) -> Iterator[Issue]:
    staff = scenario.staff
    for pool, n in staff.per_commune.items():
        if n > MAX_STAFF:
            yield Issue(f"staff.per_commune.{pool}", f"more staff in one pool than the largest allowed, {MAX_STAFF:,}", n)
    for pool, shifts in staff.schedule.items():
        for k, shift in enumerate(shifts):
            for key in ("staff", "delta"):
                value = getattr(shift, key)
                if value is not None and abs(value) > MAX_STAFF:
                    yield Issue(f"staff.schedule.{pool}.{k}.{key}", f"the largest allowed is {MAX_STAFF:,}", value)
    routing = scenario.routing
    if routing.central_pool is not None and routing.central_pool.staff > MAX_STAFF:
        yield Issue("routing.central_pool.staff", f"the largest pool allowed has {MAX_STAFF:,} staff",
                    routing.central_pool.staff)
    if routing.districts is not None:
        for pool, n in routing.districts.staff.items():
            if n > MAX_STAFF:
                yield Issue(f"routing.districts.staff.{pool}", f"the largest pool allowed has {MAX_STAFF:,} staff", n)
    quantiles = scenario.communes.population
    if quantiles is not None:
        for key, value in quantiles.model_dump().items():
            if value > MAX_POPULATION:
                yield Issue(f"communes.population.{key}", f"the largest commune population allowed is "
                                                          f"{MAX_POPULATION:,.0f}", value)
    demand = scenario.demand
    if (demand.dossiers_per_working_day or 0) > MAX_DOSSIERS_PER_WORKING_DAY:
        yield Issue("demand.dossiers_per_working_day", f"the largest allowed is {MAX_DOSSIERS_PER_WORKING_DAY:,.0f}",
                    demand.dossiers_per_working_day)
    per_1000 = demand.dossiers_per_1000_inhabitants_per_working_day
    if per_1000 is not None and per_1000 > MAX_DOSSIERS_PER_1000:
        yield Issue("demand.dossiers_per_1000_inhabitants_per_working_day",
                    f"the largest allowed is {MAX_DOSSIERS_PER_1000:,.0f} (one dossier per inhabitant a day)", per_1000)
    for name, channel in demand.channels.items():
        for key in ("day_of_week", "hour_of_day"):
            for i, value in enumerate(getattr(channel, key)):
                if value > MAX_FACTOR:
                    yield Issue(f"demand.channels.{name}.{key}.{i}", f"the largest multiplier allowed is {MAX_FACTOR:,.0f}",
                                value)
        if channel.holiday_factor > MAX_FACTOR:
            yield Issue(f"demand.channels.{name}.holiday_factor", f"the largest multiplier allowed is {MAX_FACTOR:,.0f}",
                        channel.holiday_factor)


# ---------------------------------------------------------------------- size of a run
def open_day(calendar, date: dt.date) -> bool:
    """Whether the centres open on ``date`` (the scenario's calendar section)."""
    if calendar.always_open:
        return True
    if date in calendar.holidays:
        return False
    weekday = date.weekday()
    return bool(calendar.weekday_hours if weekday < 5 else calendar.saturday_hours if weekday == 5
                else calendar.sunday_hours)


def expected_dossiers(scenario, per_working_day: float | None = None) -> float:
    """Expected dossiers arriving in one replication, from the volume (``per_working_day``, the
    region's, default the scenario's total), shares and day factors (in-person channels get
    none on closed days)."""
    horizon, demand = scenario.horizon, scenario.demand
    holidays = set(scenario.calendar.holidays)
    total = 0.0
    for day in range(horizon.days):
        date = horizon.start_date + dt.timedelta(days=day)
        is_open = open_day(scenario.calendar, date)
        for channel in demand.channels.values():
            if channel.during_opening_hours and not is_open:
                continue
            factor = channel.holiday_factor if date in holidays else channel.day_of_week[date.weekday()]
            total += channel.share * factor
    return total * (demand.dossiers_per_working_day if per_working_day is None else per_working_day)


def _volume_key(demand, per_day) -> tuple[str, float | None]:
    """The scenario key that sets the region's volume, and its value."""
    if demand.dossiers_per_working_day is not None:
        return "demand.dossiers_per_working_day", demand.dossiers_per_working_day
    if demand.dossiers_per_1000_inhabitants_per_working_day is not None:
        return ("demand.dossiers_per_1000_inhabitants_per_working_day",
                demand.dossiers_per_1000_inhabitants_per_working_day)
    if demand.total is not None:
        return "demand.total.dossiers", demand.total.dossiers
    return "demand.observed", per_day


def size_problems(scenario, communes: int, force_large: bool = False, holds_dossier_log: bool = True,
                  per_working_day: float | None = None) -> list[Issue]:
    """Runs larger than the stated limits: refused unless ``force_large``; beyond the hard
    ceilings, always. ``per_working_day``: the region's daily volume (from per-capita demand,
    or a total scaled to a subset of communes), default the scenario's total."""
    issues = []
    where = "communes.table" if scenario.communes.table is not None else "communes.count"
    if communes > HARD_MAX_COMMUNES:
        issues.append(Issue(where, f"{communes:,} communes; the largest number the engine allows is "
                                   f"{HARD_MAX_COMMUNES:,}", communes))
    per_day = scenario.demand.dossiers_per_working_day if per_working_day is None else per_working_day
    volume, given = _volume_key(scenario.demand, per_day)
    if per_day is None:  # only a total or observed counts: checked again once the demand plan is built
        return issues if force_large or not MAX_COMMUNES < communes <= HARD_MAX_COMMUNES else issues + [
            Issue(where, f"{communes:,} communes; the largest number allowed is {MAX_COMMUNES:,} "
                         f"(the whole country has 3,321; {FORCE})", communes)]
    if per_day > MAX_DOSSIERS_PER_WORKING_DAY:
        issues.append(Issue(volume, f"{per_day:,.0f} dossiers on an ordinary working day in the region; the largest "
                                    f"number allowed is {MAX_DOSSIERS_PER_WORKING_DAY:,.0f}", per_day))
    if force_large:
        return issues
    if MAX_COMMUNES < communes <= HARD_MAX_COMMUNES:
        issues.append(Issue(where, f"{communes:,} communes; the largest number allowed is {MAX_COMMUNES:,} "
                                   f"(the whole country has 3,321; {FORCE})", communes))
    per_replication = expected_dossiers(scenario, per_day)
    if not per_replication <= MAX_DOSSIERS_PER_REPLICATION:
        largest = given * MAX_DOSSIERS_PER_REPLICATION / per_replication
        shown = f"{largest:,.0f}" if largest >= 100 else f"{largest:.3g}"
        issues.append(Issue(volume, f"about {per_replication:,.0f} dossiers expected in one replication of "
                                    f"{scenario.horizon.days:,} days; the largest number allowed is "
                                    f"{MAX_DOSSIERS_PER_REPLICATION:,} (with this horizon, {volume.split('.', 1)[1]} up to "
                                    f"{shown}; {FORCE})", given))
    elif per_replication * scenario.replications > MAX_DOSSIERS:
        largest = max(int(MAX_DOSSIERS // per_replication), 1)
        issues.append(Issue("replications", f"about {per_replication * scenario.replications:,.0f} dossiers expected "
                                            f"in all replications; the largest number allowed is {MAX_DOSSIERS:,} "
                                            f"(here, up to {largest:,} replications; {FORCE})", scenario.replications))
    if holds_dossier_log and scenario.outputs.dossier_log:
        rows = per_replication * scenario.replications
        if rows > MAX_DOSSIER_LOG_ROWS:
            issues.append(Issue("outputs.dossier_log", f"about {rows:,.0f} rows of per-dossier log would be held in "
                                                       f"memory; the largest number allowed is {MAX_DOSSIER_LOG_ROWS:,} "
                                                       f"(fewer replications or a shorter horizon; {FORCE})", True))
    return issues


def grid_problems(variants: int, runs: int, dossiers: float | None, force_large: bool) -> list[tuple[str, str]]:
    """(key path, message) for an experiment grid over the limits."""
    issues = []
    if variants > HARD_MAX_VARIANTS:
        issues.append(("parameters", f"{variants:,} variants (the product of the levels); the largest number the "
                                     f"engine allows is {HARD_MAX_VARIANTS:,}"))
    if force_large:
        return issues
    if MAX_VARIANTS < variants <= HARD_MAX_VARIANTS:
        issues.append(("parameters", f"{variants:,} variants (the product of the levels); the largest number allowed "
                                     f"is {MAX_VARIANTS:,} ({FORCE})"))
    elif runs > MAX_RUNS:
        issues.append(("replications", f"{runs:,} runs (variants x replications); the largest number allowed is "
                                       f"{MAX_RUNS:,} ({FORCE})"))
    elif dossiers is not None and dossiers > MAX_DOSSIERS:
        issues.append(("replications", f"about {dossiers:,.0f} dossiers expected in all runs; the largest number "
                                       f"allowed is {MAX_DOSSIERS:,} ({FORCE})"))
    return issues
