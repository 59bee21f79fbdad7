"""``commune-sim calibrate SCENARIO``: check the targets, fit, write the folder, say how it went.

The fitting itself is :mod:`sim.calibration.calibrate`. Ctrl-C, SIGTERM, a worker process that
dies or a disk that fills keeps every replication run in the cache and says how to resume.
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np

from ..errors import UsageError


def _log_to_stderr(quiet: bool):
    started = time.perf_counter()

    def log(message: str) -> None:
        if not quiet:
            print(f"[calibrate {time.perf_counter() - started:6.0f} s] {message}", file=sys.stderr, flush=True)
    return log


def default_out(scenario_path: Path) -> Path:
    from ..calibration.targets import library_name

    name = library_name(scenario_path) or Path(scenario_path).stem
    return Path("results") / ("calibrate-" + name.replace("/", "-"))


def calibrate_command(args) -> int:
    """Check everything (exit 2 on bad input), fit, write the folder; exit 1 if stopped early."""
    from concurrent.futures import BrokenExecutor

    from ..calibration.calibrate import CACHE_FILE, prepare, run_calibration
    from ..calibration.report import write_outputs
    from ..study.api import find_scenario
    from ..study.executors import Unreachable, open_workers
    from ..study.files import folder_problem
    from ..study.interrupts import shielded

    out = args.out or default_out(find_scenario(args.scenario))
    problem = folder_problem(out, inside=True)
    if problem:
        raise UsageError(problem)
    if out.exists() and any(out.iterdir()) and not args.resume:
        raise UsageError(f"--out {out} is not empty; pass --resume to continue the calibration there, or choose another folder")
    log = _log_to_stderr(args.quiet)
    started = dt.datetime.now().astimezone()
    scenario_path, key, section, base, mapping, fitter = prepare(args.scenario, args.targets, out, log,
                                                                 args.replications, getattr(args, "force_large", False))
    cached = len(fitter.evaluator.cache.records)
    if cached:
        log(f"resuming: {cached} replication runs already in {out / CACHE_FILE}")
    wall = time.perf_counter()
    resume = f"continue with --resume --out {out}"
    try:  # no more worker processes than replications run at once
        with open_workers(args.executor, args.jobs, args.scheduler,
                          tasks=max(section.replications, section.final_replications)) as workers:
            fitter.evaluator.workers = workers
            numbers = run_calibration(fitter, section, mapping, log)
    except Unreachable:
        raise  # one line from the command line: nothing ran
    except (KeyboardInterrupt, BrokenExecutor, OSError) as exc:
        kept = f"{len(fitter.evaluator.cache.records)} replication runs kept in {out / CACHE_FILE}"
        if isinstance(exc, KeyboardInterrupt):
            print(f"interrupted: {kept}; {resume}", file=sys.stderr)
        elif isinstance(exc, BrokenExecutor):
            print(f"commune-sim: a worker process died (killed, or out of memory?): {kept}; {resume}", file=sys.stderr)
        else:
            print(f"commune-sim: cannot write to {out}: {exc.strerror or exc}; {kept}; free space or make the folder "
                  f"writable, then {resume}", file=sys.stderr)
        return 1
    numbers.update(started=started, wall_seconds=time.perf_counter() - wall, runs=fitter.evaluator.runs,
                   command_line=getattr(args, "command_line", None))
    try:
        with shielded():  # a Ctrl-C now waits for the report: the fit is done
            write_outputs(out, scenario_path, args.targets, key, section, base, mapping, numbers)
    except OSError as exc:
        print(f"commune-sim: cannot write the report to {out}: {exc.strerror or exc}; every replication run is kept "
              f"in {out / CACHE_FILE}: free space or make the folder writable, then {resume} "
              "(nothing is computed again)", file=sys.stderr)
        return 1
    from ..calibration.report import print_summary, unmet_lines

    bad = [t.id for t in section.simulated_targets()
           if t.range_ is None and not t.within(float(np.mean(numbers["final"][t.id])))]
    if not args.quiet:
        print_summary(section, numbers)
    for line in unmet_lines(section, numbers):  # a range not met is never silently dropped, even with --quiet
        print(line)
    print(f"results: {out}")
    if bad:
        print(f"warning: outside tolerance after calibration: {', '.join(bad)}", file=sys.stderr)
    return 0
