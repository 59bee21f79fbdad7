"""Sensitivity of the calibrated library scenarios: each assumption of calibration/targets.yaml
moved by ±20% alone (common random numbers), key figures compared with the calibrated base.

    .venv/bin/python tools/calibration_sensitivity.py [SCENARIO ...] [--replications N] [--jobs J]

Writes calibration/<scenario>/sensitivity.{md,csv,png}; runs are cached in
calibration/<scenario>/sensitivity-evaluations.jsonl, so an interrupted run resumes. (It lives in
tools/, not calibration/: a Python file there would ship as a module of the package that carries
calibration/targets.yaml into installed copies, pyproject.toml.)
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION = ROOT / "calibration"
sys.path.insert(0, str(ROOT))

from sim.calibration.sensitivity import sensitivity  # noqa: E402
from sim.study.catalogue import text  # noqa: E402

SCENARIOS = ["danang/2025-q3", "haiphong/2025-q3", "hanoi/2025-07-first-13-days"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", default=SCENARIOS)
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--targets", type=Path, default=CALIBRATION / "targets.yaml")
    args = parser.parse_args()
    started = time.perf_counter()

    def log(key: str, **fields) -> None:  # progress by a key of the catalogue (sim/study/catalogue_text.py)
        print(f"[sensitivity {time.perf_counter() - started:6.0f} s] {text(key, 'en', **fields)}", file=sys.stderr,
              flush=True)

    for name in args.scenarios:
        out = CALIBRATION / name.replace("/", "-")
        sensitivity(name, args.targets, out, replications=args.replications, jobs=args.jobs, log=log)
        print(f"{name}: {out / 'sensitivity.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
