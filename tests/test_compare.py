"""compare: common random numbers, paired differences, and the command line around them."""

import pandas as pd
from conftest import MMC

from sim.cli import main
from sim.study.api import load_scenario
from sim.study.compare import compare

SHORT = ["horizon.days=4", "horizon.warmup_days=0.5", "replications=4"]


def _pair(servers_b: int):
    a = load_scenario(MMC, SHORT)
    b = load_scenario(MMC, [*SHORT, f"staff.per_commune.counter={servers_b}"])
    return compare([("a", a), ("b", b)])


def test_same_arrivals_and_paired_difference_sign():
    result = _pair(4)
    rows = {(r["figure"], r["scenario"]): r for r in result.rows()}
    arrived = rows[("dossiers_arrived", "b")]
    assert arrived["difference_to_first"] == 0 and arrived["difference_ci95_half_width"] == 0
    wait = rows[("mean_wait_minutes", "b")]
    # one more server: a real reduction, with a paired interval that excludes zero
    assert wait["difference_to_first"] + wait["difference_ci95_half_width"] < 0


def test_paired_interval_is_narrower_than_the_unpaired_one():
    result = _pair(4)
    rows = {(r["figure"], r["scenario"]): r for r in result.rows()}
    paired = rows[("utilisation_counter", "b")]["difference_ci95_half_width"]
    unpaired = (rows[("utilisation_counter", "a")]["ci95_half_width"] ** 2
                + rows[("utilisation_counter", "b")]["ci95_half_width"] ** 2) ** 0.5
    assert paired < unpaired


def test_second_scenario_takes_the_first_ones_seed_and_replications():
    a = load_scenario(MMC, SHORT)
    b = load_scenario(MMC, ["horizon.days=4", "horizon.warmup_days=0.5", "replications=9", "seed=99"])
    result = compare([("a", a), ("b", b)])
    assert [len(r.results) for r in result.runs] == [4, 4]
    assert result.runs[1].scenario.seed == a.seed


def test_cli_compare_prints_table_and_writes_csv(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", str(MMC), str(MMC), "--set", "horizon.days=3", "--set", "horizon.warmup_days=0.5",
                 "--replications", "2", "--out", str(out), "--quiet"])
    assert code == 0
    text = capsys.readouterr().out
    assert "Δ to the first" in text and "mean waiting time before first service (working minutes)" in text
    assert "mean_wait_minutes" not in text  # words, not code names
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["figure"]) >= {"dossiers_arrived", "mean_wait_minutes", "on_time_share"}
    assert (table.loc[table.scenario == table.scenario.iloc[0], "difference_to_first"].isna()
            | (table.loc[table.scenario == table.scenario.iloc[0], "difference_to_first"] == 0)).all()
    assert (out / "manifest.json").exists()


def test_cli_compare_needs_two_and_reports_all_bad_files(tmp_path, capsys):
    assert main(["compare", str(MMC)]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhorizn: 3\n", encoding="utf-8")
    assert main(["compare", str(MMC), str(bad), str(tmp_path / "missing.yaml")]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:2:1: horizn: unknown key 'horizn'; did you mean 'horizon'?" in err
    assert "missing.yaml" in err
