"""The contract under bad input (issue 10, part B): every hostile input is refused with exit 2,
``file:line:column: key.path: message``, no traceback, nothing written, in bounded time.

Most cases call ``validate`` or ``run`` in-process; inputs that could block a reader (a named
pipe, ``/dev/zero``) run the command line in a subprocess with a timeout, so a regression fails
the test instead of hanging the suite.
"""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from sim.calibration.expressions import MAX_EXPRESSION_CHARS, MAX_EXPRESSION_DEPTH, parse_expression
from sim.cli import main
from sim.scenario import limits
from sim.scenario.reading import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_VALUES

ROOT = Path(__file__).resolve().parents[1]
MMC = ROOT / "scenarios" / "validation" / "mmc.yaml"
INTAKE = "demand.channels.in_person.intake.service_minutes"
LOCATED = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+)(?::(?P<column>\d+))?: (?:(?P<key>[\w.-]+): )?(?P<message>.+)$")

# A "billion laughs": nine-fold per level, 9^9 = 387 million values once expanded.
LAUGHS = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else '"lol"'] * 9) + "]\n" for i in range(9))


def cli(*args) -> int:
    return main([str(a) for a in args])


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(capsys, *words: str, exit_code: int = 2) -> list[str]:
    """stderr lines of a refusal: no traceback, nothing on stdout, every word present."""
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert lines, "nothing said on stderr"
    for word in words:
        assert word in captured.err, captured.err
    return lines


def subprocess_cli(args, cwd, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


# ======================================================================= 8. parsing limits
@pytest.mark.parametrize("where", ["scenario", "experiment", "--set"])
def test_billion_laughs_is_refused_quickly_wherever_it_is(where, tmp_path, capsys):
    started = time.perf_counter()
    if where == "scenario":
        code = cli("validate", write(tmp_path, "laughs.yaml", f"extends: {MMC}\n{LAUGHS}"))
    elif where == "experiment":
        exp = write(tmp_path, "exp.yaml", f"name: x\nbase: {MMC}\n{LAUGHS}")
        code = cli("sweep", exp, "--out", tmp_path / "out")
    else:
        flow = LAUGHS.replace("\n", ", ").rstrip(", ")
        code = cli("validate", MMC, "--set", f"description={{{flow}}}")
    assert code == 2
    refused(capsys, "too many values", f"{MAX_YAML_VALUES:,}")
    assert time.perf_counter() - started < 5  # composing the document is bounded; nothing is expanded
    assert not (tmp_path / "out").exists()


def test_deep_nesting_and_deep_alias_chains_are_refused(tmp_path, capsys):
    deep = write(tmp_path, "deep.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert cli("validate", deep) == 2
    refused(capsys, f"nested more than {MAX_YAML_DEPTH} levels deep")
    chain = "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 3000))
    assert cli("validate", write(tmp_path, "chain.yaml", chain)) == 2
    refused(capsys, "once its aliases (*name) are expanded", f"the largest depth allowed is {MAX_YAML_DEPTH}")


def test_a_file_too_large_is_refused_before_it_is_read(tmp_path, capsys):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# padding\n" * (MAX_YAML_BYTES // 10 + 1))
    assert cli("validate", big) == 2
    (line,) = refused(capsys, "file too large", f"{MAX_YAML_BYTES:,} bytes")
    assert line.startswith(f"{big}: ")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
@pytest.mark.parametrize("role", ["scenario", "extends", "commune table", "experiment", "targets"])
def test_a_named_pipe_is_refused_without_blocking(role, tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # nobody ever writes to it: reading would block forever
    args = {"scenario": ["validate", fifo],
            "extends": ["validate", write(tmp_path, "s.yaml", f"extends: {fifo}\n")],
            "commune table": ["validate", MMC, "--set", f"communes.table={fifo}"],
            "experiment": ["sweep", fifo, "--out", tmp_path / "out"],
            "targets": ["calibrate", MMC, "--targets", fifo, "--out", tmp_path / "out"]}[role]
    done = subprocess_cli(args, tmp_path, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "named pipe (FIFO), not a regular file" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize("role", ["scenario", "commune table"])
def test_dev_zero_is_refused_at_once(role, tmp_path):
    args = ["validate", "/dev/zero"] if role == "scenario" else ["validate", MMC, "--set", "communes.table=/dev/zero"]
    done = subprocess_cli(args, tmp_path, timeout=60)
    assert done.returncode == 2 and "a device (like /dev/zero), not a regular file" in done.stderr, done.stderr


def test_a_folder_is_not_a_scenario(tmp_path, capsys):
    assert cli("validate", tmp_path) == 2
    refused(capsys, f"{tmp_path}: is a folder, not a file")


@pytest.mark.parametrize("text, words", [
    ("x" * (MAX_EXPRESSION_CHARS + 1), [f"the longest allowed is {MAX_EXPRESSION_CHARS}"]),
    ("-" * 400 + "region.dossiers_arrived", [f"the deepest allowed is {MAX_EXPRESSION_DEPTH}"]),
    ("1+" * 100 + "region.dossiers_arrived", [f"the deepest allowed is {MAX_EXPRESSION_DEPTH}"]),
])
def test_target_expressions_have_a_length_and_depth_limit(text, words):
    with pytest.raises(ValueError) as exc:
        parse_expression(text)
    for word in words:
        assert word in str(exc.value)


def test_a_deep_target_expression_is_a_located_error(tmp_path, capsys):
    targets = {"scenarios": {str(MMC): {"targets": [{
        "id": "deep", "figure": "x", "value": 1, "unit": "u", "period": "p", "place": "q", "source": "s",
        "simulated": "-" * 400 + "region.dossiers_arrived", "tolerance": {"relative": 0.1}}]}}}
    path = write(tmp_path, "targets.yaml", yaml.safe_dump(targets))
    assert cli("calibrate", MMC, "--targets", path, "--out", tmp_path / "out") == 2
    (line,) = refused(capsys, "expression nested")
    assert LOCATED.match(line) and line.startswith(f"{path}:")
    assert not (tmp_path / "out").exists()


# =========================================================== 9. values the engine cannot hold
VALUES = {
    # id: (override, key path refused, words of the message: the largest value allowed)
    "lognormal cv 1e308": (f"{INTAKE}={{kind: lognormal, mean: 10, cv: 1e308}}", f"{INTAKE}.cv",
                           ["the largest allowed is 100"]),
    "lognormal heavy tail": (f"{INTAKE}={{kind: lognormal, mean: 10, cv: 30}}", INTAKE,
                             ["10,000,000 working minutes", "the largest cv allowed with these other values is 16.16"]),
    "exponential mean 1e308": (f"{INTAKE}={{kind: exponential, mean: 1e308}}", INTAKE,
                               ["the largest mean allowed is 3.619e+05"]),
    "gamma delay": ("supplementation={citizen_delay_working_days: {kind: gamma, mean: 1e6, cv: 1}}",
                    "supplementation.citizen_delay_working_days", ["10,000 working days", "the largest mean allowed"]),
    "date past 9999": ("horizon.start_date=9999-12-20", "horizon.start_date", ["on or before 9998-12-31"]),
    "horizon running past 9998": ("horizon.start_date=9998-12-01", "horizon.days",
                                  ["after 9998-12-31", "the largest allowed is 31 days"]),
    "staff 1e12": ("staff.per_commune.counter=1000000000000", "staff.per_commune.counter", ["10,000"]),
    "population 1e300": ("communes.population={min: 1, p10: 1, p25: 1, median: 1, p75: 1, p90: 1, max: 1e300}",
                         "communes.population.max", ["1,000,000,000"]),
    "volume 1e300": ("demand.dossiers_per_working_day=1e300", "demand.dossiers_per_working_day", ["1,000,000,000"]),
    "volume as the string inf": ('demand.dossiers_per_working_day="inf"', "demand.dossiers_per_working_day",
                                 ["finite number"]),
    "hour factor 1e308": ("demand.channels.in_person.hour_of_day=[1, 1, 1, 1.0e+308" + ", 1" * 20 + "]",
                          "demand.channels.in_person.hour_of_day.3", ["1,000,000"]),
    "central pool staff": ("routing={policy: central_pool, central_pool: {staff: 100000, channels: [in_person]}}",
                           "routing.central_pool.staff", ["10,000"]),
}


@pytest.mark.parametrize("case", list(VALUES))
def test_values_the_engine_cannot_hold_are_refused_with_the_largest_allowed(case, tmp_path, capsys):
    override, key, words = VALUES[case]
    out = tmp_path / "out"
    assert cli("run", MMC, "--set", override, "--out", out) == 2
    lines = refused(capsys, *words)
    assert any(f": {key}: " in line for line in lines), lines
    assert not out.exists()


def test_the_last_allowed_dates_run(tmp_path):
    out = tmp_path / "out"
    assert cli("run", MMC, "--set", "horizon.start_date=9998-12-29", "--set", "horizon.days=3",
               "--set", "horizon.warmup_days=0", "--out", out, "--quiet") == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["period"]["last_day"] == "9998-12-31"


def test_an_astronomical_volume_is_a_size_limit_lifted_by_force_large(capsys):
    override = "demand.dossiers_per_working_day=1e8"  # 6 billion dossiers in mmc's 60 days
    assert cli("validate", MMC, "--set", override) == 2
    refused(capsys, f"the largest number allowed is {limits.MAX_DOSSIERS_PER_REPLICATION:,}",
            "dossiers_per_working_day up to 1,666,667", "--force-large")
    assert cli("validate", MMC, "--set", override, "--force-large") == 0


def test_too_many_replications_and_a_dossier_log_too_large_are_refused(capsys):
    # mmc: 288 a day x 60 days = 17,280 dossiers a replication
    assert cli("validate", MMC, "--set", "replications=10000", "--set", "demand.dossiers_per_working_day=2000") == 2
    refused(capsys, "replications: ", "up to 8,333 replications")
    assert cli("validate", MMC, "--set", "replications=200", "--set", "outputs.dossier_log=true") == 2
    refused(capsys, "outputs.dossier_log", f"{limits.MAX_DOSSIER_LOG_ROWS:,}")


def test_too_many_synthetic_communes(capsys):
    assert cli("validate", MMC, "--set", "communes.count=50000") == 2
    refused(capsys, "communes.count", "the largest number allowed is 20,000")
    assert cli("validate", MMC, "--set", "communes.count=2000000", "--force-large") == 2
    refused(capsys, "communes.count")  # beyond the ceiling even --force-large does not lift


def write_table(path: Path, rows: int, population=lambda i: 1000 + i % 5000) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "type", "population"])
        writer.writerows((f"Xã {i}", "xã", population(i)) for i in range(rows))
    return path


def test_a_200000_row_commune_table_takes_linear_time(tmp_path, capsys):
    """Refused at the size limit after reading 20,001 rows; with --force-large read and checked
    whole. Every step (reading, the region, the pre-run checks) is linear in the communes: one
    run took about 1 s of CPU for 200,000 rows. A quadratic step would need about 4 x 10^10
    operations (hours), so 30 s is far from both and survives a busy machine."""
    write_table(tmp_path / "big.csv", 200_000)
    scenario = write(tmp_path, "big.yaml", "extends: hanoi/2025-07-first-13-days\ncommunes: {table: big.csv}\n"
                                           "staff: {allocation: {policy: as_given, pools: [], totals: {}}}\n")
    started = time.perf_counter()
    assert cli("validate", scenario) == 2
    refused(capsys, "communes.table", "more than 20,000 communes", "--force-large")
    assert time.perf_counter() - started < 10
    started = time.perf_counter()
    assert cli("validate", scenario, "--force-large") == 0
    assert time.perf_counter() - started < 30


def test_a_table_population_too_large(tmp_path, capsys):
    write_table(tmp_path / "t.csv", 3, population=lambda i: "1e300" if i == 2 else 100)
    scenario = write(tmp_path, "s.yaml", f"extends: {MMC}\ncommunes: {{table: t.csv}}\n")
    assert cli("validate", scenario) == 2
    refused(capsys, "communes.table", "t.csv:4", "1,000,000,000")


def exp(tmp_path, parameters: str, extra: str = "") -> Path:
    return write(tmp_path, "exp.yaml", f"name: x\nbase: {MMC}\n{extra}parameters:\n{parameters}")


def test_an_experiment_grid_too_large_is_refused_before_any_variant_is_made(tmp_path, capsys):
    grid = "".join(f"  p{k}: {{start: 1, stop: 20}}\n" for k in range(3))  # 8,000 variants
    started = time.perf_counter()
    assert cli("sweep", exp(tmp_path, grid), "--out", tmp_path / "out") == 2
    refused(capsys, "parameters: 8,000 variants", f"the largest number allowed is {limits.MAX_VARIANTS:,}")
    assert time.perf_counter() - started < 5
    assert not (tmp_path / "out").exists()


def test_an_experiment_with_too_many_runs(tmp_path, capsys):
    grid = "  staff.per_commune.counter: {start: 1, stop: 200}\n"
    assert cli("sweep", exp(tmp_path, grid, "replications: 100\n"), "--out", tmp_path / "out") == 2
    refused(capsys, "replications: 20,000 runs", f"{limits.MAX_RUNS:,}")


# ============================================================== 10. semantics that cannot work
def test_allocation_minimum_times_communes_over_the_total_with_a_commune_table(tmp_path, capsys):
    write_table(tmp_path / "t.csv", 30)
    scenario = write(tmp_path, "s.yaml", f"extends: {MMC}\ncommunes: {{table: t.csv}}\nstaff:\n  allocation: "
                                         "{policy: equal, minimum: 2, totals: {counter: 50}}\n")
    for command in ("validate", "run"):
        assert cli(command, scenario) == 2
        (line,) = refused(capsys, "staff.allocation.totals.counter", "cannot give each of 30 communes the minimum of 2",
                          "the smallest total allowed is 60", "(got 50)")
        assert LOCATED.match(line)


def test_an_allocation_that_leaves_a_commune_with_work_but_no_staff(tmp_path, capsys):
    scenario = write(tmp_path, "s.yaml", "extends: hanoi/2025-07-first-13-days\nstaff:\n  allocation:\n"
                                         "    {policy: proportional, pools: [back_office], minimum: 0, totals: {back_office: 200}}\n")
    assert cli("validate", scenario) == 2
    refused(capsys, "staff.allocation.minimum", "work for pool 'back_office' but no staff",
            "the smallest minimum allowed here is 1")


def test_a_shift_that_takes_every_staff_member_away(tmp_path, capsys):
    scenario = write(tmp_path, "s.yaml", f"extends: {MMC}\nstaff:\n  schedule:\n    counter:\n"
                                         "      - {weekdays: [0, 1, 2, 3, 4, 5, 6], start: '00:00', end: '24:00', staff: 0}\n")
    assert cli("validate", scenario) == 2
    refused(capsys, "staff.schedule.counter", "no staff during any opening hour")


def test_a_shift_with_staff_part_of_the_week_is_fine(tmp_path, capsys):
    scenario = write(tmp_path, "s.yaml", f"extends: {MMC}\nstaff:\n  per_commune: {{counter: 0}}\n  schedule:\n"
                                         "    counter: [{weekdays: [0], start: '08:00', end: '12:00', staff: 3}]\n")
    assert cli("validate", scenario) == 0


def test_a_schedule_delta_below_zero_staff(tmp_path, capsys):
    scenario = write(tmp_path, "s.yaml", f"extends: {MMC}\nstaff:\n  schedule:\n"
                                         "    counter: [{weekdays: [0], start: '08:00', end: '12:00', delta: -5}]\n")
    assert cli("validate", scenario) == 2
    (line,) = refused(capsys, "staff.schedule.counter.0.delta", "to -2 staff", "the smallest delta allowed here is -3")
    assert LOCATED.match(line)


@pytest.mark.parametrize("override", ['demand.channels.in_person.share="inf"', 'demand.channels.in_person.share="nan"',
                                      'demand.fields.any.supplementation_share="-inf"'])
def test_shares_given_as_strings_like_inf(override, capsys):
    assert cli("validate", MMC, "--set", override) == 2
    refused(capsys, "finite number")


def test_targets_given_as_strings_like_inf_in_an_experiment(tmp_path, capsys):
    path = exp(tmp_path, "  staff.per_commune.counter: [3, 4]\n",
               "on_time_target: 'nan'\nwait_target_minutes: 'inf'\n"
               "plots: [{kind: staffing_curve, x: staff.per_commune.counter, target_wait_minutes: 'inf'}]\n")
    assert cli("sweep", path, "--out", tmp_path / "out") == 2
    lines = refused(capsys, "on_time_target", "wait_target_minutes", "plots.0.target_wait_minutes")
    assert all("finite number" in line for line in lines)


def test_targets_given_as_strings_like_inf_in_a_targets_file(tmp_path, capsys):
    targets = {"scenarios": {str(MMC): {"targets": [{
        "id": "t", "figure": "x", "value": "inf", "unit": "u", "period": "p", "place": "q", "source": "s",
        "simulated": "region.dossiers_arrived", "tolerance": {"relative": "inf"}}]}}}
    path = write(tmp_path, "targets.yaml", yaml.safe_dump(targets))
    assert cli("calibrate", MMC, "--targets", path, "--out", tmp_path / "out") == 2
    lines = refused(capsys, "targets.0.value", "targets.0.tolerance.relative")
    assert all("finite number" in line for line in lines)


# ============================================================ 11. every command checks the same way
OVERLOADED = ["--set", "staff.per_commune.counter=2"]  # mmc: 2.4 Erlangs on 2 staff


def test_validate_runs_the_overload_check_and_strict_refuses(capsys):
    assert cli("validate", MMC, *OVERLOADED) == 0
    err = capsys.readouterr().err
    assert err.count("warning:") == 1 and "pool 'counter'" in err and "expected utilisation 1.20" in err
    assert cli("validate", MMC, *OVERLOADED, "--strict") == 2
    refused(capsys, "expected utilisation 1.20")


def test_compare_runs_the_overload_check_before_running(tmp_path, capsys, monkeypatch):
    import sim.study.compare as compare_module

    monkeypatch.setattr(compare_module, "run_replications", lambda *a, **k: pytest.fail("ran despite --strict"))
    assert cli("compare", MMC, MMC, *OVERLOADED, "--strict") == 2
    refused(capsys, "expected utilisation 1.20")


def test_warnings_are_one_line_per_pool(capsys):
    assert cli("validate", "hanoi/variants/equal-staff") == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1, lines  # seven communes over 1, said once
    assert re.search(r"pool 'back_office': \d+ of 126 communes .* the worst, .* at expected utilisation \d\.\d\d", lines[0])


def test_a_sweep_warns_once_per_pool_whatever_the_variants(tmp_path, capsys):
    path = exp(tmp_path, "  staff.per_commune.counter: [1, 2]\n  demand.dossiers_per_working_day: [300, 320, 340]\n",
               "set: ['horizon.days=2', 'horizon.warmup_days=0']\nreplications: 1\n")
    assert cli("sweep", path, "--out", tmp_path / "out", "--strict") == 2
    refused(capsys, "6 of 6 variants")
    assert cli("sweep", path, "--out", tmp_path / "out", "--executor", "inprocess", "--quiet") == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1 and "pool 'counter'" in lines[0] and "in 6 of 6 variants" in lines[0], lines


# ================================================================= 12. options and paths
def test_schema_out_into_a_missing_folder_or_onto_a_folder(tmp_path, capsys):
    assert cli("schema", "--out", tmp_path / "missing" / "schema.json") == 2
    refused(capsys, "the folder", "does not exist")
    assert not (tmp_path / "missing").exists()
    assert cli("schema", "--out", tmp_path) == 2
    refused(capsys, "is a folder; give a file name")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_out_whose_parent_is_a_file_is_refused_before_computing(command, tmp_path, capsys, monkeypatch):
    import sim.study.compare as compare_module
    import sim.study.runner as runner_module
    import sim.study.sweep as sweep_module

    def computing(*args, **kwargs):
        pytest.fail("computed before checking --out")

    for module, name in ((runner_module, "run_replication"), (runner_module, "run_replications"),
                         (compare_module, "run_replications"), (sweep_module, "run_sweep")):
        monkeypatch.setattr(module, name, computing)
    (tmp_path / "file").write_text("x", encoding="utf-8")
    out = tmp_path / "file" / "out"
    args = {"run": ["run", MMC], "compare": ["compare", MMC, MMC],
            "sweep": ["sweep", exp(tmp_path, "  staff.per_commune.counter: [3]\n")]}[command]
    assert cli(*args, "--out", out) == 2
    refused(capsys, "is a file, not a folder")


def read_only(folder: Path, monkeypatch) -> None:
    """Make ``folder`` unwritable: by permissions when not root; as root (who writes anyway)
    by making os.access say so, which is what the check before computing consults."""
    if os.geteuid() != 0:
        folder.chmod(0o500)
        return
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **k: False if Path(p) == folder and mode & os.W_OK
                        else real(p, mode, **k))


@pytest.mark.parametrize("command", ["run", "sweep", "calibrate"])
def test_a_read_only_folder_is_refused_before_computing(command, tmp_path, capsys, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    read_only(locked, monkeypatch)
    args = {"run": ["run", MMC], "sweep": ["sweep", exp(tmp_path, "  staff.per_commune.counter: [3]\n")],
            "calibrate": ["calibrate", "danang/2025-q3"]}[command]
    try:
        assert cli(*args, "--out", locked / "out") == 2
        refused(capsys, "cannot write in", "permission denied or a read-only file system")
    finally:
        locked.chmod(0o700)
    assert list(locked.iterdir()) == []


@pytest.mark.parametrize("address", ["not an address", "tcp://host", "tcp://host:99999", "http://x:8786"])
def test_an_invalid_scheduler_address_is_exit_2_with_nothing_written(address, tmp_path, capsys):
    path = exp(tmp_path, "  staff.per_commune.counter: [3]\n")
    assert cli("sweep", path, "--executor", "dask", "--scheduler", address, "--out", tmp_path / "out") == 2
    refused(capsys, "--scheduler")
    assert not (tmp_path / "out").exists()


def test_relative_paths_resolve_against_the_file_that_declares_them(tmp_path, monkeypatch, capsys):
    """A base scenario outside the library names its commune table relative to itself; a
    scenario elsewhere extends it by a relative path, from a third working directory."""
    base_dir, mine_dir, elsewhere = tmp_path / "base", tmp_path / "mine", tmp_path / "elsewhere"
    for d in (base_dir, mine_dir, elsewhere):
        d.mkdir()
    write_table(base_dir / "communes.csv", 4)
    write(base_dir, "base.yaml", f"extends: {MMC}\ncommunes: {{table: communes.csv}}\n")
    mine = write(mine_dir, "mine.yaml", "extends: ../base/base.yaml\nseed: 3\n")
    monkeypatch.chdir(elsewhere)
    out = elsewhere / "out"
    assert cli("run", mine, "--set", "horizon.days=2", "--set", "horizon.warmup_days=0", "--out", out, "--quiet") == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert Path(manifest["resolved_scenario"]["communes"]["table"]) == (base_dir / "communes.csv").resolve()
    # and a missing table is reported with the path it resolved to
    write(base_dir, "base.yaml", f"extends: {MMC}\ncommunes: {{table: gone.csv}}\n")
    assert cli("validate", mine) == 2
    refused(capsys, "communes.table", str((base_dir / "gone.csv").resolve()))


def test_an_error_about_a_file_that_is_not_a_scenario_echoes_only_its_first_characters(tmp_path, capsys):
    secret = "the beginning of a private note, then SECRET-TOKEN-12345 further on"
    assert cli("validate", write(tmp_path, "note.txt", secret + "\n")) == 2
    (line,) = refused(capsys, "top level must be a mapping", "the beginning of a priva…")
    assert "SECRET" not in line
    config = write(tmp_path, "compose.yml", "password: SECRET-TOKEN-12345\nservices: {db: {image: postgres}}\n")
    assert cli("validate", config) == 2
    (line,) = refused(capsys, "not a scenario file", "'password'")
    assert "SECRET" not in line


def test_no_did_you_mean_a_key_for_itself(tmp_path, capsys):
    path = exp(tmp_path, "  staff.per_commune.counter: {start: 2, stop: 4, setp: 1}\n")
    assert cli("sweep", path, "--out", tmp_path / "out") == 2
    (line,) = refused(capsys, "unknown key 'setp'; did you mean 'step'?")
    assert "did you mean 'start'" not in line and "did you mean 'stop'" not in line


def test_did_you_mean_for_commands_and_library_names(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["rnu", "validation/mmc"])
    assert exc.value.code == 2
    refused(capsys, "unknown command 'rnu'; did you mean 'run'?")
    assert cli("run", "hanoi/2025-q4") == 2
    refused(capsys, "hanoi/2025-q4: file not found; did you mean 'hanoi/2025-q3'?")


def test_did_you_mean_a_library_name_in_extends(tmp_path, capsys):
    assert cli("validate", write(tmp_path, "s.yaml", "extends: validation/mcm\n")) == 2
    refused(capsys, "extends: file 'validation/mcm' not found", "did you mean 'validation/mmc'?")


def test_jobs_larger_than_the_work_starts_no_more_workers_than_tasks(tmp_path, monkeypatch):
    import concurrent.futures

    import sim.study.executors as executors

    started = []

    class Counting(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, max_workers=None, **kwargs):
            started.append(max_workers)
            super().__init__(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(executors, "ProcessPoolExecutor", Counting)
    assert cli("run", MMC, "--set", "horizon.days=2", "--set", "horizon.warmup_days=0", "--replications", "2",
               "--jobs", "8", "--out", tmp_path / "run", "--quiet") == 0
    path = exp(tmp_path, "  staff.per_commune.counter: [3, 4]\n", "set: ['horizon.days=2', 'horizon.warmup_days=0']\n"
                                                                  "replications: 1\n")
    assert cli("sweep", path, "--jobs", "8", "--out", tmp_path / "sweep", "--quiet") == 0
    assert cli("compare", MMC, MMC, "--set", "horizon.days=2", "--set", "horizon.warmup_days=0", "--replications", "2",
               "--jobs", "8", "--quiet") == 0
    # 2 replications of one shard each; 2 variants x 1 replication; one set of workers for both scenarios
    assert started == [2, 2, 2]
    manifest = json.loads((tmp_path / "sweep" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["executor"]["workers"] == 2
