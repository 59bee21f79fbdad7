"""The output folder of a run: one folder holding the resolved scenario beside the results.

    manifest.json   resolved scenario, its hash, seed, versions, command line, times, warnings,
                    the comment blocks of the scenario file and the files it extends
    summary.json    key figures with 95% half-widths, breakdowns, daily backlog
    communes.csv    one row per commune (means over replications)
    communes_replications.csv  one row per commune and replication (for intervals on counts of communes)
    dossiers.parquet  one row per dossier and replication (only when asked)
    maps/*.png      per-commune maps, when the communes are real units (sim/study/maps.py)

A comparison folder holds comparison.csv, comparison.png, summaries.json (each scenario's
summary.json), communes_replications.csv (with a ``scenario`` column) and a manifest of
every scenario.

A folder is written whole or not at all: everything goes into a hidden temporary folder
beside the target, which is renamed into place at the end.
"""
from __future__ import annotations

import datetime as dt
import platform
import sys
from importlib import metadata
from pathlib import Path

from ..engine.dossier import LOG, LOG_NAMES
from ..scenario.header import scenario_headers
from ..scenario.region import period
from .files import atomic_folder, scenario_hash, write_csv, write_json
from .runner import RunSet, commune_rows

DOSSIER_LOG_COLUMNS = LOG_NAMES  # declared once, with their types and meanings, in sim.engine.dossier


def versions() -> dict:
    out = {"python": platform.python_version()}
    for package in ("commune-sim", "simpy", "numpy", "scipy", "pandas", "pydantic", "pyyaml", "pyarrow"):
        try:
            out[package] = installed_version(package)
        except metadata.PackageNotFoundError:
            out[package] = None
    return out


def installed_version(package: str) -> str | None:
    """``importlib.metadata.version(package)``, reading only the metadata's header lines.

    ``metadata.version`` hands the whole METADATA file to the e-mail parser, long description
    included (140 KB for pydantic): a third of a tiny run's writing time. The version is a
    header line, and headers end at the first empty line (RFC 822), so the answer is the same
    (tests/test_startup.py checks it for every installed distribution).
    """
    dist = metadata.distribution(package)
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO")
    if text is None or "\r" in text:
        return dist.version  # anything unusual goes to the e-mail parser
    lines = text.split("\n")
    for k, line in enumerate(lines):
        name, colon, value = line.partition(":")
        if not line or not colon and line[0] not in " \t":
            break  # the end of the headers
        if colon and name.lower() == "version":
            folded = lines[k + 1][:1] in (" ", "\t") if k + 1 < len(lines) else False
            return dist.version if folded else value.lstrip(" \t")
    return dist.version


def default_out_dir(scenario_name: str, root: Path = Path("results")) -> Path:
    slug = "".join(ch if ch.isalnum() else "-" for ch in scenario_name.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = root / f"{slug[:60]}-{stamp}"
    k = 1
    while path.exists():
        k += 1
        path = root / f"{slug[:60]}-{stamp}-{k}"
    return path


def manifest(runs: RunSet, started: dt.datetime, finished: dt.datetime, source: str | None,
             command_line: list[str] | None = None, targets=None, interrupted: bool = False) -> dict:
    resolved = runs.scenario.model_dump(mode="json", by_alias=True)
    return {
        "kind": "run",
        "scenario_name": runs.scenario.name,
        "scenario_file": source,
        "scenario_sha256": scenario_hash(resolved),
        "period": period(runs.scenario),
        "seed": runs.scenario.seed,
        "replications_requested": runs.scenario.replications,
        "replications_completed": len(runs.results),
        "status": "interrupted" if runs.interrupted or interrupted else "complete",
        "error": runs.error,
        "command_line": command_line if command_line is not None else sys.argv,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "wall_seconds": round(runs.wall_seconds, 3),
        "versions": versions(),
        "warnings": runs.warnings,
        "demand": runs.demand,  # the daily volume (derived from demand.total: the arithmetic) and dossiers expected
        "targets": {"wait_minutes": targets.wait_minutes, "on_time_share": targets.on_time_share} if targets else None,
        "scenario_headers": scenario_headers(source),
        "resolved_scenario": resolved,
    }


def write_run(out_dir: Path, runs: RunSet, started: dt.datetime, source: str | None = None,
              force: bool = False, command_line: list[str] | None = None, targets=None,
              interrupted=lambda: False) -> Path:
    """Write the folder whole; the manifest last, so that its status can say a Ctrl-C came
    while the rest was written (``interrupted()``)."""
    with atomic_folder(out_dir, force) as tmp:
        drawn = None
        write_json(tmp / "summary.json", runs.summary)
        if runs.results:
            rows = commune_rows(runs.results)
            write_csv(tmp / "communes.csv", rows)
            write_csv(tmp / "communes_replications.csv", replication_rows(runs.results))
            if runs.scenario.outputs.dossier_log:
                _write_dossier_log(tmp / "dossiers.parquet", runs.results)
            drawn = _run_maps(rows, tmp, runs)
        finished = dt.datetime.now().astimezone()
        record = manifest(runs, started, finished, source, command_line, targets, interrupted())
        if drawn is not None:
            record["maps"] = drawn
        write_json(tmp / "manifest.json", record)
    return Path(out_dir)


def _run_maps(rows: list[dict], folder: Path, runs: RunSet):
    """maps/*.png when the communes are real units (a list of the files), else why not (text)."""
    codes = [row.get("code") for row in rows]
    if not codes or not all(isinstance(c, str) for c in codes):
        # Synthetic communes (no codes): maps.geography_missing's answer, read from the words of
        # the catalogue without importing the drawing code, the reference data or the catalogue's
        # lookups and classes, none of which a run of synthetic communes needs.
        from .catalogue_text import TEXT

        return TEXT["map_no_geography"]["en"]
    from . import maps

    missing = maps.geography_missing(codes, "en")
    if missing:
        return missing
    written = maps.run_maps(rows, folder / "maps", runs.scenario.name, len(runs.results))
    return [p.relative_to(folder).as_posix() for p in written]


def replication_rows(results: list[dict], **columns) -> list[dict]:
    """One row per commune and replication (with ``columns`` in front, e.g. a scenario index)."""
    return [{**columns, "replication": r["replication"], **commune} for r in results for commune in r["communes"]]


def _write_dossier_log(path: Path, results: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = [getattr(pa, column.parquet_type)() for column in LOG]
    schema = pa.schema([*zip(DOSSIER_LOG_COLUMNS, types), ("replication", pa.int32())])
    with pq.ParquetWriter(path, schema) as writer:
        for r in results:  # one row group per replication: memory holds one at a time
            rows = r.get("dossier_log") or []
            columns = list(zip(*rows)) if rows else [()] * len(DOSSIER_LOG_COLUMNS)
            arrays = [pa.array(list(col), type=t) for col, t in zip(columns, types)]
            arrays.append(pa.array([r["replication"]] * len(rows), type=pa.int32()))
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))


def write_comparison(out_dir: Path, comparison, rows: list[dict], started: dt.datetime, force: bool = False,
                     command_line: list[str] | None = None, interrupted=lambda: False) -> Path:
    """comparison.csv (one row per figure and scenario), comparison.png, each scenario's summary,
    per-commune rows, communes_comparison.csv (per commune, paired differences to the first
    scenario), and a manifest of every scenario."""
    import pandas as pd

    from .catalogue import place_and_period, short_names
    from .plots import comparison_figure

    from . import maps

    first = comparison.runs[0].scenario
    lang = first.outputs.language
    shared, short = short_names(comparison.names, 28)
    with atomic_folder(out_dir, force) as tmp:
        pd.DataFrame(rows).to_csv(tmp / "comparison.csv", index=False)
        comparison_figure(rows, short, tmp / "comparison.png", where=place_and_period(first.model_dump(mode="json"), lang),
                          lang=lang)
        write_json(tmp / "summaries.json", [runs.summary for runs in comparison.runs])
        pd.DataFrame(comparison.commune_rows()).to_csv(tmp / "communes_comparison.csv", index=False)
        communes = [row for k, runs in enumerate(comparison.runs) for row in replication_rows(runs.results, scenario=k)]
        pd.DataFrame(communes).to_csv(tmp / "communes_replications.csv", index=False)
        written, why_not = maps.compare_maps([runs.scenario.name for runs in comparison.runs],
                                             [runs.results for runs in comparison.runs], tmp / "maps")
        finished = dt.datetime.now().astimezone()
        write_json(tmp / "manifest.json", {
            "kind": "compare",
            "command_line": command_line if command_line is not None else sys.argv,
            "status": "interrupted" if getattr(comparison, "interrupted", False) or interrupted() else "complete",
            "scenarios": [manifest(runs, started, finished, label, interrupted=interrupted())
                          for label, runs in zip(comparison.labels, comparison.runs)],
            "maps": why_not or [p.relative_to(tmp).as_posix() for p in written],
        })
    return Path(out_dir)
