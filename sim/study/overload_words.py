"""The overload warnings as a planner reads them, in English or Vietnamese, from the catalogue.

The pre-run check (:mod:`sim.scenario.checks`) finds the pools whose expected utilisation on an
ordinary working day is 1 or more and returns them as data (``Overload``; ``OverloadAcross`` for
the variants of a sweep). The scenario layer cannot import the catalogue, so the words are put
here: ``run``, ``compare`` and ``validate`` print :func:`lines` (``--strict`` refuses with the same
lines), ``sweep`` prints :func:`across_lines`, each in its command's language.

English is word for word what ``Overload.text()`` says (the manifests keep that English: it is
data): the pool's name as the scenario spells it, quoted, and plain integers. Vietnamese names a
pool by the catalogue's label where it has one (``quầy tiếp nhận``), else by its name as the
scenario spells it, and writes numbers the Vietnamese way (``1,20``, ``3.321``). Commune, centre,
group and variant names keep their spelling.
"""
from __future__ import annotations

from .catalogue import DEFAULT_LANGUAGE, PARTS, number, text, variant_label


def lines(overloads, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """One line per overloaded pool (``sim.scenario.checks.overloads``)."""
    return [line(o, lang) for o in overloads]


def line(o, lang: str = DEFAULT_LANGUAGE) -> str:
    utilisation = number(o.utilisation, "{:.2f}", lang)
    if o.places == "central pool":  # the region's one central pool
        return text("overload_central_pool", lang, pool=pool_name(o.pool, lang), utilisation=utilisation,
                    staff=_count(o.staff, lang))
    return text("overload_pool", lang, pool=pool_name(o.pool, lang), count=_count(o.count, lang),
                of=_count(o.of, lang), places=_places(o.places, lang), worst=o.worst, staff=_count(o.staff, lang),
                utilisation=utilisation)


def across_lines(experiment, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """One line per pool overloaded in some variants of a sweep (``experiment``: sim.study.experiments),
    each variant named as the sweep's table names it in ``lang``."""
    from ..scenario.checks import overloads_across

    found = {variant_name(v, experiment, lang): v.overloads for v in experiment.variants if v.overloads}
    return [across_line(a, lang) for a in overloads_across(found)]


def across_line(a, lang: str = DEFAULT_LANGUAGE) -> str:
    worst = a.worst
    if a.places == "central pool":
        where, each = worst.worst, ""
    else:
        where = text("overload_across_where", lang, worst=worst.worst, staff=_count(worst.staff, lang))
        each = text("overload_across_each", lang, most=_count(a.most, lang), of=_count(worst.of, lang),
                    places=_places(a.places, lang))
    return text("overload_across", lang, pool=pool_name(a.pool, lang), variants=_count(a.variants, lang),
                of=_count(a.of, lang), each=each, label=a.label, where=where,
                utilisation=number(worst.utilisation, "{:.2f}", lang))


def variant_name(variant, experiment, lang: str = DEFAULT_LANGUAGE) -> str:
    """"v02 (counter=2, dossiers_per_working_day=300)" in English, as the warning always said; in
    Vietnamese the variant's words of the sweep's table (``catalogue.variant_label``)."""
    if lang == "en":
        return f"{variant.id} ({variant.label})"
    words = experiment.spec.words_in(lang)
    return f"{variant.id} ({variant_label(variant.parameters, lang, words=words)})"


def pool_name(pool: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """English: the name quoted as the scenario spells it ('counter'); Vietnamese: the catalogue's
    label of a pool it knows (quầy tiếp nhận), else the name quoted as spelled."""
    if lang != "en" and pool in PARTS:
        return PARTS[pool][lang]
    return repr(pool)


def _places(places: str, lang: str) -> str:
    if places == "district centres":
        return text("overload_district_centres", lang)
    if places == "central pools":
        return text("overload_central_pools", lang)
    return text("overload_communes", lang)


def _count(n: int, lang: str) -> str:
    # English keeps the plain integers Overload.text() prints (3321); Vietnamese groups thousands (3.321)
    return str(n) if lang == "en" else number(n, "{:,}", lang)
