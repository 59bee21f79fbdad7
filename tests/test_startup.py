"""Start-up stays light: what `import sim` and a tiny run load, and the pandas-free writers.

A one-commune, one-day run should cost its imports and little else (issue 14: 0.3 s and
80 MiB on a quiet machine). The heavy libraries (pandas, matplotlib, pyarrow, dask, scipy)
are loaded only where a command needs them; these tests check that in a fresh interpreter
(they are about which modules load, not about timing). The pandas-free CSV writer and the
table of t quantiles that make this possible are checked against pandas and scipy.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from conftest import MMC
from sim.engine.stats import _T_975, t_quantile_975
from sim.study.files import csv_text

HEAVY = ("pandas", "matplotlib", "pyarrow", "dask", "distributed", "scipy")


def _loaded_after(code: str, cwd) -> list[str]:
    """The heavy top-level modules loaded once ``code`` has run in a new interpreter."""
    probe = code + f"\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))"
    proc = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_import_sim_and_cli_load_no_heavy_library(tmp_path):
    assert _loaded_after("import sim, sim.cli, sim.engine.model, sim.study.api, sim.study.runner", tmp_path) == []


def test_small_run_loads_no_heavy_library(tmp_path):
    """`commune-sim run` of M/M/c on one day, 3 replications (intervals included), table printed."""
    code = ("from sim.cli import main\n"
            f"assert main(['run', {str(MMC)!r}, '--set', 'horizon.days=1', '--set', 'horizon.warmup_days=0', "
            "'--replications', '3', '--out', 'out']) == 0")
    assert _loaded_after(code, tmp_path) == []
    assert (tmp_path / "out" / "communes.csv").exists()


# ------------------------------------------------------------------ the CSV writer
def _same_as_pandas(rows):
    assert csv_text(rows) == pd.DataFrame(rows).to_csv(index=False, lineterminator="\n")


def test_csv_text_follows_pandas_column_types():
    _same_as_pandas([])
    _same_as_pandas([{"a": 1}])
    _same_as_pandas([{"commune": "Phường Ba Đình", "n": 3, "x": 0.1, "hw": math.nan, "ok": True, "gap": None},
                     {"commune": 'a "quoted", name', "n": 4, "x": None, "hw": 1e16, "ok": None, "late": 2},
                     {"commune": None, "n": 5, "x": -0.0, "hw": math.inf, "ok": False, "late": 2.5}])
    _same_as_pandas([{"mixed": 1}, {"mixed": "text"}, {"mixed": 2.5}, {"mixed": True}])
    _same_as_pandas([{"all_gaps": None}, {"all_gaps": None}])
    _same_as_pandas([{"ints_and_gap": 1}, {"ints_and_gap": None}])


_cell = st.one_of(st.none(), st.booleans(), st.integers(-2**62, 2**62), st.floats(allow_nan=True, allow_infinity=True),
                  st.text(max_size=5))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from("abcd"), _cell, max_size=4), max_size=5))
def test_csv_text_equals_pandas_on_any_table(rows):
    _same_as_pandas(rows)


def test_t_quantiles_are_scipys():
    for dof in range(1, len(_T_975) + 1):
        assert _T_975[dof - 1] == float(sps.t.ppf(0.975, dof))
    assert t_quantile_975(len(_T_975) + 7) == float(sps.t.ppf(0.975, len(_T_975) + 7))
