"""`commune-sim report`: one self-contained HTML file per folder kind, in both languages, checked
for its content here and in a real browser (headless Chromium) for how it renders."""
import base64
import json
import re
import shutil
import subprocess

import pandas as pd
import pytest

from conftest import assert_readable
from sim.cli import main
from sim.study import catalogue as cat
from sim.study.analysis import Targets, communes_missing
from sim.study.report.browser import find_chromium
from sim.study.report.build import build_report
from sim.study.report.registry import KINDS, discover

# 12 communes of Hà Nội's default for 4 days: a few seconds a run, with communes that differ
SMALL = ["horizon.days=4", "communes.count=12", "communes.types={phường: 5, xã: 7}",
         "demand.dossiers_per_working_day=900", "staff.allocation.totals.back_office=96"]
EXPERIMENT = """\
name: "Hà Nội, small test: counter staff"
base: hanoi/2025-07-first-13-days
set: {sets}
replications: 2
parameters:
  staff.per_commune.counter: [2, 3, 4]
wait_target_minutes: 10
plots:
  - {{kind: staffing_curve, x: staff.per_commune.counter, target_wait_minutes: 10}}
  - {{kind: wait_ecdf}}
  - {{kind: commune_load, figure: p90_wait_minutes, worst: 6}}
  - {{kind: by_field, figures: [mean_wait_minutes, on_time_share]}}
"""


def _sets(extra=()):
    return [a for s in (*SMALL, *extra) for a in ("--set", s)]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    run, cmp, sweep = root / "run", root / "compare", root / "sweep"
    assert main(["run", "hanoi/2025-07-first-13-days", *_sets(), "--replications", "2", "--out", str(run),
                 "--lang", "vi", "--wait-target", "5", "--quiet"]) == 0
    assert main(["compare", "hanoi/2025-07-first-13-days", "hanoi/variants/one-more-counter", *_sets(),
                 "--replications", "2", "--out", str(cmp), "--quiet"]) == 0
    experiment = root / "experiment.yaml"
    experiment.write_text(EXPERIMENT.format(sets=json.dumps(SMALL, ensure_ascii=False)), encoding="utf-8")
    assert main(["sweep", str(experiment), "--out", str(sweep), "--executor", "inprocess", "--quiet"]) == 0
    staff = root / "staff"  # on real communes, so that the report has its staff-change maps
    assert main(["staff", "hanoi/real-communes", "--set", 'communes.only=["Hoàn Kiếm", "Cửa Nam", "Ba Đình"]',
                 "--set", "horizon.days=3", "--pools", "counter", "--wait-p90", "30", "--replications", "2",
                 "--out", str(staff), "--quiet"]) == 0
    return {"run": run, "compare": cmp, "sweep": sweep, "staff": staff}


@pytest.fixture(scope="module")
def reports(folders):
    """Every kind's report in both languages, built once, with the texts of every plot drawn."""
    from sim.study import drawing

    texts, save = [], drawing.save

    def checked(fig, path):
        texts.append((str(path), drawing.figure_texts(fig)))
        return save(fig, path)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(drawing, "save", checked)
        pages = {(kind, lang): build_report(folder, lang) for kind, folder in folders.items() for lang in ("en", "vi")}
    return pages, texts


# ------------------------------------------------------------------ content
def test_every_kind_is_recognised_and_has_its_sections(folders, reports):
    discover()
    assert {"run", "compare", "sweep", "staff"} <= set(KINDS)
    for kind, folder in folders.items():
        page = reports[0][(kind, "en")]
        titles = ("Findings", "Key figures", "Communes that miss a target", "Plots", "Assumptions and sources",
                  "What the model does not represent", "Provenance")
        if kind == "staff":  # the answer, staff per pool, the plot, the maps (every commune meets: no list of misses)
            titles = ("Findings", cat.text("section_staffing_pools", "en"), "Plots", cat.text("section_maps", "en"),
                      "Assumptions and sources", "What the model does not represent", "Provenance")
        for title in titles:
            assert f">{title}</h2>" in page, (kind, title)
        assert cat.text(f"kind_{kind}", "en") in page


def test_staff_report_says_the_answer_and_shows_the_staff_change_maps(folders, reports):
    summary = json.loads((folders["staff"] / "summary.json").read_text(encoding="utf-8"))
    for lang in ("vi", "en"):
        page = reports[0][("staff", lang)]
        findings = page.split('class="findings"')[1].split("</div>")[0]
        assert summary["answer"][lang][0] in findings  # the sentence printed on stdout, in the report's language
        maps = page.split(f">{cat.text('section_maps', lang)}</h2>")[1].split("</section>")[0]
        assert maps.count("data:image/png;base64,") == 1  # staff_change_counter.<lang>.png


@pytest.mark.parametrize("kind", ["run", "compare", "sweep", "staff"])
def test_a_report_is_one_self_contained_file(reports, kind):
    page = reports[0][(kind, "vi")]
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:image/png;base64,)""", page), "a link outside the file"
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert images and all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert '<html lang="vi">' in page


def test_run_report_headline_is_generated_from_the_results(folders, reports):
    folder = folders["run"]
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    page = reports[0][("run", "en")]
    findings = page.split('id="findings"')[1].split("</section>")[0]
    arrived = cat.interval("dossiers_arrived", summary["dossiers_arrived"],
                           summary["dossiers_arrived_ci95_half_width"], "en", floor=0)
    assert arrived in findings and "95% interval" in findings
    assert cat.value("on_time_share", summary["on_time_share"], "en") in findings
    assert "12 communes" in findings and "Hà Nội, 1–4 July 2025" in findings


def test_communes_that_miss_the_targets_are_named(folders):
    folder = folders["run"]
    rows = pd.read_csv(folder / "communes.csv").to_dict("records")
    strict, lax = Targets(1.0, 0.95), Targets(10_000.0, 0.0)
    missing = communes_missing(rows, strict)
    assert missing, "a one-minute target must catch some commune"
    page = build_report(folder, "en", wait_target=1.0)
    section = page.split('id="communes"')[1].split("</section>")[0]
    for row in missing:
        assert f"<td>{row['commune']}</td>" in section
    assert communes_missing(rows, lax) == []
    lax_page = build_report(folders["compare"], "en", wait_target=10_000.0, on_time_target=0.0)
    assert lax_page.count("Every commune meets both targets") == 2  # both scenarios


def test_the_run_records_its_targets_and_the_report_uses_them(folders, reports):
    manifest = json.loads((folders["run"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["targets"] == {"wait_minutes": 5.0, "on_time_share": 0.95}
    assert "at most 5 working minutes" in reports[0][("run", "en")]


def test_assumptions_come_from_the_manifest_even_when_the_file_is_gone(folders, tmp_path):
    copy = tmp_path / "moved"
    shutil.copytree(folders["compare"], copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    for s in manifest["scenarios"]:
        s["scenario_file"] = "/nowhere/scenario.yaml"
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    page = build_report(copy, "vi")
    section = page.split('id="assumptions"')[1].split("</section>")[0]
    assert "Số liệu công bố" in section and "Giả định" in section and "Thay đổi" in section
    assert "Hà Nội TV (hanoionline.vn), mid-July 2025" in section  # a source, as the file gives it
    assert "scenarios/hanoi/variants/one-more-counter.yaml" in section


def test_compare_report_says_which_option_is_better(reports):
    page = reports[0][("compare", "en")]
    assert "one more counter per commune" in page and "scenarios/" not in page.split('id="findings"')[1][:2000]
    key = page.split('id="key-figures"')[1].split("</section>")[0]
    assert 'class="better"' in key  # one more counter: a shorter wait at the counter, clearly
    assert "difference to the first (95% interval)" in key and "(working minutes)" in key
    assert not re.search(r"\d[eE][+-]?\d", key)


def test_sweep_report_names_variants_in_words(reports):
    page = reports[0][("sweep", "vi")]
    assert "công chức quầy tiếp nhận mỗi xã 4" in page and "counter=4" not in page
    assert "Chênh lệch giữa các phương án" in page


def test_limits_and_provenance(folders, reports):
    manifest = json.loads((folders["run"] / "manifest.json").read_text(encoding="utf-8"))
    page = reports[0][("run", "vi")]
    for item in cat.LIMITS:
        assert item["vi"] in page
    for value in (manifest["scenario_sha256"], str(manifest["seed"]), "2 / 2", manifest["versions"]["commune-sim"]):
        assert value in page


def test_report_plots_are_readable_in_both_languages(reports):
    texts = reports[1]
    assert_readable(texts)
    assert len(texts) >= 3 * 2 * 3


def test_cli_report_writes_the_file_and_refuses_what_is_not_a_folder_of_ours(folders, tmp_path, capsys):
    assert main(["report", str(folders["run"])]) == 0  # default: the folder's language, inside the folder
    assert (folders["run"] / "report-vi.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["report", str(tmp_path / "missing")]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert "is not a folder" in err and "not the output folder of run, compare or sweep" in err
    assert not (tmp_path / "empty" / "report-en.html").exists()


def test_a_new_kind_is_a_module_and_no_edit(tmp_path):
    """The staffing and map reports add themselves this way: a kind and sections, registered."""
    from sim.study.report import registry

    registry.register_kind("test_kind", lambda folder, manifest: manifest.get("kind") == "test_kind",
                           lambda folder, manifest: registry.Folder(folder, manifest, "Test", {"name": "Hà Nội"}),
                           "kind_run", priority=1)

    @registry.section("test_kind", 15)
    def hello(ctx):
        return registry.Section("Hello", "<p>hello</p>")

    try:
        (tmp_path / "manifest.json").write_text('{"kind": "test_kind"}', encoding="utf-8")
        page = build_report(tmp_path, "en")
        assert ">Hello</h2>" in page and ">What the model does not represent</h2>" in page
    finally:
        del registry.KINDS["test_kind"]
        registry.SECTIONS[:] = [s for s in registry.SECTIONS if s[1] != "test_kind"]


# ------------------------------------------------------------------ in a real browser
CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it: .ci/run); "
                                                              "apt-get install chromium fonts-noto-core")
A4_CONTENT_WIDTH_PX = round((210 - 2 * 12) / 25.4 * 96)  # A4 less the report's @page side margins, at 96 px/inch

OVERFLOW = """(() => {
  const width = document.documentElement.clientWidth, bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > width + 1 || r.left < -1)) bad.push(el.tagName + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
  }
  return {scroll: document.documentElement.scrollWidth, width: width, bad: bad.slice(0, 8)};
})()"""
IMAGES = "Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])"


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    from browser import Browser

    b = Browser()
    yield b
    b.close()


def _font_files(families: set[str]) -> dict[str, str]:
    files = {}
    for family in families:
        found = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True, timeout=30)
        files[family] = found.stdout.strip()
    return files


def _covers(path: str, text: str) -> set[str]:
    """The characters of ``text`` the font file at ``path`` has no glyph for."""
    from matplotlib.ft2font import FT2Font

    charmap = FT2Font(path).get_charmap()
    return {ch for ch in text if not ch.isspace() and ord(ch) not in charmap}


@needs_chromium
@pytest.mark.parametrize("kind,lang", [("run", "vi"), ("compare", "vi"), ("sweep", "vi"), ("staff", "vi"), ("run", "en"),
                                       ("staff", "en")])
def test_report_renders_in_chromium(reports, browser, tmp_path, kind, lang):
    html_file = tmp_path / f"{kind}-{lang}.html"
    html_file.write_text(reports[0][(kind, lang)], encoding="utf-8")
    page = browser.new_page()
    try:
        page.open(html_file.as_uri(), width=1280)
        assert page.console == [] and page.exceptions == [] and page.log_errors == [], \
            (page.console, page.exceptions, page.log_errors)
        assert all(url.startswith(("file:", "data:")) for url in page.requests), page.requests  # no network
        images = page.evaluate(IMAGES)
        assert len(images) >= (2 if kind == "staff" else 3) and all(done and w > 0 and h > 0 for done, w, h in images), images
        layout = page.evaluate(OVERFLOW)
        assert layout["scroll"] <= 1280 and layout["bad"] == [], layout
        # Vietnamese text renders: every character of the findings is in the fonts Chromium used for it
        text = page.evaluate("document.querySelector('.findings').innerText")
        fonts = page.fonts_of(".findings p")
        assert fonts and not any("last resort" in f["familyName"].lower() for f in fonts), fonts
        files = _font_files({f["familyName"] for f in fonts})
        missing = set(text) - {" ", "\n"}
        for path in files.values():
            missing &= _covers(path, text)
        assert not missing, (missing, fonts)
        if lang == "vi":
            assert "ư" in text or "ờ" in text or "ả" in text
        # printed on A4: nothing wider than the page between its margins
        page.open(html_file.as_uri(), width=A4_CONTENT_WIDTH_PX, print_media=True)
        layout = page.evaluate(OVERFLOW)
        assert layout["scroll"] <= A4_CONTENT_WIDTH_PX and layout["bad"] == [], layout
        assert page.pdf()[:5] == b"%PDF-"
    finally:
        page.close()


@needs_chromium
def test_pdf_is_printed_on_a4_by_the_same_browser(folders, tmp_path):
    out = tmp_path / "report.html"
    assert main(["report", str(folders["run"]), "--out", str(out), "--pdf"]) == 0
    pdf = out.with_suffix(".pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert len(boxes) >= 2  # several pages
    assert all(abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5 for w, h in boxes), boxes[:3]
