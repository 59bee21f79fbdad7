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


# ------------------------------------------------------------------ the warnings in the reader's language
OVERLOADED = ["--set", "staff.per_commune.counter=2"]  # mmc: 2.4 Erlangs on 2 staff


def test_english_words_are_those_of_the_data_for_every_kind_of_place():
    """The catalogue's English is word for word Overload.text() / OverloadAcross.text() (what the manifest
    keeps), for communes, district centres, several central pools and the region's one central pool."""
    from sim.scenario.checks import Overload, describe_across, overloads_across
    from sim.study import overload_words

    found = [Overload("counter", "communes", 3, 3321, "Phường Hải Châu", 1.2049, 2),
             Overload("back_office", "district centres", 24, 30, "Huyện Đông Anh", 1.95, 11),
             Overload("central_back_office", "central pools", 29, 30, "Quận Hoàng Mai", 3.17, 1),
             Overload("central_back_office", "central pool", 1, 1, "Hà Nội", 62.05, 1200)]
    assert overload_words.lines(found, "en") == [o.text() for o in found]
    across = {"v1 (counter=1)": found, "v2 (counter=2)": found[:1], "v3 (counter=3)": []}
    assert [overload_words.across_line(a, "en") for a in overloads_across(across)] == describe_across(across)


def test_vietnamese_words_names_and_numbers():
    from sim.scenario.checks import Overload, overloads_across
    from sim.study import overload_words

    communes = Overload("counter", "communes", 3, 3321, "Phường Hải Châu", 1.2049, 2)
    vi = overload_words.line(communes, "vi")
    assert vi == ("nhóm công chức quầy tiếp nhận: 3/3.321 xã, phường có tỷ lệ thời gian bận dự kiến từ 1 trở lên "
                  "trong một ngày làm việc bình thường; cao nhất là Phường Hải Châu (2 công chức), tỷ lệ thời gian "
                  "bận dự kiến 1,20: quá tải, hồ sơ tồn sẽ ngày càng nhiều")
    own = overload_words.line(Overload("land_team", "district centres", 2, 30, "Huyện Đông Anh", 1.5, 11), "vi")
    assert own.startswith("nhóm công chức 'land_team': 2/30 trung tâm cấp huyện ") and "1,50" in own
    central = overload_words.line(Overload("central_back_office", "central pool", 1, 1, "Hà Nội", 62.05, 1200), "vi")
    assert central.startswith("nhóm công chức tập trung 'central_back_office': tỷ lệ thời gian bận dự kiến 62,05 ")
    assert "(1.200 công chức)" in central
    (across,) = overloads_across({"v1 (quầy tiếp nhận 1)": [communes], "v2 (quầy tiếp nhận 2)": []})
    assert overload_words.across_line(across, "vi") == (
        "nhóm công chức quầy tiếp nhận: tỷ lệ thời gian bận dự kiến từ 1 trở lên trong một ngày làm việc bình thường "
        "ở 1/2 phương án (mỗi phương án có đến 3/3.321 xã, phường; cao nhất là phương án v1 (quầy tiếp nhận 1), "
        "Phường Hải Châu (2 công chức), ở mức 1,20): quá tải, hồ sơ tồn sẽ ngày càng nhiều")


def test_a_vietnamese_run_warns_in_vietnamese_and_keeps_the_manifest_english(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(MMC), *SHORT, *OVERLOADED, "--lang", "vi", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    (line,) = [x for x in err.splitlines() if "quầy tiếp nhận" in x]
    assert line.startswith("cảnh báo: nhóm công chức quầy tiếp nhận: 1/1 xã, phường có tỷ lệ thời gian bận dự kiến")
    assert "(2 công chức), tỷ lệ thời gian bận dự kiến 1,20: quá tải, hồ sơ tồn sẽ ngày càng nhiều" in line
    assert "warning:" not in err and "1.20" not in err and "utilisation" not in err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert any("pool 'counter'" in w and "expected utilisation 1.20" in w for w in manifest["warnings"])  # data


def test_an_english_run_warns_in_english(tmp_path, capsys):
    assert main(["run", str(MMC), *SHORT, *OVERLOADED, "--lang", "en", "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert ("warning: pool 'counter': 1 of 1 communes at expected utilisation 1 or more on an ordinary working day; "
            "the worst, Commune 001 (staff 2), at expected utilisation 1.20: their queues can only grow") in err
    assert "cảnh báo" not in err


def test_strict_refuses_in_the_language_of_the_command(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(MMC), *SHORT, *OVERLOADED, "--lang", "vi", "--out", str(out), "--strict"]) == 2
    err = capsys.readouterr().err
    assert f"{MMC}: staff: nhóm công chức quầy tiếp nhận: 1/1 xã, phường" in err and "1,20" in err
    assert not out.exists()
    assert main(["compare", str(MMC), str(MMC), *SHORT, *OVERLOADED, "--lang", "vi", "--strict"]) == 2
    assert "tỷ lệ thời gian bận dự kiến 1,20" in capsys.readouterr().err


def test_validate_and_compare_warn_in_the_scenario_language(capsys):
    assert main(["validate", str(MMC), *OVERLOADED, "--set", "outputs.language=vi"]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"cảnh báo: {MMC}: nhóm công chức quầy tiếp nhận: 1/1 xã, phường") and "1,20" in err
    assert main(["validate", str(MMC), *OVERLOADED]) == 0
    assert capsys.readouterr().err.startswith(f"warning: {MMC}: pool 'counter': 1 of 1 communes")


def _sweep(tmp_path, lang: str) -> str:
    path = tmp_path / f"exp-{lang}.yaml"
    path.write_text(f"name: x\nbase: {MMC}\nset: ['horizon.days=1', 'horizon.warmup_days=0', "
                    f"'outputs.language={lang}']\nreplications: 1\n"
                    "parameters:\n  staff.per_commune.counter: [1, 2, 3]\n", encoding="utf-8")
    return str(path)


def test_a_sweep_warns_across_variants_in_its_language(tmp_path, capsys):
    assert main(["sweep", _sweep(tmp_path, "vi"), "--out", str(tmp_path / "vi"), "--executor", "inprocess",
                 "--quiet"]) == 0
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("cảnh báo:")]
    assert len(lines) == 1, lines
    assert lines[0].startswith("cảnh báo: nhóm công chức quầy tiếp nhận: tỷ lệ thời gian bận dự kiến từ 1 trở lên "
                               "trong một ngày làm việc bình thường ở 2/2 phương án (mỗi phương án có đến 1/1 xã, "
                               "phường; cao nhất là phương án v00 (công chức quầy tiếp nhận mỗi xã 1), Commune 001 (1 "
                               "công chức), ở mức 2,40): quá tải, hồ sơ tồn sẽ ngày càng nhiều")
    manifest = json.loads((tmp_path / "vi" / "manifest.json").read_text(encoding="utf-8"))
    assert "expected utilisation 2.40" in " ".join(manifest["overload_warnings"]["v00"])  # data: English
    assert main(["sweep", _sweep(tmp_path, "en"), "--out", str(tmp_path / "en"), "--strict"]) == 2
    err = capsys.readouterr().err
    assert ("pool 'counter': expected utilisation 1 or more on an ordinary working day in 2 of 2 variants (up to 1 of "
            "1 communes each; the worst, variant v00 (counter=1), Commune 001 (staff 1), at 2.40): their queues can "
            "only grow") in err
