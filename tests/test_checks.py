"""The pre-run overload check: a warning in the manifest, an error with --strict."""
import json

from conftest import MMC

from sim.cli import main
from sim.scenario.checks import utilisation_warnings
from sim.study.api import load_scenario

SHORT = ["--set", "horizon.days=2", "--set", "horizon.warmup_days=0.5", "--replications", "1", "--quiet"]


def test_expected_utilisation_matches_the_offered_load():
    # 288 a day x 12 minutes over 1440 minutes = 2.4 Erlangs: 2 servers give 1.2, 3 give 0.8
    assert utilisation_warnings(load_scenario(MMC)) == []
    warnings = utilisation_warnings(load_scenario(MMC, ["staff.per_commune.counter=2"]))
    assert len(warnings) == 1 and "expected utilisation 1.20" in warnings[0]


def test_rework_counts_in_the_load():
    # supplementation share 1/6 -> 1.2 visits per dossier -> 2.88 Erlangs on 3 servers
    overrides = ["demand.fields.any.supplementation_share=0.1666666667",
                 "supplementation={citizen_delay_working_days: {kind: deterministic, value: 1}}"]
    assert "0.96" not in " ".join(utilisation_warnings(load_scenario(MMC, overrides)))
    warnings = utilisation_warnings(load_scenario(MMC, [*overrides, "demand.dossiers_per_working_day=350"]))
    assert warnings and "expected utilisation 1.17" in warnings[0]


def test_warning_recorded_in_manifest(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(MMC), *SHORT, "--set", "staff.per_commune.counter=2", "--out", str(out)]) == 0
    assert "warning: pool 'counter'" in capsys.readouterr().err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert any("expected utilisation 1.20" in w for w in manifest["warnings"])


def test_strict_refuses_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(MMC), *SHORT, "--set", "staff.per_commune.counter=2", "--out", str(out), "--strict"]) == 2
    assert "expected utilisation 1.20" in capsys.readouterr().err
    assert not out.exists()
