"""The plan file: JSON round trip and schema."""

from __future__ import annotations

import json

import jsonschema

from zorka.mission.schemas import json_schema
from zorka.planning.plan import Plan


def test_round_trip(demo_plan: Plan) -> None:
    text = demo_plan.to_json()
    again = Plan.from_json(text)
    assert again.to_json() == text
    assert again.to_dict() == demo_plan.to_dict()
    assert again.acquisitions == demo_plan.acquisitions
    assert again.downlinks == demo_plan.downlinks


def test_plan_json_matches_its_schema(demo_plan: Plan) -> None:
    jsonschema.validate(json.loads(demo_plan.to_json()), json_schema("plan"))
