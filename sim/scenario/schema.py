"""The scenario schema: everything a run needs, as data.

A scenario is a YAML file validated by these pydantic models. Every model rejects
unknown keys, numbers must be finite, and cross-field rules (shares sum to 1, a pool
that receives work has staff) are checked here, so the engine can trust its input.

Units are in the names: ``*_minutes`` are working minutes, ``*_working_days`` working
days, clock times are "HH:MM" strings, weekdays are 0 = Monday ... 6 = Sunday.
Loading, ``extends:`` and ``--set`` overrides live in :mod:`sim.scenario.loading`.

Unlike the other modules, this one has no ``from __future__ import annotations``: its
annotations are evaluated by Python as each class is defined, where pydantic would otherwise
evaluate each of their ~120 strings itself (about 3 ms of every command's start-up).
"""
import datetime as dt
import math
import re
from pathlib import Path
from typing import Annotated, Literal, Optional, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..engine.distributions import distribution_type
from .consistency import SHARE_TOLERANCE, problems
from .limits import HARD_MAX_COMMUNES

Dist = distribution_type()
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def clock_minutes(text: str) -> int:
    """'08:30' -> 510 minutes after midnight."""
    match = _HHMM.match(text)
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(f"expected a clock time HH:MM between 00:00 and 24:00, got {text!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-4]):[0-5]\d$", examples=["08:00"])]


class Model(BaseModel):
    # defer_build: a model's validator is built when it is first used, not when its class is
    # defined; a run validates only Scenario, whose validator holds the others. So defaults
    # that are models are made with model_construct (the same fields, no validator built).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, populate_by_name=True, allow_inf_nan=False)


def _check_shares(shares: dict[str, float], what: str) -> None:
    total = sum(shares.values())
    if not math.isclose(total, 1.0, abs_tol=SHARE_TOLERANCE):
        raise ValueError(f"{what} shares must sum to 1, they sum to {total:.6g}")


class Horizon(Model):
    start_date: dt.date = Field(description="First simulated day (00:00 is time zero).")
    days: int = Field(gt=0, le=3660, description="Calendar days of arrivals; the run ends at the end of the last one.")
    warmup_days: NonNeg = Field(0, description="Dossiers arriving before this many calendar days are left out of the statistics (steady-state runs).")

    @model_validator(mode="after")
    def _warmup_inside(self):
        if self.warmup_days >= self.days:
            raise ValueError(f"warmup_days ({self.warmup_days}) must be less than days ({self.days})")
        return self


OpeningHours = list[tuple[ClockTime, ClockTime]]


class Calendar(Model):
    always_open: bool = Field(False, description="24/7 working time (textbook-queue validation).")
    weekday_hours: OpeningHours = Field(default=[("08:00", "12:00"), ("13:00", "17:00")], description="Open intervals Monday to Friday.")
    saturday_hours: OpeningHours = Field(default=[], description="Open intervals on Saturday ([] = closed).")
    sunday_hours: OpeningHours = Field(default=[], description="Open intervals on Sunday ([] = closed).")
    holidays: list[dt.date] = Field(default=[], description="Closed all day.")

    @field_validator("weekday_hours", "saturday_hours", "sunday_hours")
    @classmethod
    def _intervals(cls, value):
        last_close = -1
        for start, end in value:
            a, b = clock_minutes(start), clock_minutes(end)
            if b <= a or a < last_close:
                raise ValueError(f"opening intervals must be increasing and not overlap, got {start}-{end}")
            last_close = b
        return value

    @model_validator(mode="after")
    def _some_opening(self):
        if not self.always_open and not (self.weekday_hours or self.saturday_hours or self.sunday_hours):
            raise ValueError("the calendar is never open; give opening hours or always_open: true")
        return self


class Stage(Model):
    """A step of work done by a named staff pool of the commune."""

    pool: str = Field(min_length=1, description="Staff pool doing this step (a key of staff.per_commune).")
    service_minutes: Dist = Field(description="Working minutes of staff time per dossier.")


class Channel(Model):
    share: Share = Field(description="Share of all dossiers filed through this channel.")
    during_opening_hours: bool = Field(True, description="Arrivals only while the centre is open (in person); false = around the clock (online).")
    intake: Optional[Stage] = Field(description="Reception at a counter, or review of an online filing; null = no intake step.")
    day_of_week: list[NonNeg] = Field(default=[1, 1, 1, 1, 1, 1, 1], min_length=7, max_length=7, description="Volume multiplier Monday..Sunday relative to an ordinary working day (closed days get none in person).")
    holiday_factor: NonNeg = Field(0.0, description="Volume multiplier on public holidays.")
    hour_of_day: list[NonNeg] = Field(default=[1] * 24, min_length=24, max_length=24, description="Relative arrival intensity for each clock hour 0..23.")
    fields: Optional[dict[str, Share]] = Field(None, description="Field mix of this channel; null = demand.fields shares.")

    @field_validator("fields")
    @classmethod
    def _mix(cls, value):
        if value is not None:
            _check_shares(value, "channel field")
        return value


class DeadlineShare(Model):
    """One statutory deadline of a field's mix: the share of its dossiers that have it."""

    share: Share = Field(description="Share of the field's dossiers with this deadline.")
    days: int = Field(ge=0, le=365, description="Statutory deadline in working days (0 = by the close of the day of receipt).")


class AtAppointmentShare(Model):
    """A mix: this share of finished dossiers is held until the appointment date, the rest is released on completion."""

    at_appointment: Share = Field(description="Share of the field's dossiers whose result is handed back on the appointment date.")


class FractionOfDeadline(Model):
    """A wait given as a fraction of each dossier's own statutory deadline (in working days)."""

    fraction_of_deadline: Dist = Field(description="Fraction of the deadline spent waiting, between 0 and 1 (e.g. {kind: beta, mean: 0.4, cv: 0.5}).")

    @field_validator("fraction_of_deadline")
    @classmethod
    def _at_most_one(cls, value):
        if not value.upper_bound <= 1:
            raise ValueError(f"a fraction must stay between 0 and 1: use kind beta, or a uniform, deterministic or "
                             f"empirical distribution whose largest value is at most 1 (this one reaches {value.upper_bound:g})")
        return value


def _wait_kind(value) -> str:
    """Which form a wait takes: a distribution (it has a ``kind``) or {fraction_of_deadline: ...}
    (anything else, so that a misspelt key is reported against that form)."""
    if isinstance(value, dict) and "kind" in value or not isinstance(value, (dict, FractionOfDeadline)):
        return "[distribution]"
    return "[fraction]"


def _one_or_mix(value) -> str:
    return "[mix]" if isinstance(value, (list, AtAppointmentShare, dict)) else "[one]"


Wait = Annotated[Union[Annotated[Dist, Tag("[distribution]")], Annotated[FractionOfDeadline, Tag("[fraction]")]],
                 Discriminator(_wait_kind)]
Appointment = Annotated[Union[Annotated[Literal["on_completion", "at_appointment"], Tag("[one]")],
                              Annotated[AtAppointmentShare, Tag("[mix]")]], Discriminator(_one_or_mix)]
Deadline = Annotated[Union[Annotated[int, Field(ge=0, le=365), Tag("[one]")],
                           Annotated[list[DeadlineShare], Field(min_length=1), Tag("[mix]")]], Discriminator(_one_or_mix)]


class ProcedureField(Model):
    """A group of procedures (civil status, certification, land...) sharing deadline and handling."""

    share: Share = Field(description="Share of dossiers in this field.")
    deadline_working_days: Deadline = Field(
        description="Statutory deadline in working days (0 = by the close of the day of receipt), or a mix drawn per dossier: a list of {share, days}.")
    appointment: Appointment = Field("on_completion", description=(
        "When a finished dossier's result is handed back: on_completion, at_appointment (held until the appointment "
        "date, the statutory deadline counted from receipt: in process without being late), or a mix {at_appointment: share}."))
    wait_on_others_working_days: Optional[Wait] = Field(None, description=(
        "Elapsed working days waiting on other agencies (verification, cadastral survey, tax) after back-office work "
        "and before sign-off; uses no staff. A distribution, or {fraction_of_deadline: distribution between 0 and 1}."))
    receipt_cutoff: Optional[ClockTime] = Field(None, description="Filed at or after this clock time on a working day, the dossier counts as received the next working day (e.g. certified copies after 15:00).")
    intake_service_minutes: Optional[Dist] = Field(None, description="Intake minutes for this field, replacing the channel's (e.g. a certification done whole at the counter).")
    lead_time_working_days: Optional[Dist] = Field(None, description="Elapsed time waiting on others (information, coordination) before back-office work; uses no staff.")
    back_office: Optional[Stage] = Field(description="Processing by back-office staff; null = settled at intake.")
    sign_off: bool = Field(True, description="Needs leader sign-off.")
    supplementation_share: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = Field(0.0, description="Share returned to the citizen for supplementation after processing.")
    province_share: Share = Field(0.0, description="Share forwarded to the province after commune processing.")

    @field_validator("deadline_working_days")
    @classmethod
    def _mix(cls, value):
        if isinstance(value, list):
            _check_shares({str(i): d.share for i, d in enumerate(value)}, "deadline mix")
        return value

    @property
    def deadline_mix(self) -> list[tuple[float, int]]:
        """(share, working days) pairs; one pair for a single deadline."""
        days = self.deadline_working_days
        return [(1.0, days)] if isinstance(days, int) else [(d.share, d.days) for d in days]

    @property
    def at_appointment_share(self) -> float:
        """Share of dossiers held until the appointment date (0: released on completion)."""
        rule = self.appointment
        return rule.at_appointment if isinstance(rule, AtAppointmentShare) else float(rule == "at_appointment")


class DemandPeriod(Model):
    """From a date on, another daily volume and/or channel mix (the other is kept from before)."""

    from_: dt.date = Field(alias="from", description="First day of the period.")
    dossiers_per_working_day: Optional[Positive] = Field(None, description="Dossiers on an ordinary working day from this date, all communes together.")
    channel_shares: Optional[dict[str, Share]] = Field(None, description=(
        "Share of channels from this date. Channels left out share what remains (1 - the shares given) in the "
        "proportion they had before; name every channel to set them all."))

    @model_validator(mode="after")
    def _something(self):
        if self.dossiers_per_working_day is None and self.channel_shares is None:
            raise ValueError("a period sets dossiers_per_working_day, channel_shares or both")
        if self.channel_shares is not None and sum(self.channel_shares.values()) > 1 + SHARE_TOLERANCE:
            raise ValueError(f"the channel shares of a period sum to {sum(self.channel_shares.values()):.6g}, more than 1")
        return self


class DemandTotal(Model):
    """A total over dates, from which the daily volume is derived (instead of dossiers_per_working_day)."""

    dossiers: Positive = Field(description="Dossiers received from `from` to `to` (both included), all communes together.")
    from_: dt.date = Field(alias="from", description="First day counted (on or after horizon.start_date).")
    to: dt.date = Field(description="Last day counted.")

    @model_validator(mode="after")
    def _ordered(self):
        if self.to < self.from_:
            raise ValueError(f"`to` ({self.to}) is before `from` ({self.from_})")
        return self


class Demand(Model):
    dossiers_per_working_day: Optional[Positive] = Field(None, description="Dossiers on an ordinary working day, all communes together (or give dossiers_per_1000_inhabitants_per_working_day or total). With communes.only, the total of the whole province or table, scaled to the subset's share of its population.")
    dossiers_per_1000_inhabitants_per_working_day: Optional[Positive] = Field(None, description=(
        "Per-capita demand instead of a region total: dossiers on an ordinary working day per 1,000 "
        "inhabitants; the region's daily volume is this x the communes' population / 1,000 (so it "
        "follows the province and any communes.only subset)."))
    total: Optional[DemandTotal] = Field(None, description="Dossiers over a span of dates instead of a daily volume; the daily volume is derived from the calendar, day-of-week and channel factors (scaled like dossiers_per_working_day with communes.only).")
    periods: list[DemandPeriod] = Field(default=[], description="Dated changes of the daily volume and channel mix, in date order; before the first one, the values above.")
    interpolate: Literal["step", "linear"] = Field("step", description="step: a period's values hold until the next; linear: each value ramps day by day between the consecutive periods that set it.")
    observed: Optional[str] = Field(None, description="CSV of observed daily counts (date, dossiers, optional channel and commune), relative to the scenario file; the arrivals follow it on the dates it covers.")
    observed_mode: Literal["poisson", "replay"] = Field("poisson", description="poisson: Poisson arrivals around each observed count; replay: exactly the observed counts.")
    channels: dict[str, Channel] = Field(min_length=1)
    fields: dict[str, ProcedureField] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_volume(self):
        given = [f"demand.{name}" for name in ("dossiers_per_working_day", "dossiers_per_1000_inhabitants_per_working_day",
                                                "total") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(f"give {' or '.join(given)}, not both (set the other to null)")
        if not given and self.observed is None:
            raise ValueError("give demand.dossiers_per_working_day (region total), "
                             "demand.dossiers_per_1000_inhabitants_per_working_day (per capita), "
                             "demand.total (over dates) or demand.observed (daily counts)")
        return self

    @model_validator(mode="after")
    def _mixes(self):
        for name, channel in self.channels.items():
            unknown = set(channel.fields or {}) - set(self.fields)
            if unknown:
                raise ValueError(f"channel {name!r} names unknown fields {sorted(unknown)}; known: {sorted(self.fields)}")
        return self

    def channel_used(self, channel: str) -> bool:
        """The channel receives dossiers at some date: its share, or a period's, is above 0."""
        return self.channels[channel].share > 0 or any(s.get(channel, 0) > 0 for s in self.period_shares()[0] if s)

    def period_shares(self) -> tuple[list[dict[str, float] | None], list[tuple[int, str]]]:
        """Every channel's share in each period that sets shares (None for the others), the
        channels left out sharing the remainder in the proportion they had before; and the
        problems found, as (period index, message)."""
        before = {name: c.share for name, c in self.channels.items()}
        out, problems = [], []
        for i, period in enumerate(self.periods):
            given = period.channel_shares
            if given is None:
                out.append(None)
                continue
            unknown = sorted(set(given) - set(self.channels))
            if unknown:
                problems.append((i, f"unknown channel(s) {unknown}; channels: {sorted(self.channels)}"))
                out.append(None)
                continue
            rest = 1.0 - sum(given.values())
            others = [c for c in self.channels if c not in given]
            weight = sum(before[c] for c in others)
            if others and weight <= 0 and rest > SHARE_TOLERANCE:
                problems.append((i, f"{rest:.6g} is left for {others}, which had no share before: give their shares"))
            elif not others and abs(rest) > SHARE_TOLERANCE:
                problems.append((i, f"the channel shares sum to {1 - rest:.6g}, not 1"))
            shares = {c: given[c] if c in given else (rest * before[c] / weight if weight > 0 else 0.0)
                      for c in self.channels}
            out.append(shares)
            before = shares
        return out, problems

    def field_mix(self, channel: str) -> dict[str, float]:
        mix = self.channels[channel].fields
        return dict(mix) if mix is not None else {k: f.share for k, f in self.fields.items()}


class PopulationQuantiles(Model):
    """Summary figures of unit populations; communes are placed on the interpolated quantile curve."""

    min: Positive
    p10: Positive
    p25: Positive
    median: Positive
    p75: Positive
    p90: Positive
    max: Positive

    @model_validator(mode="after")
    def _ordered(self):
        values = [self.min, self.p10, self.p25, self.median, self.p75, self.p90, self.max]
        if any(b < a for a, b in zip(values, values[1:])):
            raise ValueError(f"quantiles must be non-decreasing, got {values}")
        return self


class Communes(Model):
    """Where the communes come from: synthetic (count and population quantiles), a province's real
    units from the bundled reference data (province), or a CSV table (table)."""

    count: Optional[int] = Field(None, gt=0, le=HARD_MAX_COMMUNES, description="Number of communes (synthetic populations); more than 20,000 needs --force-large.")
    population: Optional[PopulationQuantiles] = Field(None, description="Quantiles that the synthetic populations follow.")
    types: dict[str, int] = Field(default={}, description="How many units of each type (phường, xã, đặc khu).")
    name_prefix: str = Field("Commune", description="Synthetic communes are named '<prefix> 001' ...")
    province: Optional[str] = Field(None, min_length=1, examples=["Tỉnh Nghệ An", "nghe an", "40"], description=(
        "The real units of one of the 34 provinces, from the reference data shipped with the package "
        "(official code, name, type, population, geography), in code order: official or short name, "
        "with or without diacritics, or the two-digit code. Overrides count/population/types."))
    table: Optional[str] = Field(None, description="CSV with columns name, type, population and optionally code (overrides count/population); relative to the scenario file.")
    only: list[Annotated[str, Field(min_length=1)]] = Field(default=[], description=(
        "With province or table: keep only these units, by name (with or without diacritics) or five-digit code."))
    missing_population: Literal["error", "drop", "zero", "median_of_type"] = Field("error", description=(
        "A unit without a population figure (66 in the country; an empty cell in a table): error (refuse, "
        "naming them), drop (leave them out), zero (no demand; they keep their staff), median_of_type (the "
        "median population of the units of the same type in the same source). Any but error is recorded "
        "in the manifest's warnings as an assumption."))

    @field_validator("province", mode="before")
    @classmethod
    def _code(cls, value):  # province: 1 in YAML means the code "01"
        return f"{value:02d}" if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _one_source(self):
        if self.province is not None and self.table is not None:
            raise ValueError("give communes.province or communes.table, not both")
        if self.table is None and self.province is None and self.count is None:
            raise ValueError("give communes.count (synthetic), communes.province (real units) or communes.table (CSV file)")
        if self.only and self.table is None and self.province is None:
            raise ValueError("communes.only selects among real units: give communes.province or communes.table")
        if self.types and self.count is not None and self.table is None and self.province is None \
                and sum(self.types.values()) != self.count:
            raise ValueError(f"communes.types add up to {sum(self.types.values())}, not count {self.count}")
        return self

    @property
    def real(self) -> bool:
        """Read from the reference data or a table (not synthetic)."""
        return self.province is not None or self.table is not None


class StaffShift(Model):
    """Staff of a pool in a weekly time window: an absolute number or a change from the base."""

    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(min_length=1)
    start: ClockTime
    end: ClockTime
    staff: Optional[int] = Field(None, ge=0)
    delta: Optional[int] = None

    @model_validator(mode="after")
    def _one_of(self):
        if (self.staff is None) == (self.delta is None):
            raise ValueError("give exactly one of staff (absolute) or delta (change from the base)")
        if clock_minutes(self.end) <= clock_minutes(self.start):
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class Allocation(Model):
    """How a region total of staff is shared among communes (see sim.scenario.policies)."""

    policy: str = Field("as_given", description="A registered allocation policy: as_given, equal, proportional.")
    pools: list[str] = Field(default=[], description="Pools the policy allocates; the others keep staff.per_commune.")
    totals: dict[str, Annotated[int, Field(ge=0)]] = Field(default={}, description="Region total per pool; default: staff.per_commune x number of communes.")
    minimum: int = Field(1, ge=0, description="No commune gets fewer staff than this in an allocated pool.")


class PopulationRule(Model):
    """Staff of a pool in each commune as a function of its population:
    round(base + per_10000_inhabitants x population / 10,000), then at least minimum, at most maximum."""

    per_10000_inhabitants: NonNeg = Field(description="Staff per 10,000 inhabitants of the commune.")
    base: NonNeg = Field(0.0, description="Staff every commune has before the per-inhabitant part.")
    minimum: int = Field(1, ge=0, description="No commune gets fewer.")
    maximum: Optional[int] = Field(None, ge=0, description="No commune gets more (null: no limit).")

    @model_validator(mode="after")
    def _bounds(self):
        if self.maximum is not None and self.maximum < self.minimum:
            raise ValueError(f"maximum ({self.maximum}) is below minimum ({self.minimum})")
        return self

    def staff(self, population: float) -> int:
        value = math.floor(self.base + self.per_10000_inhabitants * population / 10_000 + 0.5)  # round half up
        value = max(self.minimum, value)
        return value if self.maximum is None else min(self.maximum, value)


StaffCount = Annotated[int, Field(ge=0)]


class Staff(Model):
    per_commune: dict[str, Annotated[int, Field(ge=0)]] = Field(min_length=1, description="Staff in each pool of every commune (as given).")
    by_population: dict[str, PopulationRule] = Field(default={}, description=(
        "Pools whose staff in each commune follow its population (a rule per pool) instead of staff.per_commune."))
    allocation: Allocation = Allocation.model_construct()
    schedule: dict[str, list[StaffShift]] = Field(default={}, description="Weekly windows where a pool has other staff.")
    table: Optional[str] = Field(None, description="CSV with columns commune, pool, staff (commune by name or 0-based index), relative to the scenario file that names it: these communes' staff replace what per_commune, by_population and the allocation policy give them.")
    by_commune: dict[Union[int, str], dict[str, StaffCount]] = Field(default={}, description="Staff of some communes, by commune name or 0-based index: {commune: {pool: staff}}; applied after the allocation policy and staff.table (the most specific wins).")


class SignOff(Model):
    pool: str = Field("leader", description="Pool of leaders who sign (a commune vice-chair).")
    service_minutes: Dist
    batch_times: list[ClockTime] = Field(default=[], description="Clock times at which signed batches are taken; [] = continuous.")


class Supplementation(Model):
    citizen_delay_working_days: Dist = Field(description="Time the citizen takes to bring the missing documents.")


class Province(Model):
    delay_working_days: Dist = Field(description="Time at the province for forwarded dossiers.")


class WithinKm(Model):
    """Units whose points lie within this distance (great-circle, between the units' points)."""

    within_km: Positive = Field(description="Distance in kilometres between two units' points.")


class CentralPool(Model):
    name: str = Field("central_back_office", min_length=1, description="Name of the region's central pool.")
    staff: int = Field(ge=1, description="Staff of the central pool; with several pools (by), their total, shared by expected workload (at least 1 each).")
    channels: list[str] = Field(default=["online"], min_length=1, description="Channels whose back-office work goes to the central pool.")
    by: Union[Literal["region", "former_district"], WithinKm] = Field("region", description=(
        "region: one pool for every commune; former_district: one pool per former district (the district "
        "each unit mostly came from; real communes only); {within_km: X}: a pool at the most populous commune "
        "not yet served, serving every unserved commune within X km of it, repeated (real communes only)."))


class Districts(Model):
    """The three-tier baseline: district one-stop centres handle some fields."""

    by: Literal["consecutive", "former_district"] = Field("consecutive", description=(
        "consecutive: count runs of consecutive communes; former_district: the real former districts, each "
        "unit in the district it mostly came from (real communes only)."))
    count: Optional[int] = Field(None, ge=1, description="by consecutive: number of districts (runs of consecutive communes). by former_district: leave out (the data give it) or the expected number, checked.")
    fields: list[str] = Field(min_length=1, description="Fields handled at the district centre (intake, back office, sign-off).")
    staff: dict[str, Annotated[int, Field(ge=0)]] = Field(description="Staff per pool of an average district centre.")
    allocation: Literal["equal", "proportional"] = Field("equal", description="equal: every centre gets `staff`; proportional: the total (staff x count) is shared by expected district workload, at least 1 each.")

    @model_validator(mode="after")
    def _count(self):
        if self.by == "consecutive" and self.count is None:
            raise ValueError("routing.districts.count is needed with by: consecutive (how many runs of communes)")
        return self


class Routing(Model):
    """Where dossiers are handled; the policy is a registered router (see sim.scenario.policies)."""

    policy: str = Field("home", description="home, least_loaded_cluster, central_pool, three_tier, or a registered router.")
    neighbours: Union[Literal["consecutive", "border"], WithinKm] = Field("consecutive", description=(
        "least_loaded_cluster: where a dossier may be filed besides home. consecutive: the run of cluster_size "
        "consecutive communes it belongs to; border: its commune and the units sharing a border with it; "
        "{within_km: X}: its commune and the units whose points lie within X km (border and within_km need real "
        "communes)."))
    cluster_size: int = Field(5, ge=1, description="least_loaded_cluster with neighbours consecutive: communes per cluster.")
    eligible_share: Share = Field(1.0, description="least_loaded_cluster: share of dossiers whose procedure may be filed at any desk of the cluster.")
    channels: list[str] = Field(default=["in_person"], description="least_loaded_cluster: channels that may choose their desk.")
    central_pool: Optional[CentralPool] = None
    districts: Optional[Districts] = None


LANGUAGES = ("en", "vi")  # the languages of sim/study/catalogue.py (a test checks they agree)


class Targets(Model):
    """What a planner holds each commune to; run, compare, sweep, staff and the reports count the communes that miss."""

    wait_p90_minutes: Optional[Annotated[float, Field(gt=0, allow_inf_nan=False)]] = Field(None, description="A commune misses when its p90 wait before first service (working minutes) is above this (default 30 for the counts).")
    on_time_share: Optional[Share] = Field(None, description="A commune misses when its on-time share is below this (default 0.95 for the counts).")


class Outputs(Model):
    dossier_log: bool = Field(False, description="Write one Parquet row per dossier (dossiers.parquet).")
    language: Literal[LANGUAGES] = Field("en", description="Language of the terminal table, plots and report: en "
                                         "(English) or vi (tiếng Việt); --lang overrides it.")
    pool_waits: bool = Field(False, description="Keep the wait at every pool, so communes.csv gains p90_wait_<pool>_minutes (every visit, re-filings included) and, with targets.wait_p90_minutes, share_over_wait_target_<pool>.")
    targets: Targets = Targets.model_construct()


class Scenario(Model):
    name: str = Field(min_length=1)
    description: str = Field("", description="One line shown by `commune-sim list`.")
    seed: int = Field(20250701, ge=0)
    replications: int = Field(1, ge=1, le=10000)
    horizon: Horizon
    calendar: Calendar = Calendar.model_construct()
    demand: Demand
    communes: Communes
    staff: Staff
    sign_off: Optional[SignOff] = None
    supplementation: Optional[Supplementation] = None
    province: Optional[Province] = None
    routing: Routing = Routing.model_construct()
    outputs: Outputs = Outputs.model_construct()

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo):
        """Rules across sections (see sim.scenario.consistency). The loader defers them, to report
        each one at its own key path; a direct model_validate raises them together."""
        if not (info.context or {}).get("defer_consistency"):
            found = problems(self)
            if found:
                raise ValueError("; ".join(f"{p.path}: {p.message}" for p in found))
        return self


def scenario_dir() -> Path:
    """The bundled scenario library: the top-level ``scenarios/`` folder of the source tree (a
    checkout, or the editable install of ``make``), where modelers edit it; in an installed copy
    (a wheel, ``pip install .``), which has no source tree, the copy of that folder shipped inside
    the package as ``sim/scenario_library/`` (pyproject.toml, ``package-dir``)."""
    return project_folder("scenarios", "scenario_library")


def project_folder(source: str, shipped: str) -> Path:
    """A top-level folder of the source tree (``source``) when there is one, so an edit counts at
    once; else its copy shipped inside the package as ``sim/<shipped>/`` (pyproject.toml)."""
    package = Path(__file__).resolve().parents[1]
    folder = package.parent / source
    if folder.is_dir() and (package.parent / "pyproject.toml").is_file():
        return folder
    return package / shipped
