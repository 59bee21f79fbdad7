"""One description of a dossier: what is drawn for it, what it carries, what the log keeps.

A dossier's work is drawn when its block of arrivals is drawn (:mod:`sim.engine.arrivals`):
one numpy column per attribute in :data:`WORK`, handed to the simulation as row tuples in
the same order. The :class:`Dossier` object carries the same attributes (its slots are
:data:`WORK` followed by :data:`STATE`, what the simulation writes on it as it moves), and
:data:`LOG` says what a row of the dossier log holds (``dossiers.parquet``: names, Parquet
types, meanings). Everything else derives from these three tables: the block's columns,
the row order, the Dossier slots, the log row and its Parquet schema.

To give a dossier a new attribute: add a :class:`Column` to :data:`WORK` (with
``on_return="redrawn"`` if a citizen coming back after supplementation gets a fresh value),
draw its column in :meth:`CommuneArrivals._dossier_work
<sim.engine.arrivals.CommuneArrivals._dossier_work>` (and its fresh value in
``CommuneArrivals.redraw``), and a :class:`LogColumn` if the log should keep it. Tests
(``tests/test_arrivals.py``) fail when a declared column is not drawn or not redrawn.

Rows are plain tuples and the dossier is filled by one generated assignment (the way
:mod:`dataclasses` writes ``__init__``): this runs once per dossier, so it must cost no
more than writing the attributes out by hand.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Column:
    """One attribute drawn for every dossier."""

    name: str  # attribute of Dossier, column of a block
    dtype: str  # numpy dtype of the block column
    meaning: str
    on_return: str = "kept"  # "kept" or "redrawn" when the citizen comes back after supplementation


#: What a new dossier carries, drawn a block at a time; a block row holds them in this order.
WORK = (
    Column("arrival", "float64", "instant of filing, minutes since 00:00 of the first day"),
    Column("channel", "int64", "index of the filing channel in demand.channels"),
    Column("field", "int64", "index of the procedure field in demand.fields"),
    Column("intake_minutes", "float64", "working minutes of intake at the counter (0 without intake)", "redrawn"),
    Column("back_office_minutes", "float64", "working minutes of back-office work (0 without)", "redrawn"),
    Column("sign_off_minutes", "float64", "working minutes of leader sign-off (0 without)", "redrawn"),
    Column("supplement", "bool", "returned to the citizen for supplementation after back office", "redrawn"),
    Column("province", "bool", "forwarded to the province after back office (never with supplement)", "redrawn"),
    Column("delay_days", "float64", "working days with the citizen (supplement) or at the province", "redrawn"),
    Column("lead_days", "float64", "working days waiting on others before back-office work", "redrawn"),
    Column("wait_days", "float64", "working days waiting on other agencies after back-office work", "redrawn"),
    Column("deadline_days", "int64", "statutory deadline in working days (the field's, or drawn from its mix)"),
    Column("deadline", "float64", "statutory deadline instant, from the (last) filing", "redrawn"),
    Column("release_at", "float64", "held for the appointment: the instant the result may be handed back "
           "(opening of the deadline day); -1: handed back on completion", "redrawn"),
    Column("key", "int64", "statistics slot: (commune x channels + channel) x fields + field"),
)

#: What the simulation writes on a dossier as it moves (not drawn).
STATE = (
    "commune",  # where it is handled (the router may move it from its home)
    "home",  # the commune it was filed at
    "counted",  # arrived after the warm-up: its figures count
    "first_wait",  # working minutes before its first service (-1 until served)
    "returns",  # times returned for supplementation
    "done_at",  # held for its appointment: when its work was done (-1 until then)
    "minutes", "then", "enqueued_w", "end_w",  # the service it is in (sim.engine.pools)
)

NAMES = tuple(c.name for c in WORK)
ARRIVAL, KEY = NAMES.index("arrival"), NAMES.index("key")
REDRAWN = tuple(c.name for c in WORK if c.on_return == "redrawn")
DTYPES = {c.name: np.dtype(c.dtype) for c in WORK}
assert ARRIVAL == 0, "rows are scheduled by their first value: the arrival instant"


class Dossier:
    """One administrative dossier (hồ sơ) on its way through a commune."""

    __slots__ = NAMES + STATE


@dataclass(frozen=True)
class LogColumn:
    """One column of the dossier log: how to read it off a finished (or unfinished) dossier."""

    name: str
    parquet_type: str  # a pyarrow type constructor: int16, int32, float64, bool_
    value: str  # Python expression of ``d`` (the dossier), ``finish`` (minute, NaN if in process), ``on_time``
    meaning: str


#: The dossier log (``outputs.dossier_log``): one row per dossier and replication.
LOG = (
    LogColumn("home_commune", "int32", "d.home.info.index", "commune where the dossier was filed"),
    LogColumn("intake_commune", "int32", "d.commune.info.index", "commune that handled it (routing may move it)"),
    LogColumn("channel", "int16", "d.channel", "index of the channel in demand.channels"),
    LogColumn("field", "int16", "d.field", "index of the field in demand.fields"),
    LogColumn("arrival_minute", "float64", "d.arrival", "first filing, minutes since 00:00 of the first day"),
    LogColumn("first_wait_working_minutes", "float64", "d.first_wait",
              "working minutes before the first service (-1 if never served)"),
    LogColumn("finish_minute", "float64", "finish", "completion, minutes (empty while in process at the end)"),
    LogColumn("deadline_minute", "float64", "d.deadline", "statutory deadline, minutes (from the last filing)"),
    LogColumn("on_time", "bool_", "on_time", "completed by the deadline"),
    LogColumn("supplementation_returns", "int16", "d.returns", "times returned to the citizen for supplementation"),
    LogColumn("deadline_working_days", "int16", "d.deadline_days", "statutory deadline in working days"),
    LogColumn("work_done_minute", "float64", "d.done_at if d.done_at >= 0 else finish",
              "when its work was done: earlier than finish_minute if the result waited for the appointment date"),
)
LOG_NAMES = tuple(c.name for c in LOG)


def _compile(source: str, name: str):
    namespace: dict = {}
    exec(source, namespace)  # noqa: S102 - generated from the tables above, not from input
    return namespace[name]


#: ``fill(d, row)``: set the WORK attributes of ``d`` from a block row (one tuple assignment).
fill = _compile(f"def fill(d, row):\n    ({', '.join('d.' + n for n in NAMES)},) = row\n", "fill")

#: ``log_row(d, finish, on_time)``: the LOG tuple of a dossier.
log_row = _compile(f"def log_row(d, finish, on_time):\n    return ({', '.join(c.value for c in LOG)},)\n", "log_row")
