"""Compare `commune-sim staff`'s recommendations with equal and proportional shares of the same
total, on fresh random numbers, and plot recommended staff per commune against population.

    sh experiments/hanoi-staffing.sh          # the staffing runs (tens of minutes)
    .venv/bin/python experiments/hanoi_staffing.py [STUDY ...]

Reads experiments/results/hanoi-staffing/<study>/ and writes there: comparison.csv (every
allocation of every study: staff, communes meeting the target counted per replication with
95% half-widths and by the estimate, the worst commune) and <study>-per-commune.png/.csv.
Every allocation of a study is simulated with the same fresh seed (not the seed the search
used), so the recommendation is judged out of sample, and the allocations are paired.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.engine.stats import mean_and_half_width  # noqa: E402
from sim.scenario.policies import largest_remainder  # noqa: E402
from sim.study import catalogue  # noqa: E402
from sim.study.api import load_scenario  # noqa: E402
from sim.study.files import write_atomic, write_text  # noqa: E402
from sim.study.staffing.evaluate import Evaluator  # noqa: E402

OUT = ROOT / "experiments" / "results" / "hanoi-staffing"
FRESH_SEED = 20251001
TARGET = 30.0


def shares(table: pd.DataFrame, pool: str, minimum: int) -> dict[str, list[int]]:
    rows = table[table.pool == pool].sort_values("index")
    total = int(rows.recommended_staff.sum())
    return {"recommended": rows.recommended_staff.astype(int).tolist(),
            "equal": largest_remainder([1.0] * len(rows), total, minimum),
            "proportional": largest_remainder(rows.offered_load_erlangs.tolist(), total, minimum),
            "now": rows.current_staff.astype(int).tolist()}


def measure(evaluator: Evaluator, staff: dict, pools: list[str]) -> dict:
    e = evaluator.evaluate(staff)
    n = len(evaluator.communes)
    over = {p: e.values[f"share_over_wait_target_{p}"] for p in pools}
    per_rep = [sum(all(not over[p][r, c] > 0.1 for p in pools) for c in range(n)) for r in range(over[pools[0]].shape[0])]
    mean, hw = mean_and_half_width(per_rep)
    by_estimate = sum(all(not e.pool_over(p)[c] > 0.1 for p in pools) for c in range(n))
    worst = max(((float(e.pool_wait(p)[c]), c, p) for p in pools for c in range(n)), key=lambda t: t[0])
    w_mean, w_hw = e.interval(f"p90_wait_{worst[2]}_minutes", worst[1])
    return {"communes_meeting_per_replication": mean, "communes_meeting_ci95_half_width": hw,
            "communes_meeting_by_estimate": by_estimate, "worst_commune": evaluator.communes[worst[1]].name,
            "worst_pool": worst[2], "worst_p90_wait_minutes": w_mean, "worst_p90_wait_ci95_half_width": w_hw}


def study(name: str, scenario_name: str, pools: list[str], minimum: dict[str, int], replications: int) -> list[dict]:
    folder = OUT / name
    table = pd.read_csv(folder / "staffing.csv")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    scenario = load_scenario(scenario_name, [f"seed={FRESH_SEED}", f"replications={replications}"])
    evaluator = Evaluator.for_scenario(scenario, pools, replications, jobs=2, wait_target=TARGET)
    allocations = {p: shares(table, p, minimum[p]) for p in pools}
    rows = []
    with evaluator:
        for label in ("now", "equal", "proportional", "recommended"):
            staff = {p: allocations[p][label] for p in pools}
            result = measure(evaluator, staff, pools)
            rows.append({"study": name, "scenario": scenario_name, "allocation": label,
                         **{f"staff_{p}": sum(staff[p]) for p in pools}, "fresh_seed": FRESH_SEED,
                         "replications": replications, "search_simulations": summary["simulations"], **result})
            print(name, label, {p: sum(staff[p]) for p in pools}, result, flush=True)
    plot(folder, name, table, allocations, pools)
    return rows


def plot(folder: Path, name: str, table: pd.DataFrame, allocations: dict, pools: list[str], lang: str = "en") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(pools), figsize=(6.5 * len(pools), 4.8), squeeze=False)
    data = []
    for ax, p in zip(axes[0], pools):
        rows = table[table.pool == p].sort_values("index")
        population = rows.population.to_numpy()
        order = np.argsort(population)
        for label, style in (("now", dict(color="0.6", marker="o", s=12, facecolors="none")),
                             ("equal", dict(color="tab:green", marker="_", s=40)),
                             ("proportional", dict(color="tab:orange", marker=".", s=14)),
                             ("recommended", dict(color="tab:blue", marker="o", s=16))):
            values = np.array(allocations[p][label])
            text = {"now": catalogue.text("staffing_now", lang), "equal": catalogue.text("allocation_equal", lang),
                    "proportional": catalogue.text("allocation_proportional", lang),
                    "recommended": catalogue.text("staffing_recommended", lang)}[label]
            ax.scatter(population[order], values[order] + (0.08 if label == "proportional" else 0), label=text, **style)
        ax.set_title(catalogue.part(p, lang))
        ax.set_xlabel(catalogue.text("staffing_axis_population", lang), fontsize=9)
        ax.set_ylabel(catalogue.text("staffing_axis_staff", lang), fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        for i in range(len(rows)):
            data.append({"pool": p, "commune": rows.commune.iloc[i], "population": population[i],
                         **{label: allocations[p][label][i] for label in allocations[p]}})
    fig.suptitle(f"{name}: " + catalogue.text("staffing_targets", lang, targets=f"p90 ≤ {TARGET:g} min"), fontsize=10)
    fig.tight_layout()
    write_atomic(OUT / f"{name}-per-commune.png", lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    plt.close(fig)
    write_text(OUT / f"{name}-per-commune.csv", pd.DataFrame(data).to_csv(index=False))


STUDIES = [  # folder, scenario, pools, minimum per commune of the equal and proportional shares, replications
    ("july-counter-minimum", "hanoi/2025-07-first-13-days", ["counter"], {"counter": 1}, 5),
    ("july-counter-confident", "hanoi/2025-07-first-13-days", ["counter"], {"counter": 1}, 5),
    ("quarter-counter-minimum", "hanoi/2025-q3", ["counter"], {"counter": 1}, 3),
    ("july-budget", "hanoi/2025-07-first-13-days", ["counter", "back_office"], {"counter": 1, "back_office": 2}, 5),
    ("july-counter-budget-252", "hanoi/2025-07-first-13-days", ["counter"], {"counter": 1}, 5),
]


def main(only: list[str]) -> None:
    path = OUT / "comparison.csv"
    kept = pd.read_csv(path) if path.is_file() else pd.DataFrame()
    rows = []
    for name, scenario, pools, minimum, replications in STUDIES:
        if (only and name not in only) or not (OUT / name / "staffing.csv").is_file():
            rows += kept[kept.study == name].to_dict("records") if not kept.empty else []
            continue
        rows += study(name, scenario, pools, minimum, replications)
    write_text(path, pd.DataFrame(rows).to_csv(index=False))


if __name__ == "__main__":
    main(sys.argv[1:])  # study names: only these (the others' rows are kept)
