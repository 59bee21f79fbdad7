"""An experiment's plots: the ones its file asks for (``plots:``), drawn from a sweep's runs.

Each is a standard plot of :mod:`sim.study.plots`, written into ``plots/`` with the data behind it
as CSV; variants are named in words (:func:`sim.study.catalogue.variant_label`), scenarios used as
levels by their shortened names, titles by the place and period of the runs.
"""
from __future__ import annotations

from pathlib import Path

from . import catalogue as cat
from . import plots


def experiment_plots(experiment, out: Path, table, summary, records, lang: str = cat.DEFAULT_LANGUAGE,
                     folder: Path | None = None) -> tuple[list[Path], list[str]]:
    """Draw the plots an experiment file asks for into ``out/plots/`` (PNG + the data as CSV)."""
    import pandas as pd

    from .analysis import Targets
    from .runstore import backlog_table, communes_table, write_table

    folder = Path(folder) if folder else Path(out) / "plots"
    names = scenario_names(experiment)
    spec = experiment.spec
    words = spec.words_in(lang)
    labels = {v.id: cat.variant_label(v.parameters, lang, names, words) for v in experiment.variants}
    targets = Targets(spec.wait_target_minutes, spec.on_time_target)
    base = experiment.variants[0].scenario if experiment.variants else None
    where = cat.place_and_period(base.model_dump(mode="json"), lang) if base else None
    files, warnings, used = [], [], set()
    for plot in spec.plots:
        name = plot.file or f"{plot.kind}.png"
        while name in used:
            name = name.removesuffix(".png") + "-2.png"
        used.add(name)
        path = folder / name
        others = [n for n in experiment.parameter_names if n != plot.x]
        title = spec.say(plot.title, lang)  # untranslated: the standard title of the plot, in lang

        def series(v):
            return cat.variant_label({n: v.parameters[n] for n in others}, lang, names, words) if others else ""

        try:
            data = _experiment_plot(plot, experiment, path, summary, records, labels, series, title, where, lang,
                                    targets, backlog_table, communes_table)
        except (KeyError, ValueError, TypeError) as exc:
            warnings.append(f"plot {name} not drawn: {type(exc).__name__}: {exc}")
            continue
        files.append(path)
        files += write_table(pd.DataFrame(data), path.with_suffix(""), parquet=False)
    return files, warnings


def _experiment_plot(plot, experiment, path, summary, records, labels, series, title, where, lang, targets,
                     backlog_table, communes_table):
    if plot.kind == "staffing_curve":
        points = [(series(v), v.parameters[plot.x], v.id) for v in experiment.variants]
        return plots.staffing_curve(summary, points, path, plot.x, plot.pool, plot.target_wait_minutes, title, where, lang,
                              targets.on_time_share)
    if plot.kind == "wait_ecdf":
        hists = {labels[v.id]: [rec["result"]["wait_histogram_minutes"] for (vid, _), rec in sorted(records.items())
                                if vid == v.id] for v in experiment.variants}
        return plots.wait_ecdf(hists, path, title, plot.target_wait_minutes or targets.wait_minutes, where, lang)
    if plot.kind == "backlog":
        return plots.backlog(backlog_table(experiment, records), labels, path, title, where, lang)
    if plot.kind == "commune_load":
        figure = plot.figure
        reference = (targets.on_time_share if figure == "on_time_share" else
                     plot.target_wait_minutes or targets.wait_minutes if figure == "p90_wait_minutes" else None)
        return plots.commune_load(communes_table(experiment, records), labels, figure, path, plot.worst, title, reference,
                            where, lang)
    if plot.kind in ("map", "provinces"):
        from . import experiment_maps

        replications = min(sum(1 for vid, _ in records if vid == v.id) for v in experiment.variants)
        if plot.kind == "map":
            return experiment_maps.above_map(communes_table(experiment, records), plot.figure, plot.threshold, path,
                                             title, replications, lang)
        return experiment_maps.provinces_above(communes_table(experiment, records), plot.figure, plot.threshold, path,
                                               title, plot.worst, lang)
    if plot.kind == "figures":
        variants = [(v.id, labels[v.id], v.parameters.get(plot.x) if plot.x else None, series(v))
                    for v in experiment.variants]
        return plots.figures_plot(summary, plot.figures, variants, path, plot.x, title, where, lang, targets)
    fields = list(experiment.variants[0].scenario.demand.fields)
    return plots.by_field(summary, plot.figures, fields, [(v.id, labels[v.id]) for v in experiment.variants], path,
                    title, where, lang, targets)


def scenario_names(experiment) -> dict:
    """Short names of the scenarios an experiment uses as levels of its ``scenario`` parameter."""
    refs = list(dict.fromkeys(v.parameters["scenario"] for v in experiment.variants if "scenario" in v.parameters))
    if not refs:
        return {}
    full = [next(v.scenario.name for v in experiment.variants if v.parameters.get("scenario") == r) for r in refs]
    return dict(zip(refs, cat.short_names(full, 30)[1]))
