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
from ..scenario.schema import Scenario
from .analysis import verdict
from .catalogue import KEY_FIGURES, figure as catalogue_figure, resolution
from .runner import RunSet, run_replications


@dataclass
class Comparison:
    labels: list[str]
    runs: list[RunSet]

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


def compare(scenarios: list[tuple[str, Scenario]], jobs: int = 1, progress=None) -> Comparison:
    seed, replications = scenarios[0][1].seed, scenarios[0][1].replications
    runs = []
    for k, (label, scenario) in enumerate(scenarios):
        scenario = scenario.model_copy(update={"seed": seed, "replications": replications})
        step = (lambda f, note, k=k: progress((k + f) / len(scenarios), f"{label[:20]} {note}")) if progress else None
        runs.append(run_replications(scenario, jobs=jobs, progress=step))
        if runs[-1].interrupted:
            break
    return Comparison([label for label, _ in scenarios[: len(runs)]], runs)
