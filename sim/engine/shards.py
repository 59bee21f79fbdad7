"""Shards: a region of independent communes simulated in parts and added up.

With the home router every step of a dossier happens at its own commune, so communes
share nothing but the clock. A replication can then be simulated as a few smaller
simulations, each over a contiguous range of communes drawing from the communes' own
random streams (:mod:`sim.engine.streams`), and their aggregates added up
(:func:`sim.engine.recorder.merge`). Every dossier meets exactly the events it would meet in one
big simulation: counts, histograms and per-commune figures are the same; only sums of
floats are added in another order (differences in the last digits).

Why: a smaller simulation runs faster per event (its event heap and the communes it
touches stay in the processor's caches: one replication of the Hà Nội quarter, 126
communes, took 7.9–9.0 s of CPU whole and 6.9–7.0 s as two shards of 63), and shards of
one replication can run in parallel processes (that replication in about half the wall
time on two cores). The layout depends on the scenario alone (at most ``SHARD_COMMUNES``
communes a shard), never on the number of processes, so a seed gives identical results
whatever ``--jobs``. Regions that route dossiers between communes (clusters, a central
pool, district centres) are simulated whole.
"""
from __future__ import annotations

import math

from .recorder import Tally, merge, sort_log

SHARD_COMMUNES = 64
# Arrival blocks are sized for shards of up to 128 communes, the shard size until December
# 2026 (sim/engine/demand.py: a block holds about BLOCK_ARRIVALS arrivals of a shard): the
# block length decides which random numbers each arrival gets, so smaller shards kept every
# arrival of every scenario; a shard of 64 communes holds at most half of that at once.
BLOCK_SIZING_COMMUNES = 128


def layout(communes: int, independent: bool, most: int | None = None) -> list[range]:
    """The shards of a replication: contiguous, near-equal ranges of commune indices, at
    most ``most`` (default ``SHARD_COMMUNES``) each; one range when the communes are not
    independent."""
    most = most or SHARD_COMMUNES
    k = 1 if communes <= most or not independent else math.ceil(communes / most)
    bounds = [i * communes // k for i in range(k + 1)]
    return [range(a, b) for a, b in zip(bounds, bounds[1:])]


def run_shard(region, replication: int, shard: range, on_day=None) -> Tally:
    """Simulate one shard of a replication of ``region`` (:class:`sim.scenario.region.Region`)."""
    from .model import Simulation

    return Simulation(region, replication, dossier_log=region.scenario.outputs.dossier_log,
                      on_day=on_day, shard=shard).tally()


class Adder:
    """Adds a replication's shard tallies in shard order, whatever order they come in
    (so floats add up the same way however many processes ran them)."""

    def __init__(self, shards: int):
        self.shards, self.total, self.waiting, self.next = shards, None, {}, 0

    def add(self, index: int, tally: Tally) -> None:
        self.waiting[index] = tally
        while self.next in self.waiting:
            part = self.waiting.pop(self.next)
            self.total = part if self.total is None else merge(self.total, part)
            self.next += 1

    @property
    def done(self) -> bool:
        return self.next == self.shards

    def result(self) -> Tally:
        if self.shards > 1 and self.total.log is not None:
            sort_log(self.total.log)
        return self.total
