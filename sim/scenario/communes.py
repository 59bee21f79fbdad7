"""The communes of a scenario: names, types and populations, synthetic, real or from a table.

Three sources, chosen in ``communes:``:

* **synthetic** (``count`` and ``population`` quantiles): communes are placed on the population
  quantile curve of the province (min, p10, p25, median, p75, p90, max, linearly interpolated)
  at the stratified probabilities (k + 0.5) / n, so the generated populations reproduce the
  reported quantiles without random noise. Populations and unit types are then dealt out to
  the numbered communes by fixed shuffles, so that neither numbering (which clusters and
  districts follow) nor type is tied to size by construction. Synthetic communes have no
  geography (no code, no neighbours, no map).
* **a province's real units** (``province``) from the reference data shipped with the package
  (:mod:`sim.reference`), in the order of their official codes, each with its code;
* **a table** (``table``: a CSV with name, type, population and optionally code).

With a province or a table, ``only`` keeps a subset by name or code. A unit without a population
figure (66 in the country; an empty cell in a table) is never guessed silently:
``missing_population`` says what to do (``error`` by default; ``drop``, ``zero`` or
``median_of_type``), and whatever was done is returned as a note the manifest records.

Demand is spread over communes in proportion to population (a stated assumption of every
bundled scenario).
"""
from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# The reference data (sim.reference), difflib and statistics are imported by the functions that
# read real communes: a run of synthetic communes needs none of them, and they cost every start-up.
from .limits import FORCE, HARD_MAX_COMMUNES, MAX_POPULATION
from .reading import MAX_TABLE_BYTES, InputFileError, read_text

_PROBS = [0.0, 0.10, 0.25, 0.50, 0.75, 0.90, 1.0]
MISSING_POPULATION = ("error", "drop", "zero", "median_of_type")


@dataclass(frozen=True)
class CommuneInfo:
    index: int
    name: str
    type: str
    population: float
    code: str = ""  # official five-digit code of a real unit; "" for synthetic communes


class CommuneError(ValueError):
    """A problem with the communes a scenario selects, at a key path of the scenario
    (``communes.province``, ``communes.only.2``...), so the loader can locate it."""

    def __init__(self, key_path: str, message: str, got: object = None, more: list["CommuneError"] = ()):
        self.key_path, self.message, self.got = key_path, message, got
        self.problems = [self, *more]  # every problem found, this one first
        super().__init__("\n".join(f"{p.key_path}: {p.message}" for p in self.problems))


@dataclass
class Selection:
    """The communes of a scenario, and the notes on what was assumed to build them."""

    communes: list[CommuneInfo]
    notes: list[str] = field(default_factory=list)
    share_of_source: float = 1.0  # the communes' share of the population of the whole province or table

    @property
    def has_codes(self) -> bool:
        return bool(self.communes) and all(c.code for c in self.communes)


@dataclass(frozen=True)
class _Row:
    name: str
    type: str
    population: float | None
    code: str = ""
    flagged: str = ""  # why the reference data suspects this population ("" if nothing)


def synthetic_populations(spec) -> np.ndarray:
    q = spec.population
    values = [q.min, q.p10, q.p25, q.median, q.p75, q.p90, q.max]
    probs = (np.arange(spec.count) + 0.5) / spec.count
    return np.interp(probs, _PROBS, values)


def build_communes(spec, base_dir: Path | None = None) -> list[CommuneInfo]:
    return select_communes(spec, base_dir).communes


def select_communes(spec, base_dir: Path | None = None, max_rows: int | None = None) -> Selection:
    """The communes ``spec`` (the scenario's ``communes`` section) describes, with notes. A
    table of more than ``max_rows`` rows is refused after reading that many (linear time)."""
    if spec.province is None and spec.table is None:
        return Selection(_synthetic(spec))
    source = "communes.province" if spec.province is not None else "communes.table"
    rows = _province_rows(spec.province) if spec.province is not None else \
        _table_rows(resolve_table(spec.table, base_dir), max_rows)
    notes: list[str] = []
    chosen = _only(rows, spec.only) if spec.only else rows
    chosen = _fill_missing(chosen, rows, spec.missing_population, source, notes)
    imputed = {id(r) for r in chosen} - {id(r) for r in rows}  # rows made by _fill_missing
    flagged = [r for r in chosen if r.flagged and r.population and id(r) not in imputed]
    if flagged:
        largest = ", ".join(f"{r.name} {r.population:,.0f}" for r in sorted(flagged, key=lambda r: -r.population)[:3])
        notes.append(f"{len(flagged)} of the units carry a population the reference data flags as suspect "
                     f"(sim/reference/README.md, column anomaly), used as published; largest: {largest}")
    communes = [CommuneInfo(i, r.name, r.type, float(r.population), r.code) for i, r in enumerate(chosen)]
    if not communes:
        raise CommuneError(source, "no commune is left to simulate")
    population = sum(c.population for c in communes)
    if population <= 0:
        raise CommuneError(source, "no commune has a population; demand cannot be spread")
    share = 1.0
    if spec.only:  # the whole source's population, the missing figures filled as for the subset
        whole = sum(r.population for r in _fill_missing(rows, rows, _quiet(spec.missing_population), source, []))
        share = population / whole
        notes.append(f"communes.only keeps {len(communes)} of {len(rows)} units ({share:.1%} of the population): a "
                     "region total (demand.dossiers_per_working_day) is scaled to that share, so each unit keeps "
                     "the demand it has in the whole")
    return Selection(communes, notes, share)


def _quiet(policy: str) -> str:
    """The policy to total a whole source with: units the subset leaves out never raise."""
    return "drop" if policy == "error" else policy


def _synthetic(spec) -> list[CommuneInfo]:
    populations = synthetic_populations(spec) if spec.population else np.ones(spec.count)
    types = [t for t, n in spec.types.items() for _ in range(n)] or ["commune"] * spec.count
    # Fixed shuffles, so that neither the numbering (which clusters and districts follow)
    # nor the unit type is tied to size by construction.
    rng = np.random.default_rng(spec.count)
    populations = populations[rng.permutation(spec.count)]
    order = rng.permutation(spec.count)
    return [
        CommuneInfo(i, f"{spec.name_prefix} {i + 1:03d}", types[order[i]], float(p))
        for i, p in enumerate(populations)
    ]


def _province_rows(name: str) -> list[_Row]:
    from .. import reference  # real communes only (see the imports)

    try:
        units = reference.units(name)
    except reference.ProvinceNotFound as exc:
        raise CommuneError("communes.province", str(exc).replace(f"no province matches {name!r}; ", "no such province; "),
                           name) from None
    return [_Row(u.name, u.type, u.population, u.code, u.anomaly) for u in units]


def resolve_table(table: str, base_dir: Path | None) -> Path:
    path = Path(table)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path


def _table_rows(path: Path, max_rows: int | None = None) -> list[_Row]:
    """name, type, population (empty = unknown) and, if the table has the column, code.

    Read by the one safe reader (a regular file of at most ``MAX_TABLE_BYTES``: never a pipe
    or a device), in one pass; beyond ``max_rows`` rows it stops."""
    try:
        reader = csv.DictReader(io.StringIO(read_text(path, MAX_TABLE_BYTES), newline=""))
        rows = list(reader if max_rows is None else itertools.islice(reader, max_rows + 1))
    except OSError as exc:
        raise CommuneError("communes.table", f"cannot read the commune table {path}: {exc.strerror or exc}") from None
    except (InputFileError, csv.Error) as exc:
        raise CommuneError("communes.table", f"cannot read the commune table {path}: {exc}") from None
    if max_rows is not None and len(rows) > max_rows:
        extra = f" ({FORCE})" if max_rows < HARD_MAX_COMMUNES else ""
        raise CommuneError("communes.table", f"more than {max_rows:,} communes; the largest number allowed is "
                                             f"{max_rows:,}{extra}", str(path))
    if not rows:
        raise CommuneError("communes.table", f"{path}: the commune table is empty", str(path))
    missing = {"name", "population"} - set(rows[0])
    if missing:
        raise CommuneError("communes.table", f"{path}: missing column(s) {sorted(missing)}; need name, type, population",
                           str(path))
    from .. import reference  # real communes only (see the imports)

    known = {u.code for u in reference.units()}
    out = []
    for i, row in enumerate(rows):
        text = (row.get("population") or "").strip()
        try:
            population = float(text) if text else None
        except ValueError:
            raise CommuneError("communes.table", f"{path}:{i + 2}: population must be a number", text) from None
        if population is not None and (population < 0 or population != population or population == float("inf")):
            raise CommuneError("communes.table", f"{path}:{i + 2}: population must be a finite number >= 0", text)
        if population is not None and population > MAX_POPULATION:
            raise CommuneError("communes.table", f"{path}:{i + 2}: population above {MAX_POPULATION:,.0f}, the largest "
                                                 "allowed for one commune", text[:20])
        code = (row.get("code") or "").strip()
        if code and code not in known:
            raise CommuneError("communes.table", f"{path}:{i + 2}: {code!r} is not the code of a unit "
                               "(five digits, as in sim/reference/units.csv)", code)
        out.append(_Row(row["name"], row.get("type") or "commune", population, code))
    return out


def _only(rows: list[_Row], wanted: list[str]) -> list[_Row]:
    """The rows named in ``communes.only`` (names with or without diacritics, or codes), in
    the source's order; an unknown or ambiguous entry is an error located at its item."""
    import difflib

    from .. import reference  # real communes only (see the imports)

    keep: set[int] = set()
    by_code = {r.code: i for i, r in enumerate(rows) if r.code}
    by_name: dict[str, list[int]] = {}
    by_fold: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_name.setdefault(reference.normalise_name(r.name), []).append(i)
        by_fold.setdefault(reference.fold(r.name), []).append(i)
    problems = []
    for k, entry in enumerate(wanted):
        text = str(entry).strip()
        found = [by_code[text]] if text in by_code else \
            by_name.get(reference.normalise_name(text)) or by_fold.get(reference.fold(text)) or []
        if len(found) > 1:
            options = ", ".join(f"{rows[i].name} ({rows[i].type}, code {rows[i].code or '?'})" for i in found)
            problems.append(CommuneError(f"communes.only.{k}", f"{len(found)} units have this name: {options}; "
                                         "give the code", entry))
        elif not found:
            close = difflib.get_close_matches(reference.fold(text), list(by_fold), n=3, cutoff=0.6)
            names = [rows[by_fold[c][0]].name for c in close]
            hint = f"did you mean {' or '.join(repr(n) for n in names)}?" if names else \
                "give a unit's name or its five-digit code"
            problems.append(CommuneError(f"communes.only.{k}", f"no unit of this name or code here; {hint}", entry))
        keep.update(found)
    if problems:
        raise CommuneError(problems[0].key_path, problems[0].message, problems[0].got, problems[1:])
    return [r for i, r in enumerate(rows) if i in keep]


def _fill_missing(chosen: list[_Row], every: list[_Row], policy: str, source: str, notes: list[str]) -> list[_Row]:
    """Units without a population figure, handled as ``communes.missing_population`` says."""
    missing = [r for r in chosen if r.population is None]
    if not missing:
        return chosen
    listed = ", ".join(f"{r.name}" + (f" ({r.code})" if r.code else "") for r in missing[:5])
    listed += f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    if policy == "error":
        raise CommuneError(source, f"{len(missing)} unit(s) have no population figure: {listed}; set "
                           "communes.missing_population to drop, zero or median_of_type (an assumption the "
                           "manifest records), or leave them out with communes.only")
    if policy == "drop":
        notes.append(f"ASSUMPTION communes.missing_population=drop: {len(missing)} unit(s) without a population "
                     f"figure left out of the region: {listed}")
        return [r for r in chosen if r.population is not None]
    if policy == "zero":
        notes.append(f"ASSUMPTION communes.missing_population=zero: {len(missing)} unit(s) without a population "
                     f"figure get no demand (they keep their staff): {listed}")
        return [_with(r, 0.0) for r in chosen]
    medians = _type_medians(every)
    filled = [_with(r, medians.get(r.type, medians[None])) for r in chosen]
    imputed = ", ".join(f"{r.name} {f.population:,.0f}" for r, f in zip(chosen, filled) if r.population is None)
    notes.append(f"ASSUMPTION communes.missing_population=median_of_type: {len(missing)} unit(s) without a "
                 f"population figure get the median population of the units of their type in the same source "
                 f"(all units if none of their type has one): {imputed}")
    return filled


def _with(row: _Row, population: float) -> _Row:
    return row if row.population is not None else _Row(row.name, row.type, population, row.code, row.flagged)


def _type_medians(rows: list[_Row]) -> dict:
    import statistics  # real communes only (see the imports)

    known = [r for r in rows if r.population is not None]
    out: dict = {None: statistics.median(r.population for r in known) if known else 0.0}
    for kind in {r.type for r in known}:
        out[kind] = statistics.median(r.population for r in known if r.type == kind)
    return out


def demand_weights(communes: list[CommuneInfo]) -> np.ndarray:
    pop = np.array([c.population for c in communes], dtype=float)
    return pop / pop.sum()
