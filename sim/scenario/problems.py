"""A problem with an input file, located ``file:line:column``, and the error that carries them.

Every reader of the tool's inputs (scenarios, experiments, targets, commune tables, ``--set``
values) reports what is wrong as :class:`Problem` objects, collected into one
:class:`ScenarioError`, whose text is one ``file:line:column: key.path: message (got VALUE)``
line per problem. The command line turns it into exit code 2.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

GOT_CHARS = 80  # a value is echoed up to this many characters


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:  # unpickles as the module-level singleton
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Position:
    file: str
    line: int | None
    column: int | None

    def __str__(self) -> str:
        return ":".join(str(x) for x in (self.file, self.line, self.line and self.column) if x is not None)


@dataclass(frozen=True)
class Problem:
    position: Position | None
    key_path: str
    message: str
    got: object = MISSING

    def __str__(self) -> str:
        parts = [str(self.position)] if self.position else []
        parts += [self.key_path] if self.key_path else []
        text = ": ".join(parts + [self.message])
        return text if self.got is MISSING else f"{text} (got {shorten(self.got)})"


def shorten(value: object, chars: int = GOT_CHARS) -> str:
    """``repr(value)`` cut to ``chars`` characters, without building the whole repr of a huge value."""
    if isinstance(value, dict) and len(value) > chars:
        value = dict(list(value.items())[:chars])
    elif isinstance(value, (list, tuple)) and len(value) > chars:
        value = list(value[:chars])
    elif isinstance(value, str) and len(value) > chars:
        value = value[: chars + 1]
    text = repr(value)
    return text if len(text) <= chars else text[: chars - 3] + "..."


def _sort_key(p: Problem) -> tuple:
    pos = p.position or Position("\uffff", None, None)  # problems without a position go last
    return (pos.file, pos.line or 0, pos.column or 0)


class ScenarioError(Exception):
    """One or more problems with a scenario; ``str()`` gives one problem per line."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = sorted(problems, key=_sort_key)
        super().__init__("\n".join(map(str, self.problems)))

    def __reduce__(self):
        return (ScenarioError, (self.problems,))


@dataclass(frozen=True)
class Issue:
    """A problem found in a validated scenario: its key path, before a position is attached."""

    path: str
    message: str
    got: object = None
