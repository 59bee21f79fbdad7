"""Observed daily counts (``demand.observed``): read a CSV file, check every row, locate every problem.

The file is what a province's one-stop-shop system exports, one row per date (and channel,
and commune, when it breaks them down)::

    # lines starting with # are comments
    date,dossiers,channel,commune
    2025-07-01,5123,in_person,Phường Ba Đình
    2025-07-01,812,online,Phường Ba Đình

``date`` (YYYY-MM-DD) and ``dossiers`` (a whole number, at least 0) are required; ``channel``
(a key of ``demand.channels``) and ``commune`` (a commune name) are optional. Without a
channel the day's count is split among channels by their shares and day factors; without a
commune it is spread over communes by their weights (population). Between its first and
last date the file gives the whole demand (a date missing in between had no dossiers);
outside them the scenario's rate applies. The arrivals of the engine follow the counts
(:mod:`sim.engine.demand`).

Every problem is reported at once as ``file:line:column: demand.observed: message (got
VALUE)``: a date outside the horizon, a negative or fractional count, an unknown channel or
commune (with a did-you-mean), a repeated row, a missing or unknown column.
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from ..engine.demand import DemandError, ObservedCounts
from .loading import Position, Problem, ScenarioError

REQUIRED = ("date", "dossiers")
OPTIONAL = ("channel", "commune")
KEY = "demand.observed"
MAX_PROBLEMS = 50


def _did_you_mean(value: str, known: list[str]) -> str:
    import difflib  # did-you-mean hints: imported when a name is unknown, not at every start-up

    close = difflib.get_close_matches(value, known, n=1)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; known: {', '.join(known[:8])}{' ...' if len(known) > 8 else ''}"


def read_observed(path: Path, scenario, commune_names: list[str], where: Position | None = None) -> ObservedCounts:
    """The counts of ``path``, checked against the scenario's horizon, channels and communes."""
    file = str(path)
    here = where or Position(file, None, None)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(here, KEY, "observed counts file not found", file)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(here, KEY, f"cannot read the observed counts: {exc}", file)]) from None
    rows = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")]
    if not rows:
        raise ScenarioError([Problem(Position(file, 1, 1), KEY, "the file has no header row (date,dossiers,...)")])
    reader = _Rows(file, scenario, commune_names)
    reader.header(*rows[0])
    for n, line in rows[1:]:
        reader.row(n, line)
    if reader.problems:
        extra = len(reader.problems) - MAX_PROBLEMS
        problems = reader.problems[:MAX_PROBLEMS]
        if extra > 0:
            problems.append(Problem(Position(file, None, None), KEY, f"and {extra} more problems"))
        raise ScenarioError(problems)
    return reader.counts(scenario.demand.observed_mode == "replay", file)


class _Rows:
    def __init__(self, file: str, scenario, commune_names: list[str]):
        self.file, self.scenario = file, scenario
        self.channels = list(scenario.demand.channels)
        self.communes = {name: i for i, name in enumerate(commune_names)}
        self.start = scenario.horizon.start_date
        self.end = self.start + dt.timedelta(days=scenario.horizon.days - 1)
        self.problems: list[Problem] = []
        self.seen: dict[tuple, int] = {}
        self.lines, self.days, self.dossiers, self.channel, self.commune = [], [], [], [], []
        self.cell_columns: list[dict[str, int]] = []

    def problem(self, line: int, column: int, message: str, got=None) -> None:
        self.problems.append(Problem(Position(self.file, line, column), KEY, message,
                                     *(() if got is None else (got,))))

    @staticmethod
    def _cells(line: str) -> list[tuple[str, int]]:
        """The cells of a line with the (1-based) column where each starts."""
        cells, column = [], 1
        for cell in next(csv.reader([line])):
            cells.append((cell, column))
            column += len(cell) + 1
        return cells

    def header(self, line: int, text: str) -> None:
        cells = self._cells(text)
        self.columns = {name.strip(): i for i, (name, _) in enumerate(cells)}
        for name, column in cells:
            if name.strip() not in REQUIRED + OPTIONAL:
                self.problem(line, column, f"unknown column {name.strip()!r}; the columns are date, dossiers and "
                             "optionally channel and commune", name)
        missing = [c for c in REQUIRED if c not in self.columns]
        if missing:
            self.problem(line, 1, f"the header lacks the column(s) {', '.join(missing)} (date,dossiers[,channel][,commune])", text)
        self.has = {c: c in self.columns for c in OPTIONAL}

    def row(self, line: int, text: str) -> None:
        if any(c not in self.columns for c in REQUIRED):
            return  # the header was reported
        cells = self._cells(text)
        if len(cells) != len(self.columns):
            self.problem(line, 1, f"{len(cells)} cells where the header has {len(self.columns)}", text)
            return
        cell = {name: cells[i] for name, i in self.columns.items()}
        day, count = self._date(line, *cell["date"]), self._count(line, *cell["dossiers"])
        channel = self._name(line, *cell["channel"], "channel", self.channels) if self.has["channel"] else -1
        commune = self._name(line, *cell["commune"], "commune", list(self.communes)) if self.has["commune"] else -1
        if None in (day, count, channel, commune):
            return
        key = (day, channel, commune)
        if key in self.seen:
            self.problem(line, 1, f"the same date{', channel' * self.has['channel']}{', commune' * self.has['commune']}"
                         f" as line {self.seen[key]}", text)
            return
        self.seen[key] = line
        self.lines.append(line)
        self.cell_columns.append({name: column for name, (_, column) in cell.items()})
        self.days.append(day)
        self.dossiers.append(count)
        self.channel.append(channel)
        self.commune.append(commune)

    def _date(self, line: int, text: str, column: int) -> int | None:
        try:
            date = dt.date.fromisoformat(text.strip())
        except ValueError:
            self.problem(line, column, "date must be YYYY-MM-DD", text)
            return None
        if not self.start <= date <= self.end:
            self.problem(line, column, f"date outside the horizon ({self.start} to {self.end}: horizon.start_date and "
                         "horizon.days); shorten the file or lengthen the horizon", text)
            return None
        return (date - self.start).days

    def _count(self, line: int, text: str, column: int) -> int | None:
        value = text.strip()
        if value.lstrip("-").isdigit() and int(value) < 0:
            self.problem(line, column, "dossiers must not be negative", text)
            return None
        if not value.isdigit():
            self.problem(line, column, "dossiers must be a whole number (at least 0)", text)
            return None
        return int(value)

    def _name(self, line: int, text: str, column: int, what: str, known: list[str]) -> int | None:
        name = text.strip()
        if name not in known:
            where = "demand.channels" if what == "channel" else "the scenario's communes"
            self.problem(line, column, f"unknown {what} {name!r} (not in {where}){_did_you_mean(name, known)}", text)
            return None
        return known.index(name) if what == "channel" else self.communes[name]

    def counts(self, replay: bool, source: str) -> ObservedCounts:
        return ObservedCounts(day=np.array(self.days, dtype=np.int64), dossiers=np.array(self.dossiers, dtype=np.int64),
                              channel=np.array(self.channel, dtype=np.int64) if self.has["channel"] else None,
                              commune=np.array(self.commune, dtype=np.int64) if self.has["commune"] else None,
                              replay=replay, source=source, lines=self.lines, cell_columns=self.cell_columns)


def located(error: DemandError, observed: ObservedCounts | None, positions_of) -> ScenarioError:
    """A DemandError of the engine as located problems: rows of the observed file at their
    line, anything else at its scenario key (``positions_of(key_path) -> Position``)."""
    problems = []
    for row, column, key, message, got in error.problems:
        if row is not None and observed is not None:
            text_column = observed.cell_columns[row].get(column, 1)
            problems.append(Problem(Position(observed.source, observed.lines[row], text_column), KEY, message, got))
        else:
            problems.append(Problem(positions_of(key), key, message, got))
    return ScenarioError(problems)
