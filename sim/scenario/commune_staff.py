"""Staff of named communes, as data: ``staff.table`` (a CSV file) and ``staff.by_commune``.

A planner's recommendation is a staff number per commune and pool, not one number for every
commune. Two ways to say it in a scenario::

    staff:
      per_commune: {counter: 4, back_office: 8, leader: 2}
      table: staff.csv                     # columns commune, pool, staff
      by_commune:
        "Phường Hoàn Kiếm": {counter: 6}   # a commune by name ...
        17: {back_office: 12}              # ... or by 0-based index (the row order of communes.csv)

Precedence, from the least to the most specific: ``per_commune`` → the allocation policy
(for its pools) → ``table`` → ``by_commune``. A commune or pool not listed keeps what comes
before. In ``by_commune`` a commune named twice (by name and by index, e.g. through
``extends``) takes the later entry, which is the extending file's.

Commune names are matched exactly after Unicode NFC normalisation (Vietnamese text typed on
different keyboards composes diacritics differently). Every problem is collected with where
it is: a CSV row as ``file:line``, a YAML key through the loader's positions.
"""
from __future__ import annotations

import csv
import unicodedata
from pathlib import Path
from typing import Callable

from .loading import Position, Problem

COLUMNS = ("commune", "pool", "staff")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


class CommuneIndex:
    """Find a commune by name or 0-based index, with a did-you-mean for names."""

    def __init__(self, communes):
        self.count = len(communes)
        self.names = [_nfc(c.name) for c in communes]
        self.by_name: dict[str, list[int]] = {}
        for i, name in enumerate(self.names):
            self.by_name.setdefault(name, []).append(i)

    def find(self, key) -> tuple[int | None, str | None]:
        """(index, None) or (None, why not)."""
        if isinstance(key, bool):
            return None, "a commune is a name or a 0-based index"
        if isinstance(key, int):
            if 0 <= key < self.count:
                return key, None
            return None, f"no commune with index {key} (indexes 0..{self.count - 1})"
        text = _nfc(str(key))
        found = self.by_name.get(text, [])
        if len(found) == 1:
            return found[0], None
        if len(found) > 1:
            return None, f"{len(found)} communes are named {text!r} (indexes {found}); use the index"
        if text.isdigit():
            return self.find(int(text))
        import difflib  # did-you-mean hints: imported when a name is unknown, not at every start-up

        close = difflib.get_close_matches(text, self.by_name, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return None, f"unknown commune {text!r}{hint}"


def _pool_problem(pool: str, pools) -> str | None:
    if pool in pools:
        return None
    import difflib  # did-you-mean hints: imported when a name is unknown, not at every start-up

    close = difflib.get_close_matches(pool, list(pools), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f" (pools: {', '.join(sorted(pools))})"
    return f"unknown pool {pool!r}{hint}"


def read_table(path: Path, pools, communes: CommuneIndex) -> tuple[dict[int, dict[str, int]], list[Problem]]:
    """The rows of a staff table, every problem located as ``file:line``."""
    file = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        return {}, [Problem(Position(file, None, None), "staff.table", f"cannot read the staff table: {exc.strerror or exc}")]
    except UnicodeDecodeError as exc:
        return {}, [Problem(Position(file, None, None), "staff.table", f"the staff table is not UTF-8 text: {exc}")]
    if not rows:
        return {}, [Problem(Position(file, 1, None), "staff.table", "the staff table is empty; expected columns commune, pool, staff")]
    header = [_nfc(h).lower() for h in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return {}, [Problem(Position(file, 1, None), "staff.table", f"missing column(s) {missing}; need commune, pool, staff",
                            rows[0])]
    at = {c: header.index(c) for c in COLUMNS}
    staff: dict[int, dict[str, int]] = {}
    first_line: dict[tuple[int, str], int] = {}
    problems = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {c: (row[i].strip() if i < len(row) else "") for c, i in at.items()}
        where = Position(file, line, None)
        index, why = communes.find(cells["commune"])
        bad_pool = _pool_problem(cells["pool"], pools)
        count, bad_count = _staff_number(cells["staff"])
        for message, got in ((why, cells["commune"]), (bad_pool, cells["pool"]), (bad_count, cells["staff"])):
            if message:
                problems.append(Problem(where, "staff.table", message, got))
        if why or bad_pool or bad_count:
            continue
        key = (index, cells["pool"])
        if key in first_line:
            problems.append(Problem(where, "staff.table", f"commune {communes.names[index]!r}, pool {cells['pool']!r} "
                                                          f"is listed twice (first at line {first_line[key]})"))
            continue
        first_line[key] = line
        staff.setdefault(index, {})[cells["pool"]] = count
    return staff, problems


def _staff_number(text: str) -> tuple[int, str | None]:
    try:
        value = float(text)
    except ValueError:
        return 0, "staff must be a whole number"
    if value != value or value in (float("inf"), float("-inf")):
        return 0, "staff must be a finite whole number"
    if value < 0:
        return 0, "staff must not be negative"
    if value != int(value):
        return 0, "staff must be a whole number (staff are people, not fractions)"
    return int(value), None


def resolve(staff_spec, communes, table_path: Path | None,
            locate: Callable[[tuple], Position | None] = lambda key: None) -> tuple[dict[int, dict[str, int]], list[Problem]]:
    """Commune index -> {pool: staff} from ``staff.table`` then ``staff.by_commune`` (which wins);
    and every problem found. ``locate(key)`` gives the position of a YAML key (a tuple path)."""
    pools = staff_spec.per_commune
    index = CommuneIndex(communes)
    staff: dict[int, dict[str, int]] = {}
    problems: list[Problem] = []
    if staff_spec.table is not None and table_path is not None:
        staff, problems = read_table(table_path, pools, index)
    for key, counts in staff_spec.by_commune.items():
        path = f"staff.by_commune.{key}"
        i, why = index.find(key)
        if why:
            problems.append(Problem(locate(("staff", "by_commune", key)), path, why, key))
            continue
        for pool, n in counts.items():
            bad = _pool_problem(pool, pools)
            if bad:
                problems.append(Problem(locate(("staff", "by_commune", key, pool)), f"{path}.{pool}", bad, pool))
                continue
            staff.setdefault(i, {})[pool] = n
    return staff, problems


def apply(staff: dict[str, list[int]], by_commune: dict[int, dict[str, int]]) -> dict[str, list[int]]:
    """``staff`` (pool -> staff per commune) with the listed communes' numbers put in."""
    out = {pool: list(counts) for pool, counts in staff.items()}
    for i, counts in by_commune.items():
        for pool, n in counts.items():
            out[pool][i] = n
    return out


def table_path(staff_spec, base_dir: Path | None) -> Path | None:
    if staff_spec.table is None:
        return None
    path = Path(staff_spec.table)
    return path if path.is_absolute() or base_dir is None else base_dir / path

