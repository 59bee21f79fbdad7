"""Replications: run them (in this process or in worker processes) and summarise them.

Each replication is seeded by (scenario seed, replication index) alone, so the results do
not depend on how many processes run them or in which order they finish. The summary
gives, for every figure, the mean over replications and its 95% Student-t half-width.
"""
from __future__ import annotations

import time
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..engine.stats import mean_and_half_width
from ..scenario.region import Region, period
from ..scenario.schema import Scenario
from . import interrupts
from .analysis import commune_targets, effective_targets
from .executors import Task, Workers, open_workers
from .files import clean_json

HALF_WIDTH = "_ci95_half_width"
POOLS_NOTE = (
    "analytic_* figures read each commune pool as a stationary M/G/c queue with the arrival rate and "
    "mean service it had over the run's working time (Erlang C; Allen-Cunneen for non-exponential "
    "service), weighted by dossiers served. Where they part from the simulated wait, the model has "
    "what the formula ignores: opening hours (online filings pile up overnight), surges within the "
    "day or week, sign-off batches (a dossier waits for the next batch time), rework loops and "
    "staff shifts. On a 24/7, one-stage, steady scenario the two agree (tests/test_validation.py).")


def run_replication(scenario: Scenario, replication: int, base_dir: Path | None = None, on_day=None,
                    region: Region | None = None) -> dict:
    """One replication in this process (its shards one after the other, see :mod:`sim.engine.shards`)."""
    from ..engine.shards import Adder, run_shard

    started = time.perf_counter()
    region = region or Region(scenario, base_dir)
    shards = region.shards
    adder = Adder(len(shards))
    days = scenario.horizon.days
    for k, shard in enumerate(shards):
        shard_day = None if on_day is None else (lambda day, k=k: on_day((k * days + day) / len(shards)))
        adder.add(k, run_shard(region, replication, shard, shard_day))
    return _finish(adder, replication, time.perf_counter() - started)


def _finish(adder, replication: int, wall_seconds: float) -> dict:
    from ..engine.recorder import figures

    result = figures(adder.result())
    result["replication"] = replication
    result["wall_seconds"] = wall_seconds
    return result


def timed_shard(region: Region, replication: int, shard: range, on_day=None):
    """The task: one shard of one replication, and how long it took."""
    from ..engine.shards import run_shard

    started = time.perf_counter()
    return run_shard(region, replication, shard, on_day), time.perf_counter() - started


@dataclass
class RunSet:
    """The replications of one scenario, in replication order."""

    scenario: Scenario
    results: list[dict]
    interrupted: bool = False
    wall_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # why the run stopped early (Ctrl-C, a worker process that died)
    demand: dict | None = None  # how the daily volume was set and the dossiers expected (DemandPlan.arithmetic)

    @property
    def summary(self) -> dict:
        return summarise(self.results, self.scenario)


def run_replications(scenario: Scenario, base_dir: Path | None = None, jobs: int = 1,
                     progress: Callable[[float, str], None] | None = None, region: Region | None = None,
                     workers: Workers | None = None, executor: str = "local", scheduler: str | None = None,
                     lang: str | None = None) -> RunSet:
    """Run ``scenario.replications`` replications; Ctrl-C (or SIGTERM, or a worker process that
    dies) keeps the ones already finished.

    Every (replication, shard) is a task for the workers (:mod:`sim.study.executors`; without
    ``workers``, those ``executor``, ``jobs`` and ``scheduler`` name, never more processes than tasks), so even one replication of a
    large region uses them (:mod:`sim.engine.shards`); a replication is done when its shards
    are, added in shard order. Given ``workers`` (a caller running several scenarios on the same
    ones) are stopped here when the run stops early. ``progress(fraction, note)`` is told how far the run is (per
    simulated day in this process, per finished shard with worker processes), its note in ``lang`` (default: the
    scenario's ``outputs.language``). Why a run stopped early (``error``) is recorded in English.
    """
    from .catalogue import text

    region = region or Region(scenario, base_dir)
    done: dict[int, dict] = {}
    started = time.perf_counter()
    interrupted, error = False, None
    try:
        if workers is None:
            with open_workers(executor, jobs, scheduler, tasks=scenario.replications * len(region.shards)) as own:
                _run_tasks(region, own, done, progress, lang)
        else:
            try:
                _run_tasks(region, workers, done, progress, lang)
            except BaseException:
                workers.close(abort=True)  # the caller's workers: shards in progress are not awaited
                raise
    except KeyboardInterrupt:
        interrupts.stopped()
        interrupted, error = True, text("stop_interrupted", "en")
    except BrokenExecutor:
        interrupted, error = True, text("stop_worker_died", "en")
    results = [done[r] for r in sorted(done)]
    return RunSet(scenario, results, interrupted, time.perf_counter() - started, warnings=list(region.notes),
                  error=error, demand=region.plan.arithmetic())


def replicate(region: Region, replications: int, workers: Workers | None = None) -> list[dict]:
    """Replications 0..n-1 of a built region (e.g. one with other staff, :meth:`Region.with_staff`),
    on ``workers`` (kept by the caller across many calls, :func:`open_workers`) or here; the results
    in replication order, as :func:`run_replication` gives them. An interruption or a failing task
    is the caller's to handle (it goes on from :meth:`Workers.run`)."""
    from ..engine.shards import Adder

    shards = region.shards
    if workers is None or workers.in_process:
        return [run_replication(region.scenario, r, region=region) for r in range(replications)]
    done: dict[int, dict] = {}
    if len(shards) == 1:  # the worker computes the figures too: less to send back, more in parallel
        tasks = (Task(r, run_replication, (region.scenario, r, None, None, region)) for r in range(replications))
        workers.run(tasks, done.__setitem__)
        return [done[r] for r in range(replications)]
    adders = {r: Adder(len(shards)) for r in range(replications)}
    seconds = dict.fromkeys(range(replications), 0.0)

    def on_result(key, value) -> None:
        (r, k), (tally, wall) = key, value
        adders[r].add(k, tally)
        seconds[r] += wall

    workers.run((Task((r, k), timed_shard, (region, r, shard)) for r in range(replications)
                 for k, shard in enumerate(shards)), on_result)
    return [_finish(adders[r], r, seconds[r]) for r in range(replications)]


def _run_tasks(region: Region, workers: Workers, done: dict, progress, lang: str | None = None) -> None:
    from ..engine.shards import Adder
    from .catalogue import text

    scenario, shards = region.scenario, region.shards
    n, days = scenario.replications, scenario.horizon.days
    adders = {r: Adder(len(shards)) for r in range(n)}
    seconds = dict.fromkeys(range(n), 0.0)
    finished = [0]
    lang = lang or scenario.outputs.language

    def on_day(r: int, k: int):  # in this process only: progress within a shard, day by day
        note = text("progress_replication", lang, k=r + 1, n=n)
        return lambda day: progress((r + (k * days + day) / (len(shards) * days)) / n, note)

    def task(r: int, k: int) -> Task:
        day = on_day(r, k) if progress and workers.in_process else None
        return Task((r, k), timed_shard, (region, r, shards[k], day))

    def on_result(key, value) -> None:
        (r, k), (tally, wall) = key, value
        adders[r].add(k, tally)
        seconds[r] += wall
        finished[0] += 1
        if adders[r].done:
            done[r] = _finish(adders.pop(r), r, seconds[r])
        if progress and not workers.in_process:
            progress(finished[0] / (n * len(shards)), text("progress_replications_done", lang, done=len(done), n=n))

    workers.run((task(r, k) for r in range(n) for k in range(len(shards))), on_result)


# ------------------------------------------------------------------ summaries
def _combine(dicts: list[dict]) -> dict:
    """Mean and half-width of every numeric figure found in the per-replication dicts."""
    out: dict = {}
    for key in dicts[0]:
        values = [d.get(key) for d in dicts]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            mean, hw = mean_and_half_width([float(v) for v in values])
            out[key] = mean
            out[key + HALF_WIDTH] = hw
        elif all(isinstance(v, dict) for v in values):
            out[key] = _combine(values)
    return out


def summarise(results: list[dict], scenario: Scenario) -> dict:
    """summary.json: key figures at the top level (with every commune against the targets of
    ``outputs.targets``: how many miss them, and the worst commune), then the breakdowns."""
    if not results:
        return {"scenario": scenario.name, "period": period(scenario), "replications": 0}
    summary = {"scenario": scenario.name, "period": period(scenario), "replications": len(results), "seed": scenario.seed}
    summary.update(_combine([r["region"] for r in results]))
    summary.update(commune_targets(results, *effective_targets(scenario)))
    summary["littles_law"] = _combine([r["littles_law"] for r in results])
    summary["by_channel"] = _combine([r["by_channel"] for r in results])
    summary["by_field"] = _combine([r["by_field"] for r in results])
    summary["pools"] = _combine([r["pools"] for r in results])
    summary["pools_note"] = POOLS_NOTE
    summary["backlog_by_day"] = _backlog(results, scenario)
    return clean_json(summary)


def _backlog(results: list[dict], scenario: Scenario) -> list[dict]:
    import datetime as dt

    days = min(len(r["backlog_by_day"]) for r in results)
    dated = all("by_day" in r for r in results)  # results stored by an older version have no counts to date
    rows = []
    for day in range(days):
        mean, hw = mean_and_half_width([r["backlog_by_day"][day] for r in results])
        date = scenario.horizon.start_date + dt.timedelta(days=day)
        row = {"day": day, "date": date.isoformat(), "dossiers_in_process_end_of_day": mean,
               "dossiers_in_process_end_of_day" + HALF_WIDTH: hw}
        for figure in ("dossiers_arrived", "dossiers_completed") if dated else ():
            mean, hw = mean_and_half_width([r["by_day"]["region"][figure][day] for r in results])
            row.update({f"{figure}_to_date": mean, f"{figure}_to_date" + HALF_WIDTH: hw})
        rows.append(row)
    return rows


def commune_rows(results: list[dict]) -> list[dict]:
    """communes.csv: per commune, the mean over replications (half-widths for key figures)."""
    key_figures = ("mean_wait_minutes", "p90_wait_minutes", "on_time_share", "mean_time_in_system_days")
    rows = []
    for i, first in enumerate(results[0]["communes"]):
        per_rep = [r["communes"][i] for r in results]
        row = {"commune": first["commune"], "type": first["type"], "population": first["population"]}
        if "code" in first:  # real units only
            row = {"commune": first["commune"], "code": first["code"], "type": first["type"],
                   "population": first["population"]}
        for key, value in first.items():
            if key in row or not isinstance(value, (int, float)):
                continue
            mean, hw = mean_and_half_width([float(p[key]) for p in per_rep])
            row[key] = mean
            if key in key_figures:
                row[key + HALF_WIDTH] = hw
        rows.append(row)
    return rows

