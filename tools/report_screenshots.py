"""Screenshots of a report of each kind of folder, for the README (docs/report-<kind>.png).

    .venv/bin/python tools/report_screenshots.py [--lang vi] [--keep DIR]

Runs the default Hà Nội scenario (run), it against one more counter and Saturday mornings
(compare), and counter staff 2 to 5 (sweep), 3 replications each, writes each report, and
photographs the top of each page in headless Chromium at 1280 pixels wide. Takes a few minutes.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.cli import main  # noqa: E402
from sim.study.report.browser import command, find_chromium  # noqa: E402

SWEEP = """\
name: "Hà Nội, 1–13 July 2025: counter staff per commune, 2 to 5"
base: hanoi/2025-07-first-13-days
set: ["outputs.language={lang}"]
replications: 3
parameters:
  staff.per_commune.counter: [2, 3, 4, 5]
plots:
  - {{kind: staffing_curve, x: staff.per_commune.counter, target_wait_minutes: 30}}
  - {{kind: commune_load, figure: p90_wait_minutes, worst: 10}}
"""


def screenshot(html: Path, png: Path, height: int = 1500) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(command(find_chromium(), Path(profile), f"--window-size=1280,{height}",
                               f"--screenshot={png}", html.resolve().as_uri()),
                       check=True, capture_output=True, timeout=120)


def run(argv: list[str]) -> None:
    code = main(argv)
    if code:
        raise SystemExit(f"{' '.join(argv)}: exit {code}")


def make(root: Path, lang: str) -> dict[str, Path]:
    folders = {"run": root / "run", "compare": root / "compare", "sweep": root / "sweep"}
    run(["run", "--replications", "3", "--lang", lang, "--out", str(folders["run"]), "--force", "--quiet"])
    run(["compare", "hanoi/2025-07-first-13-days", "hanoi/variants/one-more-counter", "hanoi/variants/saturday-morning",
         "--replications", "3", "--lang", lang, "--out", str(folders["compare"]), "--force", "--quiet"])
    experiment = root / "sweep.yaml"
    experiment.write_text(SWEEP.format(lang=lang), encoding="utf-8")
    resume = ["--resume"] if folders["sweep"].is_dir() else []  # a kept folder: run only what is missing
    run(["sweep", str(experiment), "--out", str(folders["sweep"]), "--quiet", *resume])
    return folders


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="vi", choices=["vi", "en"])
    parser.add_argument("--keep", type=Path, help="keep the output folders and reports here")
    args = parser.parse_args()
    if find_chromium() is None:
        raise SystemExit("chromium is not installed (apt-get install chromium fonts-noto-core)")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        for kind, folder in make(root, args.lang).items():
            html = root / f"report-{kind}.html"
            run(["report", str(folder), "--lang", args.lang, "--out", str(html)])
            screenshot(html, ROOT / "docs" / f"report-{kind}.png")
            print(f"docs/report-{kind}.png")
