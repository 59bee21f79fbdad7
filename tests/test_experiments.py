"""Experiments: the file format, validation before anything runs, the sweep's outputs,
common random numbers, target half-widths, warm-up, and nothing lost on Ctrl-C (--resume)."""
import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from conftest import MMC

from sim.cli import main
from sim.scenario.loading import ScenarioError
from sim.study.experiments import load_experiment
from sim.study.sweep import run_sweep


TINY = f"""\
name: tiny
base: {MMC}
set: ["horizon.days=3", "horizon.warmup_days=0"]
replications: 2
parameters:
  staff.per_commune.counter: [3, 4]
plots:
  - {{kind: staffing_curve, x: staff.per_commune.counter}}
"""


def write(tmp_path, text, name="exp.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ the file
def test_grid_of_list_range_and_linked_parameters(tmp_path):
    exp = load_experiment(write(tmp_path, f"""\
name: grid
base: {MMC}
set: ["horizon.days=2", "horizon.warmup_days=0"]
parameters:
  staff.per_commune.counter: {{start: 3, stop: 5}}
  load:
    values: [low, high]
    levels:
      - {{demand.dossiers_per_working_day: 200, demand.channels.in_person.intake.service_minutes.mean: 10}}
      - {{demand.dossiers_per_working_day: 300, demand.channels.in_person.intake.service_minutes.mean: 11}}
"""))
    assert len(exp.variants) == 6
    assert [v.parameters for v in exp.variants[:2]] == [{"staff.per_commune.counter": 3, "load": "low"},
                                                      {"staff.per_commune.counter": 3, "load": "high"}]
    last = exp.variants[-1].scenario
    assert last.staff.per_commune["counter"] == 5
    assert last.demand.dossiers_per_working_day == 300
    assert last.demand.channels["in_person"].intake.service_minutes.mean == 11
    assert [v.id for v in exp.variants] == [f"v0{i}" for i in range(6)]


def test_every_variant_gets_the_root_seed_common_random_numbers(tmp_path):
    exp = load_experiment(write(tmp_path, TINY.replace("replications: 2", "replications: 2\nseed: 77")))
    assert {v.scenario.seed for v in exp.variants} == {77}
    independent = load_experiment(write(tmp_path, TINY + "common_random_numbers: false\n", "b.yaml"))
    seeds = [v.scenario.seed for v in independent.variants]
    assert len(set(seeds)) == 2 and seeds == [v.scenario.seed for v in load_experiment(tmp_path / "b.yaml").variants]


def test_scenarios_as_levels(tmp_path):
    exp = load_experiment(write(tmp_path, """\
name: staff moved down
base: hanoi/2025-07-first-13-days
parameters:
  scenario: [hanoi/variants/equal-staff, hanoi/2025-07-first-13-days]
"""))
    assert [v.scenario.staff.allocation.policy for v in exp.variants] == ["equal", "proportional"]
    assert [v.label for v in exp.variants] == ["equal-staff", "2025-07-first-13-days"]


def test_linked_levels_may_be_whole_scenarios_with_labels(tmp_path):
    exp = load_experiment(write(tmp_path, """\
name: allocation
base: hanoi/2025-07-first-13-days
parameters:
  allocation:
    values: [equal, by workload]
    levels: [{scenario: hanoi/variants/equal-staff}, {scenario: hanoi/2025-07-first-13-days, staff.per_commune.counter: 5}]
baseline: {allocation: by workload}
"""))
    assert [v.label for v in exp.variants] == ["allocation=equal", "allocation=by workload"]
    assert [v.scenario.staff.allocation.policy for v in exp.variants] == ["equal", "proportional"]
    assert exp.variants[1].scenario.staff.per_commune["counter"] == 5 and exp.baseline == "v01"


@pytest.mark.parametrize("body, expect", [
    ("parameters:\n  staff.per_commune.counter: [3, -1]\n", "exp.yaml:8:"),  # refused by the scenario
    ("parameters:\n  staff.per_commun.counter: [3]\n", "unknown key"),
    ("parameters:\n  staff.per_commune.counter: {start: 3, stop: 1}\n", "does not lead"),
    ("paramters: {}\n", "did you mean 'parameters'"),
    ("parameters:\n  scenario: [no/such/scenario]\n", "scenario not found"),
    ("plots: [{kind: staffing_curve, x: nope}]\n", "not a parameter"),
    ("plots: [{kind: figures, figures: [mean_wiat_minutes]}]\n", "unknown figure"),
    ("warmup: {method: fixed}\n", "needs days"),
    ("words: {en: {bad: tệ}}\n", "the file is written in en"),
    ("language: fr\n", "language"),
    ("plots: [{kind: map, figure: utilisation_busiest}]\n", "needs a threshold"),
])
def test_bad_experiment_exits_2_located_and_writes_nothing(tmp_path, capsys, body, expect):
    head = f"name: bad\nbase: {MMC}\nset: [\"horizon.days=3\", \"horizon.warmup_days=0\"]\nreplications: 2\n\n\n"
    path = write(tmp_path, head + body)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert expect in err
    assert f"{path}:" in err or str(MMC) in err
    assert not out.exists()


def test_bad_value_is_reported_at_its_place_in_the_experiment_file(tmp_path):
    path = write(tmp_path, TINY.replace("[3, 4]", "[3, -1]"))
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    (problem,) = info.value.problems
    assert problem.position.file == str(path) and problem.position.line == 6
    assert problem.key_path == "staff.per_commune.counter" and "counter=-1" in problem.message


# ------------------------------------------------------------------ the sweep
def test_sweep_writes_tidy_table_manifest_and_plots(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(write(tmp_path, TINY)), "--out", str(out), "--executor", "inprocess"]) == 0
    printed = capsys.readouterr().out
    assert "counter staff per commune 4" in printed and "v00: worst commune, 90% waiting time: Commune 001" in printed
    worst = pd.read_csv(out / "worst_communes.csv")
    assert set(worst.figure) == {"p90_wait_minutes", "on_time_share"} and set(worst.variant) == {"v00", "v01"}
    table = pd.read_parquet(out / "results.parquet")
    assert list(table.columns) == ["variant", "staff.per_commune.counter", "replication", "figure", "value"]
    assert table.equals(pd.read_csv(out / "results.csv"))
    assert len(table.groupby(["variant", "replication"])) == 4
    assert {"mean_wait_minutes", "pools.counter.utilisation", "by_field.any.on_time_share",
            "communes_below_on_time_target"} <= set(table["figure"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["root_seed"] == 1
    assert manifest["wait_target_minutes"] == 30 and manifest["on_time_target"] == 0.95  # the defaults
    assert manifest["replications_per_variant"] == {"v00": 2, "v01": 2}
    assert manifest["warmup"]["method"] == "none"
    assert manifest["base_scenario"]["resolved"]["name"] == "Validation: M/M/c"
    assert manifest["variants"][1]["resolved_scenario"]["staff"]["per_commune"]["counter"] == 4
    assert manifest["runs"] == {"expected": 4, "finished": 4, "executed_this_invocation": 4, "found_on_disk": 0}
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["v00-r0.json", "v00-r1.json", "v01-r0.json", "v01-r1.json"]
    assert (out / "plots" / "staffing_curve.png").stat().st_size > 10_000
    summary = pd.read_csv(out / "summary.csv")
    row = summary[(summary.variant == "v01") & (summary.figure == "dossiers_arrived")].iloc[0]
    assert row.difference_to_baseline == 0 and row.difference_ci95_half_width == 0  # same dossiers arrive


def test_common_random_numbers_pair_the_variants(tmp_path):
    exp = load_experiment(write(tmp_path, TINY))
    result = run_sweep(exp, tmp_path / "out", "inprocess")
    table = pd.read_parquet(tmp_path / "out" / "results.parquet")
    wide = table[table.figure == "mean_wait_minutes"].pivot(index="replication", columns="variant", values="value")
    assert (wide["v01"] <= wide["v00"]).all()  # one more server never delays anyone under CRN and FCFS
    s = result.summary.set_index(["variant", "figure"])
    assert s.loc[("v01", "mean_wait_minutes"), "difference_to_baseline"] < 0


def test_out_folder_not_empty_without_resume_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    assert main(["sweep", str(write(tmp_path, TINY)), "--out", str(out), "--quiet"]) == 2
    assert "--resume" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_resume_refuses_a_folder_of_another_experiment(tmp_path, capsys):
    out = tmp_path / "out"
    run_sweep(load_experiment(write(tmp_path, TINY)), out, "inprocess")
    other = write(tmp_path, TINY.replace("[3, 4]", "[3, 5]"), "other.yaml")
    assert main(["sweep", str(other), "--out", str(out), "--resume", "--quiet"]) == 2
    assert "other variants" in capsys.readouterr().err


def test_target_half_width_adds_replications_until_met(tmp_path):
    text = TINY.replace("[3, 4]", "[3, 6]") + ("target_half_width: {figure: pools.counter.utilisation, value: 0.03, "
                                               "batch: 2, max_replications: 8}\n")
    result = run_sweep(load_experiment(write(tmp_path, text)), tmp_path / "out", "inprocess")
    info = result.manifest["target_half_width"]
    counts = result.manifest["replications_per_variant"]
    assert max(counts.values()) > 2 and all(n <= 8 and n % 2 == 0 for n in counts.values())
    s = result.summary.set_index(["variant", "figure"])
    for vid, met in info["met"].items():
        hw = s.loc[(vid, "pools.counter.utilisation"), "ci95_half_width"]
        assert met == (hw <= 0.03)
        assert met or counts[vid] == 8


def test_mser5_warmup_from_pilot_runs_is_applied_and_reported(tmp_path):
    text = f"""\
name: steady
base: {MMC}
set: ["horizon.days=40", "horizon.warmup_days=0", "demand.dossiers_per_working_day=330"]
replications: 2
parameters:
  staff.per_commune.counter: [3, 4]
warmup: {{method: mser5, pilot_replications: 1}}
"""
    result = run_sweep(load_experiment(write(tmp_path, text)), tmp_path / "out", "inprocess")
    warm = result.manifest["warmup"]
    assert warm["method"] == "mser5" and set(warm["per_variant"]) == {"v00", "v01"}
    assert warm["days"] == max(v["truncation_days"] for v in warm["per_variant"].values())
    assert warm["days"] % 5 == 0 and warm["days"] <= 20
    assert {v["warmup_days"] for v in result.manifest["variants"]} == {warm["days"]}
    assert sorted(p.name for p in (tmp_path / "out" / "runs" / "pilot").iterdir()) == ["v00-r0.json", "v01-r0.json"]


def test_fixed_warmup_is_set_on_every_variant(tmp_path):
    exp = load_experiment(write(tmp_path, TINY.replace("horizon.days=3", "horizon.days=6") + "warmup: {method: fixed, days: 2}\n"))
    assert {v.scenario.horizon.warmup_days for v in exp.variants} == {2}


# ------------------------------------------------------------------ nothing lost
SLOW_RUNS = f"""\
name: interrupt me
base: {MMC}
set: ["horizon.days=150", "horizon.warmup_days=0"]
replications: 5
parameters:
  staff.per_commune.counter: [3, 4]
"""


def test_ctrl_c_keeps_finished_runs_and_resume_runs_only_the_missing(tmp_path):
    exp_file = write(tmp_path, SLOW_RUNS)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(exp_file), "--out", str(out),
                             "--executor", "inprocess", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    runs = out / "runs"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (runs.is_dir() and any(p.suffix == ".json" for p in runs.iterdir())):
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err.decode()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    finished = sorted(p.name for p in runs.glob("*.json"))
    assert 1 <= len(finished) < 10, "the sweep ended before it could be interrupted; make its runs longer"
    for name in finished:  # every finished run is whole
        assert json.loads((runs / name).read_text())["result"]["region"]["dossiers_arrived"] > 0
    assert not list(runs.glob(".*"))  # no temporary files left behind
    partial = pd.read_parquet(out / "results.parquet")
    assert len(partial.groupby(["variant", "replication"])) == len(finished)

    assert main(["sweep", str(exp_file), "--out", str(out), "--resume", "--executor", "inprocess", "--quiet"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["runs"]["executed_this_invocation"] == 10 - len(finished)
    assert manifest["runs"]["found_on_disk"] == len(finished)
    assert manifest["previous_invocations"][-1]["status"] == "interrupted"

    fresh = tmp_path / "fresh"
    run_sweep(load_experiment(exp_file), fresh, "inprocess")
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), pd.read_parquet(fresh / "results.parquet"),
                                  check_exact=True)


_original_execute_run = None


def _dies_on_replication_1(scenario, replication):
    if replication == 1:
        os._exit(3)  # a worker process killed in the middle of a run
    return _original_execute_run(scenario, replication)


def test_a_killed_worker_leaves_finished_runs_and_the_manifest_interrupted(tmp_path, monkeypatch):
    import multiprocessing

    import sim.study.sweep

    if multiprocessing.get_start_method(allow_none=False) != "fork":
        pytest.skip("needs fork start method to inject the failing task")
    global _original_execute_run
    _original_execute_run = sim.study.sweep.execute_run
    monkeypatch.setattr(sim.study.sweep, "execute_run", _dies_on_replication_1)
    exp_file = write(tmp_path, TINY.replace("replications: 2", "replications: 3"))
    out = tmp_path / "out"
    result = run_sweep(load_experiment(exp_file), out, "local", jobs=2)
    assert result.status == "interrupted" and "worker process died" in result.manifest["error"]
    finished = sorted(p.name for p in (out / "runs").glob("*.json"))
    assert all("-r1" not in name for name in finished)
    for name in finished:
        assert json.loads((out / "runs" / name).read_text())["result"]["region"]["dossiers_arrived"] > 0
    monkeypatch.setattr(sim.study.sweep, "execute_run", _original_execute_run)
    resumed = run_sweep(load_experiment(exp_file), out, "local", jobs=2)
    assert resumed.status == "complete"
    assert resumed.executed == 6 - len(finished) and resumed.found == len(finished)


def test_experiment_files_extend_others(tmp_path):
    write(tmp_path, TINY, "base.yaml")
    exp = load_experiment(write(tmp_path, "extends: base.yaml\nname: longer\nset: [\"horizon.days=5\", "
                                          "\"horizon.warmup_days=0\"]\n", "longer.yaml"))
    assert exp.spec.name == "longer" and [v.scenario.horizon.days for v in exp.variants] == [5, 5]
    assert [v.parameters["staff.per_commune.counter"] for v in exp.variants] == [3, 4]


def test_commune_targets_come_from_the_base_scenario_unless_the_experiment_sets_them(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(f"extends: {MMC}\noutputs: {{targets: {{wait_p90_minutes: 12, on_time_share: 0.8}}}}\n")
    exp = load_experiment(write(tmp_path, TINY.replace(f"base: {MMC}", f"base: {base}")))
    assert (exp.spec.wait_target_minutes, exp.spec.on_time_target) == (12, 0.8)
    exp = load_experiment(write(tmp_path, TINY.replace(f"base: {MMC}", f"base: {base}") + "on_time_target: 0.9\n"))
    assert (exp.spec.wait_target_minutes, exp.spec.on_time_target) == (12, 0.9)


# ------------------------------------------------------------------ the file's own words in both languages
WORDED = f"""\
name: Two loads
base: {MMC}
set: ["horizon.days=2", "horizon.warmup_days=0"]
replications: 2
parameters:
  load:
    values: [low, high]
    levels:
      - {{demand.dossiers_per_working_day: 200}}
      - {{demand.dossiers_per_working_day: 300}}
plots:
  - {{kind: figures, figures: [mean_wait_minutes], title: Waits by load}}
words:
  vi: {{Two loads: Hai mức hồ sơ, load: mức hồ sơ, low: thấp, high: cao, Waits by load: Thời gian chờ theo mức hồ sơ}}
"""


def test_an_experiments_own_texts_are_shown_in_the_report_language(tmp_path, monkeypatch):
    from sim.study import plots
    from sim.study.report.build import build_report

    titles = []
    drawn = plots.figures_plot
    monkeypatch.setattr(plots, "figures_plot", lambda summary, figures, variants, path, x, title, *rest:
                        titles.append((title, [v[1] for v in variants])) or drawn(summary, figures, variants, path, x, title, *rest))
    out = tmp_path / "out"
    assert main(["sweep", str(write(tmp_path, WORDED)), "--out", str(out), "--executor", "inprocess", "--quiet"]) == 0
    assert titles == [("Waits by load", ["load low", "load high"])]  # the sweep draws in the file's language
    vi, en = build_report(out, "vi"), build_report(out, "en")
    assert "Hai mức hồ sơ" in vi and "Two loads" not in vi and "mức hồ sơ" in vi and "cao" in vi
    assert "Two loads" in en and "Hai mức hồ sơ" not in en
    assert titles[-1] == ("Waits by load", ["load low", "load high"])  # the English report, redrawn
    assert ("Thời gian chờ theo mức hồ sơ", ["mức hồ sơ thấp", "mức hồ sơ cao"]) in titles  # the Vietnamese report


def test_a_text_without_translation_keeps_the_words_it_was_written_in(tmp_path):
    exp = load_experiment(write(tmp_path, WORDED.replace("high: cao, ", "")))
    from sim.study import catalogue as cat

    words = exp.spec.words_in("vi")
    assert [cat.variant_label(v.parameters, "vi", words=words) for v in exp.variants] == ["mức hồ sơ thấp", "mức hồ sơ high"]
    assert exp.spec.say("Waits by load", "en") == "Waits by load" and exp.spec.say("untranslated", "vi") is None


def test_a_problem_every_variant_shares_is_said_once(tmp_path):
    path = write(tmp_path, f"""\
name: shared problem
base: {MMC}
set: ["horizon.days=2", "horizon.warmup_days=0", "staff.per_commune.counter=-1"]
parameters:
  demand.dossiers_per_working_day: [100, 200, 300]
""")
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    (problem,) = info.value.problems
    assert problem.message.endswith("[all 3 variants]") and problem.position.file == str(path)
