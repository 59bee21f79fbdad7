"""Calibration: fit a scenario's free parameters to reported figures.

The idea in four steps (``commune-sim calibrate SCENARIO [--targets FILE]``):

1. **Objective.** For parameter values θ, run the scenario on a fixed set of replications
   (fixed seeds: replication r is seeded by the scenario seed and r alone) and compare each
   target's simulated value, averaged over the replications, with the reported one:
   residual = √weight × (simulated − reported) / |reported|. Because every replication
   draws its arrivals and per-dossier work from its own keyed streams (common random
   numbers), and the free parameters scale durations that are drawn as ``mean × a fixed
   standard draw``, the simulated figures move smoothly with θ: the objective can be
   minimised by a deterministic optimiser.
2. **Fit.** ``scipy.optimize.least_squares`` (trust region reflective, bounded,
   forward-difference Jacobian) on those residuals, with a budget of evaluations.
3. **Uncertainty.** Each of the final replications is fitted alone to the reported
   figures, starting from the fit: the spread of these per-replication fits is how much the
   parameter moves with the randomness of one observed quarter. The 95% interval is
   θ̂ ± t(R−1) · s · √(1 + 1/N): s the standard deviation of the R per-replication fits, N the
   replications of the fit (its own Monte Carlo error).
4. **Check.** The fitted values, rounded to four significant digits, are run on the final
   replications; every target is reported beside its simulated mean and 95% interval.

Every replication run is cached in ``OUT/evaluations.jsonl`` as it finishes (one JSON line
per scenario × replication, keyed by the SHA-256 of the resolved scenario; see
:mod:`sim.calibration.evaluations`). An interrupted calibration keeps what it has; ``--resume`` replays
the optimiser over the cache, which recomputes nothing already done. Outputs are written by
:mod:`sim.calibration.report`.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from ..engine.stats import t_quantile_975
from ..scenario import loading
from .evaluations import Cache, Evaluator
from .expressions import Expression, missing_paths
from .targets import Mapping, ScenarioTargets, date_problems, load_targets, round_sig, section_for

CACHE_FILE = "evaluations.jsonl"  # in the output folder (sim.calibration.evaluations.Cache)
DIFF_STEP = 0.02  # relative finite-difference step: large enough to see past the integer counts


# -------------------------------------------------------------------- fitting
class _Budget(Exception):
    pass


class _Close(Exception):
    """The objective is below STOP_COST: every target within 1% of its tolerance; stop early."""


STOP_COST = 1e-4


class Fitter:
    """The objective over a section's fitted targets, and least-squares fits of it."""

    def __init__(self, section: ScenarioTargets, mapping: Mapping, evaluator: Evaluator, start_date, log=None):
        """``start_date``: the scenario's first day (dated checkpoints are read by their day).
        ``log(key, **fields)`` is told of progress by a key of the catalogue's TEXT (the caller words it)."""
        self.section, self.mapping, self.evaluator = section, mapping, evaluator
        self.names = list(section.parameters)
        self.targets = section.fitted_targets()
        self.expressions = section.expressions(start_date)
        self.log = log or (lambda key, **fields: None)
        self.evaluations = 0
        self.stopping = False

    def theta(self, x) -> dict[str, float]:
        return {n: round_sig(float(v), 10) for n, v in zip(self.names, x)}

    def scenario(self, theta: dict[str, float]):
        return self.evaluator.scenario(self.mapping.overrides(theta))

    def simulate(self, theta: dict[str, float], replications: list[int], label: str) -> dict[str, list[float]]:
        """Per target, its simulated value in each replication."""
        figures = self.evaluator.figures(self.scenario(theta), replications, label)
        return {tid: [expr(f) for f in figures] for tid, expr in self.expressions.items()}

    def residuals(self, values: dict[str, list[float]]) -> np.ndarray:
        out = []
        for t in self.targets:
            r = math.sqrt(t.objective_weight) * t.error(float(np.mean(values[t.id])))  # 0 inside a range
            out.append(r if math.isfinite(r) else 1e3)
        return np.array(out)

    def fit(self, x0: np.ndarray, replications: list[int], label: str, budget: int) -> tuple[np.ndarray, float, int]:
        """Least-squares fit on ``replications``; returns (x, objective, evaluations)."""
        from scipy.optimize import least_squares

        lower = np.array([self.section.parameters[n].bounds[0] for n in self.names])
        upper = np.array([self.section.parameters[n].bounds[1] for n in self.names])
        best = {"x": np.array(x0, dtype=float), "cost": math.inf, "n": 0}

        def fun(x):
            if self.stopping:
                raise KeyboardInterrupt
            if best["n"] >= budget:
                raise _Budget
            best["n"] += 1
            self.evaluations += 1
            started = time.perf_counter()
            theta = self.theta(x)
            values = self.simulate(theta, replications, label)
            res = self.residuals(values)
            cost = float(res @ res)
            if cost < best["cost"]:
                best.update(x=np.array([theta[n] for n in self.names]), cost=cost)
            shown = ", ".join(f"{n}={v:.5g}" for n, v in theta.items())
            sims = ", ".join(f"{t.id} {np.mean(values[t.id]):,.5g}" for t in self.targets)
            self.log("calibrate_evaluation", stage=label, n=f"{best['n']:>2}", values=shown, cost=f"{cost:.4g}",
                     simulated=sims, seconds=f"{time.perf_counter() - started:.1f}")
            if cost < STOP_COST * max(len(res), 1):
                raise _Close
            return res

        try:
            result = least_squares(fun, np.clip(x0, lower + 1e-9 * (upper - lower), upper - 1e-9 * (upper - lower)),
                                   bounds=(lower, upper), method="trf", diff_step=DIFF_STEP,
                                   xtol=1e-3, ftol=1e-4, gtol=1e-8, max_nfev=budget)
            x = np.array([self.theta(result.x)[n] for n in self.names])
            cost = float(2 * result.cost)
            if cost > best["cost"]:
                x, cost = best["x"], best["cost"]
        except _Budget:
            self.log("calibrate_budget_used", stage=label, budget=budget)
            x, cost = best["x"], best["cost"]
        except _Close:
            x, cost = best["x"], best["cost"]
        return x, cost, best["n"]


def uncertainty(fitter: Fitter, x_hat: np.ndarray, final: list[int], n_fit: int, budget: int) -> tuple[dict, dict]:
    """Fit each final replication alone; the 95% interval from the spread of those fits.

    Also returns, per target, its value in each final replication under that replication's own
    fit: how a model calibrated to the reported figures in that world predicts every target
    (for a checkpoint that is not fitted, a prediction that carries the parameters' uncertainty
    as well as the randomness of one quarter). No run is added: each refit evaluated its end point.
    """
    def refit(r: int) -> np.ndarray:
        return fitter.fit(x_hat, [r], f"refit replication {r}", budget)[0]

    workers = fitter.evaluator.workers.workers
    if workers > 1:  # the refits side by side: each thread waits on its replications in the workers
        from concurrent.futures import ThreadPoolExecutor

        threads = ThreadPoolExecutor(max_workers=workers)
        try:
            per_rep = np.array(list(threads.map(refit, final)))
        except BaseException:
            fitter.stopping = True  # the other refits stop at their next evaluation
            threads.shutdown(wait=False, cancel_futures=True)
            raise
        threads.shutdown()
    else:
        per_rep = np.array([refit(r) for r in final])
    out = {}
    for i, name in enumerate(fitter.names):
        spec = fitter.section.parameters[name]
        values = per_rep[:, i]
        s = float(np.std(values, ddof=1)) if len(values) > 1 else math.nan
        half = t_quantile_975(len(values) - 1) * s * math.sqrt(1 + 1 / n_fit) if len(values) > 1 else math.nan
        lo, hi = max(x_hat[i] - half, spec.bounds[0]), min(x_hat[i] + half, spec.bounds[1])
        identified = bool(s > 0)  # a parameter no target moves is never refitted away from x_hat
        if not identified:
            lo, hi, half = spec.bounds[0], spec.bounds[1], math.nan
        out[name] = {"per_replication": [float(v) for v in values], "sd": s, "identified": identified,
                     "ci95": [round_sig(lo, 4), round_sig(hi, 4)], "ci95_half_width": round_sig(half, 4)}
    predicted: dict[str, list[float]] = {tid: [] for tid in fitter.expressions}
    for r, x in zip(final, per_rep):
        values = fitter.simulate(fitter.theta(x), [r], f"refit replication {r}")
        for tid, v in values.items():
            predicted[tid].append(float(v[0]))
    return out, predicted


def check_paths(fitter: Fitter, key_figures: dict[str, str], section_key: str, positions: dict, targets_path: Path) -> None:
    """Every result path the targets name exists: checked on a one-day run of the scenario."""
    from ..study.runner import run_replication

    probe = fitter.evaluator.scenario(["horizon.days=1", "horizon.warmup_days=0"])
    result = run_replication(probe, 0)
    problems = []
    named = [(f"targets.{i}.simulated", fitter.expressions[t.id]) for i, t in enumerate(fitter.section.targets)
             if t.simulated]
    named += [(f"key_figures.{k}", Expression(v)) for k, v in key_figures.items()]
    for where, expression in named:
        missing = missing_paths(result, expression.paths)
        if missing:
            key = f"scenarios.{section_key}.{where}"
            shown = [next((p for p, d in expression.rename.items() if d == m), m) for m in missing]
            problems.append(loading.Problem(loading.position_of(key, positions, str(targets_path)), key,
                                            f"no such result figure: {', '.join(shown)}", expression.text))
    if problems:
        raise loading.ScenarioError(problems)


def prepare(scenario_arg: str, targets_path: Path, out: Path, log=None, replications: int | None = None,
            force_large: bool = False):
    """Load everything and check it before anything runs (bad input: ScenarioError)."""
    from ..study.api import find_scenario, load_scenario

    scenario_path = find_scenario(scenario_arg)
    targets, positions = load_targets(targets_path)
    base = load_scenario(scenario_path, force_large=force_large)  # the scenario itself must be valid first
    key, section = section_for(targets, positions, targets_path, scenario_path)
    if replications is not None:
        section = section.model_copy(update={"replications": replications})
    problems = date_problems(section, base, positions, f"scenarios.{key}", str(targets_path))
    if problems:
        raise loading.ScenarioError(problems)
    mapping = Mapping(base, section.parameters, positions, f"scenarios.{key}.parameters", str(targets_path))
    expressions = list(section.expressions(base.horizon.start_date).values())
    expressions += [Expression(e) for e in section.key_figures.values()]
    paths = sorted({p for e in expressions for p in e.paths})
    evaluator = Evaluator(scenario_path, paths, Cache(out / CACHE_FILE), log, force_large=force_large)
    fitter = Fitter(section, mapping, evaluator, base.horizon.start_date, log)
    for name, spec in section.parameters.items():
        x0 = spec.initial if spec.initial is not None else mapping.base_value(name)
        if not spec.bounds[0] <= x0 <= spec.bounds[1]:
            where = f"scenarios.{key}.parameters.{name}.bounds"
            raise loading.ScenarioError([loading.Problem(loading.position_of(where, positions, str(targets_path)), where,
                                                         f"the starting value {x0:g} lies outside the bounds", list(spec.bounds))])
    check_paths(fitter, section.key_figures, key, positions, targets_path)
    return scenario_path, key, section, base, mapping, fitter


def run_calibration(fitter: Fitter, section: ScenarioTargets, mapping: Mapping, log) -> dict:
    """Fit, per-replication refits and the final evaluation; the numbers of fitted.json."""
    names = fitter.names
    fit_reps = list(range(section.replications))
    final = list(range(section.final_replications))
    x0 = np.array([section.parameters[n].initial if section.parameters[n].initial is not None
                   else mapping.base_value(n) for n in names], dtype=float)
    parameters, objective, predicted = {}, {"evaluations": 0}, {}
    before = fitter.simulate(fitter.theta(x0), fit_reps, "before")
    objective["initial"] = float(np.sum(fitter.residuals(before) ** 2)) if fitter.targets else 0.0
    if names and fitter.targets:
        log("calibrate_fitting", names=", ".join(names), replications=fit_reps, targets=len(fitter.targets))
        x_hat, cost, n = fitter.fit(x0, fit_reps, "fit", section.max_evaluations)
        objective.update(fitted=cost, evaluations=n)
        x_hat = np.array([round_sig(v, 4) for v in x_hat])
        log("calibrate_fitted", values=fitter.theta(x_hat), replications=final)
        spread, predicted = uncertainty(fitter, x_hat, final, len(fit_reps), max(section.max_evaluations // 2, 8))
        for i, name in enumerate(names):
            spec = section.parameters[name]
            parameters[name] = {"description": spec.description, "unit": spec.unit, "mode": spec.mode,
                                "bounds": list(spec.bounds), "initial": float(x0[i]), "fitted": float(x_hat[i]),
                                **spread[name], "at_bound": bool(min(abs(x_hat[i] - b) for b in spec.bounds)
                                                                  <= 1e-3 * (spec.bounds[1] - spec.bounds[0]))}
    else:
        x_hat = x0
        log("calibrate_no_parameters")
    theta = fitter.theta(x_hat)
    log("calibrate_final", replications=final)
    final_values = fitter.simulate(theta, final, "final")
    objective["final"] = float(np.sum(fitter.residuals(final_values) ** 2)) if fitter.targets else 0.0
    for name in names:
        parameters[name]["values"] = {".".join(map(str, p)): v for p, v in mapping.values({name: theta[name]}).items()}
    return {"theta": theta, "parameters": parameters, "objective": objective, "before": before,
            "final": final_values, "refit_predictions": predicted, "replications": {"fit": fit_reps, "final": final}}
