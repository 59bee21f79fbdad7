"""Simulating a region at candidate staff levels, under common random numbers.

An :class:`Evaluator` holds the built region (with ``outputs.pool_waits`` on, so each pool of
each commune reports its p90 wait) and simulates it with other staff numbers, every commune
at its own level (:meth:`sim.scenario.region.Region.with_staff`). Every evaluation uses the
same seed and replications 0..R-1: replication r of every candidate sees the same dossiers, so
differences between levels are differences of staff, not of luck. With the home router the
communes are independent, so one evaluation measures every commune at its own candidate level
at once. The workers (:func:`sim.study.executors.open_workers`: ``jobs`` local processes, this
process, or Dask, as for ``run``) are opened once and kept for the whole search.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

from ...engine.stats import mean_and_half_width
from ...scenario.region import Region
from ..executors import open_workers
from ..runner import replicate

FIGURES = ("on_time_share", "p90_wait_minutes", "mean_wait_minutes", "dossiers_arrived", "dossiers_completed")


def with_pool_waits(scenario, wait_target: float | None = None):
    """The scenario with the wait at every pool kept (and no per-dossier log); with a wait
    target, each pool also counts the share of its waits above it."""
    targets = scenario.outputs.targets.model_copy(update={"wait_p90_minutes": wait_target})
    outputs = scenario.outputs.model_copy(update={"pool_waits": True, "dossier_log": False, "targets": targets})
    return scenario.model_copy(update={"outputs": outputs})


@dataclass
class Evaluation:
    """Per-replication figures of every commune at one set of staff levels."""

    staff: dict[str, list[int]]
    values: dict[str, np.ndarray]  # figure -> array (replications, communes)

    def mean(self, figure: str) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            data = self.values[figure]
            ok = ~np.isnan(data)
            return np.where(ok.any(axis=0), np.nansum(data, axis=0) / np.maximum(ok.sum(axis=0), 1), np.nan)

    def half_width(self, figure: str) -> np.ndarray:
        """95% Student-t half-width over replications, per commune (NaN with one replication)."""
        from ...engine.stats import t_quantile_975

        data = self.values[figure]
        k = (~np.isnan(data)).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.nanstd(data, axis=0, ddof=1)
            t = np.array([t_quantile_975(int(n) - 1) if n > 1 else np.nan for n in k])
            return t * sd / np.sqrt(k)

    def interval(self, figure: str, commune: int) -> tuple[float, float]:
        return mean_and_half_width(self.values[figure][:, commune].tolist())

    def pool_wait(self, pool: str) -> np.ndarray:
        """The p90 wait at ``pool`` per commune: mean over replications."""
        return self.mean(f"p90_wait_{pool}_minutes")

    def pool_over(self, pool: str) -> np.ndarray:
        """The share of visits to ``pool`` that waited longer than the target, per commune:
        mean over replications (NaN without a wait target)."""
        key = f"share_over_wait_target_{pool}"
        return self.mean(key) if key in self.values else np.full(self.values["on_time_share"].shape[1], np.nan)


class Evaluator:
    """Simulates ``region`` with other staff; counts the simulations it makes."""

    def __init__(self, region: Region, pools: list[str], replications: int, jobs: int = 1, executor: str = "local",
                 scheduler: str | None = None):
        self.region = region
        self.pools = pools
        self.replications = replications
        self.jobs, self.executor, self.scheduler = jobs, executor, scheduler
        self.simulations = 0  # evaluations (each: every replication of the whole region)
        self.replication_runs = 0
        self._cache: dict[tuple, Evaluation] = {}
        self._workers = None  # while open (``with evaluator:``); else every simulation runs in this process
        self._stack = contextlib.ExitStack()
        self.on_evaluate = None  # told the number of each new simulation (progress)

    @classmethod
    def for_scenario(cls, scenario, pools, replications, jobs=1, wait_target=None, executor="local",
                     scheduler=None) -> "Evaluator":
        return cls(Region(with_pool_waits(scenario, wait_target)), pools, replications, jobs, executor, scheduler)

    def __enter__(self):
        self._stack = contextlib.ExitStack()
        tasks = self.replications * len(self.region.shards)  # the most in flight at once: one simulation
        self._workers = self._stack.enter_context(open_workers(self.executor, self.jobs, self.scheduler, tasks=tasks))
        return self

    def __exit__(self, *exc):
        self._workers = None
        return self._stack.__exit__(*exc)  # an exception (Ctrl-C) stops the workers at once

    @property
    def communes(self):
        return self.region.communes

    @property
    def base_staff(self) -> dict[str, list[int]]:
        return {pool: list(counts) for pool, counts in self.region.staff.items()}

    def evaluate(self, staff: dict[str, list[int]]) -> Evaluation:
        """Every replication of the region with ``staff`` (pool -> staff per commune; pools not
        given keep the scenario's numbers)."""
        full = {pool: [int(x) for x in staff.get(pool, counts)] for pool, counts in self.region.staff.items()}
        key = tuple((pool, tuple(full[pool])) for pool in sorted(full))
        if key in self._cache:
            return self._cache[key]
        if self.on_evaluate:
            self.on_evaluate(self.simulations + 1)
        results = replicate(self.region.with_staff(full), self.replications, self._workers)
        self.simulations += 1
        self.replication_runs += len(results)
        names = list(FIGURES) + [f"{kind}_{pool}" for pool in self.pools
                                 for kind in ("utilisation", "share_over_wait_target")] \
            + [f"p90_wait_{pool}_minutes" for pool in self.pools]
        values = {name: np.array([[_number(row.get(name)) for row in r["communes"]] for r in results])
                  for name in names}
        evaluation = Evaluation(full, values)
        self._cache[key] = evaluation
        return evaluation


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("nan")
