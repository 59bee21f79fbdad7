"""What ``commune-sim staff`` writes: the table, the scenario, the summary, the plot, the answer.

    staffing.csv      one row per commune x pool: staff now and recommended, workload, expected
                      utilisation, p90 wait at the pool and on-time share with 95% intervals
                      (now and after), whether the commune meets the targets, and why not
    recommended.yaml  a scenario that ``extends:`` the input and sets the recommended staff in
                      ``staff.by_commune``; it loads from wherever the folder is written
    summary.json      totals per pool now and recommended; communes meeting each target now and
                      after (per-replication counts, mean and 95% half-width); the worst commune
                      before and after; the communes not met and why; simulations used
    staffing.png      recommended against current staff per commune, against its workload
    manifest.json     as for ``run``: resolved scenario, hash, seed, versions, command line, times;
                      ``maps`` lists maps/staff_change_<pool>.<lang>.png (real communes) or says why none
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from ...engine.stats import mean_and_half_width
from .. import catalogue
from ..files import write_text
from .targets import finite

HW = "_ci95_half_width"


def commune_meets(search, e, c: int) -> bool:
    """Every target, the on-time one included even where no staff level reaches it."""
    return all(search.pool_ok(e, p, c) for p in search.pools) and search.on_time_met(e, c)


def rows(search, evaluator, before, after) -> list[dict]:
    out = []
    for c, info in enumerate(evaluator.communes):
        for p in search.pools:
            load = search.loads[p][c]
            row = {"commune": info.name, "index": c, "type": info.type, "population": info.population, "pool": p,
                   "current_staff": before.staff[p][c], "recommended_staff": after.staff[p][c],
                   "offered_load_erlangs": load.erlangs,
                   "expected_utilisation_now": load.utilisation(before.staff[p][c]),
                   "expected_utilisation": load.utilisation(after.staff[p][c])}
            for label, e in (("_now", before), ("", after)):
                for figure, key in ((f"p90_wait_{p}_minutes", "p90_wait_minutes"),
                                    (f"share_over_wait_target_{p}", "share_waiting_over_target"),
                                    ("on_time_share", "on_time_share")):
                    mean, hw = e.interval(figure, c)
                    row[key + label], row[key + label + HW] = mean, hw
            row["meets_targets_now"] = commune_meets(search, before, c)
            row["meets_targets"] = commune_meets(search, after, c)
            reason = search.unmet.get(c)
            row["why_not_met"] = "" if row["meets_targets"] else reason_text(reason, "en")
            row["code"] = getattr(info, "code", "") or ""  # a real unit's official code: maps
            out.append(row)
    return out


def reason_text(reason, lang: str) -> str:
    if reason is None:
        return catalogue.text("reason_unknown", lang)
    key, fields = reason
    shown = {k: (", ".join(catalogue.part(p, lang) for p in v) if isinstance(v, list)
                 else catalogue.part(v, lang) if k == "pool" else catalogue.number(v, "{:.3g}", lang)
                 if isinstance(v, float) else v) for k, v in fields.items()}
    return catalogue.text(key, lang, **shown)


def counts(search, evaluation, communes: int) -> dict:
    """Communes meeting each target, counted in every replication: mean and 95% half-width;
    and by the estimate (the mean figures), which is what the search decides on."""
    targets = search.targets
    reps = evaluation.values["on_time_share"].shape[0]
    per_rep = {"wait_p90": [], "on_time": [], "utilisation": [], "all": []}
    for r in range(reps):
        wait = [all(targets.pool_wait_ok(_over(evaluation, p)[r, c])
                    and not (evaluation.staff[p][c] == 0 and search.loads[p][c].erlangs > 0) for p in search.pools)
                for c in range(communes)]
        on_time = [targets.on_time_ok(evaluation.values["on_time_share"][r, c]) for c in range(communes)]
        util = [all(evaluation.staff[p][c] >= search.floor[p][c] for p in search.pools) for c in range(communes)]
        per_rep["wait_p90"].append(sum(wait))
        per_rep["on_time"].append(sum(on_time))
        per_rep["utilisation"].append(sum(util))
        per_rep["all"].append(sum(w and o and u for w, o, u in zip(wait, on_time, util)))
    out = {}
    for key, values in per_rep.items():
        mean, hw = mean_and_half_width(values)
        out[key] = {"mean": mean, "ci95_half_width": hw}
    out["all"]["by_estimate"] = sum(commune_meets(search, evaluation, c) for c in range(communes))
    return out


def _over(evaluation, pool):
    key = f"share_over_wait_target_{pool}"
    return evaluation.values[key] if key in evaluation.values else np.full_like(evaluation.values["on_time_share"], np.nan)


def worst(search, evaluation, communes) -> dict:
    """The commune with the longest p90 wait at a listed pool, and the one with the lowest on-time share."""
    out = {}
    best = None
    for p in search.pools:
        waits = evaluation.pool_wait(p)
        for c in range(len(communes)):
            if finite(waits[c]) and (best is None or waits[c] > best[0]):
                best = (float(waits[c]), c, p)
    if best:
        mean, hw = evaluation.interval(f"p90_wait_{best[2]}_minutes", best[1])
        out["p90_wait"] = {"commune": communes[best[1]].name, "pool": best[2], "minutes": mean, "ci95_half_width": hw}
    on_time = evaluation.mean("on_time_share")
    if np.isfinite(on_time).any():
        c = int(np.nanargmin(on_time))
        mean, hw = evaluation.interval("on_time_share", c)
        out["on_time_share"] = {"commune": communes[c].name, "share": mean, "ci95_half_width": hw}
    return out


def pool_worst(search, evaluation, communes, pool) -> tuple[float, str]:
    waits = evaluation.pool_wait(pool)
    finite_ = [c for c in range(len(communes)) if finite(waits[c])]
    if not finite_:
        return math.nan, "—"
    c = max(finite_, key=lambda c: waits[c])
    return float(waits[c]), communes[c].name


def recommended_yaml(scenario, extends: str, out_dir: Path, search, communes, staff, overrides, command_line) -> str:
    """A scenario that extends ``extends`` (the input by library name or by a path relative to
    the output folder; or the resolved input written beside it) and sets the recommended staff
    of every commune in staff.by_commune. ``overrides`` (the command's --set) are written as the
    sections they change."""
    import yaml

    from ...scenario.schema import scenario_dir

    keys = _commune_keys(communes)
    by_commune = {keys[c]: {p: int(staff[p][c]) for p in search.pools} for c in range(len(keys))}
    data = {"extends": extends, "name": f"{scenario.name} — recommended staff",
            "description": f"Recommended staff ({', '.join(search.pools)}) by commune-sim staff"}
    for key, value in _override_sections(scenario, overrides).items():
        _put(data, key, value)
    _put(data, ("staff", "by_commune"), by_commune)
    schema = (scenario_dir() / "scenario.schema.json").resolve()
    schema = os.path.relpath(schema, Path(out_dir).resolve()) if Path(out_dir).resolve().is_relative_to(schema.parents[1]) \
        else schema.as_uri()
    header = (f"# yaml-language-server: $schema={schema}\n#\n"
              f"# Written by: {' '.join(command_line)}\n"
              f"# Targets: {search.targets.as_dict()}\n"
              "# The staff of the listed pools in every commune, as recommended; everything else is the\n"
              "# scenario it extends (with the --set values of that command). Figures: staffing.csv, summary.json.\n")
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def _commune_keys(communes) -> list:
    names = [c.name for c in communes]
    return names if len(set(names)) == len(names) else list(range(len(names)))


def resolved_yaml(scenario) -> str:
    """The scenario as it was run (after extends and --set), as a scenario file."""
    import yaml

    data = scenario.model_dump(mode="json", by_alias=True)
    return ("# The input scenario exactly as the staffing search ran it (extends and --set applied).\n"
            + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120))


def same_scenario(a, b) -> bool:
    """Equal apart from name, description, seed, replications and staff.by_commune."""
    def strip(s):
        data = s.model_dump(mode="json", by_alias=True)
        for key in ("name", "description", "seed", "replications"):
            data.pop(key, None)
        data["staff"].pop("by_commune", None)
        return data
    return strip(a) == strip(b)


def extends_reference(source: Path, out_dir: Path) -> str:
    from ...scenario.schema import scenario_dir

    source = Path(source).resolve()
    library = scenario_dir().resolve()
    if source.is_relative_to(library):
        return source.relative_to(library).with_suffix("").as_posix()
    return Path(os.path.relpath(source, Path(out_dir).resolve())).as_posix()


def _override_sections(scenario, overrides) -> dict[tuple, object]:
    """The --set values of the command, as the mapping sections they change: a path into a list
    writes the whole list (``extends`` replaces lists, it does not merge them)."""
    resolved = scenario.model_dump(mode="json", by_alias=True)
    out = {}
    for text in overrides:
        key = text.partition("=")[0].strip().split(".")
        path, node = [], resolved
        for part in key:
            if not isinstance(node, dict) or part not in node:
                break
            path.append(part)
            node = node[part]
        if path and path[0] not in ("seed", "replications", "name", "description"):
            out[tuple(path)] = node
    return out


def _put(data: dict, path: tuple, value) -> None:
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value


def staffing_png(path: Path, search, evaluator, after, before, title: str, lang: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pools = search.pools
    fig, axes = plt.subplots(1, len(pools), figsize=(6.5 * len(pools), 5), squeeze=False)
    missed = [c for c in range(len(evaluator.communes)) if not commune_meets(search, after, c)]
    for ax, p in zip(axes[0], pools):
        load = [search.loads[p][c].erlangs for c in range(len(evaluator.communes))]
        ax.scatter(load, before.staff[p], s=28, facecolors="none", edgecolors="0.55", label=catalogue.text("staffing_now", lang))
        ax.scatter(load, after.staff[p], s=14, color="tab:blue", label=catalogue.text("staffing_recommended", lang))
        if missed:
            ax.scatter([load[c] for c in missed], [after.staff[p][c] for c in missed], s=60, marker="x",
                       color="tab:red", label=catalogue.text("staffing_missed", lang))
        ax.set_title(catalogue.part(p, lang))
        ax.set_xlabel(catalogue.text("staffing_axis_load", lang), fontsize=9)
        ax.set_ylabel(catalogue.text("staffing_axis_staff", lang), fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.text(0.5, 0.005, catalogue.text("staffing_targets", lang, targets=targets_text(search.targets, lang)),
             ha="center", fontsize=8)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    from ..files import write_atomic

    write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    plt.close(fig)


def targets_text(targets, lang: str) -> str:
    parts = []
    if targets.wait_p90_minutes is not None:
        parts.append(catalogue.text("target_wait", lang, value=catalogue.number(targets.wait_p90_minutes, "{:g}", lang)))
    if targets.on_time_share is not None:
        parts.append(catalogue.text("target_on_time", lang, value=catalogue.number(targets.on_time_share, "{:g}", lang)))
    if targets.max_utilisation is not None:
        parts.append(catalogue.text("target_utilisation", lang, value=catalogue.number(targets.max_utilisation, "{:g}", lang)))
    if targets.confident:
        parts.append(catalogue.text("target_confident", lang))
    return "; ".join(parts)


def staff_maps(folder: Path, table: list[dict], pools: list[str], place: str):
    """maps/staff_change_<pool>.<lang>.png on real communes (a list of files), else why not (text)."""
    from .. import maps

    missing = maps.geography_missing([row["code"] for row in table], "en")
    if missing:
        return missing
    written = [maps.staff_change_map(table, folder / "maps" / f"staff_change_{pool}.{lang}.png", pool, place, lang)
               for pool in pools for lang in catalogue.LANGUAGES]
    return [p.relative_to(folder).as_posix() for p in written]


def write_csv(path: Path, table: list[dict]) -> None:
    import pandas as pd

    write_text(path, pd.DataFrame(table).to_csv(index=False))
