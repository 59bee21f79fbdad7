"""Experiment files: a base scenario, the parameters to vary, replications, figures to plot.

An experiment (``experiments/*.yaml``) names a base scenario and varies parameters by the
same dotted paths as ``--set``. Every combination of parameter levels (a full grid, in file
order) is a *variant*; each variant runs the same replications. For example::

    name: "Hà Nội, July surge: counter staff per commune"
    base: hanoi/2025-07-first-13-days     # library name, or a path relative to this file
    set: ["horizon.days=13"]              # overrides applied to every variant (optional)
    replications: 5
    parameters:
      staff.per_commune.counter: {start: 2, stop: 10, step: 1}   # a range (stop included)
      routing.eligible_share: [0, 0.5, 1]                         # a list
      online_share:                                               # linked: one name, several paths
        values: [0.14, 0.5]
        levels:
          - {demand.channels.online.share: 0.1238, demand.channels.in_person.share: 0.8562}
          - {demand.channels.online.share: 0.4647, demand.channels.in_person.share: 0.5153}
      scenario: [hanoi/pre-reform, hanoi/2025-07-first-13-days]   # whole scenarios as levels
    plots: [{kind: staffing_curve, x: staff.per_commune.counter}]

**Seeds and common random numbers.** A run is identified by (root seed, variant,
replication): its file is ``runs/<variant>-r<k>.json``. Its random streams are keyed by
(scenario seed, replication, commune, quantity) in the engine, and every variant's scenario
seed is the root seed (``seed:``, default the base scenario's). So replication r of every
variant sees the same dossiers wherever the variants share demand: variants are *paired*,
and their differences are estimated replication by replication. The variant is part of a
run's identity, deliberately not of its random streams. ``common_random_numbers: false``
gives each variant its own seed, drawn from SeedSequence([root seed, variant index]).

Every variant is loaded and validated before anything runs: a bad experiment file or a
parameter value a scenario refuses is reported as ``file:line:column: key.path: message``
(exit 2, nothing written), like every other input of the command line. The sweep itself
(running, resuming, writing) is :mod:`sim.study.sweep`.
"""
from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..scenario import loading
from ..scenario.loading import Position, Problem, ScenarioError
from .analysis import effective_targets
from .catalogue import names_in

SCENARIO_PARAMETER = "scenario"
# Which figures a replication's results hold, by section: named once, in the catalogue.
REGION_FIGURES = names_in("region")
POOL_FIGURES = names_in("pool")
PLOT_KINDS = ("staffing_curve", "wait_ecdf", "backlog", "commune_load", "figures", "by_field", "map", "provinces")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


Number = Annotated[float, Field(allow_inf_nan=False)]


class Range(_Model):
    """start, start + step, ... up to stop (included when it falls on the grid)."""

    start: Number
    stop: Number
    step: Number = 1

    @model_validator(mode="after")
    def _sane(self):
        if self.step == 0 or (self.stop - self.start) / self.step < 0:
            raise ValueError(f"step {self.step:g} does not lead from {self.start:g} to {self.stop:g}")
        if (self.stop - self.start) / self.step > 1000:
            raise ValueError("a range of more than 1,000 levels")
        return self

    def levels(self) -> list:
        n = int(math.floor((self.stop - self.start) / self.step + 1e-9)) + 1
        values = [self.start + i * self.step for i in range(n)]
        whole = all(float(v).is_integer() for v in (self.start, self.step))
        return [int(round(v)) if whole else round(v, 12) for v in values]


class Linked(_Model):
    """One parameter that sets several paths at once: level i sets every path of levels[i]."""

    values: list[Any] = Field(min_length=1, description="The parameter's value at each level (table and plot labels).")
    levels: list[dict[str, Any]] = Field(min_length=1, description="Per level, dotted path -> value.")

    @model_validator(mode="after")
    def _same_length(self):
        if len(self.values) != len(self.levels):
            raise ValueError(f"values has {len(self.values)} items but levels has {len(self.levels)}")
        return self


class TargetHalfWidth(_Model):
    figure: str = Field(description="Figure whose 95% half-width must reach the target, e.g. mean_wait_minutes.")
    value: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(description="Target half-width (absolute, in the figure's unit).")
    batch: int = Field(5, ge=1, description="Replications added at a time to a variant above the target.")
    max_replications: int = Field(50, ge=2, le=10000, description="No variant runs more replications than this.")


class Warmup(_Model):
    method: Literal["none", "fixed", "mser5"] = Field("none", description="none (transient runs), fixed (days), or mser5 on pilot runs.")
    days: Optional[Annotated[float, Field(ge=0, allow_inf_nan=False)]] = Field(None, description="fixed: warm-up in calendar days.")
    pilot_replications: int = Field(1, ge=1, le=100, description="mser5: pilot replications per variant (run without warm-up).")
    batch: int = Field(5, ge=1, description="mser5: days per batch mean (5 = MSER-5).")

    @model_validator(mode="after")
    def _days(self):
        if self.method == "fixed" and self.days is None:
            raise ValueError("method fixed needs days")
        if self.method != "fixed" and self.days is not None:
            raise ValueError("days is only for method fixed")
        return self


class Plot(_Model):
    kind: Literal[PLOT_KINDS] = Field(description="staffing_curve, wait_ecdf, backlog, commune_load, figures, by_field, "
                                                  "map or provinces (variants over different communes: a national view).")
    file: Optional[str] = Field(None, pattern=r"^[\w.-]+\.png$", description="File name in the output folder (default <kind>.png).")
    title: Optional[str] = None
    x: Optional[str] = Field(None, description="The parameter on the x axis (staffing_curve, figures).")
    figures: list[str] = Field(default=[], description="figures / by_field: figures to draw.")
    figure: str = Field("utilisation_counter", description="commune_load, map, provinces: the per-commune column (e.g. "
                                                           "utilisation_counter, p90_wait_minutes; utilisation_busiest: the busiest pool's).")
    worst: int = Field(10, ge=1, le=50, description="commune_load: how many of the worst communes to name; provinces: how many provinces to show.")
    threshold: Optional[Number] = Field(None, description="map, provinces: colour (map) or count (provinces) the communes whose figure exceeds it.")
    target_wait_minutes: Optional[Annotated[float, Field(gt=0)]] = Field(None, description="staffing_curve: a reference line.")
    pool: str = Field("counter", description="staffing_curve: the pool whose utilisation is drawn.")

    @model_validator(mode="after")
    def _needs(self):
        if self.kind == "staffing_curve" and not self.x:
            raise ValueError("a staffing_curve needs x (the staff parameter)")
        if self.kind in ("figures", "by_field") and not self.figures:
            raise ValueError(f"a {self.kind} plot needs figures")
        if self.kind in ("map", "provinces") and self.threshold is None:
            raise ValueError(f"a {self.kind} plot needs a threshold")
        return self


class ExperimentFile(_Model):
    name: str = Field(min_length=1)
    description: str = ""
    base: str = Field(min_length=1, description="Base scenario: a library name or a path relative to this file.")
    set_: list[str] = Field(default=[], alias="set", description="Overrides (key.path=value) applied to every variant.")
    seed: Optional[int] = Field(None, ge=0, description="Root seed (default: the base scenario's).")
    replications: Optional[int] = Field(None, ge=1, le=10000, description="Replications per variant (default: the base scenario's).")
    common_random_numbers: bool = True
    parameters: dict[str, Union[list[Any], Range, Linked]] = Field(default={}, description="Parameter -> levels.")
    baseline: Optional[dict[str, Any]] = Field(None, description="Parameter values of the baseline variant (default: the first).")
    on_time_target: Optional[Annotated[float, Field(ge=0, le=1)]] = Field(None, description="A commune is below target when its on-time share is less (default: the base scenario's outputs.targets.on_time_share, else 0.95).")
    wait_target_minutes: Optional[Annotated[float, Field(gt=0, allow_inf_nan=False)]] = Field(None, description="A commune is above target when its p90 wait (working minutes) is more (default: the base scenario's outputs.targets.wait_p90_minutes, else 30).")
    target_half_width: Optional[TargetHalfWidth] = None
    warmup: Warmup = Warmup()
    plots: list[Plot] = []
    language: Literal["vi", "en"] = Field("en", description="The language the file's own texts (name, level labels, plot titles) are written in.")
    words: dict[Literal["vi", "en"], dict[str, str]] = Field(
        default={}, description="The file's own texts in the other report languages: language -> {text as written: translation}; "
                                "covers the name, parameter names, level labels (strings) and plot titles.")

    def words_in(self, lang: str) -> dict[str, str]:
        """The translations of this file's own texts into ``lang`` (none for its own language)."""
        return {} if lang == self.language else dict(self.words.get(lang, {}))

    def say(self, text: str | None, lang: str) -> str | None:
        """One of this file's own texts in ``lang``: as written, translated, or None when there is no translation."""
        if text is None or lang == self.language:
            return text
        return self.words.get(lang, {}).get(text)

    @model_validator(mode="after")
    def _levels(self):
        for name, spec in self.parameters.items():
            if isinstance(spec, list) and not spec:
                raise ValueError(f"parameter {name!r} has no levels")
        return self

    @model_validator(mode="after")
    def _words(self):
        if self.language in self.words:
            raise ValueError(f"words.{self.language}: the file is written in {self.language}; words are its texts in the other language")
        return self  # a translation of a text the file no longer has (inherited through extends:) is unused, not wrong


@dataclass
class Variant:
    id: str
    label: str
    parameters: dict[str, Any]  # parameter name -> this variant's value
    source: str  # the scenario reference this variant starts from
    overrides: list[str]
    scenario: Any  # sim.scenario.schema.Scenario
    overloads: list = field(default_factory=list)  # sim.scenario.checks.Overload, from the pre-run checks


@dataclass
class Experiment:
    file: Path
    spec: ExperimentFile
    root_seed: int
    replications: int
    variants: list[Variant]
    baseline: str
    positions: dict = field(repr=False, default_factory=dict)
    base: Any = field(repr=False, default=None)  # the base scenario as resolved (before `set`)

    @property
    def parameter_names(self) -> list[str]:
        return list(self.spec.parameters)

    def variant(self, variant_id: str) -> Variant:
        return next(v for v in self.variants if v.id == variant_id)


def value_text(value: Any) -> str:
    """A value as a ``--set`` right-hand side (JSON is YAML flow syntax)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _levels(name: str, spec) -> list[tuple[Any, list[tuple[str, Any, tuple]]]]:
    """(label value, [(path, value, position key)]) for every level of one parameter."""
    where = ("parameters", name)
    if isinstance(spec, Linked):
        return [(label, [(path, value, where + ("levels", i, path)) for path, value in level.items()])
                for i, (label, level) in enumerate(zip(spec.values, spec.levels))]
    values = spec.levels() if isinstance(spec, Range) else spec
    if name == SCENARIO_PARAMETER:
        return [(v, [(SCENARIO_PARAMETER, v, where + (i,))]) for i, v in enumerate(values)]
    return [(v, [(name, v, where + (i if isinstance(spec, list) else "start",))]) for i, v in enumerate(values)]


def _short(value: Any) -> str:
    if isinstance(value, str):
        return value.rsplit("/", 1)[-1].removesuffix(".yaml")
    if isinstance(value, float):
        return f"{value:g}"
    return value_text(value)


def _label(parameters: dict[str, Any]) -> str:
    if not parameters:
        return "base"
    parts = []
    for name, value in parameters.items():
        key = name.rsplit(".", 1)[-1]
        parts.append(_short(value) if name == SCENARIO_PARAMETER else f"{key}={_short(value)}")
    return ", ".join(parts)


def _scenario_path(ref: str, here: Path) -> Path:
    from .api import find_scenario

    local = here / ref
    for candidate in (local, local.with_name(local.name + ".yaml")):
        if candidate.is_file():
            return candidate
    return find_scenario(ref)


def scenario_files(experiment: Experiment) -> list[Path]:
    """The scenario files the variants start from: the base, and each scenario used as a level."""
    sources = dict.fromkeys([experiment.spec.base, *(v.source for v in experiment.variants)])
    paths = [_scenario_path(source, Path(experiment.file).parent) for source in sources]
    return [p for p in dict.fromkeys(paths) if p.is_file()]


def experiment_from_manifest(manifest: dict) -> Experiment | None:
    """The experiment a sweep ran, rebuilt from its manifest (which records the experiment file's
    content and every variant's resolved scenario), so its tables and plots can be redrawn after
    the experiment file has changed or gone; None for a manifest that does not record them."""
    from ..scenario.schema import Scenario

    if "experiment" not in manifest or "variants" not in manifest:
        return None
    spec = ExperimentFile.model_validate(manifest["experiment"])
    variants = []
    for v in manifest["variants"]:
        scenario = Scenario.model_validate(v["resolved_scenario"], context={"defer_consistency": True})
        if v.get("warmup_days") is not None:
            scenario = scenario.model_copy(update={"horizon": scenario.horizon.model_copy(
                update={"warmup_days": v["warmup_days"]})})
        variants.append(Variant(v["id"], v["label"], v["parameters"], v["scenario"], v.get("overrides", []), scenario))
    base = manifest.get("base_scenario", {}).get("resolved")
    base = Scenario.model_validate(base, context={"defer_consistency": True}) if base else None
    return Experiment(Path(manifest.get("experiment_file", "")), spec, manifest["root_seed"],
                      manifest.get("replications_requested", 1), variants,
                      manifest.get("baseline_variant") or (variants[0].id if variants else ""), base=base)


def _grid_size(spec: ExperimentFile, grid: list, replications: int) -> tuple[int, int]:
    """(variants, runs) of an experiment, counted before any variant is made."""
    variants = math.prod(len(levels) for levels in grid)
    per_variant = replications
    if spec.target_half_width is not None:
        per_variant = max(per_variant, spec.target_half_width.max_replications)
    if spec.warmup.method == "mser5":
        per_variant += spec.warmup.pilot_replications
    return variants, variants * per_variant


def load_experiment(path: str | Path, check_plot_figures: bool = True, force_large: bool = False) -> Experiment:
    """Read and validate an experiment file and every variant it makes; raise ScenarioError.
    Every variant gets the pre-run checks of ``run`` (:func:`sim.study.api.prepare_scenario`);
    grids over the size limits are refused before a variant is made, unless ``force_large``."""
    import numpy as np

    from ..scenario.limits import expected_dossiers, grid_problems
    from .api import load_scenario, prepare_scenario

    path = Path(path)
    data, positions = loading.resolve(path)
    spec = loading.validate(ExperimentFile, data, positions, str(path))
    file = str(path)

    def at(key: tuple) -> Position:  # parameter names hold dots: look positions up by tuple path
        for n in range(len(key), -1, -1):
            if key[:n] in positions:
                return positions[key[:n]]
        return Position(file, None, None)

    base_path = _scenario_path(spec.base, path.parent)
    if not base_path.is_file():
        raise ScenarioError([Problem(at(("base",)), "base", "scenario not found (a library name or a path "
                                     "relative to the experiment file)", spec.base)])
    base = load_scenario(base_path, force_large=True)  # problems in the base itself; its size is each variant's
    root_seed = spec.seed if spec.seed is not None else base.seed
    replications = spec.replications or base.replications
    wait_target, on_time_target = effective_targets(base, spec.wait_target_minutes, spec.on_time_target)
    spec = spec.model_copy(update={"wait_target_minutes": wait_target, "on_time_target": on_time_target})
    grid = [_levels(name, p) for name, p in spec.parameters.items()]
    names = list(spec.parameters)
    n_variants, n_runs = _grid_size(spec, grid, replications)
    too_large = grid_problems(n_variants, n_runs, None, force_large)
    if too_large:
        raise ScenarioError([Problem(at((key,)), key, message, n_variants if key == "parameters" else replications)
                             for key, message in too_large])
    combos = list(itertools.product(*grid)) if grid else [()]
    width = max(2, len(str(len(combos) - 1)))
    warm = [f"horizon.warmup_days={spec.warmup.days}"] if spec.warmup.method == "fixed" else []
    variants, failed, dossiers = [], {}, 0.0  # failed: problem text -> (problem, the variants it is in)
    for index, combo in enumerate(combos):
        params = {name: label for name, (label, _) in zip(names, combo)}
        settings = [s for _, sets in combo for s in sets]
        source = next((v for p, v, _ in settings if p == SCENARIO_PARAMETER), None)
        origin = {p: at(key) for p, _, key in settings if p != SCENARIO_PARAMETER}
        origin.update({text.partition("=")[0].strip(): at(("set", i)) for i, text in enumerate(spec.set_)})
        seed = root_seed if spec.common_random_numbers else int(np.random.SeedSequence([root_seed, index]).generate_state(1)[0])
        overrides = [*spec.set_, *(f"{p}={value_text(v)}" for p, v, _ in settings if p != SCENARIO_PARAMETER),
                     *warm, f"seed={seed}", f"replications={replications}"]
        label = _label(params)
        try:
            scenario_path = _scenario_path(source, path.parent) if source is not None else base_path
            if source is not None and not scenario_path.is_file():
                key = next(k for p, _, k in settings if p == SCENARIO_PARAMETER)
                raise ScenarioError([Problem(at(key), ".".join(map(str, key)), "scenario not found", source)])
            prepared = prepare_scenario(scenario_path, overrides, force_large=force_large, override_dir=path.parent,
                                        holds_dossier_log=False)  # a sweep keeps no per-dossier log
        except ScenarioError as exc:
            for p in exc.problems:
                p = _relocate(p, origin)
                failed.setdefault(str(p), (p, []))[1].append(label)
            continue
        variants.append(Variant(f"v{index:0{width}d}", label, params, source or spec.base, overrides,
                                prepared.scenario, prepared.overloads))
        region = prepared.region
        dossiers += expected_dossiers(prepared.scenario, region.dossiers_per_working_day
                                      or region.plan.busiest_day_volume())
    problems = [_in_variants(p, labels, n_variants) for p, labels in failed.values()]
    if not problems:
        dossiers *= n_runs / max(n_variants, 1)
        problems = [Problem(at((key,)), key, message, replications)
                    for key, message in grid_problems(n_variants, n_runs, dossiers, force_large)]
    if not problems:
        problems = _check_plots(spec, variants, at) if check_plot_figures else []
    baseline, more = _baseline(spec, variants, at)
    problems += more
    if problems:
        raise ScenarioError(problems)
    return Experiment(path, spec, root_seed, replications, variants, baseline, positions, base)


def _in_variants(problem: Problem, labels: list[str], n_variants: int) -> Problem:
    """One problem, said once with the variants it is in (all 34 of them, or a few by name)."""
    labels = [x for x in labels if x and x != "base"]
    if not labels:
        return problem
    if len(labels) == 1:
        where = f"variant {labels[0]}"
    elif len(labels) == n_variants:
        where = f"all {n_variants} variants"
    else:
        where = f"{len(labels)} variants: " + ", ".join(labels[:3]) + (", …" if len(labels) > 3 else "")
    return Problem(problem.position, problem.key_path, f"{problem.message} [{where}]", problem.got)


def _relocate(problem: Problem, origin: dict[str, Position]) -> Problem:
    """A problem a variant's override caused is reported where the experiment file set it."""
    position = problem.position
    if position is not None and position.file == "--set":
        owners = [p for p in origin if problem.key_path == p or problem.key_path.startswith(p + ".")
                  or p.startswith(problem.key_path + ".") or not problem.key_path]
        if owners:
            position = origin[max(owners, key=len)]
    return Problem(position, problem.key_path, problem.message, problem.got)


def _baseline(spec: ExperimentFile, variants: list[Variant], at) -> tuple[str, list[Problem]]:
    if not variants:
        return "", []
    if spec.baseline is None:
        return variants[0].id, []
    for v in variants:
        if all(v.parameters.get(k) == value for k, value in spec.baseline.items()):
            return v.id, []
    return variants[0].id, [Problem(at(("baseline",)), "baseline", "no variant has these parameter values", spec.baseline)]


def known_figure(name: str, channels: set, fields: set) -> bool:
    """Whether ``name`` is a figure of the results table (pool names are not checked)."""
    parts = name.split(".")
    if len(parts) == 1:
        return name in REGION_FIGURES or name in names_in("experiment")
    if parts[0] == "pools" and len(parts) == 3:
        return parts[2] in POOL_FIGURES
    if parts[0] in ("by_channel", "by_field") and len(parts) == 3:
        names = channels if parts[0] == "by_channel" else fields
        return parts[1] in names and parts[2] in REGION_FIGURES
    if parts[0] == "littles_law" and len(parts) == 2:
        return parts[1] in names_in("littles_law")
    if parts[0] == "communes_max" and len(parts) == 2:
        return parts[1].startswith("utilisation_") or parts[1] == "p90_wait_minutes"
    return False


def _check_plots(spec: ExperimentFile, variants: list[Variant], at) -> list[Problem]:
    channels = {c for v in variants for c in v.scenario.demand.channels}
    fields = {f for v in variants for f in v.scenario.demand.fields}
    problems = []
    for i, plot in enumerate(spec.plots):
        if plot.x is not None and plot.x not in spec.parameters:
            problems.append(Problem(at(("plots", i, "x")), f"plots.{i}.x",
                                    f"not a parameter of this experiment; parameters: {', '.join(spec.parameters) or 'none'}", plot.x))
        for j, name in enumerate(plot.figures):
            bare = name if plot.kind != "by_field" else f"by_field.{next(iter(fields))}.{name}"
            if not known_figure(bare, channels, fields):
                problems.append(Problem(at(("plots", i, "figures", j)), f"plots.{i}.figures.{j}", "unknown figure", name))
    if spec.target_half_width and not known_figure(spec.target_half_width.figure, channels, fields):
        problems.append(Problem(at(("target_half_width", "figure")), "target_half_width.figure", "unknown figure",
                                spec.target_half_width.figure))
    return problems

