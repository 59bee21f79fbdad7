"""``commune-sim staff SCENARIO``: read the request, search, write the folder, say the answer.

    commune-sim staff SCENARIO [--pools counter,back_office] [--wait-p90 MIN] [--on-time SHARE]
                      [--max-utilisation U] [--budget POOL=N ...] [--min-per-commune N]
                      [--replications N] [--seed S] [--jobs J] [--executor E] [--scheduler ADDRESS]
                      [--out DIR] [--set ...]

Minimum mode (no ``--budget``): :mod:`sim.study.staffing.minimum`. Budget mode:
:mod:`sim.study.staffing.budget`. The request and the folder: :mod:`sim.study.staffing.folder`.
Every simulation of the search runs on the same workers as ``run`` and ``compare``
(:func:`sim.study.executors.open_workers`: ``--jobs``, ``--executor``, ``--scheduler``), kept for
the whole search. Ctrl-C, SIGTERM or a worker process that dies stops the search: nothing is
written (a half-searched answer is no answer), exit 1 with one line saying why.
"""
from __future__ import annotations

import datetime as dt
import sys
import time

from .common import check_out_dir, overrides


def staff_command(args) -> int:
    """Check the request and --out (exit 2), search, write the folder, print the answer."""
    from concurrent.futures import BrokenExecutor

    from ..scenario.communes import build_communes
    from ..scenario.region import Region
    from ..study.api import find_scenario, load_scenario
    from ..study.catalogue import text
    from ..study.interrupts import speak
    from ..study.staffing.evaluate import Evaluator, with_pool_waits
    from ..study.staffing.folder import default_out, request, write_folder

    path = find_scenario(args.scenario)
    scenario = load_scenario(path, overrides(args), force_large=getattr(args, "force_large", False))
    pools, targets, budgets = request(args, scenario, len(build_communes(scenario.communes)))
    lang = scenario.outputs.language  # --lang is in it: the answer's language, and the progress line's
    speak(lang)
    out = args.out or default_out(scenario.name)
    check_out_dir(out, args.force)  # before the search: a folder that cannot be written is known now
    region = Region(with_pool_waits(scenario, targets.wait_p90_minutes))
    evaluator = Evaluator(region, pools, scenario.replications, args.jobs, args.executor, args.scheduler)
    if not args.quiet and sys.stderr.isatty():
        def on_evaluate(k: int) -> None:
            print("\r" + text("progress_staff", lang, k=k, replications=scenario.replications), end="", file=sys.stderr,
                  flush=True)
        evaluator.on_evaluate = on_evaluate
    started, clock = dt.datetime.now().astimezone(), time.perf_counter()
    try:
        try:
            with evaluator:
                before, search, after = _search(evaluator, region, pools, targets, budgets, args.min_per_commune)
        finally:
            if evaluator.on_evaluate:
                print(file=sys.stderr)  # after the progress line
    except BrokenExecutor:
        print(text("staff_worker_died", lang, why=text("stop_worker_died", lang)), file=sys.stderr)
        return 1
    summary = write_folder(out, scenario, path, search, evaluator, before, after, budgets, args, started,
                           time.perf_counter() - clock)
    if not args.quiet:
        for line in summary["answer"][lang]:
            print(line)
    print(f"results: {out}")
    return 0


def _search(evaluator, region, pools, targets, budgets, min_per_commune):
    """The scenario's staff as it is, the search (budget or minimum mode), the recommendation simulated."""
    from ..study.staffing.load import pool_loads

    loads = {p: pool_loads(region, p) for p in pools}
    before = evaluator.evaluate(evaluator.base_staff)
    if budgets:
        from ..study.staffing.budget import budget_staff

        search = budget_staff(evaluator, pools, budgets, targets, loads, min_per_commune)
    else:
        from ..study.staffing.minimum import minimum_staff

        search = minimum_staff(evaluator, pools, targets, loads, min_per_commune)
    return before, search, evaluator.evaluate(search.staff)
