"""The ``commune-sim`` command line: run, validate, list, schema; exit codes and error format.

Most tests call ``sim.cli.main([...])`` in-process for speed; a few run the installed console
script and ``python -m sim`` in a subprocess to check real exit codes, stdout and stderr.
Runs are kept tiny: the M/M/c validation scenario over 5 days, or the Hanoi default over 3 days.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import HANOI_FILE as HANOI
from conftest import MMC, read_json, run_cli

from sim.cli import main

# mmc.yaml has warmup_days: 5, which must stay below days, hence the second override.
FAST = ["--set", "horizon.days=5", "--set", "horizon.warmup_days=1", "--replications", "2"]
OUTPUT_FILES = {"manifest.json", "summary.json", "communes.csv", "communes_replications.csv"}

# file:line:column: key.path: message (got VALUE)
LOCATED = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+):(?P<column>\d+): (?P<key>[\w.]+): (?P<message>.+?)"
                     r"(?: \(got (?P<got>.+)\))?$")

BIN = Path(sys.executable).parent / "commune-sim"


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# ------------------------------------------------------------------------------------ run
def test_run_writes_the_three_files_and_prints_the_table(tmp_path, capsys):
    out = tmp_path / "out"
    assert run_cli("run", MMC, *FAST, "--out", out) == 0
    assert files_in(out) == OUTPUT_FILES
    stdout = capsys.readouterr().out
    lines = stdout.strip().splitlines()
    assert lines[0].startswith("Validation: M/M/c — 2 replication(s), seed 1")
    for label in ("dossiers received", "dossiers resolved", "mean waiting time before first service",
                  "waiting time that 90% of dossiers stay under", "on-time share", "counter (intake)",
                  "formula (Erlang C / Allen–Cunneen)", "working minutes", "Targets:"):
        assert label in stdout
    assert lines[-1] == f"results: {out}"


def test_quiet_prints_only_the_path(tmp_path, capsys):
    out = tmp_path / "out"
    assert run_cli("run", MMC, *FAST, "--out", out, "--quiet") == 0
    assert capsys.readouterr().out == f"results: {out}\n"


def test_default_scenario_and_default_results_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run_cli("run", "--replications", "1", "--set", "horizon.days=3") == 0
    folders = list((tmp_path / "results").iterdir())
    assert len(folders) == 1 and files_in(folders[0]) == OUTPUT_FILES
    stdout = capsys.readouterr().out
    printed = stdout.strip().splitlines()[-1].removeprefix("results: ")
    assert Path(printed) == Path("results") / folders[0].name  # relative to the working directory
    assert stdout.startswith("Hà Nội, 1–13 July 2025")
    manifest = read_json(folders[0] / "manifest.json")
    assert manifest["scenario_file"] and Path(manifest["scenario_file"]).resolve() == HANOI.resolve()
    assert manifest["resolved_scenario"]["horizon"]["days"] == 3
    assert manifest["seed"] == 20250701  # the scenario's own seed


def test_two_runs_without_out_get_two_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_cli("run", MMC, *FAST, "--quiet") == 0
    assert run_cli("run", MMC, *FAST, "--quiet") == 0
    assert len(list((tmp_path / "results").iterdir())) == 2


def test_set_replications_and_seed_land_in_the_manifest(tmp_path):
    out = tmp_path / "out"
    assert run_cli("run", MMC, *FAST, "--set", "staff.per_commune.counter=4",
                   "--set", "demand.dossiers_per_working_day=200.5", "--set", "name=my run",
                   "--replications", "3", "--seed", "11", "--out", out, "--quiet") == 0
    manifest = read_json(out / "manifest.json")
    resolved = manifest["resolved_scenario"]
    assert resolved["staff"]["per_commune"]["counter"] == 4
    assert resolved["demand"]["dossiers_per_working_day"] == 200.5
    assert resolved["horizon"]["days"] == 5 and resolved["horizon"]["warmup_days"] == 1
    assert resolved["name"] == manifest["scenario_name"] == "my run"
    assert resolved["replications"] == manifest["replications_requested"] == 3  # --replications wins over --set
    assert resolved["seed"] == manifest["seed"] == 11
    assert manifest["replications_completed"] == 3
    summary = read_json(out / "summary.json")
    assert summary["replications"] == 3 and summary["seed"] == 11


def test_seed_changes_the_results_and_is_reproducible(tmp_path):
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        assert run_cli("run", MMC, *FAST, "--seed", seed, "--out", tmp_path / name, "--quiet") == 0
    a, b, c = (read_json(tmp_path / n / "summary.json") for n in "abc")
    assert a == b
    assert a["mean_wait_minutes"] != c["mean_wait_minutes"]


def test_library_name_is_accepted(tmp_path):
    out = tmp_path / "out"
    assert run_cli("run", "validation/mmc", *FAST, "--out", out, "--quiet") == 0
    assert read_json(out / "manifest.json")["scenario_name"] == "Validation: M/M/c"


# ------------------------------------------------------------------------------ bad input
def _cyclic(tmp_path: Path) -> Path:
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n", encoding="utf-8")
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nseed: 2\n", encoding="utf-8")
    return tmp_path / "a.yaml"


def _file(name: str, text: str):
    def make(tmp_path: Path) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return make


BAD_INPUTS = {
    # id: (makes the scenario file, extra args, lines expected on stderr as (line, column, key, words))
    "unknown key": (_file("unknown.yaml", "extends: validation/mmc\nhorizn: {days: 3}\n"), [],
                    [(2, 1, "horizn", ["unknown key 'horizn'", "did you mean 'horizon'?", "(got {'days': 3})"])]),
    "nested unknown key": (_file("nested.yaml", "extends: validation/mmc\nstaff:\n  per_comune: {counter: 2}\n"), [],
                           [(3, 3, "staff.per_comune", ["unknown key", "did you mean 'per_commune'?"])]),
    "wrong type": (_file("type.yaml", "extends: validation/mmc\nseed: abc\n"), [],
                   [(2, 1, "seed", ["valid integer", "(got 'abc')"])]),
    "NaN": (_file("nan.yaml", "extends: validation/mmc\ndemand:\n  dossiers_per_working_day: .nan\n"), [],
            [(3, 3, "demand.dossiers_per_working_day", ["finite number", "(got nan)"])]),
    "impossible value": (_file("neg.yaml", "extends: validation/mmc\nstaff: {per_commune: {counter: -2}}\n"), [],
                         [(2, 23, "staff.per_commune.counter", ["(got -2)"])]),
    "every problem at once": (_file("many.yaml", "extends: validation/mmc\nhorizn: {days: 3}\nseed: abc\n"
                                                 "replications: .inf\n"), [],
                              [(2, 1, "horizn", ["did you mean 'horizon'?"]), (3, 1, "seed", ["(got 'abc')"]),
                               (4, 1, "replications", ["finite number", "(got inf)"])]),
    "zero staff where work arrives": (_file("zero.yaml", "extends: validation/mmc\nstaff: {per_commune: {counter: 0}}\n"), [],
                                      [(2, 23, "staff.per_commune.counter", ["needs staff", "(got 0)"])]),
    "shares do not sum to 1": (_file("shares.yaml", "extends: validation/mmc\ndemand:\n  channels:\n"
                                                    "    in_person: {share: 0.7}\n"), [],
                               [(3, 3, "demand.channels", ["must sum to 1", "0.7", "(got {'in_person': 0.7})"])]),
    "cyclic extends": (_cyclic, [], [(1, 10, "extends", ["cyclic extends:", "a.yaml -> ", "b.yaml -> "])]),
    "non-mapping YAML": (_file("list.yaml", "- 1\n- 2\n"), [], None),
    "python tag": (_file("tag.yaml", "extends: validation/mmc\nname: !!python/object/apply:os.system [echo hi]\n"), [],
                   [(2, 7, "name", ["!!python/object/apply:os.system", "refused"])]),
}


@pytest.mark.parametrize("give_out", [True, False], ids=["--out", "default-out"])
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_scenario_file_exits_2_with_located_problems_and_writes_nothing(case, give_out, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    make, extra, expected = BAD_INPUTS[case]
    path = make(tmp_path)
    out = tmp_path / "out"
    args = ["run", path, *extra] + (["--out", out] if give_out else [])
    assert run_cli(*args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    if expected is None:  # a problem with the whole document: file:line:column: message (got VALUE)
        assert lines == [f"{path}:1:1: top level must be a mapping of keys, not a list (got [1, 2])"]
    else:
        assert len(lines) == len(expected), captured.err
        for text, (line, column, key, words) in zip(lines, expected):
            match = LOCATED.match(text)
            assert match, f"not in the file:line:column: key: message format: {text!r}"
            assert Path(match["file"]).name == Path(path).name or Path(match["file"]).name in ("a.yaml", "b.yaml")
            assert (int(match["line"]), int(match["column"]), match["key"]) == (line, column, key), text
            for word in words:
                assert word in text
    assert not out.exists()
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("give_out", [True, False], ids=["--out", "default-out"])
def test_missing_scenario_file(give_out, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    assert run_cli("run", "no-such-scenario.yaml", *(["--out", out] if give_out else [])) == 2
    captured = capsys.readouterr()
    assert captured.err == "no-such-scenario.yaml: file not found\n" and captured.out == ""
    assert not out.exists() and not (tmp_path / "results").exists()


def test_missing_extends_target(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    path = _file("s.yaml", "seed: 3\nextends: nowhere\n")(tmp_path)
    assert run_cli("run", path) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"{path}:2:10: extends: file 'nowhere' not found (looked in: ")
    assert not (tmp_path / "results").exists()


SET_CASES = {
    # id: (scenario, override, words expected on the single stderr line, which starts with "--set: ")
    "unknown top-level key": (MMC, "horizn.days=3", ["horizn", "unknown key 'horizn'", "did you mean 'horizon'?"]),
    "unknown leaf key": (MMC, "horizon.dayz=3", ["horizon.dayz: unknown key 'dayz'; did you mean 'days'? (got 3)"]),
    "wrong type": (MMC, "horizon.days=abc", ["horizon.days: Input should be a valid integer", "(got 'abc')"]),
    "impossible value": (MMC, "horizon.days=0", ["horizon.days: ", "(got 0)"]),
    "NaN": (MMC, "seed=.nan", ["seed: must be a finite number (NaN and infinity are not allowed) (got nan)"]),
    "no equals sign": (MMC, "horizon", ["malformed override; expected key.path=value (got 'horizon')"]),
    "empty path part": (MMC, "horizon..days=3", ["malformed override; expected key.path=value (got 'horizon..days=3')"]),
    "index out of range": (HANOI, 'calendar.weekday_hours.7=["08:00", "09:00"]',
                           ["calendar.weekday_hours.7: index '7' out of range", "has 2 items"]),
    "through a scalar": (MMC, "seed.x=1", ["seed.x: cannot set 'x': 'seed' is not a mapping or list (got 1)"]),
    "python tag in value": (MMC, "name=!!python/name:os.system", ["name: cannot parse value: YAML tag '!!python/name:os.system' is refused"]),
}


@pytest.mark.parametrize("case", list(SET_CASES))
def test_bad_set_exits_2_and_writes_nothing(case, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scenario, override, words = SET_CASES[case]
    assert run_cli("run", scenario, "--set", override, "--out", tmp_path / "out") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("--set: ")
    for word in words:
        assert word in line
    assert not (tmp_path / "out").exists() and not (tmp_path / "results").exists()


@pytest.mark.parametrize("argv", [
    ["run", "--bogus"],
    ["run", "--jobs", "0"],
    ["run", "--jobs", "two"],
    ["run", "--replications", "0"],
    ["run", "--seed", "-1"],
    ["run", "a.yaml", "b.yaml"],
    ["frobnicate"],
    [],
    ["validate"],
], ids=lambda a: " ".join(a) or "no command")
def test_bad_usage_exits_2(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert "usage: commune-sim" in captured.err and captured.out == ""
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------ --out and --force
def test_out_non_empty_is_refused_and_left_untouched(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    assert run_cli("run", MMC, *FAST, "--out", out) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "not empty" in captured.err and "--force" in captured.err
    assert files_in(out) == {"notes.txt"}
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert files_in(tmp_path) == {"out"}


def test_out_non_empty_with_force_is_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("old", encoding="utf-8")
    (out / "sub").mkdir()
    assert run_cli("run", MMC, *FAST, "--out", out, "--force", "--quiet") == 0
    assert files_in(out) == OUTPUT_FILES
    assert files_in(tmp_path) == {"out"}


def test_out_existing_empty_folder_is_used(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert run_cli("run", MMC, *FAST, "--out", out, "--quiet") == 0
    assert files_in(out) == OUTPUT_FILES


def test_out_nested_missing_parents_are_created(tmp_path):
    out = tmp_path / "a" / "b" / "out"
    assert run_cli("run", MMC, *FAST, "--out", out, "--quiet") == 0
    assert files_in(out) == OUTPUT_FILES


def test_out_that_is_a_file_is_a_usage_error(tmp_path, capsys):
    out = tmp_path / "out"
    out.write_text("a file", encoding="utf-8")
    assert run_cli("run", MMC, *FAST, "--out", out) == 2
    assert out.read_text(encoding="utf-8") == "a file"


# ------------------------------------------------------------------ validate, list, schema
def test_validate_ok(capsys):
    assert run_cli("validate", MMC, HANOI) == 0
    assert capsys.readouterr().out == f"{MMC}: ok\n{HANOI}: ok\n"


def test_validate_bad_and_mixed(tmp_path, capsys):
    bad = _file("bad.yaml", "extends: validation/mmc\nhorizn: {days: 3}\n")(tmp_path)
    worse = _file("worse.yaml", "seed: [1\n")(tmp_path)
    assert run_cli("validate", bad) == 2
    assert capsys.readouterr().err.startswith(f"{bad}:2:1: horizn: unknown key 'horizn'; did you mean 'horizon'?")
    assert run_cli("validate", MMC, bad, worse, tmp_path / "missing.yaml") == 2
    captured = capsys.readouterr()
    assert captured.out == f"{MMC}: ok\n"
    err = captured.err.strip().splitlines()
    assert len(err) == 3  # every problem of every file
    assert err[0].startswith(f"{bad}:2:1: horizn:")
    assert any(line.startswith(f"{worse}:") and "invalid YAML" in line for line in err)
    assert f"{tmp_path / 'missing.yaml'}: file not found" in err
    assert list(p.name for p in tmp_path.iterdir() if p.is_dir()) == []


def test_list_shows_the_default_with_its_description(capsys):
    assert run_cli("list") == 0
    stdout = capsys.readouterr().out
    description = yaml.safe_load(HANOI.read_text(encoding="utf-8"))["description"]
    lines = {line.split()[0]: line for line in stdout.splitlines()}
    assert "hanoi/2025-07-first-13-days" in lines and description in lines["hanoi/2025-07-first-13-days"]
    assert "(default)" in lines["hanoi/2025-07-first-13-days"]
    assert "validation/mmc" in lines


def test_schema_is_draft_07_json(tmp_path, capsys):
    assert run_cli("schema") == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert {"name", "seed", "replications", "horizon", "demand", "staff"} <= set(schema["properties"])
    assert schema.get("additionalProperties") is False  # unknown keys are flagged by editors too
    target = tmp_path / "scenario.schema.json"
    assert run_cli("schema", "--out", target) == 0
    assert json.loads(target.read_text(encoding="utf-8")) == schema


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["validate", "--help"], ["list", "--help"],
                                  ["schema", "--help"], ["--version"]], ids=" ".join)
def test_help_exits_0(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    stdout = capsys.readouterr().out
    assert ("usage: commune-sim" in stdout) if argv != ["--version"] else stdout.startswith("commune-sim ")


# ---------------------------------------------------------------------- real subprocesses
def _subprocess(args, cwd):
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def console_script():
    if not BIN.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    return BIN


def test_console_script_run_success(console_script, tmp_path):
    proc = _subprocess([console_script, "run", MMC, *FAST, "--out", "out"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # progress only on a terminal
    assert proc.stdout.splitlines()[-1] == "results: out"
    assert files_in(tmp_path / "out") == OUTPUT_FILES
    manifest = read_json(tmp_path / "out" / "manifest.json")
    assert manifest["command_line"][1:] == ["run", str(MMC), *FAST, "--out", "out"]


def test_console_script_bad_input_exit_2(console_script, tmp_path):
    _file("bad.yaml", "extends: validation/mmc\nhorizn: 1\n")(tmp_path)
    proc = _subprocess([console_script, "run", "bad.yaml"], tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == "bad.yaml:2:1: horizn: unknown key 'horizn'; did you mean 'horizon'? (got 1)\n"
    assert files_in(tmp_path) == {"bad.yaml"}


def test_console_script_usage_error_exit_2(console_script, tmp_path):
    proc = _subprocess([console_script, "run", "--jobs", "0"], tmp_path)
    assert proc.returncode == 2
    assert "--jobs" in proc.stderr and proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_python_m_sim(tmp_path):
    proc = _subprocess([sys.executable, "-m", "sim", "--help"], tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: commune-sim")
    for command in ("run", "validate", "list", "schema"):
        assert command in proc.stdout
    proc = _subprocess([sys.executable, "-m", "sim", "validate", MMC], tmp_path)
    assert (proc.returncode, proc.stdout) == (0, f"{MMC}: ok\n")
    proc = _subprocess([sys.executable, "-m", "sim", "run", "--bogus"], tmp_path)
    assert proc.returncode == 2 and "unrecognized arguments: --bogus" in proc.stderr
    proc = _subprocess([sys.executable, "-m", "sim", "run", "missing.yaml"], tmp_path)
    assert (proc.returncode, proc.stderr) == (2, "missing.yaml: file not found\n")
    assert list(tmp_path.iterdir()) == []


def test_jobs_auto_is_one_worker_per_usable_core_and_the_default_of_run_compare_and_staff():
    """`--jobs auto` = the cores this process may run on; run, compare and staff default to it
    (sweep and calibrate to 1); a bad value is a usage error (exit 2) naming what is allowed."""
    import os

    from sim.cli import _parser, usable_cores

    assert usable_cores() == len(os.sched_getaffinity(0))
    parser = _parser()
    for command in (["run"], ["compare", "a", "b"], ["staff", "a", "--wait-p90", "30"]):
        assert parser.parse_args(command).jobs == usable_cores(), command
        assert parser.parse_args([*command, "--jobs", "1"]).jobs == 1
    assert parser.parse_args(["sweep", "e.yaml"]).jobs == 1
    assert parser.parse_args(["sweep", "e.yaml", "--jobs", "auto"]).jobs == usable_cores()
    assert parser.parse_args(["calibrate", "s", "--targets", "t.yaml", "--jobs", "AUTO"]).jobs == usable_cores()


@pytest.mark.parametrize("value", ["0", "many", "-2", "1.5"])
def test_a_bad_jobs_value_is_a_usage_error(value, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--jobs", value])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--jobs" in err and repr(value) in err and "at least 1, or auto" in err
