"""Evaluations: run (scenario, replication) pairs once, and keep what they gave.

Calibration and sensitivity analysis run the same scenarios over and over with a few numbers
changed. An :class:`Evaluator` runs each (resolved scenario, replication) pair once — in this
process or in worker processes — and keeps the figures it needs in a :class:`Cache`: a JSON
lines file, one line per finished replication, keyed by the SHA-256 of the resolved scenario
and of the engine's source (a changed engine recomputes). Each line is written whole with one
``write`` and fsync'ed, so Ctrl-C loses at most the runs in progress; a torn last line is
ignored on reading. Runs go to the workers of :mod:`sim.study.executors` like every command's.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..study.executors import Task, Workers, in_process
from .expressions import extract

PACKAGE = Path(__file__).resolve().parent.parent
#: Everything a replication's figures depend on: the whole engine and scenario layers
#: (schema, communes, policies, region) and the runner that adds shards up.
RESULT_SOURCES = ("engine/*.py", "scenario/*.py", "study/runner.py")


def engine_hash() -> str:
    """The source that computes results: a cached figure is reused only by the code that produced it."""
    digest = hashlib.sha256()
    for path in sorted(p for pattern in RESULT_SOURCES for p in PACKAGE.glob(pattern)):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def scenario_key(scenario, engine: str = "") -> str:
    """The resolved scenario, the engine and the contents of the files it names (a commune
    table, observed counts): an edited file is a new scenario, though its path is the same."""
    text = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False)
    for named in (scenario.communes.table, scenario.demand.observed):
        if named is not None:
            try:
                text += hashlib.sha256(Path(named).read_bytes()).hexdigest()
            except OSError:
                text += "unreadable:" + named
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
    from ..study.runner import run_replication

    result = run_replication(scenario, replication)
    return extract(result, paths), result["wall_seconds"]


class Evaluator:
    """Runs (scenario, replication) pairs once, through the cache, on ``workers``
    (:mod:`sim.study.executors`; in this process until the command hands it the workers it opened)."""

    def __init__(self, scenario_path: Path, paths: list[str], cache: Cache, log=None, force_large: bool = False,
                 workers: Workers | None = None):
        self.scenario_path, self.paths, self.cache = scenario_path, sorted(set(paths)), cache
        self.force_large = force_large
        self.log = log or (lambda key, **fields: None)
        self.workers = workers or in_process()
        self.engine = engine_hash()
        self.runs = 0  # replications actually run (not from the cache)

    def scenario(self, overrides: list[str]):
        from ..study.api import load_scenario

        return load_scenario(self.scenario_path, overrides, force_large=self.force_large)

    def figures(self, scenario, replications: list[int], label: str = "") -> list[dict]:
        """Per replication, the figures of ``paths``: from the cache, or run (each written to the
        cache as it finishes). Safe to call from several threads at once (calibration's refits)."""
        key = scenario_key(scenario, self.engine)
        found = {r: self.cache.get(key, r, self.paths) for r in replications}
        todo = [r for r, f in found.items() if f is None]
        meta = {"label": label, "seed": scenario.seed}

        def on_result(r: int, value) -> None:
            found[r], wall = value
            self.cache.put(key, r, found[r], {**meta, "wall_seconds": round(wall, 3)})
            self.runs += 1

        self.workers.run((Task(r, _run_one, (scenario, r, self.paths)) for r in todo), on_result)
        return [found[r] for r in replications]
