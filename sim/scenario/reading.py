"""Reading the tool's input files safely: one way in for every file, with limits.

Every input file (scenario, experiment, targets, commune table) is read by :func:`read_text`:
it must be a regular file — a named pipe would block the reader, ``/dev/zero`` never ends, a
folder is not a file — and no larger than its limit, checked before and while reading, so a
hostile path costs a ``stat`` and never a hang.

Every YAML text (those files, and each ``--set`` value) is parsed by :class:`ScenarioLoader`:
safe YAML (tags that construct objects are refused), duplicate keys refused, the position of
every key and list item kept, and bounded in size: nesting depth and node count are checked
while the document is composed, and the number of values it holds once its aliases are
expanded (a "billion laughs" document multiplies nine-fold per level) is computed on the
composed graph, without expanding anything, before a single value is built.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from .problems import MISSING, Position, Problem, ScenarioError

MAX_YAML_BYTES = 1 << 20     # 1 MiB; the largest file of the scenario library is about 10 KB
MAX_TABLE_BYTES = 64 << 20   # 64 MiB of CSV; the 3,321 units of the country take about 200 KB
MAX_YAML_DEPTH = 64          # nesting levels (aliases included); scenarios use fewer than 10
MAX_YAML_VALUES = 100_000    # values once aliases are expanded; a scenario holds about 1,000

_Y = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_Y + t for t in ("null", "bool", "int", "float", "str", "timestamp")}


class InputFileError(ValueError):
    """A file that cannot be read as an input (not a regular file, too large, not UTF-8)."""


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a regular file; save what it carries to a file first"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device (like /dev/zero), not a regular file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a regular file"
    return "not a regular file"


def _size(n: int) -> str:
    return f"{n:,} bytes" + (f" ({n / (1 << 20):.3g} MiB)" if n >= 1 << 20 else "")


def read_bytes(path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; InputFileError otherwise.

    FileNotFoundError and PermissionError pass through. The file is opened non-blocking
    after a ``stat`` says it is a regular file, so a path swapped for a pipe in between
    cannot block either; reading stops at ``max_bytes + 1`` whatever the file claims.
    """
    kind = _kind(os.stat(path).st_mode)
    if kind:
        raise InputFileError(f"is {kind}")
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        kind = _kind(info.st_mode)
        if kind:
            raise InputFileError(f"is {kind}")
        if info.st_size > max_bytes:
            raise InputFileError(f"file too large: {_size(info.st_size)}; the largest allowed is {_size(max_bytes)}")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:  # the file grew while we read it
                raise InputFileError(f"file too large: more than {_size(max_bytes)}, the largest allowed")
    finally:
        os.close(fd)


def read_text(path, max_bytes: int) -> str:
    """A regular UTF-8 text file of at most ``max_bytes`` (see :func:`read_bytes`)."""
    data = read_bytes(path, max_bytes)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start}); "
                             "is this the right file?") from None


def file_problem(path, exc: BaseException) -> Problem:
    """The problem to report for a file that could not be read."""
    here = Position(str(path), None, None)
    if isinstance(exc, FileNotFoundError):
        return Problem(here, "", "file not found")
    if isinstance(exc, InputFileError):
        return Problem(here, "", str(exc))
    if isinstance(exc, PermissionError):
        return Problem(here, "", "cannot read file: permission denied")
    if isinstance(exc, OSError):
        return Problem(here, "", f"cannot read file: {exc.strerror or exc}")
    return Problem(here, "", f"cannot read file: {exc}")


# ---------------------------------------------------------------------- YAML
class _Limit(Exception):
    def __init__(self, mark, message: str):
        super().__init__(message)
        self.mark, self.message = mark, message


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def expanded_size(root) -> tuple[int, int, Any]:
    """(values, depth, node) of a composed document once its aliases are expanded.

    Computed on the composed graph, where an alias is a second reference to its anchor's
    node, each node once (memoised), iteratively (a chain of aliases can nest deeper than
    Python's recursion). Stops early at the first node over a limit and returns it; a node
    that contains itself (a recursive alias, reported when the document is built) counts 0.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            children = _children(node)
            size[key] = 1 + sum(size.get(id(c), 0) for c in children)
            depth[key] = 1 + max((depth.get(id(c), 0) for c in children), default=0)
            on_path.discard(key)
            if size[key] > MAX_YAML_VALUES or depth[key] > MAX_YAML_DEPTH:
                return size[key], depth[key], node
            continue
        if key in size or key in on_path:
            continue
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in size and id(c) not in on_path)
    return size.get(id(root), 0), depth.get(id(root), 0), root


class ScenarioLoader(yaml.SafeLoader):
    """SafeLoader that builds plain data from the composed node tree itself, recording the
    position of every key and list item and collecting problems instead of stopping at the first."""

    def __init__(self, stream: str, file: str):
        self._too_long = len(stream) > MAX_YAML_BYTES
        super().__init__("" if self._too_long else stream)
        self.file = file
        self.positions: dict[tuple, Position] = {}
        self.value_positions: dict[tuple, Position] = {}
        self.problems: list[Problem] = []
        self._active: set = set()   # nodes being built (guards against recursive aliases)
        self._checked: set = set()  # mapping nodes already duplicate-checked and flattened
        self._depth = 0
        self._nodes = 0

    def pos(self, node_or_mark) -> Position:
        mark = getattr(node_or_mark, "start_mark", node_or_mark)
        return Position(self.file, mark.line + 1, mark.column + 1)

    def compose_node(self, parent, index):
        """Count nodes and nesting while composing, so a deep or huge document stops early."""
        self._depth += 1
        self._nodes += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _Limit(self.peek_event().start_mark,
                             f"nested more than {MAX_YAML_DEPTH} levels deep; the largest depth allowed is {MAX_YAML_DEPTH}")
            if self._nodes > MAX_YAML_VALUES:
                raise _Limit(self.peek_event().start_mark,
                             f"more than {MAX_YAML_VALUES:,} values; the largest number allowed is {MAX_YAML_VALUES:,}")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def parse(self) -> Any:
        """Compose and build the single document (None if empty); raise ScenarioError on problems."""
        if self._too_long:
            raise ScenarioError([Problem(Position(self.file, None, None), "",
                                         f"text too long: more than {_size(MAX_YAML_BYTES)}, the largest allowed")])
        try:
            node = self.get_single_node()
        except _Limit as exc:
            raise ScenarioError([Problem(self.pos(exc.mark), "", exc.message)]) from None
        except yaml.MarkedYAMLError as exc:
            raise ScenarioError([self._syntax_problem(exc)]) from None
        except yaml.YAMLError as exc:
            raise ScenarioError([Problem(Position(self.file, None, None), "", f"invalid YAML: {exc}")]) from None
        finally:
            self.dispose()
        if node is None:
            return None
        values, depth, where = expanded_size(node)
        if values > MAX_YAML_VALUES:
            raise ScenarioError([Problem(self.pos(where), "", f"too many values: with its aliases (*name) expanded, this "
                                         f"value alone holds {values:,}; the largest number allowed in a file is "
                                         f"{MAX_YAML_VALUES:,}")])
        if depth > MAX_YAML_DEPTH:
            raise ScenarioError([Problem(self.pos(where), "", f"nested {depth} levels deep once its aliases (*name) "
                                         f"are expanded; the largest depth allowed is {MAX_YAML_DEPTH}")])
        value = self.build(node, ())
        self.positions[()] = self.pos(node)
        if self.problems:
            raise ScenarioError(self.problems)
        return value

    def _syntax_problem(self, exc: yaml.MarkedYAMLError) -> Problem:
        mark = exc.problem_mark or exc.context_mark
        msg = exc.problem or exc.context or "syntax error"
        if exc.context and exc.problem and exc.problem.startswith("but "):
            msg = f"{exc.context}, {exc.problem}"
        elif exc.context and exc.problem:
            where = f" at line {exc.context_mark.line + 1}" if exc.context_mark else ""
            msg += f" ({exc.context}{where})"
        pos = self.pos(mark) if mark else Position(self.file, None, None)
        return Problem(pos, "", f"invalid YAML: {msg}")

    def problem(self, node, path, message: str, got: object = MISSING) -> None:
        self.problems.append(Problem(self.pos(node), ".".join(map(str, path)), message, got))

    def refuse(self, node, path) -> None:
        tag = "!!" + node.tag[len(_Y):] if node.tag.startswith(_Y) else node.tag
        if node.tag.startswith(_Y + "python/"):
            msg = f"YAML tag '{tag}' is refused: tags that construct Python objects are not allowed"
        else:
            msg = (f"unsupported YAML tag '{tag}': only mappings, lists, strings, numbers, "
                   "booleans, null and dates are allowed")
        self.problem(node, path, msg)

    def scalar(self, node, path) -> tuple[bool, Any]:
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, path, "mapping keys must be plain strings or numbers")
            return False, None
        if node.tag not in _SCALAR_TAGS:
            self.refuse(node, path)
            return False, None
        try:
            return True, self.construct_object(node)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            self.problem(node, path, f"invalid value: {exc}", node.value)
            return False, None

    def build(self, node, path: tuple) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)[1]
        if node in self._active:
            self.problem(node, path, "recursive YAML alias (a value that contains itself)")
            return None
        if node.tag != _Y + ("seq" if isinstance(node, yaml.SequenceNode) else "map"):
            return self.refuse(node, path)
        self._active.add(node)
        try:
            if isinstance(node, yaml.SequenceNode):
                for i, item in enumerate(node.value):
                    self.positions[path + (i,)] = self.pos(item)
                return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
            return self.build_mapping(node, path)
        finally:
            self._active.discard(node)

    def build_mapping(self, node, path: tuple) -> dict:
        if node not in self._checked:  # duplicates among this mapping's own keys, before `<<` merging
            first: dict = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                    continue  # merge keys are handled below; bad keys are reported below
                try:
                    key = self.construct_object(key_node)
                except (ValueError, OverflowError, yaml.YAMLError):
                    continue
                if key in first:
                    self.problem(key_node, path + (key,), f"duplicate key {key!r} (first at line {first[key]})")
                else:
                    first[key] = key_node.start_mark.line + 1
            try:
                self.flatten_mapping(node)
            except yaml.YAMLError as exc:
                self.problem(node, path, f"invalid merge ('<<'): {getattr(exc, 'problem', exc)}")
                return {}
            self._checked.add(node)
        out: dict = {}
        for key_node, value_node in node.value:
            ok, key = self.scalar(key_node, path)
            if not ok:
                continue
            self.positions[path + (key,)] = self.pos(key_node)
            self.value_positions[path + (key,)] = self.pos(value_node)
            out[key] = self.build(value_node, path + (key,))
        return out


def read_mapping(path) -> tuple[dict, dict[tuple, Position], dict[tuple, Position]]:
    """Read one YAML file that must hold a mapping: (data, key positions, value positions)."""
    file = str(path)
    here = Position(file, None, None)
    try:
        text = read_text(path, MAX_YAML_BYTES)
    except (OSError, InputFileError) as exc:
        raise ScenarioError([file_problem(path, exc)]) from None
    loader = ScenarioLoader(text, file)
    data = loader.parse()
    if not isinstance(data, dict):
        if data is None:
            raise ScenarioError([Problem(here, "", "file is empty; expected a mapping of keys")])
        kind = "a list" if isinstance(data, list) else f"a single {type(data).__name__} value"
        # Only the first characters: the file may be something else entirely (and private).
        raise ScenarioError([Problem(loader.positions.get((), here), "",
                                     f"top level must be a mapping of keys, not {kind}",
                                     _first_characters(data))])
    return data, loader.positions, loader.value_positions


def _first_characters(data: Any, chars: int = 24) -> Any:
    """``data`` itself if short, else the first ``chars`` characters of it (as text)."""
    if isinstance(data, str):
        return data if len(data) <= chars else data[:chars] + "…"
    text = repr(data)
    return data if len(text) <= chars else text[:chars] + "…"


def read_yaml(path) -> tuple[dict, dict[tuple, Position]]:
    """Safely read one YAML file that must contain a mapping; return (data, positions)."""
    data, positions, _ = read_mapping(path)
    return data, positions


def is_regular_file(path: Path) -> bool:
    """True for a regular file (following symlinks); False for anything else or nothing."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
