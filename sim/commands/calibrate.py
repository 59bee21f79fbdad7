"""``commune-sim calibrate SCENARIO``: check the targets, fit, write the folder, say how it went.

The fitting itself is :mod:`sim.calibration.calibrate`. Ctrl-C, SIGTERM, a worker process that
dies or a disk that fills keeps every replication run in the cache and says how to resume.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import sys
import time
from pathlib import Path

import numpy as np

from ..errors import UsageError


class _StderrLog:
    """The calibration's progress lines on stderr: ``log(key, **fields)`` in the catalogue's words,
    in ``lang`` (the scenario's ``outputs.language`` once it is read; English before)."""

    def __init__(self, quiet: bool):
        self.quiet, self.lang, self.started = quiet, "en", time.perf_counter()

    def __call__(self, key: str, **fields) -> None:
        from ..study.catalogue import text

        if self.quiet:
            return
        if "stage" in fields:
            fields["stage"] = self.stage(fields["stage"])
        print(text("calibrate_log", self.lang, seconds=f"{time.perf_counter() - self.started:6.0f}",
                   message=text(key, self.lang, **fields)), file=sys.stderr, flush=True)

    def stage(self, label: str) -> str:
        """The fit's label (``fit``, ``refit replication 3``: kept in English in the cache) in words."""
        from ..study.catalogue import text

        if label == "fit":
            return text("calibrate_stage_fit", self.lang)
        if label.startswith("refit replication "):
            return text("calibrate_stage_refit", self.lang, replication=label.rsplit(" ", 1)[-1])
        return label


def file_sha256(path: Path) -> str | None:
    """SHA-256 of a file's bytes; None if it cannot be read again (it was, a moment before)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def default_out(scenario_path: Path) -> Path:
    from ..calibration.targets import library_name

    name = library_name(scenario_path) or Path(scenario_path).stem
    return Path("results") / ("calibrate-" + name.replace("/", "-"))


def calibrate_command(args) -> int:
    """Check everything (exit 2 on bad input), fit, write the folder; exit 1 if stopped early."""
    from concurrent.futures import BrokenExecutor

    from ..calibration.calibrate import CACHE_FILE, prepare, run_calibration
    from ..calibration.report import write_outputs
    from ..calibration.targets import default_targets
    from ..study.api import find_scenario
    from ..study.catalogue import text
    from ..study.executors import Unreachable, open_workers
    from ..study.files import folder_problem
    from ..study.interrupts import shielded, speak

    out = args.out or default_out(find_scenario(args.scenario))
    problem = folder_problem(out, inside=True)
    if problem:
        raise UsageError(problem)
    if out.exists() and any(out.iterdir()) and not args.resume:
        raise UsageError(f"--out {out} is not empty; pass --resume to continue the calibration there, or choose another folder")
    log = _StderrLog(args.quiet)
    started = dt.datetime.now().astimezone()
    targets, bundled = default_targets(args.targets)
    scenario_path, key, section, base, mapping, fitter = prepare(args.scenario, targets, out, log,
                                                                 args.replications, getattr(args, "force_large", False))
    targets_sha256 = file_sha256(targets)  # the file just read: fitted.json records which one was used
    lang = log.lang = base.outputs.language  # the scenario's language (calibrate has no --lang)
    speak(lang)
    log("calibrate_targets_bundled" if bundled else "calibrate_targets", path=targets)
    cached = len(fitter.evaluator.cache.records)
    if cached:
        log("calibrate_resuming", runs=cached, path=out / CACHE_FILE)
    wall = time.perf_counter()
    resume = text("calibrate_resume_hint", lang, folder=out)
    try:  # no more worker processes than replications run at once
        with open_workers(args.executor, args.jobs, args.scheduler,
                          tasks=max(section.replications, section.final_replications)) as workers:
            fitter.evaluator.workers = workers
            numbers = run_calibration(fitter, section, mapping, log)
    except Unreachable:
        raise  # one line from the command line: nothing ran
    except (KeyboardInterrupt, BrokenExecutor, OSError) as exc:
        kept = text("calibrate_kept", lang, runs=len(fitter.evaluator.cache.records), path=out / CACHE_FILE)
        if isinstance(exc, KeyboardInterrupt):
            print(text("calibrate_interrupted", lang, kept=kept, resume=resume), file=sys.stderr)
        elif isinstance(exc, BrokenExecutor):
            print(text("calibrate_worker_died", lang, kept=kept, resume=resume), file=sys.stderr)
        else:
            print(text("calibrate_cannot_write", lang, folder=out, reason=exc.strerror or exc, kept=kept, resume=resume),
                  file=sys.stderr)
        return 1
    numbers.update(started=started, wall_seconds=time.perf_counter() - wall, runs=fitter.evaluator.runs,
                   command_line=getattr(args, "command_line", None), targets_sha256=targets_sha256)
    try:
        with shielded():  # a Ctrl-C now waits for the report: the fit is done
            write_outputs(out, scenario_path, targets, key, section, base, mapping, numbers)
    except OSError as exc:
        print(text("calibrate_cannot_write_report", lang, folder=out, reason=exc.strerror or exc, path=out / CACHE_FILE,
                   resume=resume), file=sys.stderr)
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
        print(text("calibrate_outside_tolerance", lang, targets=", ".join(bad)), file=sys.stderr)
    return 0
