"""The Python API (``import sim``): the README example, Results' DataFrames, save, errors.

The README example lives in docs/api_example.py (to be pasted into README.md); this test
executes that very file, so the README cannot show code that does not run.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import runpy

import pandas as pd
import pytest
from conftest import MMC, ROOT

import sim
import sim.scenario.loading
from sim.study.files import scenario_hash

EXAMPLE = ROOT / "docs" / "api_example.py"
MMC_FAST = ["horizon.days=5", "horizon.warmup_days=1"]
KEY_FIGURES = ("dossiers_arrived", "dossiers_completed", "dossiers_in_process", "mean_wait_minutes",
               "p90_wait_minutes", "on_time_share")
OUTPUT_FILES = {"manifest.json", "summary.json", "communes.csv", "communes_replications.csv"}


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """Execute docs/api_example.py as a script, from an unrelated working directory."""
    stdout = io.StringIO()
    with contextlib.chdir(tmp_path_factory.mktemp("cwd")), contextlib.redirect_stdout(stdout):
        namespace = runpy.run_path(str(EXAMPLE), run_name="__main__")
    return namespace, stdout.getvalue()


def test_example_is_the_documented_code():
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.startswith("import sim\n")
    for fragment in ('sim.load_scenario("hanoi/2025-07-first-13-days"',
                     'overrides=["horizon.days=3", "staff.per_commune.counter=5"])',
                     "results = sim.run(scenario, replications=2, seed=7)",
                     "figures = results.key_figures()",
                     'print(figures.loc["mean_wait_minutes"])',
                     "communes = results.communes()",
                     'print(communes.nlargest(5, "utilisation_back_office")[["commune", "utilisation_back_office", '
                     '"mean_wait_minutes"]])'):
        assert fragment in text
    assert len(text.splitlines()) <= 15  # short enough for a README


def test_example_runs_and_prints(example):
    _, stdout = example
    assert "Name: mean_wait_minutes" in stdout and "ci95_half_width" in stdout
    assert "utilisation_back_office" in stdout
    assert stdout.count("Hà Nội unit") == 5


def test_example_objects(example):
    namespace, _ = example
    scenario, results = namespace["scenario"], namespace["results"]
    assert isinstance(results, sim.Results)
    assert (results.scenario.seed, results.scenario.replications) == (7, 2)
    assert results.scenario.horizon.days == 3
    assert results.scenario.staff.per_commune["counter"] == 5
    assert len(results.runs.results) == 2 and not results.runs.interrupted
    # sim.run leaves the scenario it was given alone
    assert (scenario.seed, scenario.replications) == (20250701, 5)


def test_key_figures(example):
    namespace, _ = example
    figures, results = namespace["figures"], namespace["results"]
    assert isinstance(figures, pd.DataFrame)
    assert list(figures.columns) == ["mean", "ci95_half_width"] and figures.index.name == "figure"
    assert set(KEY_FIGURES) <= set(figures.index)
    assert not {"replications", "seed"} & set(figures.index)
    assert not any(name.endswith("_ci95_half_width") for name in figures.index)
    for key in KEY_FIGURES:
        assert figures.loc[key, "mean"] == pytest.approx(results.summary[key])
        assert figures.loc[key, "ci95_half_width"] == pytest.approx(results.summary[key + "_ci95_half_width"])
        assert figures.loc[key, "ci95_half_width"] >= 0
    arrived, completed, in_process = (figures.loc[k, "mean"] for k in KEY_FIGURES[:3])
    assert arrived == pytest.approx(completed + in_process)


def test_communes(example):
    namespace, _ = example
    communes = namespace["communes"]
    assert isinstance(communes, pd.DataFrame) and len(communes) == 126
    assert {"commune", "type", "population", "utilisation_back_office", "mean_wait_minutes",
            "dossiers_arrived", "staff_counter"} <= set(communes.columns)
    assert communes["commune"].is_unique
    assert (communes["staff_counter"] == 5).all()
    assert communes["utilisation_back_office"].between(0, 1).all()


def test_pools(example):
    results = example[0]["results"]
    pools = results.pools()
    assert isinstance(pools, pd.DataFrame)
    assert set(pools.index) == {"counter", "back_office", "leader"}
    assert pools["utilisation"].between(0, 1).all()
    assert "utilisation_ci95_half_width" in pools.columns
    assert pools.loc["counter", "utilisation"] == pytest.approx(results.summary["pools"]["counter"]["utilisation"])


def test_backlog_columns_and_dates(example):
    results = example[0]["results"]
    backlog = results.backlog()
    assert isinstance(backlog, pd.DataFrame) and len(backlog) >= 1
    assert list(backlog.columns) == ["day", "date", "dossiers_in_process_end_of_day",
                                     "dossiers_in_process_end_of_day_ci95_half_width",
                                     "dossiers_arrived_to_date", "dossiers_arrived_to_date_ci95_half_width",
                                     "dossiers_completed_to_date", "dossiers_completed_to_date_ci95_half_width"]
    assert list(backlog["day"]) == list(range(len(backlog)))
    start = dt.date(2025, 7, 1)
    assert list(backlog["date"]) == [(start + dt.timedelta(days=d)).isoformat() for d in backlog["day"]]
    assert (backlog["dossiers_in_process_end_of_day"] >= 0).all()


def test_backlog_has_one_row_per_day(example):
    results = example[0]["results"]
    backlog = results.backlog()
    assert len(backlog) == results.scenario.horizon.days
    # no warm-up: the last end-of-day reading is the backlog at the end of the run
    assert backlog["dossiers_in_process_end_of_day"].iloc[-1] == pytest.approx(results.summary["dossiers_in_process"])
    # counts to date end on the run's totals, and in process = arrived - completed on every day (no warm-up)
    assert backlog["dossiers_arrived_to_date"].iloc[-1] == pytest.approx(results.summary["dossiers_arrived"])
    assert backlog["dossiers_completed_to_date"].iloc[-1] == pytest.approx(results.summary["dossiers_completed"])
    assert (backlog["dossiers_arrived_to_date"] - backlog["dossiers_completed_to_date"]).tolist() == \
        pytest.approx(backlog["dossiers_in_process_end_of_day"].tolist())


def test_save_writes_the_output_folder(example, tmp_path):
    results = example[0]["results"]
    out = results.save(tmp_path / "out")
    assert out == tmp_path / "out"
    assert {p.name for p in out.iterdir()} == OUTPUT_FILES
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary == json.loads(json.dumps(results.summary))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 7 and manifest["status"] == "complete"
    assert manifest["replications_completed"] == 2
    assert manifest["resolved_scenario"]["staff"]["per_commune"]["counter"] == 5
    assert manifest["scenario_sha256"] == scenario_hash(results.scenario.model_dump(mode="json", by_alias=True))
    communes = pd.read_csv(out / "communes.csv")
    assert len(communes) == 126
    pd.testing.assert_series_equal(communes["dossiers_arrived"], results.communes()["dossiers_arrived"],
                                   check_names=False)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_save_refuses_a_non_empty_folder_unless_forced(example, tmp_path):
    results = example[0]["results"]
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(FileExistsError):
        results.save(out)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    results.save(out, force=True)
    assert {p.name for p in out.iterdir()} == OUTPUT_FILES


# ------------------------------------------------------------------------------------ run
def test_run_is_reproducible_and_seed_dependent():
    scenario = sim.load_scenario(MMC, MMC_FAST)
    a = sim.run(scenario, replications=3, seed=3).summary
    b = sim.run(scenario, replications=3, seed=3).summary
    c = sim.run(scenario, replications=3, seed=4).summary
    assert a == b
    assert a["mean_wait_minutes"] != c["mean_wait_minutes"]


def test_run_jobs_do_not_change_results():
    scenario = sim.load_scenario(MMC, MMC_FAST)
    assert sim.run(scenario, replications=4, jobs=2).summary == sim.run(scenario, replications=4, jobs=1).summary


def test_load_scenario_default_and_library_names():
    default = sim.load_scenario()
    assert default.name.startswith("Hà Nội, 1–13 July 2025") and default.communes.count == 126
    assert sim.load_scenario("validation/mmc") == sim.load_scenario(MMC)


# ---------------------------------------------------------------------------------- errors
def test_load_scenario_bad_override_raises_scenario_error():
    with pytest.raises(sim.scenario.loading.ScenarioError) as exc:
        sim.load_scenario("hanoi/2025-07-first-13-days", overrides=["horizon.dayz=3", "seed=abc"])
    problems = exc.value.problems
    assert len(problems) == 2
    assert all(isinstance(p, sim.scenario.loading.Problem) for p in problems)
    by_key = {p.key_path: p for p in problems}
    assert "did you mean 'days'?" in by_key["horizon.dayz"].message
    assert by_key["seed"].got == "abc" and by_key["seed"].position.file == "--set"
    assert str(exc.value).splitlines() == [str(p) for p in problems]


def test_load_scenario_bad_file_raises_with_positions(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("extends: validation/mmc\nhorizn: {days: 3}\ndemand:\n  dossiers_per_working_day: .nan\n",
                    encoding="utf-8")
    with pytest.raises(sim.scenario.loading.ScenarioError) as exc:
        sim.load_scenario(path)
    located = [(p.position.file, p.position.line, p.position.column, p.key_path) for p in exc.value.problems]
    assert located == [(str(path), 2, 1, "horizn"), (str(path), 4, 3, "demand.dossiers_per_working_day")]
    assert str(exc.value).splitlines()[0] == (
        f"{path}:2:1: horizn: unknown key 'horizn'; did you mean 'horizon'? (got {{'days': 3}})")


def test_load_scenario_missing_raises(tmp_path):
    with pytest.raises(sim.scenario.loading.ScenarioError) as exc:
        sim.load_scenario(tmp_path / "nothing-here.yaml")
    (problem,) = exc.value.problems
    assert problem.message == "file not found"
    with pytest.raises(sim.scenario.loading.ScenarioError):
        sim.load_scenario("no/such/library-scenario")


def test_readme_shows_the_executed_example():
    """The README's API example is docs/api_example.py, which the tests above execute."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / "docs" / "api_example.py").read_text(encoding="utf-8")
    assert "```python\n" + example + "```" in readme
