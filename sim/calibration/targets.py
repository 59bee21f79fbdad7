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

The objective is a sum over simulated targets of ``weight × (relative error)²``; the default
weight is ``1 / relative tolerance²``, so a target counts by how tightly it must be met.
"""
from __future__ import annotations

import ast
import copy
import math
from pathlib import Path
from typing import Annotated, Literal, Optional

from pydantic import Field, model_validator

from ..scenario import loading
from ..scenario.schema import Model, Scenario, scenario_dir

Number = Annotated[float, Field(allow_inf_nan=False)]
SECTIONS = ("region", "by_channel", "by_field", "pools", "littles_law")


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
    weight: Optional[Annotated[float, Field(ge=0, allow_inf_nan=False)]] = None
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self):
        kinds = [k for k in ("simulated", "input", "context") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"give exactly one of simulated, input or context (got {kinds or 'none'})")
        if self.value is None and self.context is None:
            raise ValueError("a simulated or input target needs its reported value")
        if self.derived and not self.arithmetic:
            raise ValueError("a derived target needs its arithmetic")
        if self.simulated is not None:
            if self.tolerance is None:
                raise ValueError("a simulated target needs a tolerance")
            if self.value == 0 and self.weight is None:
                raise ValueError("a target of 0 needs an explicit weight (relative errors are undefined)")
            parse_expression(self.simulated)
        return self

    @property
    def objective_weight(self) -> float:
        if self.simulated is None:
            return 0.0
        if self.weight is not None:
            return self.weight
        if self.derived:
            return 0.0
        relative = self.tolerance.half_width(self.value) / abs(self.value)
        return 1.0 / relative**2

    def within(self, simulated: float) -> bool:
        return simulated is not None and abs(simulated - self.value) <= self.tolerance.half_width(self.value) * (1 + 1e-9)


class Parameter(Model):
    description: str = Field(min_length=1)
    unit: str = ""
    paths: list[str] = Field(min_length=1, description="Scenario key paths; '*' matches every key.")
    mode: Literal["value", "scale"] = "value"
    bounds: tuple[Number, Number]
    initial: Optional[Number] = Field(None, description="Start of the fit (default: the scenario's value, or 1 for a scale).")

    @model_validator(mode="after")
    def _bounds(self):
        if not self.bounds[0] < self.bounds[1]:
            raise ValueError(f"bounds must be increasing, got {list(self.bounds)}")
        if self.initial is not None and not self.bounds[0] < self.initial < self.bounds[1]:
            raise ValueError(f"initial {self.initial} must lie strictly inside the bounds {list(self.bounds)}")
        return self


class Assumption(Model):
    description: str = Field(min_length=1)
    paths: list[str] = Field(min_length=1)
    fitted: bool = Field(False, description="A fitted parameter, varied to show its leverage.")


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


class TargetsFile(Model):
    scenarios: dict[str, ScenarioTargets] = Field(min_length=1)


# ----------------------------------------------------------------- expressions
class Expression:
    """An arithmetic expression (+ - * / and parentheses) over dotted result paths."""

    def __init__(self, text: str):
        self.text = text
        self.tree = parse_expression(text)
        self.paths = sorted({p for p in _paths(self.tree)})

    def __call__(self, figures: dict[str, float]) -> float:
        return _eval(self.tree, figures)


MAX_EXPRESSION_CHARS = 500  # the longest expression in calibration/targets.yaml has 133
MAX_EXPRESSION_DEPTH = 20   # levels of the expression tree; the deepest there has 6


def parse_expression(text: str) -> ast.AST:
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ValueError(f"expression of {len(text):,} characters; the longest allowed is {MAX_EXPRESSION_CHARS}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ValueError(f"cannot parse expression {text[:60]!r}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ValueError(f"expression nested too deeply; the deepest allowed is {MAX_EXPRESSION_DEPTH} levels") from None
    depth = _depth(tree)
    if depth > MAX_EXPRESSION_DEPTH:
        raise ValueError(f"expression nested {depth} levels deep; the deepest allowed is {MAX_EXPRESSION_DEPTH}")
    list(_paths(tree))  # raises on anything but arithmetic over dotted names
    return tree


def _depth(tree: ast.AST) -> int:
    """Nesting depth of an expression tree, counted without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "figure"
            and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        return node.args[0].value  # figure("by_channel.in-person.dossiers_arrived") for unusual names
    return None


def _paths(node: ast.AST):
    path = _dotted(node)
    if path is not None:
        if path.split(".")[0] not in SECTIONS or "." not in path:
            raise ValueError(f"{path!r} is not a result figure; paths start with one of {', '.join(SECTIONS)}")
        yield path
    elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        yield from _paths(node.left)
        yield from _paths(node.right)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        yield from _paths(node.operand)
    elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return
    else:
        raise ValueError(f"only + - * / numbers and result paths are allowed, not {ast.unparse(node)!r}")


def _eval(node: ast.AST, figures: dict[str, float]) -> float:
    path = _dotted(node)
    if path is not None:
        value = figures.get(path)
        return math.nan if value is None else float(value)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, figures)
        return -value if isinstance(node.op, ast.USub) else value
    left, right = _eval(node.left, figures), _eval(node.right, figures)
    if isinstance(node.op, ast.Add):
        return left + right
    if isinstance(node.op, ast.Sub):
        return left - right
    if isinstance(node.op, ast.Mult):
        return left * right
    return left / right if right != 0 else math.nan


def extract(result: dict, paths: list[str]) -> dict[str, float | None]:
    """The values at dotted ``paths`` of one replication's result (None if absent or NaN)."""
    out: dict[str, float | None] = {}
    for path in paths:
        node = result
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        ok = isinstance(node, (int, float)) and not isinstance(node, bool) and math.isfinite(node)
        out[path] = float(node) if ok else None
    return out


def missing_paths(result: dict, paths: list[str]) -> list[str]:
    """Paths that name nothing numeric in a result (checked on a one-day run before a fit)."""
    missing = []
    for path in paths:
        node = result
        for part in path.split("."):
            node = node.get(part, KeyError) if isinstance(node, dict) else KeyError
        if node is KeyError or isinstance(node, (dict, list, str)):
            missing.append(path)
    return missing


# ------------------------------------------------------------------- loading
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
        if problems:
            raise loading.ScenarioError(problems)

    def base_value(self, name: str) -> float:
        """The scenario's own value of a parameter (mean over its paths; 1 for a scale)."""
        spec = self.specs[name]
        if getattr(spec, "mode", "scale") == "scale":
            return 1.0
        values = [get_path(self.base, p) for p in self.paths[name]]
        return sum(values) / len(values)

    def values(self, theta: dict[str, float]) -> dict[tuple, float]:
        """Concrete path -> value for parameter values ``theta`` (scales applied to the base)."""
        out = {}
        for name, x in theta.items():
            mode = getattr(self.specs[name], "mode", "scale")
            for path in self.paths[name]:
                base = get_path(self.base, path)
                value = x if mode == "value" else base * x
                if isinstance(base, int) and not isinstance(base, bool):  # staff, deadlines: move by at least one
                    value = math.floor(value + 1e-9) if value < base else math.ceil(value - 1e-9) if mode == "scale" else round(value)
                    out[path] = int(value)
                else:
                    out[path] = round_sig(value)
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
