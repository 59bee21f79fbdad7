"""The Python API, for notebooks and scripts.

    import sim
    scenario = sim.load_scenario("hanoi/2025-07-first-13-days", overrides=["staff.per_commune.counter=4"])
    results = sim.run(scenario, replications=3)
    results.key_figures()   # DataFrame: figure, mean, ci95_half_width
    results.communes()      # DataFrame: one row per commune
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..scenario import checks, commune_staff, loading
from ..scenario.communes import CommuneError, resolve_table, select_communes
from ..scenario.consistency import problems
from ..scenario.geography import GeographyError
from ..scenario.limits import HARD_MAX_COMMUNES, MAX_COMMUNES, size_problems
from ..scenario.region import Region
from ..scenario.schema import Scenario, scenario_dir
from .runner import HALF_WIDTH, RunSet, commune_rows, run_replications

DEFAULT_SCENARIO = "hanoi/2025-07-first-13-days"


def find_scenario(name: str | Path | None) -> Path:
    """A path, or a library name such as ``hanoi/2025-q3`` (folder ``scenarios/``)."""
    if name is None:
        name = DEFAULT_SCENARIO
    path = Path(name)
    if path.exists():
        return path
    for candidate in (scenario_dir() / path, scenario_dir() / f"{name}.yaml"):
        if candidate.is_file():
            return candidate
    return path  # loading reports it missing, with the path the user gave


#: Scenario keys holding file names, relative to the file that declares them.
PATH_KEYS = (("communes", "table"), ("staff", "table"), ("demand", "observed"))


@dataclass
class Prepared:
    """A scenario checked and ready to run: its file, the built region, the overload warnings."""

    scenario: Scenario
    path: Path
    region: Region
    overloads: list = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return [o.text() for o in self.overloads]


def prepare_scenario(name: str | Path | None = None, overrides: Sequence[str] = (), force_large: bool = False,
                     override_dir: Path | None = None, holds_dossier_log: bool = True) -> Prepared:
    """Load a scenario and make every check a run makes, before it runs (ScenarioError):
    the schema, the rules across sections, the communes (table, province, ``only``), the
    limits of what the engine can hold and of what a run may take on (lifted by
    ``force_large``), and on the built region, staff that can do the work. The same for
    ``validate``, ``run``, ``compare``, ``sweep`` and ``calibrate``."""
    path = find_scenario(name)
    if not path.exists():
        hint = loading.did_you_mean(str(name or path), loading.library_names([scenario_dir()]))
        raise loading.ScenarioError([loading.Problem(loading.Position(str(path), None, None), "",
                                                     f"file not found{hint}")])
    data, positions = loading.resolve(path, list(overrides), search_dirs=[scenario_dir()], path_keys=PATH_KEYS,
                                      override_dir=override_dir)
    _looks_like_a_scenario(data, positions, path)
    scenario = loading.validate(Scenario, data, positions, str(path), context={"defer_consistency": True})
    def where(key: str):
        return loading.position_of(key, positions, str(path))

    def refuse(issues) -> None:
        if issues:
            raise loading.ScenarioError([loading.Problem(where(p.path), p.path, p.message, p.got) for p in issues])

    refuse(problems(scenario))
    scenario, selection = _select(scenario, path, positions, force_large)
    scenario = _resolve_observed(scenario, path)
    scenario = _resolve_staff_table(scenario, selection.communes, positions, path)
    n = len(selection.communes)
    refuse(problems(scenario, n) + size_problems(scenario, n, force_large, holds_dossier_log,
                                                 _daily_volume(scenario, selection)))
    region = Region(scenario, selection=selection, positions_of=where)
    if _dated(scenario):  # the volume by date is known once the demand plan is built
        refuse(size_problems(scenario, n, force_large, holds_dossier_log, region.plan.busiest_day_volume()))
    _check_observed_coverage(scenario, region, where)
    refuse(checks.problems(region))
    return Prepared(scenario, path, region, checks.overloads(region))


def _dated(scenario: Scenario) -> bool:
    demand = scenario.demand
    return bool(demand.periods or demand.total is not None or demand.observed is not None)


def _resolve_observed(scenario: Scenario, path: Path) -> Scenario:
    """Make an observed counts path absolute (the loader anchored it to the file that declared it)."""
    observed = scenario.demand.observed
    if observed is None:
        return scenario
    absolute = str(resolve_table(observed, path.parent).resolve())
    return scenario.model_copy(update={"demand": scenario.demand.model_copy(update={"observed": absolute})})


def _resolve_staff_table(scenario: Scenario, communes, positions, path: Path) -> Scenario:
    """Check ``staff.table`` and ``staff.by_commune`` against the communes and pools, every problem
    located (``file:line`` in the CSV, ``file:line:column`` in YAML), and make the table's path
    absolute (the loader anchored it to the file that declared it)."""
    staff = scenario.staff
    if staff.table is None and not staff.by_commune:
        return scenario
    table = Path(staff.table).resolve() if staff.table is not None else None
    if table is not None and not table.is_file():
        where = positions.get(("staff", "table"), loading.Position(str(path), None, None))
        raise loading.ScenarioError([loading.Problem(where, "staff.table", "staff table not found", str(table))])
    _, found = commune_staff.resolve(staff, communes, table, lambda key: _located(key, positions, path))
    if found:
        raise loading.ScenarioError(found)
    if table is None:
        return scenario
    return scenario.model_copy(update={"staff": staff.model_copy(update={"table": str(table)})})


def _located(key: tuple, positions, path: Path):
    for n in range(len(key), -1, -1):
        if key[:n] in positions:
            return positions[key[:n]]
    return loading.Position(str(path), None, None)


def _check_observed_coverage(scenario: Scenario, region: Region, where) -> None:
    """Observed counts without a rate for the other days must cover the whole horizon."""
    demand, observed = scenario.demand, region.plan.observed
    rate = (demand.dossiers_per_working_day, demand.dossiers_per_1000_inhabitants_per_working_day, demand.total)
    if observed is None or any(r is not None for r in rate):
        return
    covered, days = observed.covered, scenario.horizon.days
    if covered.start > 0 or covered.stop < days:
        start = scenario.horizon.start_date
        dates = [start + dt.timedelta(days=d) for d in (covered.start, covered.stop - 1)]
        raise loading.ScenarioError([loading.Problem(where("demand.observed"), "demand.observed",
            f"covers {dates[0]} to {dates[1]} but the horizon runs from {start} to "
            f"{start + dt.timedelta(days=days - 1)}: give dossiers_per_working_day or total for the other days",
            demand.observed)])


def load_scenario(name: str | Path | None = None, overrides: Sequence[str] = (), force_large: bool = False) -> Scenario:
    """Load, merge ``extends:``, apply ``--set`` overrides, validate and check; raises loading.ScenarioError."""
    return prepare_scenario(name, overrides, force_large).scenario


def _looks_like_a_scenario(data: dict, positions, path: Path) -> None:
    """A file with no scenario key at all is some other file: say so in one line, without
    echoing its values (it may hold anything)."""
    known = {f.alias or n for n, f in Scenario.model_fields.items()}
    if data and not known & set(map(str, data)):
        keys = ", ".join(repr(str(k)[:20]) for k in list(data)[:3]) + (", ..." if len(data) > 3 else "")
        raise loading.ScenarioError([loading.Problem(positions.get((), loading.Position(str(path), None, None)), "",
                                                     f"not a scenario file: none of its keys ({keys}) is a scenario key "
                                                     "(name, horizon, demand, communes, staff, ...)")])


def _daily_volume(scenario: Scenario, selection) -> float | None:
    """The region's dossiers on an ordinary working day, as :class:`Region` will compute it
    (the largest a dated period gives); None when only a total or observed counts say it."""
    demand = scenario.demand
    volumes = [p.dossiers_per_working_day for p in demand.periods if p.dossiers_per_working_day is not None]
    if demand.dossiers_per_working_day is not None:
        return max([demand.dossiers_per_working_day, *volumes]) * selection.share_of_source
    if demand.dossiers_per_1000_inhabitants_per_working_day is not None:
        population = sum(c.population for c in selection.communes)
        return demand.dossiers_per_1000_inhabitants_per_working_day * population / 1000
    return max(volumes) * selection.share_of_source if volumes else None


def _select(scenario: Scenario, path: Path, positions, force_large: bool):
    """Make a commune table path absolute (relative to the file that declared it: the loader
    anchored it), then select the communes once (table readable and not larger than the limit,
    province and ``only`` names known, populations present or imputed as asked) and check that
    the geography the routing asks for exists; each problem is located at its key."""
    if scenario.communes.table is not None:
        table = Path(scenario.communes.table).resolve()
        scenario = scenario.model_copy(update={"communes": scenario.communes.model_copy(update={"table": str(table)})})
    try:
        selection = select_communes(scenario.communes, max_rows=HARD_MAX_COMMUNES if force_large else MAX_COMMUNES)
        if selection.communes and scenario.communes.real:
            _check_geography(scenario, selection.communes)
    except (CommuneError, GeographyError) as exc:
        raise loading.ScenarioError([
            loading.Problem(loading.position_of(p.key_path, positions, str(path)), p.key_path, p.message,
                            loading.MISSING if getattr(p, "got", None) is None else p.got)
            for p in getattr(exc, "problems", [exc])]) from None
    return scenario, selection


def _check_geography(scenario: Scenario, communes) -> None:
    """What Region would build from the geography, built once here so a bad option fails at load."""
    from ..scenario import geography
    from ..scenario.policies import district_groups

    routing = scenario.routing
    if routing.policy == "least_loaded_cluster" and routing.neighbours != "consecutive":
        geography.neighbourhoods(communes, routing.neighbours)
    if routing.policy == "three_tier" and routing.districts is not None and routing.districts.by != "consecutive":
        groups = district_groups(routing.districts, communes)
        if routing.districts.count is not None and routing.districts.count != len(groups):
            raise GeographyError("routing.districts.count", f"these communes came from {len(groups)} former "
                                 f"districts, not {routing.districts.count} (leave count out with by: former_district)")
    central = routing.central_pool
    if routing.policy == "central_pool" and central is not None and central.by != "region":
        groups = geography.former_district_groups(communes, "routing.central_pool.by") \
            if central.by == "former_district" else geography.hub_groups(communes, central.by.within_km)
        if central.staff < len(groups):
            raise GeographyError("routing.central_pool.staff", f"{central.staff} staff cannot give each of the "
                                 f"{len(groups)} central pools at least 1")


class Results:
    """The replications of one run, with the figures as pandas DataFrames."""

    def __init__(self, runs: RunSet, started: dt.datetime, source: str | None = None):
        self.runs, self.started, self.source = runs, started, source
        self.scenario = runs.scenario
        self._summary = None

    @property
    def summary(self) -> dict:
        if self._summary is None:
            self._summary = self.runs.summary
        return self._summary

    def key_figures(self):
        import pandas as pd

        rows = [(k, v, self.summary.get(k + HALF_WIDTH)) for k, v in self.summary.items()
                if not k.endswith(HALF_WIDTH) and (isinstance(v, (int, float)) or v is None)
                and k not in ("replications", "seed")]
        return pd.DataFrame(rows, columns=["figure", "mean", "ci95_half_width"]).set_index("figure")

    def communes(self):
        import pandas as pd

        return pd.DataFrame(commune_rows(self.runs.results))

    def pools(self):
        import pandas as pd

        return pd.DataFrame(self.summary["pools"]).T

    def backlog(self):
        import pandas as pd

        return pd.DataFrame(self.summary["backlog_by_day"])

    def save(self, out_dir: str | Path, force: bool = False) -> Path:
        from .outputs import write_run

        return write_run(Path(out_dir), self.runs, self.started, self.source, force=force)


def run(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
        jobs: int = 1, progress=None) -> Results:
    update = {k: v for k, v in (("replications", replications), ("seed", seed)) if v is not None}
    if update:
        scenario = Scenario.model_validate({**scenario.model_dump(by_alias=True), **update})
    started = dt.datetime.now().astimezone()
    return Results(run_replications(scenario, jobs=jobs, progress=progress), started)
