"""Profile one replication of hanoi/2025-q3: the top functions by own time (cProfile).

    python benchmarks/profile_hanoi_q3.py [--top N] [--sort tottime|cumtime]

Prints the pstats table (top 15 by own time, ``tottime``, by default) on stdout. cProfile
slows the run down (about three times here), so the times are for comparing functions, not for
comparing with the unprofiled wall time of the ``hanoi_q3`` benchmark.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.scenario.region import Region  # noqa: E402
from sim.study.api import load_scenario  # noqa: E402
from sim.study.runner import run_replication  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumtime"])
    args = parser.parse_args()

    scenario = load_scenario("hanoi/2025-q3")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    result = run_replication(scenario, 0, region=Region(scenario))  # its two shards, one after the other
    profiler.disable()
    wall = time.perf_counter() - started

    visits = sum(pool["dossiers_served"] for pool in result["pools"].values())
    print(f"hanoi/2025-q3, replication 0: {result['region']['dossiers_arrived']:,} dossiers, "
          f"{visits:,} stage visits, {wall:.1f} s under cProfile")
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
    # Keep the table itself: drop pstats' preamble up to the totals line, and blank lines.
    lines = text.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "function calls" in line), 0)
    print("\n".join(line for line in lines[start:] if line.strip()))


if __name__ == "__main__":
    main()
