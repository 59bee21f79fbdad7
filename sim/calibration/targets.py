"""Calibration targets as data: reported figures, how the model computes each one, and
which scenario parameters are free.

A targets file (``calibration/targets.yaml``) has one section per scenario. Each section
lists

* ``targets``: every reported figure with its value, unit, period, place and source
  (outlet and date). A target is compared with the model in one of three ways:
  ``simulated`` — an arithmetic expression over a replication's results, e.g.
  ``by_channel.directive.dossiers_completed / by_channel.directive.dossiers_arrived``
  (computed per replication, then averaged); ``input`` — a scenario key path that holds
  the figure itself (it was set directly from the report); or ``context`` — not modelled,
  with the reason. Derived targets (Little's law and similar) say so and give their
  arithmetic; they repeat information already in the reported figures, so they weigh
  nothing in the objective unless a weight is given.
* ``parameters``: the free parameters, each mapped to one or more scenario key paths
  (the dotted paths of ``--set``; ``*`` matches every key of a mapping). ``mode: value``
  sets each path to the parameter; ``mode: scale`` multiplies the base scenario's value at
  each path, so one number can stretch every field's back-office minutes at once.
* ``assumptions``: the labelled assumptions the targets cannot identify, as key paths
  scaled together (used by the sensitivity analysis, ``sim.calibration.sensitivity``).
* ``set_directly``: scenario paths whose values come straight from the reports.

A simulated target may carry

* ``at: DATE``, a dated checkpoint: its expression is read at the end of that day instead of
  at the end of the run — counts (``dossiers_arrived``, ``dossiers_completed``) from the start
  of the horizon (after the warm-up) to that day, ``dossiers_in_process`` at that day,
  ``on_time_share`` of the dossiers completed by then; for the region, a channel or a field
  (the replication's ``by_day`` series);
* ``range: {min, max}`` (either or both) instead of ``value`` and ``tolerance``: a bound, not a
  figure — e.g. an assumption from public reporting such as "on-time share at least 0.95".

The objective is a sum over simulated targets of ``weight × (relative error)²``; the default
weight is ``1 / relative tolerance²``, so a target counts by how tightly it must be met. A
range target contributes nothing inside its range and ``weight × (relative distance to the
nearest bound)²`` outside, with a default weight of ``1 / 0.01²``: 1% outside the range costs
as much as a point target off by its whole tolerance.
"""
from __future__ import annotations

import copy
import datetime as dt
import math
import os
from pathlib import Path
from typing import Annotated, Literal, Optional

from pydantic import Field, model_validator

from ..scenario import loading
from ..scenario.schema import Model, Scenario, project_folder, scenario_dir
from .expressions import (  # noqa: F401 (re-exported: the targets file's expressions)
    DATED_FIGURES,
    SECTIONS,
    Expression,
    dated_paths,
    extract,
    missing_paths,
    parse_expression,
)

Number = Annotated[float, Field(allow_inf_nan=False)]
RANGE_RELATIVE_SCALE = 0.01  # a range target's default weight is 1 / this²


class Tolerance(Model):
    relative: Optional[Annotated[float, Field(gt=0, allow_inf_nan=False)]] = None
    absolute: Optional[Annotated[float, Field(gt=0, allow_inf_nan=False)]] = None

    @model_validator(mode="after")
    def _one(self):
        if (self.relative is None) == (self.absolute is None):
            raise ValueError("give exactly one of relative or absolute")
        return self

    def half_width(self, value: float) -> float:
        return self.absolute if self.absolute is not None else self.relative * abs(value)

    def text(self) -> str:
        return f"±{self.relative:.0%}" if self.relative is not None else f"±{self.absolute:g}"


class Range(Model):
    """Bounds a simulated figure should stay within (either may be left open)."""

    min: Optional[Number] = Field(None, description="Smallest acceptable value.")
    max: Optional[Number] = Field(None, description="Largest acceptable value.")

    @model_validator(mode="after")
    def _ordered(self):
        if self.min is None and self.max is None:
            raise ValueError("a range needs min, max or both")
        if self.min is not None and self.max is not None and not self.min < self.max:
            raise ValueError(f"min ({self.min:g}) must be less than max ({self.max:g}); for one value use value and tolerance")
        return self

    def distance(self, x: float) -> float:
        """How far ``x`` lies outside the range (0 inside), with the sign of the error."""
        if self.min is not None and x < self.min:
            return x - self.min
        if self.max is not None and x > self.max:
            return x - self.max
        return 0.0

    def text(self) -> str:
        if self.max is None:
            return f"≥ {self.min:g}"
        if self.min is None:
            return f"≤ {self.max:g}"
        return f"{self.min:g} – {self.max:g}"


class Target(Model):
    id: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    figure: str = Field(min_length=1, description="What was reported, in words.")
    value: Optional[Number] = Field(None, description="The reported number (null only for a qualitative context figure).")
    unit: str
    period: str
    place: str
    source: str = Field(min_length=1, description="Outlet and date (never a seed file name).")
    derived: bool = False
    arithmetic: Optional[str] = Field(None, description="How a derived figure follows from reported ones.")
    simulated: Optional[str] = Field(None, description="Expression over a replication's results.")
    input: Optional[str] = Field(None, description="Scenario key path holding the figure (set directly).")
    context: Optional[str] = Field(None, description="Why the figure is not compared with the model.")
    tolerance: Optional[Tolerance] = None
    range_: Optional[Range] = Field(None, alias="range", description=(
        "Bounds instead of a value and tolerance (e.g. {min: 0.95}): nothing is added to the objective inside them."))
    at: Optional[dt.date] = Field(None, description=(
        "A dated checkpoint: the expression read at the end of this day (counts from the start of the horizon, "
        "in process at that day) instead of at the end of the run."))
    weight: Optional[Annotated[float, Field(ge=0, allow_inf_nan=False)]] = None
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self):
        kinds = [k for k in ("simulated", "input", "context") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"give exactly one of simulated, input or context (got {kinds or 'none'})")
        if self.range_ is not None:
            if self.simulated is None:
                raise ValueError("a range applies to a simulated target only")
            if self.value is not None:
                raise ValueError("give either value (with a tolerance) or range, not both")
            if self.tolerance is not None:
                raise ValueError("a range target takes no tolerance: its bounds say what is acceptable")
        elif self.value is None and self.context is None:
            raise ValueError("a simulated or input target needs its reported value (or, for a bound, a range)")
        if self.at is not None and self.simulated is None:
            raise ValueError("at (a dated checkpoint) applies to a simulated target only")
        if self.derived and not self.arithmetic:
            raise ValueError("a derived target needs its arithmetic")
        if self.simulated is not None:
            if self.tolerance is None and self.range_ is None:
                raise ValueError("a simulated target needs a tolerance (or a range)")
            if self.scale == 0 and self.weight is None:
                raise ValueError("a target of 0 needs an explicit weight (relative errors are undefined)")
            if self.at is not None:
                dated_paths(parse_expression(self.simulated))
            parse_expression(self.simulated)
        return self

    @property
    def scale(self) -> float:
        """What errors are relative to: the value, or the range's bound (the smaller if two)."""
        if self.range_ is not None:
            bounds = [abs(b) for b in (self.range_.min, self.range_.max) if b is not None]
            return min(b for b in bounds) if all(bounds) else 0.0
        return abs(self.value) if self.value is not None else 0.0

    @property
    def objective_weight(self) -> float:
        if self.simulated is None:
            return 0.0
        if self.weight is not None:
            return self.weight
        if self.derived:
            return 0.0
        if self.range_ is not None:
            return 1.0 / RANGE_RELATIVE_SCALE**2
        relative = self.tolerance.half_width(self.value) / abs(self.value)
        return 1.0 / relative**2

    def error(self, simulated: float) -> float:
        """Signed error relative to the scale: to the value, or to the range (0 inside it)."""
        scale = self.scale or 1.0
        if self.range_ is not None:
            return self.range_.distance(simulated) / scale
        return (simulated - self.value) / scale

    def within(self, simulated: float) -> bool:
        if simulated is None or not math.isfinite(simulated):
            return False
        if self.range_ is not None:
            return abs(self.range_.distance(simulated)) <= 1e-9 * max(self.scale, 1e-300)
        return abs(simulated - self.value) <= self.tolerance.half_width(self.value) * (1 + 1e-9)

    def expression(self, start_date: dt.date) -> "Expression":
        """The expression that computes this target from one replication's result."""
        return Expression(self.simulated, None if self.at is None else (self.at - start_date).days)

    def requirement(self) -> str:
        """The reported value and tolerance, or the range, in words (for tables)."""
        if self.range_ is not None:
            return self.range_.text()
        return f"{self.value:g} {self.tolerance.text()}" if self.tolerance else f"{self.value:g}"


class Parameter(Model):
    description: str = Field(min_length=1)
    unit: str = ""
    paths: list[str] = Field(min_length=1, description="Scenario key paths; '*' matches every key.")
    mode: Literal["value", "scale", "share"] = Field("value", description=(
        "value: each path is set to the parameter; scale: each path's value is multiplied by it; share: the one path "
        "is a share among siblings (e.g. demand.fields.land.share) set to the parameter, the siblings' shares "
        "rescaled in their proportions so that all still sum to 1."))
    bounds: tuple[Number, Number]
    initial: Optional[Number] = Field(None, description="Start of the fit (default: the scenario's value, or 1 for a scale).")

    @model_validator(mode="after")
    def _bounds(self):
        if not self.bounds[0] < self.bounds[1]:
            raise ValueError(f"bounds must be increasing, got {list(self.bounds)}")
        if self.mode == "share":
            if len(self.paths) != 1 or "*" in self.paths[0] or not self.paths[0].endswith(".share"):
                raise ValueError("mode share takes one path ending in .share (e.g. demand.fields.land.share)")
            if not (0 < self.bounds[0] and self.bounds[1] < 1):
                raise ValueError(f"a share's bounds must lie strictly between 0 and 1, got {list(self.bounds)}")
        if self.initial is not None and not self.bounds[0] < self.initial < self.bounds[1]:
            raise ValueError(f"initial {self.initial} must lie strictly inside the bounds {list(self.bounds)}")
        return self


class Assumption(Model):
    description: str = Field(min_length=1)
    paths: list[str] = Field(min_length=1)
    mode: Literal["scale", "share"] = Field("scale", description=(
        "scale: the values at the paths are multiplied by the factor; share: the one path is a share among "
        "siblings, multiplied by the factor, the siblings rescaled so that all still sum to 1."))
    fitted: bool = Field(False, description="A fitted parameter, varied to show its leverage.")

    @model_validator(mode="after")
    def _one_share(self):
        if self.mode == "share" and (len(self.paths) != 1 or "*" in self.paths[0] or not self.paths[0].endswith(".share")):
            raise ValueError("mode share takes one path ending in .share (e.g. demand.fields.land.share)")
        return self


class ScenarioTargets(Model):
    description: str = ""
    replications: int = Field(2, ge=1, le=100, description="Replications per evaluation in the fit.")
    final_replications: int = Field(6, ge=2, le=1000, description="Replications of the final evaluation and the per-replication refits.")
    max_evaluations: int = Field(40, ge=1, description="Most objective evaluations of one fit.")
    set_directly: dict[str, str] = Field(default={}, description="Scenario path -> the reported figure it comes from.")
    parameters: dict[str, Parameter] = {}
    assumptions: dict[str, Assumption] = {}
    key_figures: dict[str, str] = Field(default={}, description="Figures the sensitivity analysis reports (expressions).")
    targets: list[Target] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self):
        ids = [t.id for t in self.targets]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"target ids must be unique, repeated: {duplicates}")
        for expression in self.key_figures.values():
            parse_expression(expression)
        return self

    def simulated_targets(self) -> list[Target]:
        return [t for t in self.targets if t.simulated is not None]

    def fitted_targets(self) -> list[Target]:
        return [t for t in self.simulated_targets() if t.objective_weight > 0]

    def expressions(self, start_date: dt.date) -> dict[str, "Expression"]:
        """Target id -> the expression computing it (dated checkpoints read their date)."""
        return {t.id: t.expression(start_date) for t in self.simulated_targets()}


class TargetsFile(Model):
    scenarios: dict[str, ScenarioTargets] = Field(min_length=1)


# ------------------------------------------------------------------- loading
#: A modeler's own targets file: in the folder the command runs from, as in a checkout.
OWN_TARGETS = Path("calibration") / "targets.yaml"


def bundled_targets() -> Path:
    """The project's targets file: ``calibration/targets.yaml`` of the source tree (a checkout,
    or the editable install of ``make``: an edit counts at once); in an installed copy (a wheel,
    ``pip install .``), which has no source tree, the copy of it shipped inside the package as
    ``sim/calibration_targets/targets.yaml`` (pyproject.toml, ``package-dir``), as
    :func:`~sim.scenario.schema.scenario_dir` does for the scenario library."""
    return project_folder("calibration", "calibration_targets") / "targets.yaml"


def default_targets(given: Path | None) -> tuple[Path, bool]:
    """The targets file ``calibrate`` reads, and whether it is the bundled one: ``--targets``
    as given (a missing file is an error, never replaced); else ``calibration/targets.yaml`` of
    the current folder if there is anything by that name (a modeler's own copy wins, and one that
    cannot be read is an error, not a reason to fall back); else :func:`bundled_targets`."""
    if given is not None:
        return Path(given), False
    if os.path.lexists(OWN_TARGETS):
        return OWN_TARGETS, False
    return bundled_targets(), True


def load_targets(path: Path) -> tuple[TargetsFile, dict]:
    """Read and validate a targets file; problems are reported as file:line:column: key.path."""
    data, positions = loading.read_yaml(path)
    return loading.validate(TargetsFile, data, positions, str(path)), positions


def section_for(targets: TargetsFile, positions: dict, targets_path: Path, scenario_path: Path) -> tuple[str, ScenarioTargets]:
    """The section of the targets file whose key names the scenario (a library name or a
    path relative to the targets file)."""
    from ..study.api import find_scenario

    wanted = Path(scenario_path).resolve()
    for key, section in targets.scenarios.items():
        for candidate in (find_scenario(key), Path(targets_path).parent / key, Path(targets_path).parent / f"{key}.yaml"):
            if candidate.is_file() and candidate.resolve() == wanted:
                return key, section
    where = loading.position_of("scenarios", positions, str(targets_path))
    raise loading.ScenarioError([loading.Problem(where, "scenarios", f"no section for the scenario {str(scenario_path)!r}; "
                                                 f"the file has: {', '.join(targets.scenarios)}")])


def date_problems(section: ScenarioTargets, scenario: Scenario, positions: dict, where: str, file: str) -> list:
    """Dated checkpoints outside what the run counts: before the first counted day (the
    warm-up) or after the horizon's last day."""
    start, days = scenario.horizon.start_date, scenario.horizon.days
    first = start + dt.timedelta(days=math.floor(scenario.horizon.warmup_days))
    last = start + dt.timedelta(days=days - 1)
    problems = []
    for i, t in enumerate(section.targets):
        if t.at is None:
            continue
        key = f"{where}.targets.{i}.at"
        if t.at > last:
            message = f"after the last day of the horizon ({last.isoformat()})"
        elif t.at < first:
            message = (f"before the first day the run counts ({first.isoformat()}: the horizon starts on "
                       f"{start.isoformat()}" + (f", after a warm-up of {scenario.horizon.warmup_days:g} days)"
                                                 if scenario.horizon.warmup_days else ")"))
        else:
            continue
        problems.append(loading.Problem(loading.position_of(key, positions, file), key, message, t.at.isoformat()))
    return problems


def library_name(path: Path) -> str | None:
    """``danang/2025-q3`` for a file of the scenario library, else None."""
    try:
        return Path(path).resolve().relative_to(scenario_dir().resolve()).with_suffix("").as_posix()
    except ValueError:
        return None


# -------------------------------------------------------- parameters -> paths
def _split(path: str) -> list:
    return [int(p) if p.isdigit() else p for p in path.split(".")]


def expand(pattern: str, data) -> list[tuple]:
    """Concrete key paths matching ``pattern`` ('*' = every key or index) that hold a number."""
    found: list[tuple] = [()]
    for part in _split(pattern):
        nxt = []
        for prefix in found:
            node = get_path(data, prefix)
            if part == "*":
                keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else []
                nxt += [prefix + (k,) for k in keys]
            elif (isinstance(node, dict) and part in node) or (isinstance(node, list) and isinstance(part, int) and part < len(node)):
                nxt.append(prefix + (part,))
        found = nxt
    return [p for p in found if isinstance(get_path(data, p), (int, float)) and not isinstance(get_path(data, p), bool)]


def get_path(data, path: tuple):
    for part in path:
        data = data[part]
    return data


def set_path(data, path: tuple, value) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def dotted(path: tuple) -> str:
    return ".".join(map(str, path))


def round_sig(value: float, digits: int = 6) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


class Mapping:
    """Where free parameters (or scaled assumptions) go in a scenario."""

    def __init__(self, base: Scenario, specs: dict, positions: dict | None = None, where: str = "", file: str = ""):
        self.base = base.model_dump(mode="json", by_alias=True)
        self.specs = specs
        self.paths: dict[str, list[tuple]] = {}
        problems = []
        for name, spec in specs.items():
            found = [p for pattern in spec.paths for p in expand(pattern, self.base)]
            if not found:
                key = f"{where}.{name}.paths"
                problems.append(loading.Problem(loading.position_of(key, positions or {}, file), key,
                                                "matches no number in the scenario", spec.paths))
            self.paths[name] = list(dict.fromkeys(found))
            if getattr(spec, "mode", "scale") == "share" and found:
                self.paths[name] += [p for p in expand(dotted(found[0][:-2] + ("*", found[0][-1])), self.base)
                                     if p != found[0]]  # the siblings follow (rescaled in values())
        if problems:
            raise loading.ScenarioError(problems)

    def base_value(self, name: str) -> float:
        """The scenario's own value of a parameter (mean over its paths; 1 for a scale)."""
        spec = self.specs[name]
        mode = getattr(spec, "mode", "scale")
        if mode == "scale" or not isinstance(spec, Parameter):
            return 1.0
        values = [get_path(self.base, p) for p in self.paths[name][:1 if mode == "share" else None]]
        return sum(values) / len(values)

    def values(self, theta: dict[str, float]) -> dict[tuple, float]:
        """Concrete path -> value for parameter values ``theta`` (scales applied to the base)."""
        out = {}
        for name, x in theta.items():
            mode = getattr(self.specs[name], "mode", "scale")
            if mode == "share":  # a parameter gives the share itself; an assumption a factor on it
                share = x if isinstance(self.specs[name], Parameter) else x * get_path(self.base, self.paths[name][0])
                out.update(self._share(self.paths[name], share))
                continue
            for path in self.paths[name]:
                base = get_path(self.base, path)
                value = x if mode == "value" else base * x
                if isinstance(base, int) and not isinstance(base, bool):  # staff, deadlines: move by at least one
                    value = math.floor(value + 1e-9) if value < base else math.ceil(value - 1e-9) if mode == "scale" else round(value)
                    out[path] = int(value)
                else:
                    out[path] = round_sig(value)
        return out

    def _share(self, paths: list[tuple], x: float) -> dict[tuple, float]:
        """The share at ``paths[0]`` set to ``x``, its siblings ``paths[1:]`` rescaled in their
        proportions so that all sum to what they summed to (1); the largest sibling takes the
        rounding, so the sum holds exactly."""
        x = round_sig(x, 10)
        siblings = {p: get_path(self.base, p) for p in paths[1:]}
        rest = sum(siblings.values())
        total = get_path(self.base, paths[0]) + rest
        out = {paths[0]: x}
        if not siblings or rest <= 0:
            return out
        largest = max(siblings, key=siblings.get)
        for p, v in siblings.items():
            if p != largest:
                out[p] = round_sig(v * (total - x) / rest, 10)
        out[largest] = round(total - x - sum(v for p, v in out.items() if p != paths[0]), 12)
        return out

    def overrides(self, theta: dict[str, float]) -> list[str]:
        return [f"{dotted(p)}={v!r}" for p, v in self.values(theta).items()]

    def nested(self, theta: dict[str, float]) -> dict:
        """The changed values as a nested mapping for an ``extends:`` file (a list is written whole)."""
        modified = copy.deepcopy(self.base)
        for path, value in self.values(theta).items():
            set_path(modified, path, value)
        out: dict = {}
        for path in self.values(theta):
            cut = next((i for i, part in enumerate(path) if isinstance(get_path(modified, path[:i + 1]), list)), len(path) - 1)
            node = out
            for part in path[:cut]:
                node = node.setdefault(part, {})
            node[path[cut]] = copy.deepcopy(get_path(modified, path[:cut + 1]))
        return out
