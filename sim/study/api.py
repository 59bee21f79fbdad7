"""The Python API, for notebooks and scripts.

    import sim
    scenario = sim.load_scenario("hanoi/2025-07-first-13-days", overrides=["staff.per_commune.counter=4"])
    results = sim.run(scenario, replications=3)
    results.key_figures()   # DataFrame: figure, mean, ci95_half_width
    results.communes()      # DataFrame: one row per commune
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

from ..scenario import loading
from ..scenario.communes import CommuneError, resolve_table, select_communes
from ..scenario.geography import GeographyError
from ..scenario.consistency import problems
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


def load_scenario(name: str | Path | None = None, overrides: Sequence[str] = ()) -> Scenario:
    """Load, merge ``extends:``, apply ``--set`` overrides, validate; raises loading.ScenarioError."""
    path = find_scenario(name)
    data, positions = loading.resolve(path, list(overrides), search_dirs=[scenario_dir()])
    scenario = loading.validate(Scenario, data, positions, str(path), context={"defer_consistency": True})
    found = problems(scenario)
    if found:
        raise loading.ScenarioError([loading.Problem(loading.position_of(p.path, positions, str(path)), p.path,
                                                     p.message, p.got) for p in found])
    scenario = _resolve_table(scenario, path, positions)
    return _check_demand_by_date(_resolve_observed(scenario, path), path, positions)


def _resolve_observed(scenario: Scenario, path: Path) -> Scenario:
    """Make an observed counts path absolute (relative to the scenario file)."""
    observed = scenario.demand.observed
    if observed is None:
        return scenario
    absolute = str(resolve_table(observed, path.parent).resolve())
    return scenario.model_copy(update={"demand": scenario.demand.model_copy(update={"observed": absolute})})


def _check_demand_by_date(scenario: Scenario, path: Path, positions) -> Scenario:
    """Demand that depends on the calendar (a total, observed counts) is checked by building
    it: every problem located in the scenario or in the counts file."""
    demand = scenario.demand
    if demand.total is None and demand.observed is None:
        return scenario
    from ..scenario.region import Region

    def where(key: str):
        return loading.position_of(key, positions, str(path))

    region = Region(scenario, positions_of=where)
    observed = region.plan.observed
    rate = (demand.dossiers_per_working_day, demand.dossiers_per_1000_inhabitants_per_working_day, demand.total)
    if observed is not None and all(r is None for r in rate):
        covered, days = observed.covered, scenario.horizon.days
        if covered.start > 0 or covered.stop < days:
            start = scenario.horizon.start_date
            dates = [start + dt.timedelta(days=d) for d in (covered.start, covered.stop - 1)]
            raise loading.ScenarioError([loading.Problem(where("demand.observed"), "demand.observed",
                f"covers {dates[0]} to {dates[1]} but the horizon runs from {start} to "
                f"{start + dt.timedelta(days=days - 1)}: give dossiers_per_working_day or total for the other days",
                demand.observed)])
    return scenario


def _resolve_table(scenario: Scenario, path: Path, positions) -> Scenario:
    """Make a commune table path absolute (relative to the scenario file), then check that the
    communes can be built (table readable, province and ``only`` names known, populations present
    or imputed as asked) and that the geography the routing asks for exists; each problem is
    located at its key."""
    if scenario.communes.table is not None:
        table = resolve_table(scenario.communes.table, path.parent).resolve()
        scenario = scenario.model_copy(update={"communes": scenario.communes.model_copy(update={"table": str(table)})})
    try:
        selection = select_communes(scenario.communes)
        if selection.communes and scenario.communes.real:
            _check_geography(scenario, selection.communes)
    except (CommuneError, GeographyError) as exc:
        raise loading.ScenarioError([
            loading.Problem(loading.position_of(p.key_path, positions, str(path)), p.key_path, p.message,
                            loading.MISSING if getattr(p, "got", None) is None else p.got)
            for p in getattr(exc, "problems", [exc])]) from None
    return scenario


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
