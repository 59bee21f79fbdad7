"""The output folder: manifest.json, summary.json, communes.csv, dossiers.parquet; atomic writing.

Runs are tiny (M/M/c over 5 days, Hanoi over 3 days) and shared between tests of a module
through module-scoped fixtures.
"""
from __future__ import annotations

import datetime as dt
import re
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest
from conftest import MMC, run_cli
from conftest import read_json as strict_json

import sim.study.outputs
from sim.cli import main
from sim.study.api import load_scenario
from sim.study.files import scenario_hash
from sim.study.outputs import DOSSIER_LOG_COLUMNS
from sim.study.runner import run_replication

MMC_FAST = ["--set", "horizon.days=5", "--set", "horizon.warmup_days=1"]
HANOI_FAST = ["--replications", "1", "--set", "horizon.days=3"]
KEY_FIGURES = ("dossiers_arrived", "dossiers_completed", "dossiers_in_process", "mean_wait_minutes",
               "p90_wait_minutes", "on_time_share")
HALF_WIDTH = "_ci95_half_width"
COMMUNE_COLUMNS = {"commune", "type", "population", "dossiers_arrived", "dossiers_completed", "dossiers_in_process",
                   "mean_wait_minutes", "mean_wait_minutes_ci95_half_width", "p90_wait_minutes",
                   "on_time_share", "staff_counter", "utilisation_counter"}


def _walk_keys(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield path + (k,)
            yield from _walk_keys(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk_keys(v, path + (i,))


@pytest.fixture(scope="module")
def mmc_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("mmc") / "out"
    assert run_cli("run", MMC, *MMC_FAST, "--replications", "3", "--out", out, "--quiet") == 0
    return out


@pytest.fixture(scope="module")
def hanoi_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hanoi") / "out"
    assert run_cli("run", *HANOI_FAST, "--dossier-log", "--out", out, "--quiet") == 0
    return out


# -------------------------------------------------------------------------------- manifest
def test_manifest_contents(mmc_run):
    manifest = strict_json(mmc_run / "manifest.json")
    resolved = manifest["resolved_scenario"]
    assert resolved["name"] == manifest["scenario_name"] == "Validation: M/M/c"
    assert resolved["horizon"]["days"] == 5 and resolved["horizon"]["warmup_days"] == 1
    assert resolved["staff"]["per_commune"]["counter"] == 3
    assert Path(manifest["scenario_file"]).resolve() == MMC.resolve()
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["scenario_sha256"])
    assert manifest["scenario_sha256"] == scenario_hash(resolved)
    assert manifest["seed"] == resolved["seed"] == 1
    assert manifest["replications_requested"] == manifest["replications_completed"] == 3
    assert manifest["status"] == "complete"
    assert isinstance(manifest["command_line"], list) and manifest["command_line"]
    started = dt.datetime.fromisoformat(manifest["started_at"])
    finished = dt.datetime.fromisoformat(manifest["finished_at"])
    assert started.tzinfo is not None and started <= finished
    assert manifest["wall_seconds"] >= 0
    versions = manifest["versions"]
    for package in ("numpy", "simpy", "scipy", "pandas", "pydantic", "pyarrow"):
        assert versions[package] == metadata.version(package)
    assert versions["commune-sim"] == metadata.version("commune-sim")
    assert re.fullmatch(r"3\.\d+\.\d+\S*", versions["python"])
    assert isinstance(manifest["warnings"], list)


def test_manifest_resolved_scenario_reloads_to_the_same_scenario(mmc_run):
    resolved = strict_json(mmc_run / "manifest.json")["resolved_scenario"]
    from sim.scenario.schema import Scenario

    again = Scenario.model_validate(resolved).model_dump(mode="json", by_alias=True)
    assert again == resolved and scenario_hash(again) == scenario_hash(resolved)


def test_scenario_hash_stable_and_sensitive(mmc_run, tmp_path, monkeypatch):
    reference = strict_json(mmc_run / "manifest.json")["scenario_sha256"]
    # the same scenario, referred to by its library name from another working directory
    monkeypatch.chdir(tmp_path)
    assert run_cli("run", "validation/mmc", *MMC_FAST, "--replications", "3", "--out", "same", "--quiet") == 0
    assert strict_json(tmp_path / "same" / "manifest.json")["scenario_sha256"] == reference
    # one value changed
    assert run_cli("run", MMC, *MMC_FAST, "--replications", "3", "--set", "staff.per_commune.counter=4",
                   "--out", "changed", "--quiet") == 0
    assert strict_json(tmp_path / "changed" / "manifest.json")["scenario_sha256"] != reference
    # hashing does not depend on key order
    scenario = load_scenario(MMC, ["horizon.days=5", "horizon.warmup_days=1", "replications=3"])
    resolved = scenario.model_dump(mode="json", by_alias=True)
    assert scenario_hash(resolved) == reference
    assert scenario_hash(dict(reversed(list(resolved.items())))) == reference


def test_manifest_command_line_of_an_in_process_call(tmp_path):
    out = tmp_path / "out"
    argv = ["run", str(MMC), *MMC_FAST, "--replications", "2", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    assert strict_json(out / "manifest.json")["command_line"][-len(argv):] == argv


# --------------------------------------------------------------------------------- summary
def test_summary_key_figures_with_half_widths(mmc_run):
    summary = strict_json(mmc_run / "summary.json")
    assert summary["replications"] == 3 and summary["seed"] == 1
    for key in KEY_FIGURES:
        assert isinstance(summary[key], float), key
        assert isinstance(summary[key + HALF_WIDTH], float) and summary[key + HALF_WIDTH] >= 0, key
    # every top-level figure has its half-width sibling
    figures = [k for k, v in summary.items() if isinstance(v, float) and not k.endswith(HALF_WIDTH)]
    assert set(KEY_FIGURES) <= set(figures)
    for key in figures:
        assert key + HALF_WIDTH in summary, key
    assert 0 <= summary["on_time_share"] <= 1
    assert summary["dossiers_arrived"] == pytest.approx(summary["dossiers_completed"] + summary["dossiers_in_process"])
    assert summary["dossiers_arrived"] > 0 and summary["mean_wait_minutes"] >= 0
    assert summary["p90_wait_minutes"] >= 0


def test_summary_keys_are_snake_case(mmc_run, hanoi_run):
    for run in (mmc_run, hanoi_run):
        for path in _walk_keys(strict_json(run / "summary.json")):
            key = path[-1]
            if isinstance(key, str):
                assert re.fullmatch(r"[a-z][a-z0-9_]*", key), path


def test_summary_one_replication_has_null_half_widths_not_nan(hanoi_run):
    summary = strict_json(hanoi_run / "summary.json")  # raises on NaN
    assert summary["replications"] == 1
    assert summary["dossiers_arrived"] > 0
    for key in KEY_FIGURES:
        assert summary[key + HALF_WIDTH] is None, key


def test_summary_breakdowns(hanoi_run):
    summary = strict_json(hanoi_run / "summary.json")
    assert set(summary["pools"]) == {"counter", "back_office", "leader"}
    assert set(summary["by_channel"]) == {"in_person", "online", "postal"}
    assert {"certification", "civil_status", "land"} <= set(summary["by_field"])
    assert [row["date"] for row in summary["backlog_by_day"]][:2] == ["2025-07-01", "2025-07-02"]


# ------------------------------------------------------------------------------- communes
def test_communes_csv_one_row_per_commune(hanoi_run, mmc_run):
    communes = pd.read_csv(hanoi_run / "communes.csv")
    assert len(communes) == 126
    assert COMMUNE_COLUMNS | {"staff_back_office", "utilisation_back_office", "utilisation_leader"} <= set(communes.columns)
    assert communes["commune"].is_unique
    assert communes["type"].value_counts().to_dict() == {"xã": 75, "phường": 51}
    summary = strict_json(hanoi_run / "summary.json")
    assert communes["dossiers_arrived"].sum() == pytest.approx(summary["dossiers_arrived"])
    assert communes["staff_back_office"].sum() == pytest.approx(1008, abs=1)  # the allocation total
    assert communes["utilisation_counter"].between(0, 1).all()
    mmc = pd.read_csv(mmc_run / "communes.csv")
    assert len(mmc) == 1 and COMMUNE_COLUMNS <= set(mmc.columns)


# ---------------------------------------------------------------------------- dossier log
def test_dossier_log_is_only_written_when_asked(mmc_run, hanoi_run):
    assert not (mmc_run / "dossiers.parquet").exists()
    assert (hanoi_run / "dossiers.parquet").exists()


def test_dossier_log_hanoi(hanoi_run):
    log = pd.read_parquet(hanoi_run / "dossiers.parquet")
    summary = strict_json(hanoi_run / "summary.json")
    assert list(log.columns) == [*DOSSIER_LOG_COLUMNS, "replication"]
    assert len(log) == summary["dossiers_arrived"]
    assert log["finish_minute"].notna().sum() == summary["dossiers_completed"]
    assert log["finish_minute"].isna().sum() == summary["dossiers_in_process"]
    assert set(log["replication"]) == {0}
    assert log["home_commune"].between(0, 125).all()
    assert (log["arrival_minute"] >= 0).all() and (log["arrival_minute"] < 3 * 1440).all()


def test_dossier_log_rows_per_replication(tmp_path):
    out = tmp_path / "out"
    assert run_cli("run", MMC, *MMC_FAST, "--replications", "3", "--dossier-log", "--out", out, "--quiet") == 0
    log = pd.read_parquet(out / "dossiers.parquet")
    per_replication = log.groupby("replication").size().to_dict()
    assert set(per_replication) == {0, 1, 2}
    scenario = load_scenario(MMC, ["horizon.days=5", "horizon.warmup_days=1", "replications=3"])
    for r, rows in per_replication.items():
        assert rows == run_replication(scenario, r)["region"]["dossiers_arrived"], r
    summary = strict_json(out / "summary.json")
    assert len(log) == pytest.approx(3 * summary["dossiers_arrived"])


# ---------------------------------------------------------------------------- determinism
def test_same_seed_same_summary_whatever_jobs(tmp_path):
    for jobs in (1, 2):
        assert run_cli("run", MMC, *MMC_FAST, "--replications", "4", "--seed", "5", "--jobs", jobs,
                       "--out", tmp_path / f"jobs{jobs}", "--quiet") == 0
    one, two = (tmp_path / "jobs1", tmp_path / "jobs2")
    assert strict_json(one / "summary.json") == strict_json(two / "summary.json")
    pd.testing.assert_frame_equal(pd.read_csv(one / "communes.csv"), pd.read_csv(two / "communes.csv"))
    m1, m2 = strict_json(one / "manifest.json"), strict_json(two / "manifest.json")
    assert m1["scenario_sha256"] == m2["scenario_sha256"] and m1["resolved_scenario"] == m2["resolved_scenario"]


# ---------------------------------------------------------------------------- atomic write
def test_no_temporary_folder_left_after_success(mmc_run, tmp_path, monkeypatch):
    assert [p.name for p in mmc_run.parent.iterdir()] == ["out"]
    monkeypatch.chdir(tmp_path)
    assert run_cli("run", MMC, *MMC_FAST, "--replications", "2", "--quiet") == 0
    (folder,) = (tmp_path / "results").iterdir()
    assert not folder.name.startswith(".")
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def _fail_on_summary(monkeypatch):
    real = sim.study.outputs.write_json

    def write_json(path, data):
        if Path(path).name == "summary.json":
            raise OSError(28, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(sim.study.outputs, "write_json", write_json)


def test_failed_write_leaves_nothing(tmp_path, monkeypatch, capsys):
    _fail_on_summary(monkeypatch)
    out = tmp_path / "out"
    assert run_cli("run", MMC, *MMC_FAST, "--replications", "2", "--out", out) == 1
    captured = capsys.readouterr()
    assert f"could not write {out}" in captured.err and "No space left on device" in captured.err
    assert "results:" not in captured.out
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no hidden temporary folder either


def test_failed_write_into_default_folder_leaves_nothing(tmp_path, monkeypatch):
    _fail_on_summary(monkeypatch)
    monkeypatch.chdir(tmp_path)
    assert run_cli("run", MMC, *MMC_FAST, "--replications", "2", "--quiet") == 1
    results = tmp_path / "results"
    assert not results.exists() or list(results.iterdir()) == []


def test_failed_forced_write_keeps_the_old_folder(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("previous results", encoding="utf-8")
    _fail_on_summary(monkeypatch)
    assert run_cli("run", MMC, *MMC_FAST, "--replications", "2", "--out", out, "--force", "--quiet") == 1
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert (out / "old.txt").read_text(encoding="utf-8") == "previous results"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


# ------------------------------------------------------------------ the period is visible
def test_the_simulated_period_is_stated_in_the_table_summary_and_manifest(tmp_path, capsys):
    """The default is named "1–13 July 2025"; with horizon.days=5 every output says 1–5 July:
    5 days, of which 4 working days (1 July 2025 was a Tuesday; 5 July a Saturday)."""
    out = tmp_path / "out"
    assert run_cli("run", "hanoi/2025-07-first-13-days", "--replications", "1", "--set", "horizon.days=5",
                   "--out", out) == 0
    stdout = capsys.readouterr().out.splitlines()
    assert stdout[0].startswith("Hà Nội, 1–13 July 2025")  # the name, as written
    assert "simulated 2025-07-01 to 2025-07-05: 5 days, 4 working days" in stdout[:4]
    expected = {"first_day": "2025-07-01", "last_day": "2025-07-05", "days": 5, "working_days": 4, "days_open": 4,
                "warmup_days": 0.0}
    assert strict_json(out / "summary.json")["period"] == expected
    assert strict_json(out / "manifest.json")["period"] == expected


def test_the_period_counts_public_holidays_and_saturday_openings(tmp_path):
    """Q3 2025: 92 days, 64 working days (1-2 September are holidays); Saturday mornings open
    add 13 days the centres open, which deadlines do not count."""
    from sim.scenario.region import period

    q3 = period(load_scenario("hanoi/2025-q3"))
    assert (q3["first_day"], q3["last_day"], q3["days"], q3["working_days"]) == ("2025-07-01", "2025-09-30", 92, 64)
    saturdays = period(load_scenario("hanoi/2025-q3", ["calendar.saturday_hours=[['08:00', '12:00']]"]))
    assert saturdays["working_days"] == 64 and saturdays["days_open"] == 64 + 13
