"""Calibration: fit a scenario's free parameters to reported figures.

The idea in four steps (``commune-sim calibrate SCENARIO --targets calibration/targets.yaml``):

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

Every replication run is cached in ``OUT/evaluations.jsonl`` (one JSON line per scenario ×
replication, keyed by the SHA-256 of the resolved scenario, written whole and fsync'ed as
it finishes). An interrupted calibration keeps what it has; ``--resume`` replays the
optimiser over the cache, which recomputes nothing already done. Outputs are written by
:mod:`sim.calibration_report`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from . import loading
from .stats import t_quantile_975
from .targets import Expression, Mapping, ScenarioTargets, extract, load_targets, missing_paths, round_sig, section_for

CACHE_FILE = "evaluations.jsonl"
DIFF_STEP = 0.02  # relative finite-difference step: large enough to see past the integer counts


# ------------------------------------------------------------------ the cache
ENGINE = ("arrivals", "calendar", "communes", "distributions", "model", "policies", "pools", "recorder", "runner",
          "stats", "streams")


def engine_hash() -> str:
    """The engine's source: a cached figure is reused only by the code that produced it."""
    digest = hashlib.sha256()
    for name in ENGINE:
        digest.update((Path(__file__).parent / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


def scenario_key(scenario, engine: str = "") -> str:
    text = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256((engine + text).encode("utf-8")).hexdigest()


class Cache:
    """Figures of finished replications, one JSON line each; a torn last line is ignored."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.records: dict[tuple[str, int], dict] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(line)
                    self.records[(record["key"], record["replication"])] = record["figures"]
                except (ValueError, KeyError, TypeError):
                    continue

    def get(self, key: str, replication: int, paths: list[str]) -> dict | None:
        figures = self.records.get((key, replication))
        if figures is None or any(p not in figures for p in paths):
            return None
        return figures

    def put(self, key: str, replication: int, figures: dict, meta: dict) -> None:
        merged = {**self.records.get((key, replication), {}), **figures}
        self.records[(key, replication)] = merged
        line = json.dumps({"key": key, "replication": replication, **meta, "figures": merged},
                          ensure_ascii=False, allow_nan=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))  # one write: a line is there whole or torn at the end
            os.fsync(fd)
        finally:
            os.close(fd)


def _run_one(scenario, replication: int, paths: list[str]) -> tuple[dict, float]:
    from .runner import run_replication

    result = run_replication(scenario, replication)
    return extract(result, paths), result["wall_seconds"]


class Evaluator:
    """Runs (scenario, replication) pairs once, in worker processes if asked, through the cache."""

    def __init__(self, scenario_path: Path, paths: list[str], cache: Cache, jobs: int = 1, log=None):
        self.scenario_path, self.paths, self.cache, self.jobs = scenario_path, sorted(set(paths)), cache, jobs
        self.log = log or (lambda message: None)
        self._pool: ProcessPoolExecutor | None = None
        self.engine = engine_hash()
        self.runs = 0  # replications actually run (not from the cache)

    def scenario(self, overrides: list[str]):
        from .api import load_scenario

        return load_scenario(self.scenario_path, overrides)

    def figures(self, scenario, replications: list[int], label: str = "") -> list[dict]:
        key = scenario_key(scenario, self.engine)
        found = {r: self.cache.get(key, r, self.paths) for r in replications}
        todo = [r for r, f in found.items() if f is None]
        meta = {"label": label, "seed": scenario.seed}
        if todo and self.jobs > 1:  # also one replication: refits run side by side in threads
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=_leave_ctrl_c_to_the_parent)
            futures = {r: self._pool.submit(_run_one, scenario, r, self.paths) for r in todo}
            try:
                for r, future in futures.items():
                    found[r], wall = future.result()
                    self.cache.put(key, r, found[r], {**meta, "wall_seconds": round(wall, 3)})
                    self.runs += 1
            except BaseException:
                for future in futures.values():
                    future.cancel()
                raise
        else:
            for r in todo:
                found[r], wall = _run_one(scenario, r, self.paths)
                self.cache.put(key, r, found[r], {**meta, "wall_seconds": round(wall, 3)})
                self.runs += 1
        return [found[r] for r in replications]

    def close(self, abort: bool = False) -> None:
        """Stop the workers; on abort (Ctrl-C) runs in progress are abandoned, not awaited."""
        if self._pool is not None:
            processes = list((getattr(self._pool, "_processes", None) or {}).values())
            self._pool.shutdown(wait=not abort, cancel_futures=True)
            for process in processes if abort else ():
                process.terminate()
            self._pool = None


def _leave_ctrl_c_to_the_parent() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


# -------------------------------------------------------------------- fitting
class _Budget(Exception):
    pass


class _Close(Exception):
    """The objective is below STOP_COST: every target within 1% of its tolerance; stop early."""


STOP_COST = 1e-4


class Fitter:
    """The objective over a section's fitted targets, and least-squares fits of it."""

    def __init__(self, section: ScenarioTargets, mapping: Mapping, evaluator: Evaluator, log=None):
        self.section, self.mapping, self.evaluator = section, mapping, evaluator
        self.names = list(section.parameters)
        self.targets = section.fitted_targets()
        self.expressions = {t.id: Expression(t.simulated) for t in section.simulated_targets()}
        self.log = log or (lambda message: None)
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
            sim = float(np.mean(values[t.id]))
            r = math.sqrt(t.objective_weight) * (sim - t.value) / abs(t.value)
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
            self.log(f"{label} #{best['n']:>2}: {shown} -> objective {cost:.4g} ({sims}) "
                     f"[{time.perf_counter() - started:.1f} s]")
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
            self.log(f"{label}: evaluation budget ({budget}) used; keeping the best point seen")
            x, cost = best["x"], best["cost"]
        except _Close:
            x, cost = best["x"], best["cost"]
        return x, cost, best["n"]


def uncertainty(fitter: Fitter, x_hat: np.ndarray, final: list[int], n_fit: int, budget: int) -> dict[str, dict]:
    """Fit each final replication alone; the 95% interval from the spread of those fits."""
    def refit(r: int) -> np.ndarray:
        return fitter.fit(x_hat, [r], f"refit replication {r}", budget)[0]

    if fitter.evaluator.jobs > 1:  # threads wait on the evaluator's worker processes
        from concurrent.futures import ThreadPoolExecutor

        threads = ThreadPoolExecutor(max_workers=fitter.evaluator.jobs)
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
    return out


# ------------------------------------------------------------------- the command
def _log_to_stderr(quiet: bool):
    started = time.perf_counter()

    def log(message: str) -> None:
        if not quiet:
            print(f"[calibrate {time.perf_counter() - started:6.0f} s] {message}", file=sys.stderr, flush=True)
    return log


def check_paths(fitter: Fitter, key_figures: dict[str, str], section_key: str, positions: dict, targets_path: Path) -> None:
    """Every result path the targets name exists: checked on a one-day run of the scenario."""
    from .runner import run_replication

    probe = fitter.evaluator.scenario(["horizon.days=1", "horizon.warmup_days=0"])
    result = run_replication(probe, 0)
    problems = []
    named = [(f"targets.{i}.simulated", t.simulated) for i, t in enumerate(fitter.section.targets) if t.simulated]
    named += [(f"key_figures.{k}", v) for k, v in key_figures.items()]
    for where, text in named:
        missing = missing_paths(result, Expression(text).paths)
        if missing:
            key = f"scenarios.{section_key}.{where}"
            problems.append(loading.Problem(loading.position_of(key, positions, str(targets_path)), key,
                                            f"no such result figure: {', '.join(missing)}", text))
    if problems:
        raise loading.ScenarioError(problems)


def prepare(scenario_arg: str, targets_path: Path, out: Path, jobs: int = 1, log=None):
    """Load everything and check it before anything runs (bad input: ScenarioError)."""
    from .api import find_scenario, load_scenario

    scenario_path = find_scenario(scenario_arg)
    targets, positions = load_targets(targets_path)
    base = load_scenario(scenario_path)  # the scenario itself must be valid first
    key, section = section_for(targets, positions, targets_path, scenario_path)
    mapping = Mapping(base, section.parameters, positions, f"scenarios.{key}.parameters", str(targets_path))
    expressions = [Expression(t.simulated) for t in section.simulated_targets()]
    expressions += [Expression(e) for e in section.key_figures.values()]
    paths = sorted({p for e in expressions for p in e.paths})
    evaluator = Evaluator(scenario_path, paths, Cache(out / CACHE_FILE), jobs, log)
    fitter = Fitter(section, mapping, evaluator, log)
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
    parameters, objective = {}, {"evaluations": 0}
    before = fitter.simulate(fitter.theta(x0), fit_reps, "before")
    objective["initial"] = float(np.sum(fitter.residuals(before) ** 2)) if fitter.targets else 0.0
    if names and fitter.targets:
        log(f"fitting {', '.join(names)} on replications {fit_reps} ({len(fitter.targets)} targets)")
        x_hat, cost, n = fitter.fit(x0, fit_reps, "fit", section.max_evaluations)
        objective.update(fitted=cost, evaluations=n)
        x_hat = np.array([round_sig(v, 4) for v in x_hat])
        log(f"fitted {fitter.theta(x_hat)}; refitting each of replications {final} alone for the uncertainty")
        spread = uncertainty(fitter, x_hat, final, len(fit_reps), max(section.max_evaluations // 2, 8))
        for i, name in enumerate(names):
            spec = section.parameters[name]
            parameters[name] = {"description": spec.description, "unit": spec.unit, "mode": spec.mode,
                                "bounds": list(spec.bounds), "initial": float(x0[i]), "fitted": float(x_hat[i]),
                                **spread[name], "at_bound": bool(min(abs(x_hat[i] - b) for b in spec.bounds)
                                                                  <= 1e-3 * (spec.bounds[1] - spec.bounds[0]))}
    else:
        x_hat = x0
        log("no free parameters: evaluating the scenario as it is")
    theta = fitter.theta(x_hat)
    log(f"final evaluation on replications {final}")
    final_values = fitter.simulate(theta, final, "final")
    objective["final"] = float(np.sum(fitter.residuals(final_values) ** 2)) if fitter.targets else 0.0
    for name in names:
        parameters[name]["values"] = {".".join(map(str, p)): v for p, v in mapping.values({name: theta[name]}).items()}
    return {"theta": theta, "parameters": parameters, "objective": objective, "before": before,
            "final": final_values, "replications": {"fit": fit_reps, "final": final}}


def default_out(scenario_path: Path) -> Path:
    from .targets import library_name

    name = library_name(scenario_path) or Path(scenario_path).stem
    return Path("results") / ("calibrate-" + name.replace("/", "-"))


def calibrate_command(args) -> int:
    from .calibration_report import write_outputs
    from .cli import UsageError

    from .api import find_scenario

    out = args.out or default_out(find_scenario(args.scenario))
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    if out.exists() and any(out.iterdir()) and not args.resume:
        raise UsageError(f"--out {out} is not empty; pass --resume to continue the calibration there, or choose another folder")
    log = _log_to_stderr(args.quiet)
    started = dt.datetime.now().astimezone()
    scenario_path, key, section, base, mapping, fitter = prepare(args.scenario, args.targets, out, args.jobs, log)
    if args.replications is not None:
        section = section.model_copy(update={"replications": args.replications})
        fitter.section = section
    cached = len(fitter.evaluator.cache.records)
    if cached:
        log(f"resuming: {cached} replication runs already in {out / CACHE_FILE}")
    wall = time.perf_counter()
    try:
        numbers = run_calibration(fitter, section, mapping, log)
    except KeyboardInterrupt:
        fitter.evaluator.close(abort=True)
        print(f"interrupted: {len(fitter.evaluator.cache.records)} replication runs kept in {out / CACHE_FILE}; "
              f"continue with --resume --out {out}", file=sys.stderr)
        return 1
    fitter.evaluator.close()
    numbers.update(started=started, wall_seconds=time.perf_counter() - wall, runs=fitter.evaluator.runs,
                   command_line=getattr(args, "command_line", None))
    write_outputs(out, scenario_path, args.targets, key, section, base, mapping, numbers)
    bad = [t.id for t in section.simulated_targets()
           if not t.within(float(np.mean(numbers["final"][t.id])))]
    if not args.quiet:
        from .calibration_report import print_summary

        print_summary(section, numbers)
    print(f"results: {out}")
    if bad:
        print(f"warning: outside tolerance after calibration: {', '.join(bad)}", file=sys.stderr)
    return 0
