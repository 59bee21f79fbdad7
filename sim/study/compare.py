"""Compare scenarios under common random numbers.

Every scenario runs with the same seed and the same replication indices, so replication r
of scenario B sees the same dossiers as replication r of the baseline A wherever the two
share demand. The difference B − A is then estimated from the paired per-replication
differences, whose confidence interval is much narrower than the two intervals side by
side would suggest.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..engine.stats import mean_and_half_width
from ..scenario.region import Region
from ..scenario.schema import Scenario
from .analysis import verdict
from .catalogue import KEY_FIGURES, figure as catalogue_figure, resolution
from .executors import open_workers
from .runner import RunSet, run_replications


@dataclass
class Comparison:
    labels: list[str]
    runs: list[RunSet]
    interrupted: bool = False

    @property
    def names(self) -> list[str]:
        """The scenarios' own names (``name:``), in order."""
        return [runs.scenario.name for runs in self.runs]

    def rows(self) -> list[dict]:
        """One row per figure and scenario: mean, half-width, paired difference to the first and
        whether it is better, worse or not clearly different (the catalogue's ``better``)."""
        rows = []
        base = self.runs[0].results
        for figure in list(KEY_FIGURES) + self._pool_figures():
            base_values = [_figure(r, figure) for r in base]
            for label, runs in zip(self.labels, self.runs):
                values = [_figure(r, figure) for r in runs.results]
                mean, hw = mean_and_half_width(values)
                diffs = [v - b for v, b in zip(values, base_values) if v is not None and b is not None]
                d_mean, d_hw = mean_and_half_width(diffs)
                rows.append({"figure": figure, "scenario": label, "scenario_name": runs.scenario.name, "mean": mean,
                             "ci95_half_width": hw, "difference_to_first": d_mean, "difference_ci95_half_width": d_hw,
                             "verdict": verdict(catalogue_figure(figure).better, d_mean, d_hw, resolution(figure))})
        return rows

    def _pool_figures(self) -> list[str]:
        pools = [p for p in self.runs[0].results[0]["pools"] if all(p in r.results[0]["pools"] for r in self.runs)]
        return [f"utilisation_{p}" for p in pools]


def _figure(result: dict, figure: str):
    if figure.startswith("utilisation_"):
        return result["pools"][figure.removeprefix("utilisation_")]["utilisation"]
    return result["region"].get(figure)


def compare(scenarios: list[tuple[str, Scenario]], jobs: int = 1, progress=None, executor: str = "local",
            scheduler: str | None = None) -> Comparison:
    """Run every scenario with the first one's seed and replications, one after the other on
    the same workers (no more processes than the largest scenario has tasks)."""
    seed, replications = scenarios[0][1].seed, scenarios[0][1].replications
    regions = [Region(scenario.model_copy(update={"seed": seed, "replications": replications}))
               for _, scenario in scenarios]
    runs = []
    tasks = replications * max(len(region.shards) for region in regions)
    with open_workers(executor, jobs, scheduler, tasks=tasks) as workers:
        for k, ((label, _), region) in enumerate(zip(scenarios, regions)):
            step = None if progress is None else (
                lambda f, note, k=k, label=label: progress((k + f) / len(scenarios), f"{label[:20]} {note}"))
            runs.append(run_replications(region.scenario, progress=step, region=region, workers=workers))
            if runs[-1].interrupted:
                break
    kept = [k for k, r in enumerate(runs) if r.results]  # a scenario stopped before any replication is left out
    return Comparison([scenarios[k][0] for k in kept], [runs[k] for k in kept], interrupted=len(kept) < len(scenarios)
                      or any(r.interrupted for r in runs))
