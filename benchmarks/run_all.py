"""`make bench`: run every benchmark in its own fresh process and print one JSON line each.

    python benchmarks/run_all.py [--only NAME ...] [--quick] [--repeats N]

The first line describes the environment (Python, SimPy, machine). Then each benchmark of
:mod:`cases` runs in a new subprocess, so its ``peak_rss_mib`` is its own, and its line is
printed as soon as it finishes. After the four scaling runs a ``scaling`` line compares
8x the horizon with 1x. Progress notes go to stderr; stdout carries only JSON lines.

``--quick`` is a smoke check: one repeat (unless ``--repeats`` is given), no national run,
Ciw on a shorter horizon. The exit status is 1 if a benchmark failed to run (a missed
target is reported in its line, not in the exit status).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCALES = (1, 2, 4, 8)
TIMEOUT_S = {"national_q3": 1800, "national_q3_one_process": 1800}  # stop a run far past its target
ORDER = ["engine_mm4_126", "ciw_mm4_126", "hanoi_q3", "arrivals_by_date", "national_q3", "national_q3_one_process",
         *[f"scaling_mm4_126_x{k}" for k in SCALES], "parallel_8_replications", "startup_help",
         "startup_run", "hanoi_q3_process", "make_run", "staff_minimum_hanoi", "staff_budget_hanoi"]


def emit(line: dict) -> None:
    print(json.dumps(line, ensure_ascii=False), flush=True)


def note(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def version(module: str) -> str | None:
    try:
        return __import__(module).__version__
    except ImportError:
        return None


def cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def git_revision() -> str | None:
    try:
        done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() or None
    except OSError:
        return None


def environment() -> dict:
    memory = None
    try:
        memory = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return {"name": "environment", "python": platform.python_version(), "simpy": version("simpy"),
            "numpy": version("numpy"), "ciw": version("ciw"),
            "machine": {"platform": platform.platform(), "cpu": cpu_model(), "cpu_count": os.cpu_count(),
                        "memory_gib": memory},
            "load_average": [round(x, 2) for x in os.getloadavg()], "git": git_revision(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def run_case(name: str, repeats: int, quick: bool) -> dict:
    """One benchmark in a fresh interpreter; its last stdout line is its JSON result."""
    command = [sys.executable, str(HERE / "cases.py"), name, "--repeats", str(repeats)] + (["--quick"] if quick else [])
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True,  # stderr passes through
                              timeout=TIMEOUT_S.get(name))
    except subprocess.TimeoutExpired:
        return {"name": name, "error": f"timed out after {TIMEOUT_S[name]} s", "meets_target": False}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"name": name, "error": f"exit status {done.returncode}", "elapsed_s": round(time.perf_counter() - started, 1)}
    return json.loads(lines[-1])


def scaling_summary(lines: dict) -> dict | None:
    """8x against 1x the horizon: time should grow at most 9x, peak memory at most 10%."""
    one, eight = lines.get("scaling_mm4_126_x1"), lines.get("scaling_mm4_126_x8")
    if not one or not eight or "error" in one or "error" in eight:
        return None
    out = {"name": "scaling",
           "horizon_factors": [k for k in SCALES if f"scaling_mm4_126_x{k}" in lines],
           "wall_s": [lines[f"scaling_mm4_126_x{k}"]["wall_s"] for k in SCALES if f"scaling_mm4_126_x{k}" in lines],
           "peak_rss_mib": [lines[f"scaling_mm4_126_x{k}"]["peak_rss_mib"] for k in SCALES if f"scaling_mm4_126_x{k}" in lines],
           "time_ratio_8x": round(eight["wall_s"] / one["wall_s"], 3),
           "memory_ratio_8x": round(eight["peak_rss_mib"] / one["peak_rss_mib"], 3),
           "target": "time_ratio_8x <= 9 and memory_ratio_8x <= 1.10"}
    out["meets_target"] = out["time_ratio_8x"] <= 9 and out["memory_ratio_8x"] <= 1.10
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run the commune-sim benchmarks; one JSON line each on stdout.")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=ORDER + ["scaling"],
                        help="run only these benchmarks ('scaling' = the four scaling runs)")
    parser.add_argument("--quick", action="store_true", help="smoke check: one repeat, no national run")
    parser.add_argument("--repeats", type=int, default=None, help="runs per benchmark, medians reported (default 5; 1 with --quick)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 5)
    wanted = set(args.only or ORDER)
    if "scaling" in wanted:
        wanted |= {f"scaling_mm4_126_x{k}" for k in SCALES}
    if args.quick and not args.only:
        wanted -= {"national_q3", "national_q3_one_process"}
    if version("ciw") is None:
        note("ciw is not installed (pip install -e '.[bench]'): skipping ciw_mm4_126")
        wanted.discard("ciw_mm4_126")

    emit(environment())
    results: dict[str, dict] = {}
    failed = False
    for name in [n for n in ORDER if n in wanted]:
        note(f"{name} ...")
        started = time.perf_counter()
        line = run_case(name, repeats, args.quick)
        failed |= "error" in line
        results[name] = line
        emit(line)
        note(f"{name} done in {time.perf_counter() - started:.1f} s")
        if name == "scaling_mm4_126_x8" and (summary := scaling_summary(results)):
            emit(summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
