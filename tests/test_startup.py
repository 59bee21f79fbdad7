"""Start-up stays light: what `import sim` and a tiny run load, and the pandas-free writers.

A one-commune, one-day run should cost its imports and little else (issue 14: 0.3 s and
80 MiB on a quiet machine). The heavy libraries (pandas, matplotlib, pyarrow, dask, scipy)
are loaded only where a command needs them; these tests check that in a fresh interpreter
(they are about which modules load, not about timing). The pandas-free CSV writer and the
table of t quantiles that make this possible are checked against pandas and scipy; so are the
other start-up savings: the header-only version lookup (against importlib.metadata), the
deferred pydantic validators (defaults and sub-models), and the collector paused during the
program's start-up and its objects frozen (only in the program, never in a test's process).
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from conftest import MMC
from sim.engine.stats import _T_975, t_quantile_975
from sim.study import catalogue
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


def test_small_run_starts_no_process_pool_machinery(tmp_path):
    """A run in this process (one job) does not import multiprocessing (the process pool is
    imported when --jobs asks for processes) nor importlib.resources' readers (reference data
    is looked up when a table is read)."""
    code = ("import sys\nfrom sim.cli import main\n"
            f"assert main(['run', {str(MMC)!r}, '--set', 'horizon.days=1', '--set', 'horizon.warmup_days=0', "
            "'--jobs', '1', '--quiet', '--out', 'out']) == 0\n"
            "print(sorted(m for m in ('multiprocessing', 'concurrent.futures.process', 'importlib.readers') "
            "if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


#: Loaded only for what a tiny run of synthetic communes never does: a did-you-mean (difflib),
#: real communes (the reference data and its readers), maps, the terminal table (not with --quiet).
# (sim.study.catalogue is imported: the progress and stop lines now come from it, in both languages)
NOT_FOR_A_TINY_RUN = ("difflib", "statistics", "gzip", "sim.reference", "sim.study.maps", "sim.study.choropleth",
                      "sim.study.tables")
TINY = Path(__file__).resolve().parents[1] / "benchmarks" / "scenarios" / "one-commune-one-day.yaml"


def test_the_start_up_benchmark_imports_only_what_it_uses(tmp_path):
    """`commune-sim run` of the start-up benchmark (one commune, one day, --quiet), as the program
    runs it: none of the modules above is imported, and pydantic is told not to look for plugins
    (unless the caller said otherwise)."""
    code = ("import json, os, sys\nfrom sim.cli import entry\n"
            f"sys.argv = ['commune-sim', 'run', {str(TINY)!r}, '--jobs', '1', '--quiet', '--out', sys.argv[1]]\n"
            "try:\n    entry()\nexcept SystemExit as stop:\n    status = stop.code\n"
            f"print(json.dumps([status, sorted(m for m in {NOT_FOR_A_TINY_RUN!r} if m in sys.modules), "
            "os.environ.get('PYDANTIC_DISABLE_PLUGINS')]))")
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    proc = subprocess.run([sys.executable, "-c", code, "out"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [0, [], "__all__"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["maps"] == catalogue.text("map_no_geography", "en")  # without importing the catalogue
    proc = subprocess.run([sys.executable, "-c", code, "again"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env={**env, "PYDANTIC_DISABLE_PLUGINS": ""})
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [0, [], ""]  # an explicit setting is kept


_GC_PROBE = """
import gc, json, sys
from sim.cli import main
code = main(['run', {mmc!r}, '--set', 'horizon.days=1', '--set', 'horizon.warmup_days=0', '--jobs', '1',
             '--quiet', '--out', 'out'], process_exits={exits})
print(json.dumps([code, gc.isenabled(), gc.get_freeze_count()]))
"""


@pytest.mark.parametrize("exits", [True, False])
def test_the_collector_is_paused_and_start_up_frozen_only_in_the_program(tmp_path, exits):
    """``commune-sim run`` (main with process_exits) freezes what start-up made and resumes the
    collector; main() called from a test or notebook leaves the collector alone."""
    code = _GC_PROBE.format(mmc=str(MMC), exits=exits)
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    status, enabled, frozen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert status == 0 and enabled
    assert (frozen > 10_000) if exits else frozen == 0


def test_manifest_versions_are_importlib_metadata_s():
    """The header-only reading of METADATA gives metadata.version's answer for every installed
    distribution (and None-free names for the ones the manifest lists that are installed)."""
    from importlib import metadata

    from sim.study.outputs import installed_version, versions

    names = {d.metadata["Name"] for d in metadata.distributions()}
    assert len(names) > 10
    for name in names:
        assert installed_version(name) == metadata.version(name), name
    for package, version in versions().items():
        if package != "python":
            try:
                assert version == metadata.version(package)
            except metadata.PackageNotFoundError:
                assert version is None


def test_deferred_models_validate_on_their_own_and_keep_their_defaults():
    """The scenario models build their validators on first use (defer_build): a sub-model used
    alone still validates, and the defaults made without validation equal validated ones."""
    from pydantic import ValidationError

    from sim.scenario import schema

    with pytest.raises(ValidationError, match="increasing"):
        schema.Calendar(weekday_hours=[("09:00", "08:00")])
    for model, field in ((schema.Scenario, "calendar"), (schema.Scenario, "routing"), (schema.Scenario, "outputs"),
                         (schema.Staff, "allocation"), (schema.Outputs, "targets")):
        default = model.model_fields[field].default
        assert default == type(default)() == type(default).model_validate({}), (model, field)


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


# ------------------------------------------------------------------ the parser of one command
@pytest.mark.parametrize("command", ["run", "validate", "compare", "sweep", "calibrate", "staff", "report", "list",
                                     "schema"])
def test_a_commands_own_parser_answers_as_the_whole_parser(command, capsys):
    """`commune-sim run ...` builds only run's sub-parser: its --help and its parsed options
    are the whole parser's."""
    from sim.cli import COMMANDS, _parser

    assert command in COMMANDS
    helps = []
    for parser in (_parser(), _parser(command)):
        with pytest.raises(SystemExit):
            parser.parse_args([command, "--help"])
        helps.append(capsys.readouterr().out)
    assert helps[0] == helps[1] and f"usage: commune-sim {command}" in helps[0]
    argv = {"run": ["run", "x.yaml", "--jobs", "1", "--quiet"], "validate": ["validate", "a.yaml"],
            "compare": ["compare", "a", "b"], "sweep": ["sweep", "e.yaml"], "calibrate": ["calibrate", "s"],
            "staff": ["staff", "s", "--budget", "counter=9"], "report": ["report", "out"], "list": ["list"],
            "schema": ["schema"]}[command]
    assert vars(_parser().parse_args(argv)) == vars(_parser(command).parse_args(argv))
