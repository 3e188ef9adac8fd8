"""Declared input (ledfxsite.schema): every problem named with its path, both sides of each
bound, defaults, extras, and the JSON schema /api/schema shows."""

import pytest

from ledfxsite.schema import Field, Invalid, Schema


def problems(schema, data):
    with pytest.raises(Invalid) as caught:
        schema.clean(data)
    return caught.value.messages


SPEED = Schema(Field("speed", "float", 1.0, "How fast", 0, 10))
COUNT = Schema(Field("count", "int", 1, "How many", 1, 16384))


@pytest.mark.parametrize("value", [0, 10, 10.0, 5.5])
def test_a_number_inside_its_bounds_is_accepted(value):
    assert SPEED.clean({"speed": value}) == {"speed": float(value)}


@pytest.mark.parametrize("value", [-0.001, 10.5, float("nan"), float("inf"), True, "5"])
def test_a_number_outside_its_bounds_or_not_a_number_is_refused(value):
    assert problems(SPEED, {"speed": value}) == [f"speed: must be a number between 0 and 10 (got {value!r})"]


@pytest.mark.parametrize("value, expected", [(1, 1), (16384, 16384), (10.0, 10)])
def test_whole_numbers_are_accepted_as_ints(value, expected):
    cleaned = COUNT.clean({"count": value})["count"]
    assert cleaned == expected and type(cleaned) is int


@pytest.mark.parametrize("value", [0, 16385, 10.5, False])
def test_a_whole_number_field_refuses_fractions_and_out_of_range(value):
    assert problems(COUNT, {"count": value}) == [f"count: must be a whole number between 1 and 16384 (got {value!r})"]


def test_one_sided_bounds_are_worded_as_such():
    assert problems(Schema(Field("rows", "int", minimum=1)), {"rows": 0}) == ["rows: must be a whole number of at least 1 (got 0)"]


def test_absent_and_null_take_the_default_which_is_not_shared():
    schema = Schema(Field("items", "list", []))
    first, second = schema.clean({}), schema.clean({"items": None})
    first["items"].append(1)
    assert second == {"items": []} and schema.clean({}) == {"items": []}


def test_a_missing_required_field_is_named():
    with pytest.raises(Invalid) as caught:
        Schema(Field("type", "string", required=True), Field("config", "object", required=True)).clean({"type": 3})
    assert caught.value.messages == ["type: must be a string (got 3)", "config: is required"]
    assert caught.value.missing == ["config"]


def test_a_required_field_with_a_default_is_filled_in():
    assert Schema(Field("pixel_count", "int", 1, required=True)).clean({}) == {"pixel_count": 1}


def test_every_problem_is_reported_at_once_in_declared_order():
    schema = Schema(Field("a", "bool"), Field("b", "int", minimum=0), extra="forbid")
    assert problems(schema, {"b": -1, "a": 1, "zz": 0}) == [
        "zz: unknown key (known keys: a, b)",
        "a: must be true or false (got 1)",
        "b: must be a whole number of at least 0 (got -1)",
    ]


def test_extras_are_forbidden_ignored_or_kept_as_declared():
    fields = (Field("a", "int"),)
    assert Schema(*fields, extra="ignore").clean({"a": 1, "b": 2}) == {"a": 1}
    assert Schema(*fields, extra="keep").clean({"a": 1, "b": 2}) == {"a": 1, "b": 2}


@pytest.mark.parametrize("value, ok", [("x" * 100, True), ("x" * 101, False)])
def test_strings_have_a_maximum_length(value, ok):
    schema = Schema(Field("name", "string", max_length=100))
    if ok:
        assert schema.clean({"name": value}) == {"name": value}
    else:
        assert problems(schema, {"name": value}) == ["name: must be at most 100 characters (got 101)"]


@pytest.mark.parametrize("value", ["", "   "])
def test_a_non_blank_string_refuses_empty_text(value):
    assert problems(Schema(Field("name", "string", blank=False)), {"name": value}) == ["name: must not be empty"]


def test_choices():
    schema = Schema(Field("mode", "choice", "DDP", choices=("DDP", "UDP")))
    assert schema.clean({"mode": "UDP"}) == {"mode": "UDP"}
    assert problems(schema, {"mode": "ddp"}) == ["mode: must be one of DDP, UDP (got 'ddp')"]


def test_colours_and_gradients_are_read_as_people_write_them():
    schema = Schema(Field("color", "color", "#000"), Field("gradient", "gradient", "#f00,#00f"))
    assert schema.clean({"color": "red", "gradient": "linear-gradient(90deg, #f00 0%, blue 100%)"})["color"] == "red"
    assert problems(schema, {"color": "nope"})[0].startswith("color: 'nope' is not a colour")


def test_nested_problems_carry_their_path():
    segment = Field("segment", "tuple", of=(Field("device_id", "string"), Field("first", "int", minimum=0), Field("invert", "bool")))
    schema = Schema(
        Field("target", "object", of=Schema(Field("mode", "choice", choices=("all",), required=True))),
        Field("segments", "list", of=segment),
    )
    assert problems(schema, {"target": {}, "segments": [["a", 0, False], ["b", -1, "no"], ["c"]]}) == [
        "target.mode: is required",
        "segments[1][1]: must be a whole number of at least 0 (got -1)",
        "segments[1][2]: must be true or false (got 'no')",
        "segments[2]: must be a list of 3 values: device_id, first, invert (got ['c'])",
    ]


def test_not_an_object():
    assert problems(Schema(), [1]) == ["must be an object (got list)"]


def test_json_schema_as_ledfx_shows_it():
    schema = Schema(
        Field("name", "string", description="Friendly name", required=True),
        Field("speed", "float", 1.0, "How fast", 0, 10),
        Field("mode", "choice", "DDP", "How frames are sent", choices=("DDP", "UDP")),
        Field("palette", "gradient", "#f00,#00f", "Colours"),
    )
    assert schema.json_schema() == {
        "properties": {
            "name": {"type": "string", "title": "Name", "description": "Friendly name"},
            "speed": {"type": "number", "minimum": 0, "maximum": 10, "title": "Speed", "description": "How fast", "default": 1.0},
            "mode": {"type": "string", "enum": ["DDP", "UDP"], "title": "Mode", "description": "How frames are sent", "default": "DDP"},
            "palette": {"type": "color", "gradient": True, "title": "Palette", "description": "Colours", "default": "#f00,#00f"},
        },
        "required": ["name"],
    }


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        Field("x", "integer")


def test_an_unset_field_stays_out_unless_given():
    schema = Schema(Field("shown", "bool", False), Field("advanced", "bool", unset=True))
    assert schema.clean({}) == {"shown": False}
    assert schema.clean({"advanced": False}) == {"shown": False, "advanced": False}
    with pytest.raises(Invalid):
        schema.clean({"advanced": "yes"})
