"""The benchmarks, one per call: ``python benchmarks/cases.py NAME [--repeats N] [--quick]``.

:mod:`run_all` starts this script once per benchmark, in a fresh process, so that the peak
resident memory it reports (``ru_maxrss`` of this process) belongs to that benchmark alone.
It prints one JSON object on stdout; progress notes go to stderr.

Timings cover building the simulation and running it, not loading the scenario file. Every
timed run starts after ``gc.collect()``, so none pays for the garbage of the run before it.
Where several runs are made, ``wall_s`` is their median and ``runs`` lists them all.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import baselines  # noqa: E402
import numpy as np  # noqa: E402

from sim.scenario.region import Region
from sim.study.api import load_scenario  # noqa: E402
from sim.study.runner import run_replication, run_replications  # noqa: E402

MM4 = HERE / "scenarios" / "mm4-126.yaml"
NATIONAL = HERE / "scenarios" / "national-q3.yaml"
SCALES = (1, 2, 4, 8)


def note(text: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def median(values) -> float:
    return statistics.median(values)


def stage_visits(result: dict) -> int:
    """Services started, over all pools of all communes."""
    return sum(pool["dossiers_served"] for pool in result["pools"].values())


def run_engine(scenario) -> dict:
    """One replication as `commune-sim run --jobs 1` simulates it: in this process, a region of
    more than 64 independent communes in shards one after the other (sim/engine/shards.py)."""
    gc.collect()  # no timed run pays for the garbage of the run before it (engine or baseline)
    started, cpu = time.perf_counter(), time.process_time()
    result = run_replication(scenario, 0, region=Region(scenario))
    wall = time.perf_counter() - started
    return {"wall_s": wall, "cpu_s": time.process_time() - cpu, "dossiers": result["region"]["dossiers_arrived"], "stage_visits": stage_visits(result),
            "mean_wait_minutes": result["pools"]["counter"]["mean_wait_minutes"] if "counter" in result["pools"] else None}


def timed_runs(runs: list[dict], prefix: str = "") -> dict:
    """Median wall time of identical runs, the individual times, and the throughput.

    ``cpu_share`` is CPU time over wall time (median): well under 1 means the machine was
    busy with something else and the wall times are inflated."""
    wall = median([r["wall_s"] for r in runs])
    first = runs[0]
    return {f"{prefix}wall_s": round(wall, 3), f"{prefix}runs": [round(r["wall_s"], 3) for r in runs],
            f"{prefix}cpu_share": round(median([r["cpu_s"] / r["wall_s"] for r in runs]), 2),
            f"{prefix}stage_visits": first["stage_visits"],
            f"{prefix}stage_visits_per_s": round(first["stage_visits"] / wall)}


def with_target(out: dict, target: str, met: bool) -> dict:
    out["target"], out["meets_target"] = target, bool(met)
    return out


# --------------------------------------------------------------------------- engine
def engine_mm4_126(repeats: int, quick: bool) -> dict:
    """commune-sim against two SimPy baselines of the same network, runs alternating: idiomatic
    SimPy (the target's reference) and SimPy without ``Resource`` (the near limit)."""
    scenario = load_scenario(MM4)
    net = baselines.network_of(scenario)
    engine, base, bare = [], [], []
    engine_rss = None
    for i in range(repeats):
        engine.append(run_engine(scenario))
        engine_rss = engine_rss or peak_rss_mib()  # before any baseline run
        gc.collect()
        base.append(baselines.simpy_resource(net, seed=scenario.seed))
        gc.collect()
        bare.append(baselines.simpy_free_count(net, seed=scenario.seed))
        note(f"engine {engine[-1]['wall_s']:.2f} s, idiomatic SimPy {base[-1]['wall_s']:.2f} s, "
             f"SimPy without Resource {bare[-1]['wall_s']:.2f} s ({i + 1}/{repeats})")
    out = {"dossiers": engine[0]["dossiers"], **timed_runs(engine),
           "engine_peak_rss_mib": engine_rss, "engine_mean_wait_minutes": round(engine[0]["mean_wait_minutes"], 3),
           "baseline": "idiomatic SimPy: process per customer, simpy.Resource, random.Random.expovariate",
           "baseline_customers": base[0]["customers"],
           "baseline_mean_wait_minutes": round(base[0]["mean_wait_minutes"], 3),
           **timed_runs(base, "baseline_"),
           "no_resource_baseline": "SimPy without Resource: free count + deque per station, a timeout per service end",
           "no_resource_customers": bare[0]["customers"],
           "no_resource_mean_wait_minutes": round(bare[0]["mean_wait_minutes"], 3),
           **timed_runs(bare, "no_resource_"),
           "network": vars(net), "utilisation": round(net.utilisation, 4)}
    out["baseline_customers_per_s"] = round(base[0]["customers"] / out["baseline_wall_s"])
    out["ratio_to_baseline"] = round(out["stage_visits_per_s"] / out["baseline_stage_visits_per_s"], 3)
    out["ratio_to_no_resource"] = round(out["stage_visits_per_s"] / out["no_resource_stage_visits_per_s"], 3)
    # The same, run by run (an engine run and the baseline runs right after it), for noise;
    # and on CPU time, which a busy machine inflates less than wall time.
    out["ratio_paired_median"] = round(median([_rate(e) / _rate(b) for e, b in zip(engine, base)]), 3)
    out["ratio_to_no_resource_paired_median"] = round(median([_rate(e) / _rate(b) for e, b in zip(engine, bare)]), 3)
    out["ratio_cpu_median"] = round(median([_rate(e, "cpu_s") / _rate(b, "cpu_s") for e, b in zip(engine, base)]), 3)
    out["ratio_to_no_resource_cpu_median"] = round(median([_rate(e, "cpu_s") / _rate(b, "cpu_s") for e, b in zip(engine, bare)]), 3)
    return with_target(out, "ratio_to_baseline >= 3", out["ratio_to_baseline"] >= 3)


def _rate(run: dict, time_key: str = "wall_s") -> float:
    return run["stage_visits"] / run[time_key]


def ciw_mm4_126(repeats: int, quick: bool) -> dict:
    """Ciw on the same network over a shorter horizon (Ciw is slow), beside idiomatic SimPy."""
    factor = 1 / 32 if quick else 1 / 8
    net = baselines.network_of(load_scenario(MM4)).scaled(factor)
    ciw_runs, base = [], []
    for i in range(repeats):
        gc.collect()
        ciw_runs.append(baselines.ciw_network(net, seed=1))
        gc.collect()
        base.append(baselines.simpy_resource(net, seed=1))
        note(f"Ciw {ciw_runs[-1]['wall_s']:.2f} s, idiomatic SimPy {base[-1]['wall_s']:.2f} s ({i + 1}/{repeats})")
    import ciw

    out = {"ciw": ciw.__version__, "horizon_factor": factor,
           "note": f"Ciw on {factor:g} of the mm4-126 horizon ({net.horizon:g} minutes); the baseline on the same",
           "customers": ciw_runs[0]["customers"], "dossiers": ciw_runs[0]["customers"], **timed_runs(ciw_runs),
           "mean_wait_minutes": round(ciw_runs[0]["mean_wait_minutes"], 3),
           "baseline_customers": base[0]["customers"], **timed_runs(base, "baseline_")}
    out["ratio_to_baseline"] = round(out["stage_visits_per_s"] / out["baseline_stage_visits_per_s"], 3)
    return out


# ------------------------------------------------------------------ real scenarios
def hanoi_q3(repeats: int, quick: bool) -> dict:
    started = time.perf_counter()
    scenario = load_scenario("hanoi/2025-q3")
    load_s = time.perf_counter() - started
    runs = []
    for i in range(repeats):
        runs.append(run_engine(scenario))
        note(f"hanoi/2025-q3 replication {runs[-1]['wall_s']:.2f} s ({i + 1}/{repeats})")
    out = {"scenario": "hanoi/2025-q3", "dossiers": runs[0]["dossiers"], **timed_runs(runs), "load_s": round(load_s, 3)}
    return with_target(out, "wall_s <= 5", out["wall_s"] <= 5)


def draw_all_arrivals(region) -> tuple[int, float]:
    """Every block of every commune of one replication, drawn as the simulation draws them
    (dossier work included), without simulating: (arrivals, seconds)."""
    from sim.engine.arrivals import CommuneArrivals

    gc.collect()
    started = time.perf_counter()
    end, block_minutes, arrivals = region.scenario.horizon.days * 1440.0, region.plan.block_days * 1440.0, 0
    for commune in range(len(region.communes)):
        draw = CommuneArrivals(region.plan, region.scenario, commune, 0)
        for index in range(int(np.ceil(end / block_minutes))):
            arrivals += draw.block(index, end).n
    return arrivals, time.perf_counter() - started


def arrivals_by_date(repeats: int, quick: bool) -> dict:
    """Arrivals drawn per second for hanoi/2025-q3 with its dated periods (a linear ramp of the
    channel mix) against the same quarter at a single rate: demand by date must not slow the draw."""
    dated = Region(load_scenario("hanoi/2025-q3"))
    single = Region(load_scenario("hanoi/2025-q3", ["demand.periods=[]"]))
    runs = {"dated": [], "single": []}
    for i in range(repeats):
        for name, region in (("single", single), ("dated", dated)):
            runs[name].append(draw_all_arrivals(region))
        note(f"arrivals: single rate {runs['single'][-1][1]:.2f} s, dated {runs['dated'][-1][1]:.2f} s ({i + 1}/{repeats})")
    out = {}
    for name, values in runs.items():
        wall = median([w for _, w in values])
        out[f"{name}_arrivals"] = values[0][0]
        out[f"{name}_wall_s"] = round(wall, 3)
        out[f"{name}_runs"] = [round(w, 3) for _, w in values]
        out[f"{name}_arrivals_per_s"] = round(values[0][0] / wall)
    out["dossiers"] = out["dated_arrivals"]
    out["wall_s"] = out["dated_wall_s"]
    out["ratio_dated_to_single"] = round(out["dated_arrivals_per_s"] / out["single_arrivals_per_s"], 3)
    return with_target(out, "ratio_dated_to_single >= 0.95", out["ratio_dated_to_single"] >= 0.95)


class TreeMemory:
    """Peak resident memory of this process and its worker processes together, sampled
    twice a second from /proc (pages shared after fork count once per process, so the sum
    is an upper bound)."""

    def __init__(self, interval_s: float = 0.5):
        import threading

        self.interval_s, self.peak_mib = interval_s, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    @staticmethod
    def _rss_mib(pid: int) -> float:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except (OSError, ValueError):
            pass
        return 0.0

    @staticmethod
    def _children(pid: int) -> list[int]:
        try:
            return [int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]
        except OSError:
            return []

    def _watch(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.interval_s):
            total = self._rss_mib(me) + sum(self._rss_mib(c) for c in self._children(me))
            self.peak_mib = max(self.peak_mib, total)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def national_q3(repeats: int, quick: bool, jobs: int | None = None) -> dict:
    """One replication only, whatever --repeats: it takes minutes. By default its shards
    (sim/shards.py) run in as many worker processes as there are cores."""

    scenario = load_scenario(NATIONAL)
    jobs = jobs or os.cpu_count() or 1
    started, cpu = time.perf_counter(), cpu_seconds()
    marks = []

    def progress(fraction, text):
        if int(fraction * 10) > len(marks):
            marks.append(fraction)
            note(f"national {fraction:.0%} ({text}), {time.perf_counter() - started:.0f} s")

    with TreeMemory() as memory:
        runs = run_replications(scenario, jobs=jobs, progress=progress)
    wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    result = runs.results[0]
    visits = stage_visits(result)
    workers_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    out = {"scenario": str(NATIONAL.relative_to(ROOT)), "communes": scenario.communes.count,
           "dossiers": result["region"]["dossiers_arrived"], "stage_visits": visits, "wall_s": round(wall, 1),
           "stage_visits_per_s": round(visits / wall), "jobs": jobs, "shards": len(Region(scenario).shards),
           "cpu_s": round(cpu, 1), "cpu_share": round(cpu / wall, 2), "dossier_log": scenario.outputs.dossier_log,
           "peak_rss_mib": round(max(memory.peak_mib, peak_rss_mib()), 1),
           "peak_rss_parent_mib": peak_rss_mib(), "peak_rss_worker_mib": round(workers_mib, 1) if jobs > 1 else None,
           "memory_note": "peak_rss_mib: this process and its workers together (sampled sum of resident memory)"}
    limit_s = 90 if jobs >= 2 else 170  # issue 14: 90 s on two cores, 170 s in one process
    return with_target(out, f"wall_s <= {limit_s} and peak_rss_mib <= 1024",
                       out["wall_s"] <= limit_s and out["peak_rss_mib"] <= 1024)


# --------------------------------------------------------------------------- scaling
def scaling(k: int, repeats: int, quick: bool) -> dict:
    """mm4-126 with k times the horizon, aggregates only; memory is this process's peak."""
    days = load_scenario(MM4).horizon.days * k
    scenario = load_scenario(MM4, [f"horizon.days={days}"])
    rss_before = peak_rss_mib()
    runs = []
    for i in range(repeats):
        runs.append(run_engine(scenario))
        note(f"x{k} ({days} days) {runs[-1]['wall_s']:.2f} s ({i + 1}/{repeats})")
    return {"horizon_factor": k, "horizon_days": days, "dossiers": runs[0]["dossiers"], **timed_runs(runs),
            "rss_before_run_mib": rss_before, "dossier_log": scenario.outputs.dossier_log}


# -------------------------------------------------------------------------- parallel
def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    return sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))


def parallel_8_replications(repeats: int, quick: bool) -> dict:
    """8 replications of mm4-126 with jobs=1 and jobs=2, alternating; same figures?"""
    scenario = load_scenario(MM4, ["replications=8"])
    walls, cpus, figures = {1: [], 2: []}, {1: [], 2: []}, {1: [], 2: []}
    for i in range(repeats):
        for jobs in (1, 2):
            started, cpu = time.perf_counter(), cpu_seconds()
            runs = run_replications(scenario, jobs=jobs)
            walls[jobs].append(time.perf_counter() - started)
            cpus[jobs].append(cpu_seconds() - cpu)
            figures[jobs].append(json.dumps([[r["region"], r["pools"]] for r in runs.results], sort_keys=True))
            note(f"8 replications, jobs={jobs}: {walls[jobs][-1]:.2f} s ({i + 1}/{repeats})")
    results = runs.results
    visits = sum(stage_visits(r) for r in results)
    w1, w2 = median(walls[1]), median(walls[2])
    identical = len(set(figures[1] + figures[2])) == 1
    out = {"replications": 8, "dossiers": sum(r["region"]["dossiers_arrived"] for r in results),
           "stage_visits": visits, "wall_s": round(w2, 3), "runs": [round(w, 3) for w in walls[2]],
           "stage_visits_per_s": round(visits / w2),
           "jobs1_wall_s": round(w1, 3), "jobs1_runs": [round(w, 3) for w in walls[1]],
           "jobs2_wall_s": round(w2, 3), "ratio_jobs2_to_jobs1": round(w2 / w1, 3), "identical": identical,
           "jobs1_cpu_share": round(median([c / w for c, w in zip(cpus[1], walls[1])]), 2),
           "jobs2_cpu_share": round(median([c / w for c, w in zip(cpus[2], walls[2])]), 2),
           "cpu_count": os.cpu_count(),
           "peak_rss_children_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}
    return with_target(out, "ratio_jobs2_to_jobs1 <= 0.6 and identical", out["ratio_jobs2_to_jobs1"] <= 0.6 and identical)


# --------------------------------------------------------------------------- staffing
def staff_hanoi(mode: str, repeats: int, quick: bool) -> dict:
    """`commune-sim staff` on hanoi/2025-07-first-13-days (126 communes), counters and back office,
    3 replications, --jobs 2: minimum mode (p90 wait at most 30 working minutes at each pool) or
    budget mode (400 counter clerks and the 1,008 back-office positions, same target). One run
    whatever --repeats (it takes minutes); --quick: 2 replications. Reports the simulations used
    (each: every replication of the whole region)."""
    import tempfile

    from sim.cli import main as cli

    replications = 2 if quick else 3
    argv = ["staff", "hanoi/2025-07-first-13-days", "--pools", "counter,back_office", "--wait-p90", "30",
            "--replications", str(replications), "--jobs", "2", "--quiet"]
    if mode == "budget":
        argv += ["--budget", "counter=400", "--budget", "back_office=1008"]
    limit = 180 if mode == "minimum" else 300
    with tempfile.TemporaryDirectory() as tmp:
        gc.collect()
        started, cpu = time.perf_counter(), cpu_seconds()
        code = cli([*argv, "--out", str(Path(tmp) / "out")])
        wall = time.perf_counter() - started
        summary = json.loads((Path(tmp) / "out" / "summary.json").read_text(encoding="utf-8"))
    out = {"scenario": "hanoi/2025-07-first-13-days", "mode": mode, "pools": summary["pools"],
           "replications": replications, "jobs": 2, "exit_status": code, "wall_s": round(wall, 1),
           "cpu_s": round(cpu_seconds() - cpu, 1), "simulations": summary["simulations"],
           "replication_runs": summary["replication_runs"],
           "staff_recommended": {p: v["staff_recommended"] for p, v in summary["by_pool"].items()},
           "communes_meeting_after": summary["communes_meeting_after"]["all"]["by_estimate"]}
    return with_target(out, f"wall_s <= {limit}", code == 0 and wall <= limit)


# --------------------------------------------------------------------------- start-up
def startup_help(repeats: int, quick: bool) -> dict:
    """`commune-sim --help`, in a new process each time; one untimed call first (disk cache)."""
    command = [str(Path(sys.executable).parent / "commune-sim"), "--help"]
    assert Path(command[0]).exists(), f"{command[0]} not found: pip install -e . in this venv"
    subprocess.run(command, capture_output=True, check=True)
    walls = []
    for _ in range(max(repeats, 5)):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        walls.append(time.perf_counter() - started)
    out = {"command": "commune-sim --help", "wall_s": round(median(walls), 3), "runs": [round(w, 3) for w in walls]}
    return with_target(out, "wall_s < 0.5", out["wall_s"] < 0.5)


# ------------------------------------------------------------------ whole processes
def whole_process(args: list[str], repeats: int, minimum: int = 1) -> dict:
    """``commune-sim ARGS --quiet --out TMP --force`` in a new process each time, after one
    untimed call (disk cache): median wall time, and peak resident memory of the largest
    child (``ru_maxrss`` of this process's children: every child here runs the same command)."""
    import tempfile

    command = [str(Path(sys.executable).parent / "commune-sim"), *args, "--quiet", "--force"]
    assert Path(command[0]).exists(), f"{command[0]} not found: pip install -e . in this venv"
    with tempfile.TemporaryDirectory() as tmp:
        out = ["--out", str(Path(tmp) / "out")]
        subprocess.run(command + out, capture_output=True, check=True, cwd=tmp)
        walls = []
        for _ in range(max(repeats, minimum)):
            started = time.perf_counter()
            subprocess.run(command + out, capture_output=True, check=True, cwd=tmp)
            walls.append(time.perf_counter() - started)
    return {"command": "commune-sim " + " ".join(args), "wall_s": round(median(walls), 3),
            "runs": [round(w, 3) for w in walls],
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
            # without cached bytecode every start compiles the package's modules (about 0.1 s)
            "bytecode_cache": not os.environ.get("PYTHONDONTWRITEBYTECODE")}


def startup_run(repeats: int, quick: bool) -> dict:
    """A one-commune, one-day run as a whole process: its start-up."""
    out = whole_process(["run", str(HERE / "scenarios" / "one-commune-one-day.yaml")], repeats, minimum=5)
    return with_target(out, "wall_s <= 0.3 and peak_rss_mib <= 80", out["wall_s"] <= 0.3 and out["peak_rss_mib"] <= 80)


def hanoi_q3_process(repeats: int, quick: bool) -> dict:
    """`commune-sim run hanoi/2025-q3 --replications 1` as a whole process."""
    out = whole_process(["run", "hanoi/2025-q3", "--replications", "1"], 1 if quick else min(repeats, 3))
    return with_target(out, "wall_s <= 5", out["wall_s"] <= 5)


def make_run(repeats: int, quick: bool) -> dict:
    """What `make run` does: the default scenario (13 days), 5 replications, as a whole process."""
    out = whole_process(["run"], 1 if quick else min(repeats, 3))
    return with_target(out, "wall_s <= 6", out["wall_s"] <= 6)


LEADING = ("name", "dossiers", "stage_visits", "wall_s", "stage_visits_per_s", "peak_rss_mib",
           "baseline_stage_visits_per_s", "ratio_to_baseline", "no_resource_stage_visits_per_s", "ratio_to_no_resource",
           "target", "meets_target")
BENCHMARKS = {"engine_mm4_126": engine_mm4_126, "ciw_mm4_126": ciw_mm4_126, "hanoi_q3": hanoi_q3,
              "arrivals_by_date": arrivals_by_date,
              "national_q3": national_q3, "national_q3_one_process": lambda r, q: national_q3(r, q, jobs=1),
              "parallel_8_replications": parallel_8_replications,
              "startup_help": startup_help, "startup_run": startup_run, "hanoi_q3_process": hanoi_q3_process,
              "make_run": make_run,
              "staff_minimum_hanoi": lambda r, q: staff_hanoi("minimum", r, q),
              "staff_budget_hanoi": lambda r, q: staff_hanoi("budget", r, q)}
BENCHMARKS.update({f"scaling_mm4_126_x{k}": (lambda r, q, k=k: scaling(k, r, q)) for k in SCALES})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=sorted(BENCHMARKS))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    # As the commune-sim program does once start-up is over (sim/commands/common.py
    # freeze_start_up): the modules and classes imported so far live as long as the process,
    # so the collection before each simulation (sim/engine/model.py) need not scan them.
    gc.collect()
    gc.freeze()
    out = {"name": args.name, **BENCHMARKS[args.name](args.repeats, args.quick)}
    out.setdefault("peak_rss_mib", peak_rss_mib())  # a benchmark with workers reports its own
    out["load_avg_1m_at_start"] = round(load, 2)
    first = [k for k in LEADING if k in out]
    print(json.dumps({k: out[k] for k in first + [k for k in out if k not in first]}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
