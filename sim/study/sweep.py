"""Running an experiment: every variant x replication, on any backend, resumable.

The sweep turns an :class:`sim.study.experiments.Experiment` into tasks — (variant, replication),
each a pure function of the variant's scenario and the replication index — and hands them
to a backend of :mod:`sim.study.executors`, keeping a few in flight per worker. Each result is
written to its own file the moment it comes back (:mod:`sim.study.runstore`), so:

* Ctrl-C (or SIGTERM, or a worker process that dies) stops the sweep with every finished run
  on disk, the tables rebuilt from them and the manifest marked ``interrupted`` (a sweep
  killed outright leaves ``running``: read it as interrupted);
* ``--resume`` reads the run files, checks they were made from the same variants, and runs
  only the missing ones.

Order of work: (1) warm-up — for ``mser5``, pilot runs of every variant without warm-up, the
MSER-5 truncation of each pilot's daily backlog, and the largest of them applied to every
variant as ``horizon.warmup_days`` (one warm-up for all keeps the variants paired);
(2) the replications; (3) with ``target_half_width``, batches of further replications for the
variants whose 95% half-width is still above the target, until all meet it or reach
``max_replications``. Every decision depends only on run results, so it is the same on every
backend. Then the tables, the summary with paired differences, the plots and the manifest.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import signal
import sys
import time
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from . import interrupts, runstore
from .analysis import half_widths_missing, mser, run_figures, summary_table, worst_communes
from .executors import open_backend
from ..scenario.region import period
from .outputs import versions

SEEDING_NOTE = ("Each run is identified by (root seed, variant, replication); its random streams are keyed by "
                "(scenario seed, replication, commune, quantity). With common random numbers every variant's "
                "scenario seed is the root seed, so replication r of every variant sees the same dossiers "
                "wherever the variants share demand: variants are paired replication by replication.")


def execute_run(scenario, replication: int) -> dict:
    """One replication, without the per-dossier log: the task every backend runs."""
    from .runner import run_replication

    result = run_replication(scenario, replication)
    result.pop("dossier_log", None)
    return result


@dataclass
class SweepResult:
    out: Path
    status: str
    executed: int = 0
    found: int = 0
    manifest: dict = field(default_factory=dict)
    summary: object = None


class WriteError(Exception):
    """A run file could not be written (a full or read-only disk): the sweep stops, resumable."""

    def __init__(self, path: Path, error: OSError):
        super().__init__(f"cannot write {path}: {error.strerror or error}")
        self.path, self.error = path, error


def _no_log(scenario):
    return scenario.model_copy(update={"outputs": scenario.outputs.model_copy(update={"dossier_log": False})})


def _with_warmup(scenario, days: float):
    return scenario.model_copy(update={"horizon": scenario.horizon.model_copy(update={"warmup_days": days})})


class Sweep:
    def __init__(self, experiment, out: Path, backend, progress=None):
        self.experiment, self.out, self.backend, self.progress = experiment, Path(out), backend, progress
        self.scenarios = {v.id: _no_log(v.scenario) for v in experiment.variants}
        self.executed = 0
        self.found = 0
        self.notes: list[str] = []

    def records(self, pilot: bool = False, scenarios: dict | None = None) -> dict:
        expected = {vid: runstore.identity_hash(s) for vid, s in (scenarios or self.scenarios).items()}
        found, notes = runstore.load_runs(self.out, expected, pilot)
        self.notes.extend(n for n in notes if n not in self.notes)
        return found

    def run_tasks(self, wanted: list[tuple[str, int]], scenarios: dict, pilot: bool = False) -> dict:
        """Run the (variant, replication) pairs not on disk yet; return all records of ``wanted``."""
        have = self.records(pilot, scenarios)
        todo = [key for key in wanted if key not in have]
        self.found += len(wanted) - len(todo)
        total, done = len(todo), 0
        in_flight: dict = {}
        queue = list(reversed(todo))
        executor, capacity = self.backend.executor, self.backend.capacity
        try:
            while queue or in_flight:
                while queue and len(in_flight) < capacity:
                    vid, r = queue.pop()
                    in_flight[executor.submit(execute_run, scenarios[vid], r)] = (vid, r)
                finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                for future in finished:
                    vid, r = in_flight.pop(future)
                    self._save(vid, r, future.result(), scenarios[vid], pilot)
                    done += 1
                    if self.progress:
                        self.progress(done / max(total, 1), f"{done}/{total} runs{' (pilot)' if pilot else ''}")
        except BaseException as stop:
            for future, (vid, r) in in_flight.items():  # keep what finished while we stopped
                if (not isinstance(stop, WriteError) and future.done() and not future.cancelled()
                        and future.exception() is None):
                    self._save(vid, r, future.result(), scenarios[vid], pilot)
                future.cancel()
            raise
        return {k: v for k, v in self.records(pilot, scenarios).items() if k in set(wanted)}

    def _save(self, vid, r, result, scenario, pilot):
        try:
            runstore.save_run(self.out, self.experiment.variant(vid), r, result, scenario, self.experiment.root_seed, pilot)
        except OSError as exc:
            raise WriteError(runstore.run_path(self.out, vid, r, pilot), exc) from None
        self.executed += 1

    # -------------------------------------------------------------- stages
    def warmup(self) -> dict:
        spec = self.experiment.spec.warmup
        if spec.method == "none":
            return {"method": "none", "days": 0.0,
                    "note": "transient study: every dossier counts from time zero (no warm-up)"}
        if spec.method == "fixed":
            return {"method": "fixed", "days": spec.days, "note": "horizon.warmup_days set by the experiment"}
        pilots = {vid: _with_warmup(s, 0.0) for vid, s in self.scenarios.items()}
        wanted = [(vid, r) for vid in pilots for r in range(spec.pilot_replications)]
        records = self.run_tasks(wanted, pilots, pilot=True)
        per_variant, warnings = {}, []
        for vid in pilots:
            series = [records[(vid, r)]["result"]["backlog_by_day"] for r in range(spec.pilot_replications)]
            mean_series = [sum(day) / len(day) for day in zip(*series)]  # averaged over pilots: less noise
            cut = mser(mean_series, spec.batch)
            per_variant[vid] = {"truncation_days": cut["truncation_points"], "batches": cut["batches"]}
            if cut["batches"] >= 2 and cut["truncation_batches"] == cut["batches"] // 2:
                warnings.append(f"{vid}: MSER truncation at the half-way limit ({cut['truncation_points']} days): "
                                "the run may be too short to reach steady state; lengthen horizon.days")
        days = float(max(v["truncation_days"] for v in per_variant.values()))
        self.scenarios = {vid: _with_warmup(s, days) for vid, s in self.scenarios.items()}
        return {"method": "mser5", "batch_days": spec.batch, "pilot_replications": spec.pilot_replications,
                "series": "backlog_by_day (dossiers in process at the end of each calendar day)",
                "per_variant": per_variant, "days": days, "warnings": warnings,
                "note": "MSER on each variant's daily backlog averaged over its pilots (batch means of "
                        "batch_days days); the largest truncation over variants is applied to every variant as "
                        "horizon.warmup_days"}

    def replications(self) -> dict:
        n = self.experiment.replications
        counts = {v.id: n for v in self.experiment.variants}
        records = self.run_tasks([(vid, r) for vid in counts for r in range(n)], self.scenarios)
        target = self.experiment.spec.target_half_width
        info = None
        while target is not None:
            spec = self.experiment.spec
            values = {vid: [run_figures(records[(vid, r)]["result"], spec.on_time_target,
                                        spec.wait_target_minutes).get(target.figure)
                            for r in range(counts[vid])] for vid in counts}
            missing = half_widths_missing(values, target.value)
            grow = [vid for vid in missing if counts[vid] < target.max_replications]
            info = {"figure": target.figure, "value": target.value, "max_replications": target.max_replications,
                    "met": {vid: vid not in missing for vid in counts}}
            if not grow:
                break
            wanted = []
            for vid in grow:
                new = min(counts[vid] + target.batch, target.max_replications)
                wanted += [(vid, r) for r in range(counts[vid], new)]
                counts[vid] = new
            records.update(self.run_tasks(wanted, self.scenarios))
        return {"counts": counts, "target_half_width": info}


def _experiment_hash(experiment) -> str:
    from .files import scenario_hash

    return scenario_hash({"root_seed": experiment.root_seed,
                          "variants": [[v.id, runstore.identity_hash(v.scenario)] for v in experiment.variants]})


def _source() -> dict | None:
    """The git commit of the package source and the files modified since (None outside a checkout)."""
    import subprocess

    here = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10)
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "sim", "scenarios"],
                                cwd=here, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if commit.returncode:
        return None
    return {"git_commit": commit.stdout.strip(), "modified": [line[3:] for line in status.stdout.splitlines()]}


def _base_manifest(experiment, command_line, started) -> dict:
    return {
        "kind": "sweep",
        "experiment_name": experiment.spec.name,
        "experiment_file": str(experiment.file),
        "experiment_sha256": _experiment_hash(experiment),
        "status": "running",
        "root_seed": experiment.root_seed,
        "common_random_numbers": experiment.spec.common_random_numbers,
        "seeding": SEEDING_NOTE,
        "replications_requested": experiment.replications,
        "baseline_variant": experiment.baseline,
        "on_time_target": experiment.spec.on_time_target,
        "wait_target_minutes": experiment.spec.wait_target_minutes,
        "parameters": experiment.parameter_names,
        "experiment": experiment.spec.model_dump(mode="json", by_alias=True),
        "command_line": command_line if command_line is not None else sys.argv,
        "started_at": started.isoformat(timespec="seconds"),
        "versions": versions(),
        "source": _source(),
        "scenario_headers": experiment_headers(experiment),
        "base_scenario": {"reference": experiment.spec.base, "set": experiment.spec.set_,
                          "resolved": experiment.base.model_dump(mode="json", by_alias=True) if experiment.base else None},
        "variants": [{"id": v.id, "label": v.label, "parameters": v.parameters, "scenario": v.source,
                      "overrides": v.overrides, "seed": v.scenario.seed, "period": period(v.scenario),
                      "scenario_sha256": runstore.identity_hash(v.scenario),
                      "resolved_scenario": v.scenario.model_dump(mode="json", by_alias=True)}
                     for v in experiment.variants],
    }


def experiment_headers(experiment) -> list[dict]:
    """The comment blocks of the scenario files the variants start from (and the files they extend)."""
    from ..scenario.header import scenario_headers
    from .experiments import scenario_files

    out, seen = [], set()
    for path in scenario_files(experiment):
        for header in scenario_headers(path):
            if header["file"] not in seen:
                seen.add(header["file"])
                out.append(header)
    return out


def prepare_out(experiment, out: Path, resume: bool) -> str | None:
    """Check the output folder; return a problem (a usage error) or None."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, not a folder"
    if not out.exists() or not any(out.iterdir()):
        return None
    if not resume:
        return f"--out {out} is not empty; pass --resume to continue that sweep, or choose another folder"
    manifest = out / "manifest.json"
    if not manifest.is_file():
        return f"--resume: {out} holds no manifest.json; it is not a sweep's folder"
    old = runstore.read_json(manifest)
    if old.get("experiment_sha256") != _experiment_hash(experiment):
        return (f"--resume: {out} was written by other variants or another root seed "
                f"(experiment {old.get('experiment_file')}); choose another folder")
    return None


def run_sweep(experiment, out: Path, executor: str = "local", jobs: int = 1, scheduler: str | None = None,
              progress=None, command_line: list[str] | None = None) -> SweepResult:
    """Run (or resume) ``experiment`` into ``out``; see the module docstring."""
    out = Path(out)
    started = dt.datetime.now().astimezone()
    clock = time.perf_counter()
    manifest = _base_manifest(experiment, command_line, started)
    status, error, sweep, stages = "complete", None, None, {}
    with interrupts.handle_signals() if _outermost() else contextlib.nullcontext():  # SIGTERM is Ctrl-C
        try:
            # The backend first (a scheduler that cannot be reached writes nothing), then the folder.
            with open_backend(executor, jobs, scheduler, tasks=planned_tasks(experiment)) as backend:
                _start_folder(out, manifest)
                manifest["executor"] = {"kind": backend.kind, "workers": backend.workers,
                                        "description": backend.description, "scheduler": scheduler}
                sweep = Sweep(experiment, out, backend, progress)
                stages["warmup"] = sweep.warmup()
                stages.update(sweep.replications())
        except KeyboardInterrupt:
            status, error = "interrupted", "interrupted (Ctrl-C or SIGTERM)"
        except BrokenExecutor as exc:
            status, error = "interrupted", f"a worker process died (killed, or out of memory?): {exc}"
        except WriteError as exc:
            return _unwritable(out, manifest, sweep, exc.error)
        except OSError as exc:
            if sweep is None:
                raise  # nothing ran: a scheduler out of reach, a folder that cannot be made (the caller says so)
            status, error = "failed", f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001 — recorded in the manifest; finished runs stay usable
            status, error = "failed", f"{type(exc).__name__}: {exc}"
        try:
            with interrupts.shielded():  # the tables of what finished are written whole
                return _finish(experiment, out, manifest, status, error, sweep, stages, started, clock)
        except OSError as exc:
            return _unwritable(out, manifest, sweep, exc)


def _unwritable(out: Path, manifest: dict, sweep, error: OSError) -> SweepResult:
    """A full or read-only disk: stop; the run files written so far stay, the manifest on disk
    says "running", and --resume continues once there is room."""
    return SweepResult(out, "failed", sweep.executed if sweep else 0, sweep.found if sweep else 0,
                       {**manifest, "status": "running", "error": f"cannot write to {out}: {error.strerror or error}"},
                       None)


def _outermost() -> bool:
    """Whether no caller (the command line) handles Ctrl-C and SIGTERM already."""
    return signal.getsignal(signal.SIGTERM) is not interrupts._handler


def _start_folder(out: Path, manifest: dict) -> None:
    """Create the folder and write the manifest as "running" (a sweep killed outright leaves it so)."""
    out.mkdir(parents=True, exist_ok=True)
    previous = runstore.read_json(out / "manifest.json") if (out / "manifest.json").is_file() else None
    if previous:
        manifest["previous_invocations"] = previous.get("previous_invocations", []) + [
            {k: previous.get(k) for k in ("status", "started_at", "finished_at", "runs")}]
    runstore.write_json(out / "manifest.json", manifest)


def planned_tasks(experiment) -> int:
    """The most runs the sweep has in flight at once: no more worker processes than that."""
    spec = experiment.spec
    per_variant = max(experiment.replications, spec.warmup.pilot_replications if spec.warmup.method == "mser5" else 0,
                      spec.target_half_width.batch if spec.target_half_width else 0)
    return len(experiment.variants) * per_variant


def _finish(experiment, out, manifest, status, error, sweep, stages, started, clock) -> SweepResult:
    scenarios = sweep.scenarios if sweep else {v.id: v.scenario for v in experiment.variants}
    expected = {vid: runstore.identity_hash(s) for vid, s in scenarios.items()}
    records, notes = runstore.load_runs(out, expected)
    if "counts" in stages:  # a finished sweep reports exactly the replications it decided on
        records = {k: v for k, v in records.items() if k[1] < stages["counts"][k[0]]}
    table = runstore.results_table(experiment, records)
    summary = summary_table(table, experiment.baseline)
    labels = {v.id: v.label for v in experiment.variants}
    summary.insert(1, "label", summary["variant"].map(labels))
    files = runstore.write_table(table, out / "results")
    files += runstore.write_table(summary, out / "summary", parquet=False)
    files += runstore.write_table(runstore.communes_table(experiment, records), out / "communes", csv=False)
    files += runstore.write_table(runstore.backlog_table(experiment, records), out / "backlog", parquet=False)
    files += runstore.write_table(worst_table(experiment, records), out / "worst_communes", parquet=False)
    plots, warnings = [], []
    if status == "complete" and experiment.spec.plots:
        from .experiment_plots import experiment_plots

        plots, warnings = experiment_plots(experiment, out, table, summary, records, language(experiment))
    counts = {}
    for vid, r in records:
        counts[vid] = counts.get(vid, 0) + 1
    expected_runs = sum(stages.get("counts", {v.id: experiment.replications for v in experiment.variants}).values())
    manifest.update({
        "status": status,
        "error": error,
        "finished_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - clock, 3),
        "warmup": stages.get("warmup"),
        "target_half_width": stages.get("target_half_width"),
        "replications_per_variant": {v.id: counts.get(v.id, 0) for v in experiment.variants},
        "runs": {"expected": expected_runs, "finished": len(records),
                 "executed_this_invocation": sweep.executed if sweep else 0,
                 "found_on_disk": sweep.found if sweep else 0},
        "files": sorted(str(p.relative_to(out)) for p in files) + [str(p.relative_to(out)) for p in plots],
        "notes": sorted(set(notes + (sweep.notes if sweep else []))),
        "warnings": warnings,
        "overload_warnings": overload_warnings(experiment),
    })
    for entry in manifest["variants"]:
        entry["warmup_days"] = scenarios[entry["id"]].horizon.warmup_days
    runstore.write_json(out / "manifest.json", manifest)
    return SweepResult(out, status, manifest["runs"]["executed_this_invocation"], manifest["runs"]["found_on_disk"],
                       manifest, summary)


def worst_table(experiment, records):
    """worst_communes.csv: per variant, the commune with the longest p90 wait and the one with the
    lowest on-time share (means over the variant's replications, with 95% half-widths)."""
    import pandas as pd

    rows = []
    for v in experiment.variants:
        results = [records[k]["result"] for k in sorted(k for k in records if k[0] == v.id)]
        for figure, worst in worst_communes(results).items():
            rows.append({"variant": v.id, "label": v.label, "figure": figure, **worst})
    return pd.DataFrame(rows, columns=["variant", "label", "figure", "commune", "value", "ci95_half_width"])


# ------------------------------------------------------------------ command line
def run_sweep_command(args) -> int:
    from ..errors import UsageError
    from ..scenario.checks import describe_across
    from ..scenario.loading import Position, Problem, ScenarioError
    from .executors import scheduler_problem
    from .experiments import load_experiment
    from .files import folder_problem
    from .progress import ProgressBar

    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler needs --executor dask")
    if args.scheduler and scheduler_problem(args.scheduler):
        raise UsageError(scheduler_problem(args.scheduler))
    force_large, strict = getattr(args, "force_large", False), getattr(args, "strict", False)
    experiment = load_experiment(args.experiment, force_large=force_large)
    lines = describe_across({f"{v.id} ({v.label})": v.overloads for v in experiment.variants if v.overloads})
    if lines and strict:
        raise ScenarioError([Problem(Position(str(args.experiment), None, None), "staff", line) for line in lines])
    for line in lines:  # one line per pool, whatever the number of variants
        print(f"warning: {line}", file=sys.stderr)
    out = args.out or Path("results") / Path(args.experiment).stem
    problem = folder_problem(out, inside=True) or prepare_out(experiment, out, args.resume)
    if problem:
        raise UsageError(problem)
    bar = ProgressBar(experiment.spec.name[:30])
    try:
        result = run_sweep(experiment, out, args.executor, args.jobs, args.scheduler,
                           progress=None if args.quiet else bar, command_line=getattr(args, "command_line", None))
    except OSError as exc:  # before any run: the scheduler cannot be reached, the folder cannot be made
        what = f"cannot reach the Dask scheduler at {args.scheduler}" if args.scheduler else f"cannot write to {out}"
        print(f"commune-sim: {what}: {exc.strerror or exc}; nothing was run", file=sys.stderr)
        return 1
    finally:
        bar.close()
    runs = result.manifest.get("runs") or {}
    if result.summary is None:  # stopped by a write error: the runs on disk are kept, the folder resumable
        print(f"commune-sim: {result.manifest['error']}; the sweep stopped with every finished run kept in {out}; "
              "free space or make the folder writable, then continue with --resume", file=sys.stderr)
        return 1
    if args.resume and not args.quiet:
        print(f"resume: {runs['found_on_disk']} runs found on disk, {runs['executed_this_invocation']} run now",
              file=sys.stderr)
    if not args.quiet:
        print_summary(result.summary, experiment)
        print_worst_communes(out / "worst_communes.csv", language(experiment))
    print(f"results: {out}")
    if result.status != "complete":
        print(f"{result.status}: {runs['finished']} of {runs['expected']} runs finished; "
              f"{result.manifest.get('error')}; continue with --resume", file=sys.stderr)
        return 1
    return 0


def overload_warnings(experiment) -> dict[str, list[str]]:
    """Per variant, the pools whose expected utilisation on an ordinary working day is 1 or more
    (one line per pool; from the pre-run checks made when the experiment was loaded)."""
    return {v.id: [o.text() for o in v.overloads] for v in experiment.variants if v.overloads}


def print_worst_communes(path: Path, lang: str = "en") -> None:
    """One line per variant: its worst commune by p90 wait, in the catalogue's words."""
    import pandas as pd

    from .catalogue import number, text

    if not path.is_file():
        return
    table = pd.read_csv(path)
    for row in table[table["figure"] == "p90_wait_minutes"].itertuples():
        print(f"{row.variant}: " + text("worst_commune_wait", lang, name=row.commune,
                                        value=number(row.value, "{:.1f}", lang)))


def print_summary(summary, experiment) -> None:
    """The terminal table (sim/study/tables.py), in the language of the base scenario, after the
    simulated dates (one line if every variant simulates the same)."""
    from ..scenario.region import period
    from .catalogue import period_detail
    from .tables import print_sweep

    lang = language(experiment)
    periods = {period_detail(period(v.scenario), lang) for v in experiment.variants}
    if len(periods) == 1:
        print(periods.pop())
    print_sweep(summary, experiment, lang)


def language(experiment) -> str:
    """The language of an experiment's words: its base scenario's ``outputs.language``."""
    first = experiment.variants[0].scenario if experiment.variants else experiment.base
    return first.outputs.language if first is not None else "en"
