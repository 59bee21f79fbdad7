"""What the commands share: the options that become scenario overrides, the output folder
checked before anything runs, the warnings printed (or refused with ``--strict``), the period."""
from __future__ import annotations

import gc
import sys
from pathlib import Path

from ..errors import UsageError


def overrides(args) -> list[str]:
    """``--set`` values, then ``--wait-target``/``--on-time-target``, ``--lang``, ``--replications`` and
    ``--seed`` as the overrides they stand for."""
    out = list(args.overrides) + target_overrides(args)
    if getattr(args, "lang", None):
        out.append(f"outputs.language={args.lang}")
    if getattr(args, "replications", None) is not None:
        out.append(f"replications={args.replications}")
    if getattr(args, "seed", None) is not None:
        out.append(f"seed={args.seed}")
    return out


def target_overrides(args) -> list[str]:
    """--wait-target / --on-time-target as the scenario's outputs.targets, so the resolved
    scenario (manifest) and summary.json count against the same targets the table shows."""
    out = [f"outputs.targets.wait_p90_minutes={args.wait_target}"] if getattr(args, "wait_target", None) else []
    if getattr(args, "on_time_target", None) is not None:
        out.append(f"outputs.targets.on_time_share={args.on_time_target}")
    return out


def check_out_dir(out: Path, force: bool) -> None:
    from ..study.files import folder_problem

    problem = folder_problem(out)
    if problem:
        raise UsageError(problem)
    if out.exists() and any(out.iterdir()) and not force:
        raise UsageError(f"--out {out} is not empty; choose another folder or pass --force")


def report_warnings(overloads, strict: bool, path, lang: str = "en", label: str = "", notes=()) -> list[str]:
    """Overload warnings (``sim.scenario.checks.Overload``, one line per pool) on stderr in ``lang``, from
    the catalogue; with --strict, an error (exit 2) made of the same lines. ``notes``, what building the
    region assumed (imputed populations...), are printed first, in English as the region wrote them.
    Returns the lines for the manifest: notes aside, the overloads' English text (data)."""
    from ..scenario.loading import Position, Problem, ScenarioError

    shown = []
    if overloads:  # the catalogue's words only when there is something to say (a tiny run's start-up)
        from ..study import overload_words

        shown = overload_words.lines(overloads, lang)
    if shown and strict:
        raise ScenarioError([Problem(Position(str(path), None, None), "staff", w) for w in shown])
    for note in notes:  # the notes (what building the region assumed) reach the manifest too
        print(f"warning: {label}{note}", file=sys.stderr)
    if shown:
        from ..study.catalogue import text

        for w in shown:
            print(text("warning_line", lang, line=f"{label}{w}"), file=sys.stderr)
    return [o.text() for o in overloads]


def print_periods(labels: list[str], scenarios: list, lang: str) -> None:
    """Each scenario's simulated dates, days and working days (a name may not say them right)."""
    from ..scenario.region import period
    from ..study.catalogue import period_detail

    for label, scenario in zip(labels, scenarios):
        print(f"{label}: {period_detail(period(scenario), lang)}")


def pause_collector(args) -> None:
    """Start-up of ``run`` in the ``commune-sim`` process: no cyclic garbage collection while
    the modules are imported and the scenario is checked. The heap grows from nothing to some
    300,000 long-lived objects then, and the collector would scan it again and again (about
    10 ms of a tiny run) to find a few dozen objects of garbage. :func:`freeze_start_up`
    resumes it."""
    gc.disable()
    args.collector_paused = True


def freeze_start_up(args) -> None:
    """In the ``commune-sim`` process only (not in a test or notebook calling ``main``): move
    what start-up allocated (modules, classes, the scenario, all living as long as the process)
    out of reach of the cyclic garbage collector, so that the collection before each simulation
    (sim.engine.model) does not scan it again (about 15 ms of a tiny run); then resume the
    collector if start-up paused it. Not elsewhere: frozen garbage is never freed, and a
    process that runs many commands would keep each one's."""
    if getattr(args, "process_exits", False):
        gc.freeze()
    if getattr(args, "collector_paused", False):
        gc.enable()
        args.collector_paused = False
