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
import io
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .limits import MAX_POPULATION
from .reading import MAX_TABLE_BYTES, read_text

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


class TooManyCommunes(ValueError):
    """A commune table with more rows than the reader was allowed to take."""

    def __init__(self, path, limit: int):
        super().__init__(f"{path}: more than {limit:,} communes")
        self.limit = limit


def build_communes(spec, base_dir: Path | None = None, max_rows: int | None = None) -> list[CommuneInfo]:
    if spec.table is not None:
        return read_commune_table(resolve_table(spec.table, base_dir), max_rows)
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


def read_commune_table(path: Path, max_rows: int | None = None) -> list[CommuneInfo]:
    """Read name, type, population; an empty population (e.g. Hoàng Sa) counts as 0.

    Read by the one safe reader (a regular file of at most ``MAX_TABLE_BYTES``), in one pass:
    time linear in the rows; beyond ``max_rows`` rows it stops (TooManyCommunes). Raises
    ValueError (or OSError) with the reason."""
    reader = csv.DictReader(io.StringIO(read_text(path, MAX_TABLE_BYTES), newline=""))
    rows = list(reader if max_rows is None else itertools.islice(reader, max_rows + 1))
    if max_rows is not None and len(rows) > max_rows:
        raise TooManyCommunes(path, max_rows)
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
        if not 0 <= population <= MAX_POPULATION:
            raise ValueError(f"{path}:{i + 2}: population must be a number from 0 to {MAX_POPULATION:,.0f}, "
                             f"the largest allowed (got {text[:20]!r})")
        communes.append(CommuneInfo(i, row["name"], row.get("type") or "commune", population))
    if sum(c.population for c in communes) <= 0:
        raise ValueError(f"{path}: no commune has a population; demand cannot be spread")
    return communes


def demand_weights(communes: list[CommuneInfo]) -> np.ndarray:
    pop = np.array([c.population for c in communes], dtype=float)
    return pop / pop.sum()
