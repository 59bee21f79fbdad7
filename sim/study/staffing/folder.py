"""The request of ``commune-sim staff`` and the folder it writes (the command itself is
:mod:`sim.commands.staff`).

:func:`request` reads pools, targets and budgets from the command line, checked against the
scenario: every problem is a usage error (exit 2) before anything runs. Targets not given on the
command line come from the scenario's ``outputs.targets``. :func:`write_folder` writes the
answer: a request no staff level can meet is answered, commune by commune, with the reason.
"""
from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

from ...errors import UsageError
from .. import catalogue
from ..files import atomic_folder, scenario_hash, write_json, write_text
from . import outputs
from .targets import Targets

DEFAULT_POOLS = ("counter", "back_office")


def parse_budgets(items: list[str]) -> dict[str, int]:
    budgets = {}
    for item in items:
        pool, eq, value = item.partition("=")
        if not eq or not pool.strip():
            raise UsageError(f"--budget: expected POOL=N, e.g. counter=400 (got {item!r})")
        try:
            n = int(value)
        except ValueError:
            raise UsageError(f"--budget {pool}: staff must be a whole number (got {value!r})") from None
        if n < 0:
            raise UsageError(f"--budget {pool}: staff must not be negative (got {n})")
        if pool.strip() in budgets:
            raise UsageError(f"--budget {pool}: given twice")
        budgets[pool.strip()] = n
    return budgets


def request(args, scenario, communes: int) -> tuple[list[str], Targets, dict[str, int]]:
    """Pools, targets and budgets of the command line, checked against the scenario."""
    known = scenario.staff.per_commune
    budgets = parse_budgets(args.budget or [])
    if args.pools:
        pools = [p.strip() for p in args.pools.split(",") if p.strip()]
    elif budgets:
        pools = list(budgets)
    else:
        pools = [p for p in DEFAULT_POOLS if p in known] or list(known)
    for pool in [*pools, *budgets]:
        if pool not in known:
            close = difflib.get_close_matches(pool, list(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (pools: {', '.join(known)})"
            raise UsageError(f"unknown pool {pool!r}{hint}")
    if budgets and set(budgets) != set(pools):
        raise UsageError(f"budget mode shares a budget for every listed pool: --pools {','.join(pools)} but "
                         f"--budget for {', '.join(budgets)}")
    for pool, n in budgets.items():
        if n < args.min_per_commune * communes:
            raise UsageError(f"--budget {pool}={n} is below --min-per-commune {args.min_per_commune} x {communes} "
                             f"communes = {args.min_per_commune * communes}")
    confident = getattr(args, "confident", False)
    if confident and scenario.replications < 2:
        raise UsageError("--confident needs at least 2 replications (an interval needs two)")
    given = Targets(args.wait_p90, args.on_time, args.max_utilisation, confident)
    if not given.any():
        spec = scenario.outputs.targets
        given = Targets(spec.wait_p90_minutes, spec.on_time_share, None, confident)
    if not given.any():
        raise UsageError("give at least one target: --wait-p90 MIN, --on-time SHARE or --max-utilisation U "
                         "(or outputs.targets in the scenario)")
    return pools, given, budgets


def write_folder(out: Path, scenario, path, search, evaluator, before, after, budgets: dict, args,
                 started: dt.datetime, wall_seconds: float) -> dict:
    """The staff folder, atomically: staffing.csv, recommended.yaml (loaded back before the
    folder is kept), summary.json (with the answer in both languages), staffing.png in the
    command's language and staffing.<lang>.png in each, the staff-change maps, manifest.json.
    Returns the summary."""
    lang = scenario.outputs.language
    n = len(evaluator.communes)
    if budgets:
        _budget_reasons(search, after, n)
    summary = _summary(scenario, search, evaluator, before, after, budgets, args, wall_seconds)
    summary["answer"] = {language: answer(summary, search, evaluator.communes, language) for language in catalogue.LANGUAGES}
    summary["targets_text"] = {language: outputs.targets_text(search.targets, language) for language in catalogue.LANGUAGES}
    table = outputs.rows(search, evaluator, before, after)
    with atomic_folder(out, args.force) as tmp:
        outputs.write_csv(tmp / "staffing.csv", table)
        _write_recommended(tmp, out, scenario, path, search, evaluator.communes, args)
        write_json(tmp / "summary.json", summary)
        for language in (lang, *catalogue.LANGUAGES):  # staffing.png in the command's language, and each
            title = catalogue.text("staffing_title", language, scenario=scenario.name)
            name = "staffing.png" if language == lang and not (tmp / "staffing.png").exists() else f"staffing.{language}.png"
            outputs.staffing_png(tmp / name, search, evaluator, after, before, title, language)
        record = _manifest(scenario, path, args, started, summary)
        record["maps"] = outputs.staff_maps(tmp, table, search.pools, scenario.name)
        write_json(tmp / "manifest.json", record)
    return summary


def _write_recommended(tmp: Path, out: Path, scenario, path, search, communes, args) -> None:
    """recommended.yaml extends the input itself when that reproduces the scenario that was
    searched (the --set values written as sections); otherwise (a --set that empties a mapping,
    which extends cannot express) it extends scenario.yaml, the resolved input written beside it.
    Either way it is loaded back from the folder before the folder is kept."""
    from ...scenario.loading import ScenarioError
    from ..api import load_scenario

    text = outputs.recommended_yaml(scenario, outputs.extends_reference(path, out), out, search, communes,
                                    search.staff, args.overrides, args.command_line)
    write_text(tmp / "recommended.yaml", text)
    try:
        same = outputs.same_scenario(load_scenario(tmp / "recommended.yaml"), scenario)
    except ScenarioError:
        same = False
    if same:
        return
    write_text(tmp / "scenario.yaml", outputs.resolved_yaml(scenario))
    write_text(tmp / "recommended.yaml", outputs.recommended_yaml(scenario, "scenario.yaml", out, search, communes,
                                                                 search.staff, [], args.command_line))
    load_scenario(tmp / "recommended.yaml")  # raises if it does not load: a bug, never silent


def default_out(name: str) -> Path:
    from ..outputs import default_out_dir

    return default_out_dir("staff-" + name)


def _budget_reasons(search, after, n: int) -> None:
    for c in range(n):
        if outputs.commune_meets(search, after, c) or c in search.unmet:
            continue
        for pool, note in search.budget_notes.items():
            if c in note["unreachable"]:
                search.unmet[c] = ("reason_budget_unreachable", {"pool": pool, "top": note["top"]})
                break
            if note["needed"] > note["budget"]:
                search.unmet[c] = ("reason_budget", {"budget": note["budget"], "pool": pool,
                                                     "short": note["needed"] - note["budget"], "needed": note["needed"]})
                break


def _summary(scenario, search, evaluator, before, after, budgets, args, wall) -> dict:
    communes = evaluator.communes
    n = len(communes)
    per_pool = {}
    for p in search.pools:
        now, rec = before.staff[p], after.staff[p]
        per_pool[p] = {"staff_now": sum(now), "staff_recommended": sum(rec), "min_per_commune_recommended": min(rec),
                       "max_per_commune_recommended": max(rec), "budget": budgets.get(p),
                       "worst_p90_wait_minutes_now": outputs.pool_worst(search, before, communes, p),
                       "worst_p90_wait_minutes_after": outputs.pool_worst(search, after, communes, p)}
    return {
        "scenario": scenario.name, "mode": "budget" if budgets else "minimum", "pools": search.pools,
        "targets": search.targets.as_dict(), "min_per_commune": args.min_per_commune,
        "replications": scenario.replications, "seed": scenario.seed, "communes": n,
        "simulations": evaluator.simulations, "replication_runs": evaluator.replication_runs,
        "wall_seconds": round(wall, 2), "by_pool": per_pool,
        "communes_meeting_now": outputs.counts(search, before, n),
        "communes_meeting_after": outputs.counts(search, after, n),
        "worst_commune_now": outputs.worst(search, before, communes),
        "worst_commune_after": outputs.worst(search, after, communes),
        "not_met": [{"commune": communes[c].name, "reason": outputs.reason_text(search.unmet.get(c), "en"),
                     "reason_vi": outputs.reason_text(search.unmet.get(c), "vi")}
                    for c in range(n) if not outputs.commune_meets(search, after, c)],
        "notes": {"estimate": "a commune meets a target when the mean over replications of its figure does "
                              "(common random numbers: every candidate level sees the same dossiers); counts per "
                              "replication are given with their 95% half-width",
                  "pool_wait": "the p90 wait at a pool counts every visit (re-filings after supplementation too), "
                               "in working minutes",
                  "utilisation": "expected utilisation = workload on an ordinary working day / staff (analytic)"},
    }


def _manifest(scenario, path, args, started, summary) -> dict:
    from ..outputs import versions

    resolved = scenario.model_dump(mode="json", by_alias=True)
    from ...scenario.header import scenario_headers

    return {"kind": "staff", "command": "staff", "scenario_name": scenario.name, "scenario_file": str(path),
            "scenario_headers": scenario_headers(path),
            "scenario_sha256": scenario_hash(resolved), "seed": scenario.seed,
            "replications": scenario.replications, "mode": summary["mode"], "pools": summary["pools"],
            "targets": summary["targets"], "simulations": summary["simulations"], "status": "complete",
            "command_line": args.command_line, "started_at": started.isoformat(timespec="seconds"),
            "finished_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "wall_seconds": summary["wall_seconds"], "versions": versions(), "resolved_scenario": resolved}


def answer(summary: dict, search, communes, lang: str) -> list[str]:
    """One sentence per pool, then the communes not met and why."""
    num = lambda v, fmt="{:,.0f}": catalogue.number(v, fmt, lang)  # noqa: E731
    n = summary["communes"]
    after, now = summary["communes_meeting_after"]["all"], summary["communes_meeting_now"]["all"]
    targets = outputs.targets_text(search.targets, lang)
    lines = []
    for p, entry in summary["by_pool"].items():
        fields = {"pool": catalogue.part(p, lang), "total": num(entry["staff_recommended"]), "now": num(entry["staff_now"]),
                  "communes": n, "meeting": after["by_estimate"], "targets": targets}
        if summary["mode"] == "minimum":
            lines.append(catalogue.text("staffing_minimum_sentence", lang, low=entry["min_per_commune_recommended"],
                                        high=entry["max_per_commune_recommended"], **fields))
        else:
            (worst, name), (worst_now, name_now) = entry["worst_p90_wait_minutes_after"], entry["worst_p90_wait_minutes_now"]
            lines.append(catalogue.text("staffing_budget_sentence", lang, meeting_now=now["by_estimate"],
                                        worst=num(worst, "{:.1f}"), worst_name=name, worst_now=num(worst_now, "{:.1f}"),
                                        worst_now_name=name_now, **fields))
    if summary["not_met"]:
        names = ", ".join(m["commune"] for m in summary["not_met"][:10]) + (" …" if len(summary["not_met"]) > 10 else "")
        reasons = sorted({m["reason_vi" if lang == "vi" else "reason"] for m in summary["not_met"]})
        lines.append(catalogue.text("staffing_not_met", lang, count=len(summary["not_met"]), names=names,
                                    reasons=" / ".join(reasons[:3])))
    return lines
