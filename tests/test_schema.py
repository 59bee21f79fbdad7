"""The committed JSON Schema is the one the code generates, and scenario files point to it."""
import json
from conftest import ROOT

from sim.commands.scenarios import scenario_json_schema
from sim.scenario.library import scenario_files
from sim.scenario.schema import Scenario

COMMITTED = ROOT / "scenarios" / "scenario.schema.json"


def test_committed_schema_is_current():
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert committed == scenario_json_schema(Scenario), (
        "scenarios/scenario.schema.json is stale: run `commune-sim schema --out scenarios/scenario.schema.json`")


def test_schema_is_draft07_and_rejects_unknown_keys():
    schema = scenario_json_schema(Scenario)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["additionalProperties"] is False
    assert {"horizon", "demand", "communes", "staff"} <= set(schema["required"])


def test_every_library_scenario_references_the_schema():
    for path in scenario_files():
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("$schema=", 1)[1].strip()).resolve()
        assert target == COMMITTED.resolve(), (path, target)
