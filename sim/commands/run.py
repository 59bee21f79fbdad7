"""``commune-sim run`` and ``compare``: run scenarios, print their tables, write their folders.

Both stop cleanly on Ctrl-C, SIGTERM or a worker process that dies: what finished is written
(``status: interrupted``) and the command exits 1 with one line saying why.
"""
from __future__ import annotations

import datetime as dt
import sys

from ..errors import UsageError
from .common import check_out_dir, freeze_start_up, overrides, print_periods, report_warnings


def run_command(args) -> int:
    """Check the scenario and --out (exit 2), run, print the table, write the folder (also when stopped early)."""
    from ..study.analysis import targets_for
    from ..study.api import Results, prepare_scenario
    from ..study.catalogue import stop_reason, text
    from ..study.interrupts import received, shielded, speak
    from ..study.outputs import default_out_dir, write_run
    from ..study.progress import ProgressBar
    from ..study.runner import run_replications

    extra = ["outputs.dossier_log=true"] if args.dossier_log else []
    prepared = prepare_scenario(args.scenario, overrides(args) + extra, force_large=args.force_large)
    scenario, path = prepared.scenario, prepared.path
    lang = scenario.outputs.language  # --lang is in it: the table's language, and the progress lines'
    speak(lang)
    out = args.out or default_out_dir(scenario.name)
    check_out_dir(out, args.force)  # before the computing: a folder that cannot be written is known now
    warnings = report_warnings(prepared.overloads, args.strict, path, lang, notes=prepared.region.notes)
    started = dt.datetime.now().astimezone()
    bar = ProgressBar(scenario.name[:40], lang=lang)
    freeze_start_up(args)
    try:
        runs = run_replications(scenario, jobs=args.jobs, progress=None if args.quiet else bar, region=prepared.region,
                                executor=args.executor, scheduler=args.scheduler)
    finally:
        bar.close()
    runs.warnings.extend(warnings)
    targets = targets_for(scenario.model_dump(mode="json"), args.wait_target, args.on_time_target)

    def table(folder: str) -> None:
        if not args.quiet and runs.results:
            from ..study.tables import print_run  # the terminal table and its words: not with --quiet

            print_run(Results(runs, started).summary, runs.scenario, runs.results, lang, targets, folder)

    try:
        with shielded():  # a Ctrl-C now waits: the finished replications are written whole
            written = write_run(out, runs, started, str(path), force=args.force, command_line=args.command_line,
                                targets=targets, interrupted=received)
    except Exception as exc:  # noqa: BLE001 — a failed write is a failed run
        table("")
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        print(text("write_failed_nothing_saved", lang, folder=out, reason=reason), file=sys.stderr)
        return 1
    table(str(written))
    print(f"results: {written}")
    if runs.interrupted or received():
        print(text("run_kept", lang, why=stop_reason(runs.error, lang), kept=len(runs.results),
                   total=scenario.replications, folder=written), file=sys.stderr)
        return 1
    return 0


def compare_command(args) -> int:
    """Run every scenario under common random numbers and print the paired differences to the first."""
    from ..scenario.loading import ScenarioError
    from ..study.api import prepare_scenario
    from ..study.catalogue import stop_reason, text
    from ..study.compare import compare
    from ..study.interrupts import received, shielded, speak
    from ..study.progress import ProgressBar
    from ..study.tables import print_comparison, print_worst_communes

    if len(args.scenarios) < 2:
        raise UsageError("compare needs at least two scenarios")
    loaded, problems, prepared_all = [], [], []
    for name in args.scenarios:
        try:
            prepared = prepare_scenario(name, overrides(args), force_large=args.force_large)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        loaded.append((name, prepared.scenario))
        prepared_all.append((name, prepared))
    if problems:
        raise ScenarioError(problems)
    lang = loaded[0][1].outputs.language  # the table's language (--lang is in every scenario)
    speak(lang)
    for name, prepared in prepared_all:  # the same checks as `run`, each scenario's warnings once
        report_warnings(prepared.overloads, args.strict, prepared.path, lang, label=f"{name}: ",
                        notes=prepared.region.notes)
    if args.out:
        check_out_dir(args.out, args.force)
    started = dt.datetime.now().astimezone()
    bar = ProgressBar(text("progress_compare", lang), lang=lang)
    try:
        result = compare(loaded, jobs=args.jobs, progress=None if args.quiet else bar, executor=args.executor,
                         scheduler=args.scheduler)
    finally:
        bar.close()
    if not result.runs or result.labels[0] != args.scenarios[0]:
        print(text("compare_nothing", lang), file=sys.stderr)
        return 1
    rows = result.rows()
    print_periods(result.labels, [runs.scenario for runs in result.runs], lang)
    print_comparison(rows, result.names, lang)
    for name, worst in zip(result.names, (w for _, w in result.worst())):
        print_worst_communes(worst, lang, prefix=f"{name[:40]}: ")
    if args.out:
        from ..study.outputs import write_comparison

        try:
            with shielded():
                written = write_comparison(args.out, result, rows, started, force=args.force,
                                           command_line=args.command_line, interrupted=received)
        except OSError as exc:
            print(text("write_failed_nothing_saved", lang, folder=args.out, reason=exc.strerror or exc), file=sys.stderr)
            return 1
        print(f"results: {written}")
    if result.interrupted or received():
        why = stop_reason(next((r.error for r in result.runs if r.error), None), lang)
        print(text("compare_incomplete", lang, why=why), file=sys.stderr)
        return 1
    return 0
