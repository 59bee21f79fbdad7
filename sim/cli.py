"""The ``commune-sim`` command line.

Exit codes: 0 success, 1 a run that failed, 2 bad input or usage. Bad input is reported
as ``file:line:column: key.path: message (got VALUE)``, every problem at once, and
nothing is written. Results go to stdout; progress and problems to stderr.
Heavy libraries are imported inside the commands, so ``--help`` answers at once.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import UsageError


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser. With ``command`` (a command named first on the line) only that
    command's sub-parser is built: parsing that line never looks at the others, and each costs
    about a millisecond of every start-up. Without (no command, or ``--help`` before it) all of
    them, so that the list of commands is printed."""
    parser = argparse.ArgumentParser(prog="commune-sim", description="Simulate the administrative workload of "
                                     "Vietnam's communes: run, compare and check scenarios.")
    parser.add_argument("--version", action="version", version=f"commune-sim {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, add in _SUB_PARSERS.items():
        if command is None or name == command:
            add(sub)
    return parser


def _add_run(sub) -> None:
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


def _add_validate(sub) -> None:
    validate = sub.add_parser("validate", help="check scenario files without running them (the same checks as run)")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                          help="check with this override applied to every file, as `run --set` would (repeatable)")
    _add_check_options(validate)


def _add_compare(sub) -> None:
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


def _add_sweep(sub) -> None:
    sweep = sub.add_parser("sweep", help="run an experiment: every variant x replication, tidy results and plots",
                           description="Run the experiment file's variants x replications with common random numbers; "
                                       "write results (Parquet and CSV), a manifest and the plots.")
    sweep.add_argument("experiment", type=Path, metavar="EXPERIMENT.yaml")
    sweep.add_argument("--jobs", type=_jobs, default=1, metavar="N",
                       help="worker processes (local processes, or a Dask LocalCluster); 'auto': one per core")
    _add_executor(sweep)
    sweep.add_argument("--out", type=Path, help="output folder (default: results/<experiment>)")
    sweep.add_argument("--resume", action="store_true", help="run only the runs missing from --out")
    sweep.add_argument("--quiet", action="store_true", help="no progress")
    _add_check_options(sweep)


def _add_calibrate(sub) -> None:
    calibrate = sub.add_parser("calibrate", help="fit a scenario's free parameters to reported figures",
                               description="Fit the free parameters named in the targets file with scipy.optimize under "
                                           "common random numbers; write fitted values with uncertainty, a scenario that "
                                           "extends the input, and a report.")
    calibrate.add_argument("scenario", metavar="SCENARIO", help="scenario file or library name")
    calibrate.add_argument("--targets", type=Path, metavar="FILE",
                           help="targets file (default: calibration/targets.yaml in the current folder if there is "
                                "one, else the one shipped with commune-sim)")
    calibrate.add_argument("--replications", type=_positive_int, metavar="N", help="replications per evaluation")
    calibrate.add_argument("--jobs", type=_jobs, default=1, metavar="J", help="worker processes; 'auto': one per core")
    _add_executor(calibrate)
    calibrate.add_argument("--out", type=Path, help="output folder (default: results/calibrate-<scenario>)")
    calibrate.add_argument("--resume", action="store_true", help="continue an interrupted calibration in --out")
    calibrate.add_argument("--quiet", action="store_true", help="no progress")
    calibrate.add_argument("--force-large", action="store_true", help=FORCE_LARGE_HELP)


def _add_staff(sub) -> None:
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


def _add_report(sub) -> None:
    report = sub.add_parser("report", help="write a self-contained HTML report of a run, compare or sweep folder",
                            description="Write one HTML file (images embedded, opens offline) with the findings, key "
                                        "figures with 95% intervals, the communes that miss a target, plots, "
                                        "assumptions and provenance of an output folder; --pdf also prints it to PDF.")
    report.add_argument("folder", type=Path, metavar="DIR", help="the output folder of run, compare, sweep (or staff)")
    _add_language(report, "language (default: the scenario's outputs.language, else en)")
    report.add_argument("--out", type=Path, metavar="FILE.html", help="where to write (default: DIR/report-<lang>.html)")
    report.add_argument("--pdf", action="store_true", help="also print the report to PDF (beside the HTML) with Chromium")
    _add_targets(report)


def _add_list(sub) -> None:
    sub.add_parser("list", help="list the scenario library with one line each")


def _add_schema(sub) -> None:
    schema = sub.add_parser("schema", help="print the JSON Schema of scenario files (for editors)")
    schema.add_argument("--out", type=Path, help="write to this file instead of stdout")


# Each command's sub-parser, in the order --help lists the commands.
_SUB_PARSERS = {"run": _add_run, "validate": _add_validate, "compare": _add_compare, "sweep": _add_sweep,
                "calibrate": _add_calibrate, "staff": _add_staff, "report": _add_report, "list": _add_list,
                "schema": _add_schema}


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--replications", type=_positive_int, metavar="N", help="number of replications (default: the scenario's)")
    p.add_argument("--seed", type=_non_negative_int, metavar="S", help="root random seed (default: the scenario's)")
    p.add_argument("--jobs", type=_jobs, default="auto", metavar="J",
                   help="worker processes, for replications and shards of large regions, or 'auto': one per core this "
                        "process may use (default; results do not depend on it)")
    _add_executor(p)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override a scenario field by its dotted path; VALUE is parsed as YAML (repeatable)")
    p.add_argument("--quiet", action="store_true", help="no progress and no table; only the output folder path")


def _add_executor(p: argparse.ArgumentParser) -> None:
    p.add_argument("--executor", choices=["inprocess", "local", "dask"], default="local",
                   help="where the work runs: this process, local processes (--jobs), or Dask distributed; "
                        "results do not depend on it")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (default: a LocalCluster of --jobs)")


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


def _jobs(text: str) -> int:
    """A number of worker processes, or ``auto``: one per core this process may use (never
    more processes than tasks are started, so a single task still runs in this process)."""
    if text.strip().lower() == "auto":
        return usable_cores()
    try:
        return _positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"must be a whole number of processes, at least 1, or auto (got {text!r})") from None


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, which container limits set), else
    the machine's count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # no affinity on this platform
        return os.cpu_count() or 1


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


def entry() -> None:
    """The ``commune-sim`` program: :func:`main`, then the process ends with its exit code."""
    # pydantic looks for plugins (entry points of the group "pydantic") in the metadata of every
    # installed distribution when it builds its first validator: about 3 ms of every run, for
    # plugins that observe validation, which this program has no use for. An explicit setting of
    # the variable (even empty: plugins on) is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    raise SystemExit(main(process_exits=True))


def main(argv: list[str] | None = None, process_exits: bool = False) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _parser(argv[0] if argv and argv[0] in COMMANDS else None)
    unknown = _unknown_command(argv)
    if unknown:
        parser.error(unknown)  # exit 2, like every usage error argparse finds
    args = parser.parse_args(argv)
    args.command_line = ["commune-sim", *argv]
    args.process_exits = process_exits
    if process_exits and args.command == "run":
        from .commands.common import pause_collector

        pause_collector(args)  # resumed once the run is ready to simulate (freeze_start_up)
    from .scenario.loading import ScenarioError
    from .study.executors import Unreachable, options_problem
    from .study.interrupts import handle_signals, language

    with handle_signals(process_exits):  # SIGTERM is Ctrl-C; a second one never tears what is being written
        try:
            if hasattr(args, "executor") and options_problem(args.executor, args.scheduler):
                raise UsageError(options_problem(args.executor, args.scheduler))  # exit 2, nothing written
            return COMMANDS[args.command](args)
        except ScenarioError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        except UsageError as exc:
            print(f"commune-sim: error: {exc}", file=sys.stderr)
            return 2
        except Unreachable as exc:
            print(f"commune-sim: {exc}; nothing was run", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            from .study.catalogue import text

            print(text("stop_interrupted_short", language()), file=sys.stderr)
            return 1


def _unknown_command(argv: list[str]) -> str | None:
    """A first word that is no command, with a did-you-mean (argparse only lists the choices)."""
    word = next((a for a in argv if not a.startswith("-")), None)
    if word is None or word in COMMANDS or (argv and argv[0].startswith("-") and argv[0] not in ("--", "-h", "--help")):
        return None
    import difflib  # did-you-mean hints: imported when a name is unknown, not at every start-up

    close = difflib.get_close_matches(word, list(COMMANDS), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; commands: {', '.join(COMMANDS)}"
    return f"unknown command {word!r}{hint}"


# -------------------------------------------------------------------- commands
# Each command lives in sim/commands/ and is imported only when it runs.
def cmd_run(args) -> int:
    from .commands.run import run_command

    return run_command(args)


def cmd_compare(args) -> int:
    from .commands.run import compare_command

    return compare_command(args)


def cmd_validate(args) -> int:
    from .commands.scenarios import validate_command

    return validate_command(args)


def cmd_list(args) -> int:
    from .commands.scenarios import list_command

    return list_command(args)


def cmd_schema(args) -> int:
    from .commands.scenarios import schema_command

    return schema_command(args)


def cmd_sweep(args) -> int:
    from .commands.sweep import sweep_command

    return sweep_command(args)


def cmd_calibrate(args) -> int:
    from .commands.calibrate import calibrate_command

    return calibrate_command(args)


def cmd_staff(args) -> int:
    from .commands.staff import staff_command

    return staff_command(args)


def cmd_report(args) -> int:
    """``commune-sim report``: one self-contained HTML file (see :mod:`sim.study.report`)."""
    from .study.report.command import report_command

    return report_command(args)


COMMANDS = {"run": cmd_run, "compare": cmd_compare, "sweep": cmd_sweep, "calibrate": cmd_calibrate,
            "report": cmd_report, "staff": cmd_staff, "validate": cmd_validate, "list": cmd_list, "schema": cmd_schema}
