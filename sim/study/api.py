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

from ..scenario import checks, loading
from ..scenario.communes import TooManyCommunes, build_communes
from ..scenario.consistency import problems
from ..scenario.limits import FORCE, HARD_MAX_COMMUNES, MAX_COMMUNES, size_problems
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
PATH_KEYS = (("communes", "table"),)


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
    the schema, the rules across sections, the limits of what the engine can hold and of
    what a run may take on (lifted by ``force_large``), and on the built region, staff that
    can do the work. The same for ``validate``, ``run``, ``compare``, ``sweep`` and ``calibrate``."""
    path = find_scenario(name)
    if not path.exists():
        hint = loading.did_you_mean(str(name or path), loading.library_names([scenario_dir()]))
        raise loading.ScenarioError([loading.Problem(loading.Position(str(path), None, None), "",
                                                     f"file not found{hint}")])
    data, positions = loading.resolve(path, list(overrides), search_dirs=[scenario_dir()], path_keys=PATH_KEYS,
                                      override_dir=override_dir)
    _looks_like_a_scenario(data, positions, path)
    scenario = loading.validate(Scenario, data, positions, str(path), context={"defer_consistency": True})
    file = str(path)

    def refuse(issues) -> None:
        if issues:
            raise loading.ScenarioError([loading.Problem(loading.position_of(p.path, positions, file), p.path,
                                                         p.message, p.got) for p in issues])

    refuse(problems(scenario))
    scenario, communes = _read_table(scenario, positions, file, force_large)
    refuse(problems(scenario, len(communes)) + size_problems(scenario, len(communes), force_large, holds_dossier_log))
    region = Region(scenario, communes=communes)
    refuse(checks.problems(region))
    return Prepared(scenario, path, region, checks.overloads(region))


def _looks_like_a_scenario(data: dict, positions, path: Path) -> None:
    """A file with no scenario key at all is some other file: say so in one line, without
    echoing its values (it may hold anything)."""
    known = {f.alias or n for n, f in Scenario.model_fields.items()}
    if data and not known & set(map(str, data)):
        keys = ", ".join(repr(str(k)[:20]) for k in list(data)[:3]) + (", ..." if len(data) > 3 else "")
        raise loading.ScenarioError([loading.Problem(positions.get((), loading.Position(str(path), None, None)), "",
                                                     f"not a scenario file: none of its keys ({keys}) is a scenario key "
                                                     "(name, horizon, demand, communes, staff, ...)")])


def load_scenario(name: str | Path | None = None, overrides: Sequence[str] = (), force_large: bool = False) -> Scenario:
    """Load, merge ``extends:``, apply ``--set`` overrides, validate and check; raises loading.ScenarioError."""
    return prepare_scenario(name, overrides, force_large).scenario


def _read_table(scenario: Scenario, positions, file: str, force_large: bool):
    """The communes; a commune table (its path made absolute) is read once, here."""
    if scenario.communes.table is None:
        return scenario, build_communes(scenario.communes)
    table = Path(scenario.communes.table).resolve()
    spec = scenario.communes.model_copy(update={"table": str(table)})
    where = positions.get(("communes", "table"), loading.Position(file, None, None))
    try:
        communes = build_communes(spec, max_rows=HARD_MAX_COMMUNES if force_large else MAX_COMMUNES)
    except TooManyCommunes as exc:
        extra = "" if force_large else f" ({FORCE})"
        raise loading.ScenarioError([loading.Problem(where, "communes.table", f"more than {exc.limit:,} communes; the "
                                                     f"largest number allowed is {exc.limit:,}{extra}", str(table))]) from None
    except (OSError, ValueError) as exc:
        message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise loading.ScenarioError([loading.Problem(where, "communes.table", f"cannot read the commune table: {message}",
                                                     str(table))]) from None
    return scenario.model_copy(update={"communes": spec}), communes


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
