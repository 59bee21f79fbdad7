"""Stored-output back-test: the same seed must keep giving the same figures.

The default scenario and one scenario per province (shortened by ``--set`` to keep the test
fast), plus the textbook M/M/c case, are run with fixed seeds; their key figures (region,
channels, fields, pools, daily backlog, Little's law) are compared with the values stored in
``tests/backtest/expected.json`` to float round-off (relative 1e-12). A refactor that changes
any figure fails here, naming the first figure that moved.

When a change of results is deliberate (a model change, a new figure), refresh the stored
values and say why in the commit message::

    make backtest-refresh        # or: .venv/bin/python tests/test_backtest.py --refresh
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import same

from sim.study.api import load_scenario
from sim.study.runner import run_replication

EXPECTED = Path(__file__).resolve().parent / "backtest" / "expected.json"
REL = 1e-12  # float round-off: the same code adds the same numbers in the same order

#: name: (library scenario, --set overrides, seed, replications)
CASES = {
    "default": ("hanoi/2025-07-first-13-days", [], 20250701, 1),
    "danang": ("danang/2025-q3", ["horizon.days=20"], 20250701, 1),
    "haiphong": ("haiphong/2025-q3", ["horizon.days=20"], 20250701, 1),
    "mmc": ("validation/mmc", [], 1, 2),
}
KEPT = ("region", "by_channel", "by_field", "pools", "backlog_by_day", "littles_law")
HOW_TO_REFRESH = ("if the change of results is deliberate, run `make backtest-refresh` "
                  "and justify the new figures in the commit message")


def figures(case: str) -> list[dict]:
    """The key figures of every replication of one case."""
    name, overrides, seed, replications = CASES[case]
    scenario = load_scenario(name, [*overrides, f"seed={seed}"])
    return [{key: result[key] for key in KEPT}
            for result in (run_replication(scenario, r) for r in range(replications))]


def stored() -> dict:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_figures_are_those_stored(case):
    expected = stored()
    assert case in expected, f"no stored figures for {case!r}: {HOW_TO_REFRESH}"
    assert expected[case]["scenario"] == list(CASES[case][:3]), f"the case {case!r} changed: {HOW_TO_REFRESH}"
    try:
        same(expected[case]["replications"], figures(case), path=case, rel=REL)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{HOW_TO_REFRESH}") from None


def test_every_stored_case_is_still_run():
    assert sorted(stored()) == sorted(CASES), HOW_TO_REFRESH


def refresh() -> None:
    out = {case: {"scenario": list(CASES[case][:3]), "replications": figures(case)} for case in sorted(CASES)}
    EXPECTED.parent.mkdir(exist_ok=True)
    tmp = EXPECTED.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(EXPECTED)
    print(f"wrote {EXPECTED} ({', '.join(sorted(CASES))}); say why in the commit message")


if __name__ == "__main__":
    if sys.argv[1:] != ["--refresh"]:
        sys.exit("usage: python tests/test_backtest.py --refresh   (rewrites the stored figures)")
    refresh()
