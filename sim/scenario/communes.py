"""The communes of a scenario: names, types and populations, synthetic or from a table.

Demand is spread over communes in proportion to population (a stated assumption of every
bundled scenario). Synthetic communes are placed on the population quantile curve of the
province (min, p10, p25, median, p75, p90, max, linearly interpolated) at the stratified
probabilities (k + 0.5) / n, so the generated populations reproduce the reported
quantiles without random noise. Populations and unit types are then dealt out to the
numbered communes by fixed shuffles, so that neither numbering (which clusters and
districts follow) nor type is tied to size by construction.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_PROBS = [0.0, 0.10, 0.25, 0.50, 0.75, 0.90, 1.0]


@dataclass(frozen=True)
class CommuneInfo:
    index: int
    name: str
    type: str
    population: float


def synthetic_populations(spec) -> np.ndarray:
    q = spec.population
    values = [q.min, q.p10, q.p25, q.median, q.p75, q.p90, q.max]
    probs = (np.arange(spec.count) + 0.5) / spec.count
    return np.interp(probs, _PROBS, values)


def build_communes(spec, base_dir: Path | None = None) -> list[CommuneInfo]:
    if spec.table is not None:
        return read_commune_table(resolve_table(spec.table, base_dir))
    populations = synthetic_populations(spec) if spec.population else np.ones(spec.count)
    types = [t for t, n in spec.types.items() for _ in range(n)] or ["commune"] * spec.count
    # Fixed shuffles, so that neither the numbering (which clusters and districts follow)
    # nor the unit type is tied to size by construction.
    rng = np.random.default_rng(spec.count)
    populations = populations[rng.permutation(spec.count)]
    order = rng.permutation(spec.count)
    return [
        CommuneInfo(i, f"{spec.name_prefix} {i + 1:03d}", types[order[i]], float(p))
        for i, p in enumerate(populations)
    ]


def resolve_table(table: str, base_dir: Path | None) -> Path:
    path = Path(table)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path


def read_commune_table(path: Path) -> list[CommuneInfo]:
    """Read name, type, population; an empty population (e.g. Hoàng Sa) counts as 0."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise ValueError(f"{path}: the commune table is empty")
    missing = {"name", "population"} - set(rows[0])
    if missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}; need name, type, population")
    communes = []
    for i, row in enumerate(rows):
        text = (row.get("population") or "").strip()
        try:
            population = float(text) if text else 0.0
        except ValueError:
            raise ValueError(f"{path}:{i + 2}: population must be a number (got {text!r})") from None
        if population < 0 or population != population:
            raise ValueError(f"{path}:{i + 2}: population must be >= 0 (got {text!r})")
        communes.append(CommuneInfo(i, row["name"], row.get("type") or "commune", population))
    if sum(c.population for c in communes) <= 0:
        raise ValueError(f"{path}: no commune has a population; demand cannot be spread")
    return communes


def demand_weights(communes: list[CommuneInfo]) -> np.ndarray:
    pop = np.array([c.population for c in communes], dtype=float)
    return pop / pop.sum()
