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

from ..scenario import commune_staff, loading
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
    return _resolve_staff_table(scenario, path, positions)


def _resolve_table(scenario: Scenario, path: Path, positions) -> Scenario:
    """Make a commune table path absolute (relative to the scenario file that names it), then check that the
    communes can be built (table readable, province and ``only`` names known, populations present
    or imputed as asked) and that the geography the routing asks for exists; each problem is
    located at its key."""
    if scenario.communes.table is not None:
        table = resolve_table(scenario.communes.table, _declaring_folder(("communes", "table"), positions, path)).resolve()
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


def _resolve_staff_table(scenario: Scenario, path: Path, positions) -> Scenario:
    """Check ``staff.table`` and ``staff.by_commune`` against the communes and pools (every problem
    located: ``file:line`` in the CSV, ``file:line:column`` in YAML) and make the table's path
    absolute, relative to the file that names it."""
    staff = scenario.staff
    if staff.table is None and not staff.by_commune:
        return scenario
    table = None
    if staff.table is not None:
        table = commune_staff.table_path(staff, _declaring_folder(("staff", "table"), positions, path)).resolve()
    communes = select_communes(scenario.communes).communes
    _, found = commune_staff.resolve(staff, communes, table, lambda key: _located(key, positions, path))
    if staff.table is not None and not table.is_file():
        where = positions.get(("staff", "table"), loading.Position(str(path), None, None))
        found = [loading.Problem(where, "staff.table", "staff table not found", str(table))]
    if found:
        raise loading.ScenarioError(found)
    if table is None:
        return scenario
    return scenario.model_copy(update={"staff": staff.model_copy(update={"table": str(table)})})


def _declaring_folder(key: tuple, positions, path: Path) -> Path:
    """The folder of the file that set ``key`` (a base file of ``extends`` names its paths
    relative to itself); for a ``--set`` value, the scenario file's folder."""
    declared = positions.get(key)
    return Path(declared.file).parent if declared and declared.file != "--set" else path.parent


def _located(key: tuple, positions, path: Path):
    for n in range(len(key), -1, -1):
        if key[:n] in positions:
            return positions[key[:n]]
    return loading.Position(str(path), None, None)


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
