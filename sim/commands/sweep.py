"""``commune-sim sweep EXPERIMENT.yaml``: check the options and the experiment, run it, say how it went.

The sweep itself is :mod:`sim.study.sweep`; its folder :mod:`sim.study.sweep_folder`.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UsageError


def sweep_command(args) -> int:
    """Validate the experiment and the output folder (exit 2 on a problem), then run it; exit 1 if it stopped early."""
    from ..scenario.loading import Position, Problem, ScenarioError
    from ..study import sweep
    from ..study.catalogue import stop_reason, text
    from ..study.experiments import load_experiment
    from ..study.files import folder_problem
    from ..study.interrupts import speak
    from ..study.overload_words import across_lines
    from ..study.progress import ProgressBar
    from ..study.executors import Unreachable
    from ..study.sweep_folder import language, prepare_out

    force_large, strict = getattr(args, "force_large", False), getattr(args, "strict", False)
    experiment = load_experiment(args.experiment, force_large=force_large)
    lang = language(experiment)  # the language of the sweep's tables, and of its progress lines
    speak(lang)
    lines = across_lines(experiment, lang)
    if lines and strict:
        raise ScenarioError([Problem(Position(str(args.experiment), None, None), "staff", line) for line in lines])
    for line in lines:  # one line per pool, whatever the number of variants
        print(text("warning_line", lang, line=line), file=sys.stderr)
    out = args.out or Path("results") / Path(args.experiment).stem
    problem = folder_problem(out, inside=True) or prepare_out(experiment, out, args.resume)
    if problem:
        raise UsageError(problem)
    bar = ProgressBar(experiment.spec.name[:30], lang=lang)
    try:
        result = sweep.run_sweep(experiment, out, args.executor, args.jobs, args.scheduler,
                           progress=None if args.quiet else bar, command_line=getattr(args, "command_line", None))
    except Unreachable:
        raise  # one line from the command line
    except OSError as exc:  # before any run: the folder cannot be made
        print(text("sweep_cannot_start", lang, folder=out, reason=exc.strerror or exc), file=sys.stderr)
        return 1
    finally:
        bar.close()
    runs = result.manifest.get("runs") or {}
    if result.summary is None:  # stopped by a write error: the runs on disk are kept, the folder resumable
        print(text("sweep_write_stopped", lang, error=result.manifest["error"], folder=out), file=sys.stderr)
        return 1
    if args.resume and not args.quiet:
        print(text("sweep_resume", lang, found=runs["found_on_disk"], run=runs["executed_this_invocation"]),
              file=sys.stderr)
    if not args.quiet:
        print_summary(result.summary, experiment)
        print_worst_communes(out / "worst_communes.csv", language(experiment))
    print(f"results: {out}")
    if result.status != "complete":
        status = text("stop_failed_short" if result.status == "failed" else "stop_interrupted_short", lang)
        print(text("sweep_stopped", lang, status=status, finished=runs["finished"], expected=runs["expected"],
                   error=stop_reason(result.manifest.get("error"), lang)), file=sys.stderr)
        return 1
    return 0


def print_summary(summary, experiment) -> None:
    """The terminal table (sim/study/tables.py), in the language of the base scenario, after the
    simulated dates (one line if every variant simulates the same)."""
    from ..scenario.region import period
    from ..study.catalogue import period_detail
    from ..study.sweep_folder import language
    from ..study.tables import print_sweep

    lang = language(experiment)
    periods = {period_detail(period(v.scenario), lang) for v in experiment.variants}
    if len(periods) == 1:
        print(periods.pop())
    print_sweep(summary, experiment, lang)


def print_worst_communes(path: Path, lang: str = "en") -> None:
    """One line per variant: its worst commune by p90 wait, in the catalogue's words."""
    import pandas as pd

    from ..study.catalogue import number, text

    if not path.is_file():
        return
    table = pd.read_csv(path)
    for row in table[table["figure"] == "p90_wait_minutes"].itertuples():
        print(f"{row.variant}: " + text("worst_commune_wait", lang, name=row.commune,
                                        value=number(row.value, "{:.1f}", lang)))
