"""``commune-sim validate``, ``list`` and ``schema``: the scenario files, checked, listed and described."""
from __future__ import annotations

import json
import sys

from ..errors import UsageError
from .common import report_warnings


def validate_command(args) -> int:
    """Every check `run` makes before it runs, and nothing more: the overload warnings too, each file's
    in its scenario's ``outputs.language`` (validate has no --lang; ``--set outputs.language=vi`` works)."""
    from ..scenario.loading import ScenarioError
    from ..study.api import prepare_scenario

    problems = []
    for file in args.files:
        try:
            prepared = prepare_scenario(file, args.overrides, force_large=args.force_large)
            report_warnings(prepared.overloads, args.strict, prepared.path, prepared.scenario.outputs.language,
                            label=f"{file}: ", notes=prepared.region.notes)
            print(f"{file}: ok")
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return 0


def list_command(args) -> int:
    from ..scenario.library import library

    for name, description in library():
        print(f"{name:<44} {description}")
    return 0


def schema_command(args) -> int:
    from ..scenario.schema import Scenario

    text = json.dumps(scenario_json_schema(Scenario), indent=2, ensure_ascii=False) + "\n"
    if args.out:
        from ..study.files import file_problem, write_text

        problem = file_problem(args.out)
        if problem:
            raise UsageError(problem)
        try:
            write_text(args.out, text)
        except OSError as exc:
            print(f"commune-sim: could not write {args.out}: {exc.strerror or exc}", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return 0


def scenario_json_schema(model) -> dict:
    schema = model.model_json_schema(by_alias=True)
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["title"] = "commune-sim scenario"
    return schema
