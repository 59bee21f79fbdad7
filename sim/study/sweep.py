"""Running an experiment: every variant x replication, on any backend, resumable.

The sweep turns an :class:`sim.study.experiments.Experiment` into tasks — (variant, replication),
each a pure function of the variant's scenario and the replication index — and hands them
to the workers of :mod:`sim.study.executors`, which keep a few in flight per worker. Each result
is written to its own file the moment it comes back (:mod:`sim.study.runstore`), so:

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
backend. Then the tables, the summary with paired differences, the plots and the manifest
(:mod:`sim.study.sweep_folder`).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import signal
import time
from concurrent.futures import BrokenExecutor
from pathlib import Path

from . import interrupts, runstore
from .analysis import half_widths_missing, mser, run_figures
from .executors import Task, open_workers
from .sweep_folder import SweepResult, base_manifest, language, start_folder, unwritable, write_results


def execute_run(scenario, replication: int) -> dict:
    """One replication, without the per-dossier log: the task every backend runs."""
    from .runner import run_replication

    result = run_replication(scenario, replication)
    result.pop("dossier_log", None)
    return result


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
    def __init__(self, experiment, out: Path, workers, progress=None):
        self.experiment, self.out, self.workers, self.progress = experiment, Path(out), workers, progress
        self.lang = language(experiment)  # the language of the sweep's tables
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
        from .catalogue import text

        have = self.records(pilot, scenarios)
        todo = [key for key in wanted if key not in have]
        self.found += len(wanted) - len(todo)
        done = [0]

        def on_result(key, result) -> None:
            vid, r = key
            self._save(vid, r, result, scenarios[vid], pilot)
            done[0] += 1
            if self.progress:
                note = (text("progress_pilot_runs", self.lang, done=done[0], n=len(todo)) if pilot
                        else text("progress_runs", self.lang, done=done[0], n=len(todo)))
                self.progress(done[0] / len(todo), note)

        self.workers.run((Task((vid, r), execute_run, (scenarios[vid], r)) for vid, r in todo), on_result)
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


def run_sweep(experiment, out: Path, executor: str = "local", jobs: int = 1, scheduler: str | None = None,
              progress=None, command_line: list[str] | None = None) -> SweepResult:
    """Run (or resume) ``experiment`` into ``out``; see the module docstring."""
    out = Path(out)
    started = dt.datetime.now().astimezone()
    clock = time.perf_counter()
    manifest = base_manifest(experiment, command_line, started)
    from .catalogue import text

    status, error, sweep, stages = "complete", None, None, {}
    with interrupts.handle_signals() if _outermost() else contextlib.nullcontext():  # SIGTERM is Ctrl-C
        try:
            # The workers first (a scheduler that cannot be reached writes nothing), then the folder.
            with open_workers(executor, jobs, scheduler, tasks=planned_tasks(experiment)) as workers:
                start_folder(out, manifest)
                manifest["executor"] = {"kind": workers.kind, "workers": workers.workers,
                                        "description": workers.description, "scheduler": scheduler}
                sweep = Sweep(experiment, out, workers, progress)
                stages["warmup"] = sweep.warmup()
                stages.update(sweep.replications())
        except KeyboardInterrupt:
            status, error = "interrupted", text("stop_interrupted", "en")  # the manifest's words: English
        except BrokenExecutor as exc:
            status, error = "interrupted", f"{text('stop_worker_died', 'en')}: {exc}"
        except WriteError as exc:
            return unwritable(out, manifest, sweep, exc.error)
        except OSError as exc:
            if sweep is None:
                raise  # nothing ran: a scheduler out of reach, a folder that cannot be made (the caller says so)
            status, error = "failed", f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001 — recorded in the manifest; finished runs stay usable
            status, error = "failed", f"{type(exc).__name__}: {exc}"
        try:
            with interrupts.shielded():  # the tables of what finished are written whole
                return write_results(experiment, out, manifest, status, error, sweep, stages, started, clock)
        except OSError as exc:
            return unwritable(out, manifest, sweep, exc)


def _outermost() -> bool:
    """Whether no caller (the command line) handles Ctrl-C and SIGTERM already."""
    return signal.getsignal(signal.SIGTERM) is not interrupts._handler


def planned_tasks(experiment) -> int:
    """The most runs the sweep has in flight at once: no more worker processes than that."""
    spec = experiment.spec
    per_variant = max(experiment.replications, spec.warmup.pilot_replications if spec.warmup.method == "mser5" else 0,
                      spec.target_half_width.batch if spec.target_half_width else 0)
    return len(experiment.variants) * per_variant
