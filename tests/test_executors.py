"""Executors: one concurrent.futures interface, and the same tables whatever the backend."""
from pathlib import Path

import pandas as pd
import pytest
from conftest import MMC

from sim.study.executors import InProcessExecutor, Task, open_workers
from sim.study.experiments import load_experiment
from sim.study.sweep import run_sweep

EXPERIMENT = f"""\
name: backends
base: {MMC}
set: ["horizon.days=2", "horizon.warmup_days=0"]
replications: 2
parameters:
  staff.per_commune.counter: [3, 4]
"""


def _square(x):
    return x * x


def _fail():
    raise ValueError("boom")


def test_in_process_executor_returns_finished_futures():
    ex = InProcessExecutor()
    future = ex.submit(_square, 7)
    assert future.done() and future.result() == 49
    bad = ex.submit(_fail)
    assert isinstance(bad.exception(), ValueError)
    assert list(ex.map(_square, [1, 2, 3])) == [1, 4, 9]
    ex.shutdown()
    with pytest.raises(RuntimeError):
        ex.submit(_square, 1)


def test_local_with_one_job_runs_in_process_and_processes_with_more():
    with open_workers("local", 1) as workers:
        assert workers.kind == "inprocess" and workers.capacity == 1
    with open_workers("local", 2) as workers:
        assert workers.kind == "local" and workers.capacity == 4
        assert [f.result() for f in [workers.executor.submit(_square, i) for i in range(4)]] == [0, 1, 4, 9]


def _after(seconds, value, marker=None):
    import time

    time.sleep(seconds)
    if marker:
        Path(marker).write_text("done", encoding="utf-8")
    return value


@pytest.mark.parametrize("kind, jobs", [("inprocess", 1), ("local", 2)])
def test_run_hands_every_result_to_its_key_whatever_the_order_they_finish(kind, jobs):
    got = {}
    with open_workers(kind, jobs) as workers:
        workers.run((Task(i, _after, (0.05 * (5 - i), i * i)) for i in range(6)), got.__setitem__)
    assert got == {i: i * i for i in range(6)}


def test_a_failing_task_stops_the_rest_and_what_finished_before_is_kept():
    got = []
    with pytest.raises(ValueError):
        with open_workers("inprocess") as workers:
            workers.run([Task(0, _square, (2,)), Task(1, _fail), Task(2, _square, (3,))], lambda k, v: got.append(k))
    assert got == [0]  # in this process a task runs at submit: task 2 never started


def test_an_interruption_keeps_what_finished_meanwhile_and_a_failing_hand_over_does_not(tmp_path):
    """Ctrl-C while a result is being handed over (here: raised by on_result) still hands over the
    results that came back meanwhile; an ordinary error in on_result (a full disk) hands over nothing more."""
    import time

    def wait_for(*markers):
        deadline = time.monotonic() + 60
        while not all((tmp_path / m).exists() for m in markers) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.5)  # the results travel back after the marker is written

    tasks = [Task(0, _after, (0, 0)), Task(1, _after, (0.3, 1, tmp_path / "m1")),
             Task(2, _after, (0.3, 2, tmp_path / "m2"))]
    for stop, expected in ((KeyboardInterrupt, [0, 1, 2]), (OSError, [0])):
        for m in ("m1", "m2"):
            (tmp_path / m).unlink(missing_ok=True)
        got = []

        def on_result(key, value):
            got.append(key)
            if key == 0:
                wait_for("m1", "m2")
                raise stop

        with pytest.raises(stop):
            with open_workers("local", 2) as workers:
                workers.run(tasks, on_result)
        assert got == expected, stop


def test_bad_backend_choices():
    with pytest.raises(ValueError):
        with open_workers("cloud"):
            pass
    with pytest.raises(ValueError):
        with open_workers("local", 2, scheduler="tcp://127.0.0.1:8786"):
            pass


@pytest.mark.slow
def test_same_tables_in_process_on_two_processes_and_on_a_dask_local_cluster(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    experiment = load_experiment(path)
    tables, kinds = {}, {}
    for name, kind, jobs in (("inprocess", "inprocess", 1), ("processes", "local", 2), ("dask", "dask", 2)):
        result = run_sweep(experiment, tmp_path / name, kind, jobs)
        assert result.status == "complete", result.manifest.get("error")
        kinds[name] = result.manifest["executor"]
        tables[name] = pd.read_parquet(tmp_path / name / "results.parquet")
    assert kinds["dask"]["kind"] == "dask" and kinds["dask"]["workers"] == 2
    assert kinds["processes"]["kind"] == "local" and kinds["processes"]["workers"] == 2
    assert len(tables["inprocess"]) > 100
    pd.testing.assert_frame_equal(tables["inprocess"], tables["processes"], check_exact=True)
    pd.testing.assert_frame_equal(tables["inprocess"], tables["dask"], check_exact=True)
    for name in ("processes", "dask"):  # the run files too, figure for figure
        for run in (tmp_path / "inprocess" / "runs").glob("*.json"):
            a = pd.read_json(run, typ="series")["result"]
            b = pd.read_json(tmp_path / name / "runs" / run.name, typ="series")["result"]
            assert a == b


@pytest.mark.slow
def test_run_and_compare_give_the_same_figures_in_process_and_on_a_dask_local_cluster(tmp_path):
    """The same workers serve `run` and `compare`: a Dask LocalCluster changes nothing."""
    import json

    from sim.cli import main

    common = ["--set", "horizon.days=2", "--set", "horizon.warmup_days=0", "--replications", "2", "--quiet"]
    summaries = {}
    for name, options in (("inprocess", ["--executor", "inprocess"]), ("dask", ["--executor", "dask", "--jobs", "2"])):
        assert main(["run", str(MMC), *common, *options, "--out", str(tmp_path / name)]) == 0
        summaries[name] = json.loads((tmp_path / name / "summary.json").read_text(encoding="utf-8"))
        assert main(["compare", str(MMC), str(MMC), *common, *options,
                     "--out", str(tmp_path / f"compare-{name}")]) == 0
    assert summaries["inprocess"] == summaries["dask"]
    tables = [(tmp_path / f"compare-{name}" / "comparison.csv").read_text(encoding="utf-8") for name in summaries]
    assert tables[0] == tables[1]


def test_a_scheduler_without_dask_executor_is_a_usage_error(tmp_path, capsys):
    from sim.cli import main

    assert main(["run", str(MMC), "--scheduler", "tcp://127.0.0.1:8786", "--out", str(tmp_path / "out")]) == 2
    assert "--scheduler needs --executor dask" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
