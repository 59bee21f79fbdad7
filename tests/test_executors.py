"""Executors: one concurrent.futures interface, and the same tables whatever the backend."""

import pandas as pd
import pytest
from conftest import MMC

from sim.study.executors import InProcessExecutor, open_backend
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
    with open_backend("local", 1) as backend:
        assert backend.kind == "inprocess" and backend.capacity == 1
    with open_backend("local", 2) as backend:
        assert backend.kind == "local" and backend.capacity == 4
        assert [f.result() for f in [backend.executor.submit(_square, i) for i in range(4)]] == [0, 1, 4, 9]


def test_bad_backend_choices():
    with pytest.raises(ValueError):
        with open_backend("cloud"):
            pass
    with pytest.raises(ValueError):
        with open_backend("local", 2, scheduler="tcp://127.0.0.1:8786"):
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
