"""The mission database format: the embedded BKA database, round trips, schema, errors."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from zorka.control.mdb import (
    MdbError,
    default_mdb,
    dump_mdb,
    list_default_mdbs,
    mdb_json_schema,
    parse_mdb,
)
from zorka.mission.schemas import json_schema


def test_bka_database_loads_and_says_it_is_synthetic() -> None:
    assert "bka" in list_default_mdbs()
    mdb = default_mdb("bka")
    assert "Synthetic" in (mdb.description or "")
    kinds = {mdb.parameter_type(p.name).kind for p in mdb.parameters}
    assert kinds == {"integer", "float", "enumerated", "boolean", "string"}
    names = {c.name for c in mdb.containers}
    assert {"hk_power", "hk_thermal", "hk_attitude", "hk_memory", "hk_payload", "hk_link"} <= names
    commands = {c.name for c in mdb.commands}
    assert {"SLEW", "IMAGING_ON", "IMAGING_OFF", "DOWNLINK_ON", "DOWNLINK_OFF"} <= commands
    assert mdb.command("SLEW").time_taggable
    assert [c.name for c in mdb.command_chain("SLEW")] == ["PUS_TC", "BKA_FUNCTION", "SLEW"]


def test_round_trip_through_yaml() -> None:
    mdb = default_mdb()
    again = parse_mdb(yaml.safe_load(dump_mdb(mdb)))
    assert again == mdb


def test_json_schema_accepts_the_embedded_database() -> None:
    schema = mdb_json_schema()
    mdb = default_mdb()
    jsonschema.validate(yaml.safe_load(dump_mdb(mdb)), schema)
    assert json_schema("mdb")["title"] == "zorka mission database"


def _minimal() -> dict[str, object]:
    return {
        "name": "T",
        "parameters": [
            {"name": "A", "type": {"kind": "integer", "encoding": {"kind": "unsigned", "bits": 8}}},
            {
                "name": "MODE",
                "type": {
                    "kind": "enumerated",
                    "encoding": {"kind": "unsigned", "bits": 8},
                    "enumeration": {"OFF": 0, "ON": 1},
                },
            },
        ],
        "containers": [
            {"name": "root", "entries": ["MODE"]},
            {
                "name": "child",
                "base": "root",
                "restriction": [{"parameter": "MODE", "value": "ON"}],
            },
        ],
    }


def test_errors_name_their_path() -> None:
    data = _minimal()
    data["containers"][1]["restriction"][0]["value"] = "MAYBE"  # type: ignore[index]
    data["containers"][0]["entries"].append("NOPE")  # type: ignore[index]
    data["parameters"][0]["type"]["encoding"]["bits"] = 65  # type: ignore[index]
    with pytest.raises(MdbError) as info:
        parse_mdb(data)
    text = str(info.value)
    assert "parameters[0].type.encoding" in text and "1 and 64" in text
    data["parameters"][0]["type"]["encoding"]["bits"] = 8  # type: ignore[index]
    with pytest.raises(MdbError) as info:
        parse_mdb(data)
    paths = {issue.path for issue in info.value.issues}
    assert paths == {"containers[0].entries[1]", "containers[1].restriction[0].value"}


def test_unknown_keys_and_cycles_are_errors() -> None:
    data = _minimal()
    data["containers"][0]["base"] = "child"  # type: ignore[index]
    data["parameters"][0]["colour"] = "red"  # type: ignore[index]
    with pytest.raises(MdbError) as info:
        parse_mdb(data)
    assert any("unknown key 'colour'" in str(i) for i in info.value.issues)
    data["parameters"][0].pop("colour")  # type: ignore[union-attr]
    with pytest.raises(MdbError, match="cycle"):
        parse_mdb(data)


def test_onboard_time_round_trips_and_names_real_parameters() -> None:
    data = yaml.safe_load(dump_mdb(default_mdb()))
    data["onboard_time"] = {"coarse": "OBT_COARSE", "fine": "OBT_FINE", "epoch": "2024-01-01"}
    mdb = parse_mdb(data)
    assert mdb.onboard_time is not None and mdb.onboard_time.rate == 1.0
    assert parse_mdb(yaml.safe_load(dump_mdb(mdb))) == mdb
    data["onboard_time"]["fine"] = "OBT_FRACTION"
    with pytest.raises(MdbError, match=r"onboard_time\.fine: no parameter named 'OBT_FRACTION'"):
        parse_mdb(data)
