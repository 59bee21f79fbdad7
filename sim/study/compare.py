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
from .analysis import effective_targets, missing_counts, Targets, verdict, worst_communes
from .catalogue import KEY_FIGURES, figure as catalogue_figure, resolution
from .executors import open_workers
from .runner import RunSet, run_replications

#: every commune against the targets, beside the region's figures
COMMUNE_COUNTS = ("communes_above_wait_target", "communes_below_on_time_target")
#: per-commune figures of communes_comparison.csv
COMMUNE_FIGURES = ("p90_wait_minutes", "mean_wait_minutes", "on_time_share", "mean_time_in_system_days")


@dataclass
class Comparison:
    labels: list[str]
    runs: list[RunSet]
    interrupted: bool = False
    targets: tuple[float, float] = effective_targets(None)  # (wait minutes, on-time share): the first scenario's

    @property
    def names(self) -> list[str]:
        """The scenarios' own names (``name:``), in order."""
        return [runs.scenario.name for runs in self.runs]

    def rows(self) -> list[dict]:
        """One row per figure and scenario: mean, half-width, paired difference to the first and
        whether it is better, worse or not clearly different (the catalogue's ``better``)."""
        rows = []
        base = self.runs[0].results
        for figure in list(KEY_FIGURES) + list(COMMUNE_COUNTS) + self._pool_figures():
            base_values = [_figure(r, figure, self.targets) for r in base]
            for label, runs in zip(self.labels, self.runs):
                values = [_figure(r, figure, self.targets) for r in runs.results]
                mean, hw = mean_and_half_width(values)
                diffs = [v - b for v, b in zip(values, base_values) if v is not None and b is not None]
                d_mean, d_hw = mean_and_half_width(diffs)
                rows.append({"figure": figure, "scenario": label, "scenario_name": runs.scenario.name, "mean": mean,
                             "ci95_half_width": hw, "difference_to_first": d_mean, "difference_ci95_half_width": d_hw,
                             "verdict": verdict(catalogue_figure(figure).better, d_mean, d_hw, resolution(figure))})
        return rows

    def worst(self) -> list[tuple[str, dict]]:
        """Each scenario's worst commune by p90 wait and by on-time share."""
        return [(label, worst_communes(runs.results)) for label, runs in zip(self.labels, self.runs)]

    def commune_rows(self) -> list[dict]:
        """communes_comparison.csv: per commune, figure and scenario after the first, the mean in
        the first scenario and in this one, and the paired difference with its 95% half-width
        (replication by replication: common random numbers). Communes are matched by name."""
        rows = []
        base = self.runs[0].results
        names = [c["commune"] for c in base[0]["communes"]] if base else []
        for label, runs in zip(self.labels[1:], self.runs[1:]):
            where = {c["commune"]: i for i, c in enumerate(runs.results[0]["communes"])} if runs.results else {}
            pairs = list(zip(base, runs.results))
            for i, name in enumerate(names):
                if name not in where:
                    continue
                j = where[name]
                for figure in COMMUNE_FIGURES:
                    a = [b["communes"][i].get(figure) for b, _ in pairs]
                    b = [r["communes"][j].get(figure) for _, r in pairs]
                    diffs = [y - x for x, y in zip(a, b) if _number(x) and _number(y)]
                    d_mean, d_hw = mean_and_half_width(diffs)
                    rows.append({"commune": name, "figure": figure, "scenario": label, "first_scenario": self.labels[0],
                                 "mean_first": mean_and_half_width(a)[0], "mean": mean_and_half_width(b)[0],
                                 "difference_to_first": d_mean, "difference_ci95_half_width": d_hw,
                                 "replications": len(diffs)})
        return rows

    def _pool_figures(self) -> list[str]:
        pools = [p for p in self.runs[0].results[0]["pools"] if all(p in r.results[0]["pools"] for r in self.runs)]
        return [f"utilisation_{p}" for p in pools]


def _number(value) -> bool:
    return isinstance(value, (int, float)) and value == value


def _figure(result: dict, figure: str, targets: tuple[float, float] = effective_targets(None)):
    if figure in COMMUNE_COUNTS:
        return missing_counts([result.get("communes") or []], Targets(*targets))[figure][0]
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
            runs.append(run_replications(region.scenario, progress=step, region=region, workers=workers,
                                         lang=scenarios[0][1].outputs.language))  # the table's language
            if runs[-1].interrupted:
                break
    kept = [k for k, r in enumerate(runs) if r.results]  # a scenario stopped before any replication is left out
    return Comparison([scenarios[k][0] for k in kept], [runs[k] for k in kept], interrupted=len(kept) < len(scenarios)
                      or any(r.interrupted for r in runs), targets=effective_targets(scenarios[0][1]))
