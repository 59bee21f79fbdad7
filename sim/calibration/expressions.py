"""Expressions of a targets file: arithmetic over a replication's result figures.

A target's ``simulated`` text, e.g. ``by_channel.directive.dossiers_completed /
by_channel.directive.dossiers_arrived``, is parsed once (only + - * /, numbers and dotted
result paths; bounded length and depth) and computed per replication from the figures the
cache keeps (:func:`extract`). A dated checkpoint reads every path at the end of one day of
the horizon from the replication's ``by_day`` series instead (``region.dossiers_arrived`` at
day 12 is ``by_day.region.dossiers_arrived.12``): only the figures kept by date can be read so.
"""
from __future__ import annotations

import ast
import math

SECTIONS = ("region", "by_channel", "by_field", "pools", "littles_law")
#: Figures that have a value at every date (a replication's ``by_day`` series), by section.
DATED_SECTIONS = ("region", "by_channel", "by_field")
DATED_FIGURES = ("dossiers_arrived", "dossiers_completed", "dossiers_in_process", "on_time_share", "early_share")


class Expression:
    """An arithmetic expression (+ - * / and parentheses) over dotted result paths; with
    ``day``, every path is read at the end of that day of the horizon (0 = the first) from the
    replication's ``by_day`` series."""

    def __init__(self, text: str, day: int | None = None):
        self.text, self.day = text, day
        self.tree = parse_expression(text)
        if day is None:
            self.rename = {}
            self.paths = sorted({p for p in _paths(self.tree)})
        else:
            self.rename = {p: f"by_day.{p}.{day}" for p in dated_paths(self.tree)}
            self.paths = sorted(self.rename.values())

    def __call__(self, figures: dict[str, float]) -> float:
        return _eval(self.tree, figures, self.rename)


def dated_paths(tree: ast.AST) -> list[str]:
    """The paths of an expression read at a date; each must have a value at every date."""
    paths = sorted(set(_paths(tree)))
    for path in paths:
        parts = path.split(".")
        figure_ok = parts[-1] in DATED_FIGURES
        shape_ok = (parts[0] == "region" and len(parts) == 2) or (parts[0] in DATED_SECTIONS[1:] and len(parts) == 3)
        if not (figure_ok and shape_ok):
            raise ValueError(f"{path!r} has no value by date; at a date only {', '.join(DATED_FIGURES)} of region, "
                             f"by_channel.<channel> or by_field.<field> can be read")
    return paths


MAX_EXPRESSION_CHARS = 500  # the longest expression in calibration/targets.yaml has 133
MAX_EXPRESSION_DEPTH = 20   # levels of the expression tree; the deepest there has 6


def parse_expression(text: str) -> ast.AST:
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ValueError(f"expression of {len(text):,} characters; the longest allowed is {MAX_EXPRESSION_CHARS}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ValueError(f"cannot parse expression {text[:60]!r}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ValueError(f"expression nested too deeply; the deepest allowed is {MAX_EXPRESSION_DEPTH} levels") from None
    depth = _depth(tree)
    if depth > MAX_EXPRESSION_DEPTH:
        raise ValueError(f"expression nested {depth} levels deep; the deepest allowed is {MAX_EXPRESSION_DEPTH}")
    list(_paths(tree))  # raises on anything but arithmetic over dotted names
    return tree


def _depth(tree: ast.AST) -> int:
    """Nesting depth of an expression tree, counted without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "figure"
            and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        return node.args[0].value  # figure("by_channel.in-person.dossiers_arrived") for unusual names
    return None


def _paths(node: ast.AST):
    path = _dotted(node)
    if path is not None:
        if path.split(".")[0] not in SECTIONS or "." not in path:
            raise ValueError(f"{path!r} is not a result figure; paths start with one of {', '.join(SECTIONS)}")
        yield path
    elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        yield from _paths(node.left)
        yield from _paths(node.right)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        yield from _paths(node.operand)
    elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return
    else:
        raise ValueError(f"only + - * / numbers and result paths are allowed, not {ast.unparse(node)!r}")


def _eval(node: ast.AST, figures: dict[str, float], rename: dict[str, str]) -> float:
    path = _dotted(node)
    if path is not None:
        value = figures.get(rename.get(path, path))
        return math.nan if value is None else float(value)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, figures, rename)
        return -value if isinstance(node.op, ast.USub) else value
    left, right = _eval(node.left, figures, rename), _eval(node.right, figures, rename)
    if isinstance(node.op, ast.Add):
        return left + right
    if isinstance(node.op, ast.Sub):
        return left - right
    if isinstance(node.op, ast.Mult):
        return left * right
    return left / right if right != 0 else math.nan


def extract(result: dict, paths: list[str]) -> dict[str, float | None]:
    """The values at dotted ``paths`` of one replication's result (None if absent or NaN)."""
    out: dict[str, float | None] = {}
    for path in paths:
        node = _walk(result, path)
        ok = isinstance(node, (int, float)) and not isinstance(node, bool) and math.isfinite(node)
        out[path] = float(node) if ok else None
    return out


def _walk(result: dict, path: str):
    """The value at a dotted path (a number part indexes a list: ``by_day.region.dossiers_arrived.12``);
    KeyError if there is none."""
    node = result
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part, KeyError)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return KeyError
    return node


def missing_paths(result: dict, paths: list[str]) -> list[str]:
    """Paths that name nothing numeric in a result (checked on a one-day run before a fit;
    a dated path is checked on its first day, the probe having no other)."""
    missing = []
    for path in paths:
        parts = path.split(".")
        if parts[0] == "by_day" and parts[-1].isdigit():
            path_checked = ".".join(parts[:-1] + ["0"])
        else:
            path_checked = path
        node = _walk(result, path_checked)
        if node is KeyError or isinstance(node, (dict, list, str)):
            missing.append(path)
    return missing
