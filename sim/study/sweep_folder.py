"""What a sweep writes, and the folder it writes into.

A sweep's folder (:mod:`sim.study.sweep` runs it) holds one file per finished run
(``runs/``, :mod:`sim.study.runstore`), the manifest — written as ``running`` before the first
run, so a sweep killed outright says so — and, at the end (also after an interruption), the
tables rebuilt from the run files on disk, the plots and the final manifest. ``--resume``
continues a folder only if it was made from the same variants and root seed
(:func:`prepare_out`).
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import runstore
from .analysis import summary_table, worst_communes
from ..scenario.region import period
from .outputs import versions


SEEDING_NOTE = ("Each run is identified by (root seed, variant, replication); its random streams are keyed by "
                "(scenario seed, replication, commune, quantity). With common random numbers every variant's "
                "scenario seed is the root seed, so replication r of every variant sees the same dossiers "
                "wherever the variants share demand: variants are paired replication by replication.")


@dataclass
class SweepResult:
    out: Path
    status: str
    executed: int = 0
    found: int = 0
    manifest: dict = field(default_factory=dict)
    summary: object = None


def experiment_hash(experiment) -> str:
    from .files import scenario_hash

    return scenario_hash({"root_seed": experiment.root_seed,
                          "variants": [[v.id, runstore.identity_hash(v.scenario)] for v in experiment.variants]})


def _source() -> dict | None:
    """The git commit of the package source and the files modified since (None outside a checkout)."""
    import subprocess

    here = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10)
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "sim", "scenarios"],
                                cwd=here, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if commit.returncode:
        return None
    return {"git_commit": commit.stdout.strip(), "modified": [line[3:] for line in status.stdout.splitlines()]}


def base_manifest(experiment, command_line, started) -> dict:
    return {
        "kind": "sweep",
        "experiment_name": experiment.spec.name,
        "experiment_file": str(experiment.file),
        "experiment_sha256": experiment_hash(experiment),
        "status": "running",
        "root_seed": experiment.root_seed,
        "common_random_numbers": experiment.spec.common_random_numbers,
        "seeding": SEEDING_NOTE,
        "replications_requested": experiment.replications,
        "baseline_variant": experiment.baseline,
        "on_time_target": experiment.spec.on_time_target,
        "wait_target_minutes": experiment.spec.wait_target_minutes,
        "parameters": experiment.parameter_names,
        "experiment": experiment.spec.model_dump(mode="json", by_alias=True),
        "command_line": command_line if command_line is not None else sys.argv,
        "started_at": started.isoformat(timespec="seconds"),
        "versions": versions(),
        "source": _source(),
        "scenario_headers": experiment_headers(experiment),
        "base_scenario": {"reference": experiment.spec.base, "set": experiment.spec.set_,
                          "resolved": experiment.base.model_dump(mode="json", by_alias=True) if experiment.base else None},
        "variants": [{"id": v.id, "label": v.label, "parameters": v.parameters, "scenario": v.source,
                      "overrides": v.overrides, "seed": v.scenario.seed, "period": period(v.scenario),
                      "scenario_sha256": runstore.identity_hash(v.scenario),
                      "resolved_scenario": v.scenario.model_dump(mode="json", by_alias=True)}
                     for v in experiment.variants],
    }


def experiment_headers(experiment) -> list[dict]:
    """The comment blocks of the scenario files the variants start from (and the files they extend)."""
    from ..scenario.header import scenario_headers
    from .experiments import scenario_files

    out, seen = [], set()
    for path in scenario_files(experiment):
        for header in scenario_headers(path):
            if header["file"] not in seen:
                seen.add(header["file"])
                out.append(header)
    return out


def prepare_out(experiment, out: Path, resume: bool) -> str | None:
    """Check the output folder; return a problem (a usage error) or None."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, not a folder"
    if not out.exists() or not any(out.iterdir()):
        return None
    if not resume:
        return f"--out {out} is not empty; pass --resume to continue that sweep, or choose another folder"
    manifest = out / "manifest.json"
    if not manifest.is_file():
        return f"--resume: {out} holds no manifest.json; it is not a sweep's folder"
    old = runstore.read_json(manifest)
    if old.get("experiment_sha256") != experiment_hash(experiment):
        return (f"--resume: {out} was written by other variants or another root seed "
                f"(experiment {old.get('experiment_file')}); choose another folder")
    return None


def start_folder(out: Path, manifest: dict) -> None:
    """Create the folder and write the manifest as "running" (a sweep killed outright leaves it so)."""
    out.mkdir(parents=True, exist_ok=True)
    previous = runstore.read_json(out / "manifest.json") if (out / "manifest.json").is_file() else None
    if previous:
        manifest["previous_invocations"] = previous.get("previous_invocations", []) + [
            {k: previous.get(k) for k in ("status", "started_at", "finished_at", "runs")}]
    runstore.write_json(out / "manifest.json", manifest)


def unwritable(out: Path, manifest: dict, sweep, error: OSError) -> SweepResult:
    """A full or read-only disk: stop; the run files written so far stay, the manifest on disk
    says "running", and --resume continues once there is room."""
    return SweepResult(out, "failed", sweep.executed if sweep else 0, sweep.found if sweep else 0,
                       {**manifest, "status": "running", "error": f"cannot write to {out}: {error.strerror or error}"},
                       None)


def write_results(experiment, out, manifest, status, error, sweep, stages, started, clock) -> SweepResult:
    """The tables rebuilt from the run files on disk, the summary, the plots (a complete sweep)
    and the final manifest."""
    scenarios = sweep.scenarios if sweep else {v.id: v.scenario for v in experiment.variants}
    expected = {vid: runstore.identity_hash(s) for vid, s in scenarios.items()}
    records, notes = runstore.load_runs(out, expected)
    if "counts" in stages:  # a finished sweep reports exactly the replications it decided on
        records = {k: v for k, v in records.items() if k[1] < stages["counts"][k[0]]}
    table = runstore.results_table(experiment, records)
    summary = summary_table(table, experiment.baseline)
    labels = {v.id: v.label for v in experiment.variants}
    summary.insert(1, "label", summary["variant"].map(labels))
    files = runstore.write_table(table, out / "results")
    files += runstore.write_table(summary, out / "summary", parquet=False)
    files += runstore.write_table(runstore.communes_table(experiment, records), out / "communes", csv=False)
    files += runstore.write_table(runstore.backlog_table(experiment, records), out / "backlog", parquet=False)
    files += runstore.write_table(worst_table(experiment, records), out / "worst_communes", parquet=False)
    plots, warnings = [], []
    if status == "complete" and experiment.spec.plots:
        from .experiment_plots import experiment_plots

        plots, warnings = experiment_plots(experiment, out, table, summary, records, language(experiment))
    counts = {}
    for vid, r in records:
        counts[vid] = counts.get(vid, 0) + 1
    expected_runs = sum(stages.get("counts", {v.id: experiment.replications for v in experiment.variants}).values())
    manifest.update({
        "status": status,
        "error": error,
        "finished_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - clock, 3),
        "warmup": stages.get("warmup"),
        "target_half_width": stages.get("target_half_width"),
        "replications_per_variant": {v.id: counts.get(v.id, 0) for v in experiment.variants},
        "runs": {"expected": expected_runs, "finished": len(records),
                 "executed_this_invocation": sweep.executed if sweep else 0,
                 "found_on_disk": sweep.found if sweep else 0},
        "files": sorted(str(p.relative_to(out)) for p in files) + [str(p.relative_to(out)) for p in plots],
        "notes": sorted(set(notes + (sweep.notes if sweep else []))),
        "warnings": warnings,
        "overload_warnings": overload_warnings(experiment),
    })
    for entry in manifest["variants"]:
        entry["warmup_days"] = scenarios[entry["id"]].horizon.warmup_days
    runstore.write_json(out / "manifest.json", manifest)
    return SweepResult(out, status, manifest["runs"]["executed_this_invocation"], manifest["runs"]["found_on_disk"],
                       manifest, summary)


def worst_table(experiment, records):
    """worst_communes.csv: per variant, the commune with the longest p90 wait and the one with the
    lowest on-time share (means over the variant's replications, with 95% half-widths)."""
    import pandas as pd

    rows = []
    for v in experiment.variants:
        results = [records[k]["result"] for k in sorted(k for k in records if k[0] == v.id)]
        for figure, worst in worst_communes(results).items():
            rows.append({"variant": v.id, "label": v.label, "figure": figure, **worst})
    return pd.DataFrame(rows, columns=["variant", "label", "figure", "commune", "value", "ci95_half_width"])


def overload_warnings(experiment) -> dict[str, list[str]]:
    """Per variant, the pools whose expected utilisation on an ordinary working day is 1 or more
    (one line per pool; from the pre-run checks made when the experiment was loaded)."""
    return {v.id: [o.text() for o in v.overloads] for v in experiment.variants if v.overloads}


def language(experiment) -> str:
    """The language of an experiment's words: its base scenario's ``outputs.language``."""
    first = experiment.variants[0].scenario if experiment.variants else experiment.base
    return first.outputs.language if first is not None else "en"
