"""A sweep's output folder, written so that nothing finished is ever lost.

    manifest.json                  what ran and how: experiment, variants, seeds, status, warm-up
    runs/<variant>-r<k>.json       one file per finished run, written the moment it finishes
    runs/pilot/<variant>-r<k>.json warm-up pilot runs (MSER-5), run without warm-up
    results.parquet, results.csv   tidy: variant, <parameters>, replication, figure, value
    summary.csv                    per variant and figure: mean, 95% half-width, paired difference
    communes.parquet               per variant, replication and commune: that commune's figures
    backlog.csv                    per variant, replication and day: dossiers in process at its end
    plots/<name>.png, .csv         the plots and the data behind each

Every file is written to a temporary name in the same folder and renamed into place
(``os.replace`` is atomic on one file system), so a reader — or a ``--resume`` after Ctrl-C
or a killed machine — sees a file whole or not at all. The tables are rebuilt from the run
files at the end of every invocation, so they always agree with the runs on disk. A run file
holds the replication's figures (region, breakdowns, communes, pools, daily backlog, wait
histogram), not the per-dossier log.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from .analysis import run_figures
from .files import read_json, scenario_hash, write_atomic, write_json

RUNS = "runs"
PILOT = "pilot"
_RUN_FILE = re.compile(r"^(?P<variant>[\w-]+)-r(?P<replication>\d+)\.json$")


def identity_hash(scenario) -> str:
    """The hash of a run's scenario, leaving out ``replications`` (a count, not a setting of the run)
    and the output language."""
    dump = scenario.model_dump(mode="json", by_alias=True)
    dump.pop("replications", None)
    dump.get("outputs", {}).pop("language", None)  # the language of the words, not a setting of the run
    return scenario_hash(dump)


# ------------------------------------------------------------------ run files
def run_path(out: Path, variant_id: str, replication: int, pilot: bool = False) -> Path:
    folder = out / RUNS / PILOT if pilot else out / RUNS
    return folder / f"{variant_id}-r{replication}.json"


def save_run(out: Path, variant, replication: int, result: dict, scenario, root_seed: int, pilot: bool = False) -> Path:
    record = {
        "variant": variant.id, "label": variant.label, "replication": replication, "pilot": pilot,
        "root_seed": root_seed, "seed": scenario.seed, "scenario_sha256": identity_hash(scenario),
        "parameters": variant.parameters,
        "wall_seconds": result.get("wall_seconds"),
        "result": {k: v for k, v in result.items() if k not in ("dossier_log", "wall_seconds", "replication")},
    }
    path = run_path(out, variant.id, replication, pilot)
    write_json(path, record)
    return path


def load_runs(out: Path, expected: dict[str, str], pilot: bool = False) -> tuple[dict[tuple[str, int], dict], list[str]]:
    """Run files of the variants in ``expected`` (variant id -> scenario hash), by (variant, r).

    A file whose scenario hash differs from the variant's (left by another version of the
    experiment) or that cannot be read is left out, with a note, and will be run again.
    """
    folder = out / RUNS / PILOT if pilot else out / RUNS
    found: dict[tuple[str, int], dict] = {}
    notes = []
    if not folder.is_dir():
        return found, notes
    for path in sorted(folder.iterdir()):
        match = _RUN_FILE.match(path.name)
        if not match or match["variant"] not in expected:
            continue
        try:
            record = read_json(path)
        except (OSError, ValueError) as exc:
            notes.append(f"{path.name}: unreadable, will run again ({exc})")
            continue
        if record.get("scenario_sha256") != expected[match["variant"]]:
            notes.append(f"{path.name}: made from another scenario, will run again")
            continue
        found[(match["variant"], int(match["replication"]))] = record
    return found, notes


# ------------------------------------------------------------------ tables
def _cell(value):
    return value if isinstance(value, (int, float, str, bool)) or value is None else json.dumps(value, ensure_ascii=False, default=str)


def results_table(experiment, records: dict[tuple[str, int], dict]):
    """The tidy table: one row per variant x replication x figure, in variant and replication order."""
    import pandas as pd

    names = experiment.parameter_names
    rows = []
    for variant in experiment.variants:
        for r in sorted(k[1] for k in records if k[0] == variant.id):
            figures = run_figures(records[(variant.id, r)]["result"], experiment.spec.on_time_target,
                                  experiment.spec.wait_target_minutes)
            params = [_cell(variant.parameters[n]) for n in names]
            rows.extend((variant.id, *params, r, figure, value) for figure, value in figures.items())
    table = pd.DataFrame(rows, columns=["variant", *names, "replication", "figure", "value"])
    table["replication"] = table["replication"].astype("int64")
    table["value"] = table["value"].astype("float64")
    return table


def communes_table(experiment, records):
    import pandas as pd

    rows = []
    for variant in experiment.variants:
        for r in sorted(k[1] for k in records if k[0] == variant.id):
            for commune in records[(variant.id, r)]["result"].get("communes", []):
                rows.append({"variant": variant.id, "replication": r, **commune})
    return pd.DataFrame(rows)


def backlog_table(experiment, records):
    import pandas as pd

    rows = []
    for variant in experiment.variants:
        horizon = variant.scenario.horizon
        for r in sorted(k[1] for k in records if k[0] == variant.id):
            for day, level in enumerate(records[(variant.id, r)]["result"].get("backlog_by_day", [])):
                date = horizon.start_date + dt.timedelta(days=day)
                rows.append({"variant": variant.id, "replication": r, "day": day, "date": date.isoformat(),
                             "working_day": is_working_day(variant.scenario, date),
                             "dossiers_in_process_end_of_day": level})
    return pd.DataFrame(rows, columns=["variant", "replication", "day", "date", "working_day",
                                       "dossiers_in_process_end_of_day"])


def is_working_day(scenario, date: dt.date) -> bool:
    """A day on which the centres open (the scenario's calendar)."""
    calendar = scenario.calendar
    if calendar.always_open:
        return True
    if date in set(calendar.holidays):
        return False
    hours = calendar.weekday_hours if date.weekday() < 5 else (
        calendar.saturday_hours if date.weekday() == 5 else calendar.sunday_hours)
    return bool(hours)


def write_table(table, path_without_suffix: Path, parquet: bool = True, csv: bool = True) -> list[Path]:
    written = []
    if parquet:
        path = path_without_suffix.with_suffix(".parquet")
        write_atomic(path, lambda tmp: table.to_parquet(tmp, index=False, engine="pyarrow"))
        written.append(path)
    if csv:
        path = path_without_suffix.with_suffix(".csv")
        write_atomic(path, lambda tmp: table.to_csv(tmp, index=False))
        written.append(path)
    return written
