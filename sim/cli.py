"""The ``commune-sim`` command line.

Exit codes: 0 success, 1 a run that failed, 2 bad input or usage. Bad input is reported
as ``file:line:column: key.path: message (got VALUE)``, every problem at once, and
nothing is written. Results go to stdout; progress and problems to stderr.
Heavy libraries are imported inside the commands, so ``--help`` answers at once.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from .errors import UsageError

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="commune-sim", description="Simulate the administrative workload of "
                                     "Vietnam's communes: run, compare and check scenarios.")
    parser.add_argument("--version", action="version", version=f"commune-sim {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    run = sub.add_parser("run", help="run a scenario and write its output folder",
                         description="Run a scenario (default: Hanoi, 1-13 July 2025) and write manifest.json, summary.json and communes.csv.")
    run.add_argument("scenario", nargs="?", help="scenario file or library name (see `commune-sim list`)")
    _add_run_options(run)
    run.add_argument("--out", type=Path, help="output folder (default: results/<scenario>-<time>)")
    run.add_argument("--force", action="store_true", help="write into a non-empty --out folder, replacing it")
    run.add_argument("--dossier-log", action="store_true", help="also write dossiers.parquet (one row per dossier)")
    _add_check_options(run)
    _add_language(run)
    _add_targets(run)

    validate = sub.add_parser("validate", help="check scenario files without running them (the same checks as run)")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                          help="check with this override applied to every file, as `run --set` would (repeatable)")
    _add_check_options(validate)

    compare = sub.add_parser("compare", help="run scenarios with common random numbers and compare them side by side",
                             description="Run each scenario with the first one's seed and replications (common random numbers) "
                                         "and print each key figure with the paired difference to the first scenario and its 95% CI.")
    compare.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="two or more scenario files or library names")
    _add_run_options(compare)
    compare.add_argument("--out", type=Path, help="also write comparison.csv and manifest.json to this folder")
    compare.add_argument("--force", action="store_true", help="write into a non-empty --out folder, replacing it")
    _add_check_options(compare)
    _add_language(compare)
    _add_targets(compare)

    sweep = sub.add_parser("sweep", help="run an experiment: every variant x replication, tidy results and plots",
                           description="Run the experiment file's variants x replications with common random numbers; "
                                       "write results (Parquet and CSV), a manifest and the plots.")
    sweep.add_argument("experiment", type=Path, metavar="EXPERIMENT.yaml")
    sweep.add_argument("--jobs", type=_positive_int, default=1, metavar="N", help="worker processes (local executor)")
    sweep.add_argument("--executor", choices=["inprocess", "local", "dask"], default="local",
                       help="where runs execute: this process, local processes (--jobs), or Dask distributed")
    sweep.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (default: a LocalCluster)")
    sweep.add_argument("--out", type=Path, help="output folder (default: results/<experiment>)")
    sweep.add_argument("--resume", action="store_true", help="run only the runs missing from --out")
    sweep.add_argument("--quiet", action="store_true", help="no progress")
    _add_check_options(sweep)

    calibrate = sub.add_parser("calibrate", help="fit a scenario's free parameters to reported figures",
                               description="Fit the free parameters named in the targets file with scipy.optimize under "
                                           "common random numbers; write fitted values with uncertainty, a scenario that "
                                           "extends the input, and a report.")
    calibrate.add_argument("scenario", metavar="SCENARIO", help="scenario file or library name")
    calibrate.add_argument("--targets", type=Path, default=Path("calibration/targets.yaml"), help="targets file")
    calibrate.add_argument("--replications", type=_positive_int, metavar="N", help="replications per evaluation")
    calibrate.add_argument("--jobs", type=_positive_int, default=1, metavar="J", help="worker processes")
    calibrate.add_argument("--out", type=Path, help="output folder (default: results/calibrate-<scenario>)")
    calibrate.add_argument("--resume", action="store_true", help="continue an interrupted calibration in --out")
    calibrate.add_argument("--quiet", action="store_true", help="no progress")
    calibrate.add_argument("--force-large", action="store_true", help=FORCE_LARGE_HELP)

    staff = sub.add_parser("staff", help="recommend staff per commune: the fewest that meet targets, or the best spread of a budget",
                           description="Minimum mode (no --budget): for every commune and listed pool, the fewest staff with which "
                                       "the commune meets every target given. Budget mode (--budget POOL=N): share exactly N staff "
                                       "of each pool among the communes for the most communes meeting the targets, then the "
                                       "smallest worst p90 wait. Writes staffing.csv, recommended.yaml, summary.json, staffing.png.")
    staff.add_argument("scenario", metavar="SCENARIO", help="scenario file or library name")
    staff.add_argument("--pools", metavar="P1,P2", help="pools to staff (default: counter,back_office; in budget mode the budget pools)")
    staff.add_argument("--wait-p90", type=_positive_float, metavar="MIN", help="target: p90 wait at each listed pool, working minutes")
    staff.add_argument("--on-time", type=_share, metavar="SHARE", help="target: on-time share of each commune's dossiers")
    staff.add_argument("--max-utilisation", type=_utilisation, metavar="U", help="target: expected utilisation of each pool (0-1]")
    staff.add_argument("--budget", action="append", metavar="POOL=N", help="budget mode: share exactly N staff of POOL (repeatable)")
    staff.add_argument("--confident", action="store_true",
                       help="a commune meets a target only if the whole 95%% interval of its estimate does")
    staff.add_argument("--min-per-commune", type=_non_negative_int, default=1, metavar="N", help="no commune gets fewer (default 1)")
    staff.add_argument("--out", type=Path, help="output folder (default: results/staff-<scenario>-<time>)")
    staff.add_argument("--force", action="store_true", help="write into a non-empty --out folder, replacing it")
    _add_language(staff, "language of the answer and the plot: vi (tiếng Việt) or en (default: the scenario's outputs.language)")
    _add_run_options(staff)

    report = sub.add_parser("report", help="write a self-contained HTML report of a run, compare or sweep folder",
                            description="Write one HTML file (images embedded, opens offline) with the findings, key "
                                        "figures with 95%% intervals, the communes that miss a target, plots, "
                                        "assumptions and provenance of an output folder; --pdf also prints it to PDF.")
    report.add_argument("folder", type=Path, metavar="DIR", help="the output folder of run, compare, sweep (or staff)")
    _add_language(report, "language (default: the scenario's outputs.language, else en)")
    report.add_argument("--out", type=Path, metavar="FILE.html", help="where to write (default: DIR/report-<lang>.html)")
    report.add_argument("--pdf", action="store_true", help="also print the report to PDF (beside the HTML) with Chromium")
    _add_targets(report)

    sub.add_parser("list", help="list the scenario library with one line each")

    schema = sub.add_parser("schema", help="print the JSON Schema of scenario files (for editors)")
    schema.add_argument("--out", type=Path, help="write to this file instead of stdout")
    return parser


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--replications", type=_positive_int, metavar="N", help="number of replications (default: the scenario's)")
    p.add_argument("--seed", type=_non_negative_int, metavar="S", help="root random seed (default: the scenario's)")
    p.add_argument("--jobs", type=_positive_int, default=1, metavar="J",
                   help="worker processes, for replications and shards of large regions (results do not depend on it)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override a scenario field by its dotted path; VALUE is parsed as YAML (repeatable)")
    p.add_argument("--quiet", action="store_true", help="no progress and no table; only the output folder path")


FORCE_LARGE_HELP = "run even beyond the size limits (communes, expected dossiers, runs): see README, Before a run"


def _add_check_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--strict", action="store_true", help="refuse (exit 2) when a pool's expected utilisation is 1 or more")
    p.add_argument("--force-large", action="store_true", help=FORCE_LARGE_HELP)


def _add_language(p: argparse.ArgumentParser, text: str | None = None) -> None:
    p.add_argument("--lang", choices=["vi", "en"], help=text or "language of the table and plots: vi (tiếng Việt) or en "
                   "(default: the scenario's outputs.language)")


def _add_targets(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wait-target", type=_positive_float, metavar="MIN",
                   help="a commune misses the target when 90%% of its dossiers are not served within MIN working "
                        "minutes (default: the scenario's, else 30)")
    p.add_argument("--on-time-target", type=_share, metavar="SHARE",
                   help="a commune misses the target when its on-time share is below SHARE (default: the scenario's, else 0.95)")


def _target_overrides(args) -> list[str]:
    """--wait-target / --on-time-target as the scenario's outputs.targets, so the resolved
    scenario (manifest) and summary.json count against the same targets the table shows."""
    out = [f"outputs.targets.wait_p90_minutes={args.wait_target}"] if getattr(args, "wait_target", None) else []
    if getattr(args, "on_time_target", None) is not None:
        out.append(f"outputs.targets.on_time_share={args.on_time_target}")
    return out


def _utilisation(text: str) -> float:
    value = _share(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be above 0 (got {text!r})")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number (got {text!r})") from None
    if not (0 < value < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a positive number (got {text!r})")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number between 0 and 1 (got {text!r})") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (got {text!r})")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {text!r})")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative (got {text!r})")
    return value


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _parser()
    unknown = _unknown_command(argv)
    if unknown:
        parser.error(unknown)  # exit 2, like every usage error argparse finds
    args = parser.parse_args(argv)
    args.command_line = ["commune-sim", *argv]
    from .scenario.loading import ScenarioError
    from .study.interrupts import handle_signals

    with handle_signals():  # SIGTERM is Ctrl-C; a second one never tears what is being written
        try:
            return COMMANDS[args.command](args)
        except ScenarioError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        except UsageError as exc:
            print(f"commune-sim: error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 1


def _unknown_command(argv: list[str]) -> str | None:
    """A first word that is no command, with a did-you-mean (argparse only lists the choices)."""
    import difflib

    word = next((a for a in argv if not a.startswith("-")), None)
    if word is None or word in COMMANDS or (argv and argv[0].startswith("-") and argv[0] not in ("--", "-h", "--help")):
        return None
    close = difflib.get_close_matches(word, list(COMMANDS), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; commands: {', '.join(COMMANDS)}"
    return f"unknown command {word!r}{hint}"


# -------------------------------------------------------------------- commands
def _overrides(args) -> list[str]:
    overrides = list(args.overrides) + _target_overrides(args)
    if getattr(args, "lang", None):
        overrides.append(f"outputs.language={args.lang}")
    if getattr(args, "replications", None) is not None:
        overrides.append(f"replications={args.replications}")
    if getattr(args, "seed", None) is not None:
        overrides.append(f"seed={args.seed}")
    return overrides


def cmd_run(args) -> int:
    from .study.analysis import targets_for
    from .study.api import Results, prepare_scenario
    from .study.interrupts import received, shielded
    from .study.outputs import default_out_dir, write_run
    from .study.progress import ProgressBar
    from .study.runner import run_replications
    from .study.tables import print_run

    extra = ["outputs.dossier_log=true"] if args.dossier_log else []
    prepared = prepare_scenario(args.scenario, _overrides(args) + extra, force_large=args.force_large)
    scenario, path = prepared.scenario, prepared.path
    out = args.out or default_out_dir(scenario.name)
    check_out_dir(out, args.force)  # before the computing: a folder that cannot be written is known now
    warnings = report_warnings(prepared.warnings, args.strict, path, notes=prepared.region.notes)
    started = dt.datetime.now().astimezone()
    bar = ProgressBar(scenario.name[:40])
    try:
        runs = run_replications(scenario, jobs=args.jobs, progress=None if args.quiet else bar, region=prepared.region)
    finally:
        bar.close()
    runs.warnings.extend(warnings)
    targets = targets_for(scenario.model_dump(mode="json"), args.wait_target, args.on_time_target)

    def table(folder: str) -> None:
        if not args.quiet and runs.results:
            print_run(Results(runs, started).summary, runs.scenario, runs.results, scenario.outputs.language, targets,
                      folder)

    try:
        with shielded():  # a Ctrl-C now waits: the finished replications are written whole
            written = write_run(out, runs, started, str(path), force=args.force, command_line=args.command_line,
                                targets=targets, interrupted=received)
    except Exception as exc:  # noqa: BLE001 — a failed write is a failed run
        table("")
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        print(f"commune-sim: could not write {out}: {reason}; nothing was saved", file=sys.stderr)
        return 1
    table(str(written))
    print(f"results: {written}")
    if runs.interrupted or received():
        why = runs.error or "interrupted (Ctrl-C or SIGTERM)"
        print(f"{why}: {len(runs.results)} of {scenario.replications} replications kept in {written}", file=sys.stderr)
        return 1
    return 0


def check_out_dir(out: Path, force: bool) -> None:
    from .study.files import folder_problem

    problem = folder_problem(out)
    if problem:
        raise UsageError(problem)
    if out.exists() and any(out.iterdir()) and not force:
        raise UsageError(f"--out {out} is not empty; choose another folder or pass --force")


def report_warnings(warnings: list[str], strict: bool, path, label: str = "", notes=()) -> list[str]:
    """Overload warnings (one line per pool) on stderr; with --strict, an error (exit 2).
    ``notes``, what building the region assumed (imputed populations...), are printed too."""
    from .scenario.loading import Position, Problem, ScenarioError

    if warnings and strict:
        raise ScenarioError([Problem(Position(str(path), None, None), "staff", w) for w in warnings])
    for w in [*notes, *warnings]:  # the notes (what building the region assumed) reach the manifest too
        print(f"warning: {label}{w}", file=sys.stderr)
    return warnings


def cmd_compare(args) -> int:
    from .scenario.loading import ScenarioError
    from .study.api import prepare_scenario
    from .study.compare import compare
    from .study.interrupts import received, shielded
    from .study.progress import ProgressBar
    from .study.tables import print_comparison, print_worst_communes

    if len(args.scenarios) < 2:
        raise UsageError("compare needs at least two scenarios")
    loaded, problems, prepared_all = [], [], []
    for name in args.scenarios:
        try:
            prepared = prepare_scenario(name, _overrides(args), force_large=args.force_large)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        loaded.append((name, prepared.scenario))
        prepared_all.append((name, prepared))
    if problems:
        raise ScenarioError(problems)
    for name, prepared in prepared_all:  # the same checks as `run`, each scenario's warnings once
        report_warnings(prepared.warnings, args.strict, prepared.path, label=f"{name}: ", notes=prepared.region.notes)
    if args.out:
        check_out_dir(args.out, args.force)
    started = dt.datetime.now().astimezone()
    bar = ProgressBar("compare")
    try:
        result = compare(loaded, jobs=args.jobs, progress=None if args.quiet else bar)
    finally:
        bar.close()
    if not result.runs or result.labels[0] != args.scenarios[0]:
        print("interrupted before a replication of the first scenario finished: nothing to compare", file=sys.stderr)
        return 1
    rows = result.rows()
    lang = result.runs[0].scenario.outputs.language
    print_periods(result.labels, [runs.scenario for runs in result.runs], lang)
    print_comparison(rows, result.names, lang)
    for name, worst in zip(result.names, (w for _, w in result.worst())):
        print_worst_communes(worst, lang, prefix=f"{name[:40]}: ")
    if args.out:
        from .study.outputs import write_comparison

        try:
            with shielded():
                written = write_comparison(args.out, result, rows, started, force=args.force,
                                           command_line=args.command_line, interrupted=received)
        except OSError as exc:
            print(f"commune-sim: could not write {args.out}: {exc.strerror or exc}; nothing was saved", file=sys.stderr)
            return 1
        print(f"results: {written}")
    if result.interrupted or received():
        why = next((r.error for r in result.runs if r.error), None) or "interrupted (Ctrl-C or SIGTERM)"
        print(f"{why}: the comparison is incomplete", file=sys.stderr)
        return 1
    return 0


def print_periods(labels: list[str], scenarios: list, lang: str) -> None:
    """Each scenario's simulated dates, days and working days (a name may not say them right)."""
    from .scenario.region import period
    from .study.catalogue import period_detail

    for label, scenario in zip(labels, scenarios):
        print(f"{label}: {period_detail(period(scenario), lang)}")


def cmd_validate(args) -> int:
    """Every check `run` makes before it runs, and nothing more: the overload warnings too."""
    from .scenario.loading import ScenarioError
    from .study.api import prepare_scenario

    problems = []
    for file in args.files:
        try:
            prepared = prepare_scenario(file, args.overrides, force_large=args.force_large)
            report_warnings(prepared.warnings, args.strict, prepared.path, label=f"{file}: ",
                            notes=prepared.region.notes)
            print(f"{file}: ok")
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return 0


def cmd_list(args) -> int:
    from .scenario.library import library

    for name, description in library():
        print(f"{name:<44} {description}")
    return 0


def cmd_schema(args) -> int:
    from .scenario.schema import Scenario

    text = json.dumps(scenario_json_schema(Scenario), indent=2, ensure_ascii=False) + "\n"
    if args.out:
        from .study.files import file_problem, write_text

        problem = file_problem(args.out)
        if problem:
            raise UsageError(problem)
        try:
            write_text(args.out, text)
        except OSError as exc:
            print(f"commune-sim: could not write {args.out}: {exc.strerror or exc}", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return 0


def scenario_json_schema(model) -> dict:
    schema = model.model_json_schema(by_alias=True)
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["title"] = "commune-sim scenario"
    return schema


def cmd_sweep(args) -> int:
    """``commune-sim sweep``: validate the experiment, then run it (see :mod:`sim.study.sweep`)."""
    from .study.sweep import run_sweep_command

    return run_sweep_command(args)


def cmd_calibrate(args) -> int:
    from .calibration.calibrate import calibrate_command

    return calibrate_command(args)


def cmd_staff(args) -> int:
    """``commune-sim staff``: see :mod:`sim.study.staffing.command`."""
    from .study.staffing.command import staff_command

    return staff_command(args)


def cmd_report(args) -> int:
    """``commune-sim report``: one self-contained HTML file (see :mod:`sim.study.report`)."""
    from .study.report.command import report_command

    return report_command(args)


COMMANDS = {"run": cmd_run, "compare": cmd_compare, "sweep": cmd_sweep, "calibrate": cmd_calibrate,
            "report": cmd_report, "staff": cmd_staff, "validate": cmd_validate, "list": cmd_list, "schema": cmd_schema}
