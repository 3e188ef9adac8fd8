"""Colour and gradient parsing: the forms accepted, the ones refused and the error's wording."""

import numpy as np
import pytest

from effects.base import EFFECTS
from ledfxsite.schema import Invalid
from ledfxsite.colors import parse_color, parse_gradient

ACCEPTED = "use a CSS colour name such as red, #rgb, #rrggbb or rgb(r, g, b)"


@pytest.mark.parametrize(
    "text, rgb",
    [
        ("#f00", (255, 0, 0)),
        ("#F0a", (255, 0, 170)),
        ("#fff", (255, 255, 255)),
        ("#ffffff", (255, 255, 255)),
        ("#FF8000", (255, 128, 0)),
        ("#0a0B0c", (10, 11, 12)),
    ],
)
def test_hex_in_three_or_six_digits_either_case(text, rgb):
    assert parse_color(text) == rgb


@pytest.mark.parametrize(
    "text, rgb",
    [
        ("red", (255, 0, 0)),
        ("green", (0, 128, 0)),
        ("rebeccapurple", (102, 51, 153)),
        ("RebeccaPurple", (102, 51, 153)),
        (" Teal ", (0, 128, 128)),
        ("GoldenRod", (218, 165, 32)),
        ("lightgoldenrodyellow", (250, 250, 210)),
        ("grey", (128, 128, 128)),
        ("gray", (128, 128, 128)),
    ],
)
def test_css_names_ignoring_case_and_surrounding_spaces(text, rgb):
    assert parse_color(text) == rgb


@pytest.mark.parametrize(
    "text, rgb",
    [
        ("rgb(1, 2, 3)", (1, 2, 3)),
        ("rgb(255, 0, 0)", (255, 0, 0)),
        ("rgb(0,0,0)", (0, 0, 0)),
        ("rgba(10, 20, 30, 0.5)", (10, 20, 30)),
        ("rgba(10, 20, 30, 1)", (10, 20, 30)),
    ],
)
def test_rgb_and_rgba_with_components_up_to_255(text, rgb):
    assert parse_color(text) == rgb


def test_a_plain_tuple_of_ints():
    rgb = parse_color("#f00")
    assert type(rgb) is tuple and all(type(part) is int for part in rgb)


@pytest.mark.parametrize(
    "value",
    [
        "rgb(256, 0, 0)", "rgb(0, 0, 1000)", "rgb(-1, 0, 0)", "rgb(1, 2)", "rgba(1, 2, 3, 2)",
        "#ff", "#ffff", "#fffffff", "#ggg", "#12", "fff", "notacolour", "red blue", "", "   ", 5, None,
    ],
)
def test_anything_else_is_refused_with_a_readable_sentence(value):
    with pytest.raises(ValueError) as caught:
        parse_color(value)
    assert str(caught.value) == f"{value!r} is not a colour ({ACCEPTED})"


def test_the_error_quotes_the_input_as_given():
    with pytest.raises(ValueError, match=r"^'#12' is not a colour \(use a CSS colour name such as red, #rgb, #rrggbb or rgb\(r, g, b\)\)$"):
        parse_color("#12")


def test_linear_gradient_with_positions():
    positions, colors = parse_gradient("linear-gradient(90deg, #f00 0%, blue 100%)")
    assert positions.tolist() == [0, 1]
    assert colors.tolist() == [[255, 0, 0], [0, 0, 255]]


def test_stops_without_positions_spread_evenly():
    positions, colors = parse_gradient("#f00,#00f")
    assert positions.tolist() == [0, 1]
    assert colors.tolist() == [[255, 0, 0], [0, 0, 255]]
    assert parse_gradient("red, lime, blue")[0].tolist() == [0, 0.5, 1]


def test_gradient_stops_in_every_colour_form():
    positions, colors = parse_gradient("linear-gradient(90deg, #f00 0%, #00FF00 25%, rebeccapurple 50%, rgb(1, 2, 3) 75%, Teal 100%)")
    assert positions.tolist() == [0, 0.25, 0.5, 0.75, 1]
    assert colors.tolist() == [[255, 0, 0], [0, 255, 0], [102, 51, 153], [1, 2, 3], [0, 128, 128]]


def test_a_stop_missing_its_position_falls_between_its_neighbours():
    assert parse_gradient("#000 0%, #888, #fff 100%")[0].tolist() == [0, 0.5, 1]


def test_a_bad_gradient_stop_is_refused_with_the_colour_error():
    with pytest.raises(ValueError) as caught:
        parse_gradient("linear-gradient(90deg, #f00 0%, #12 100%)")
    assert str(caught.value) == f"'#12' is not a colour ({ACCEPTED})"


COLOUR_OPTIONS = [
    (effect_id, option.name)
    for effect_id, effect in sorted(EFFECTS.items())
    for option in effect.config_schema.fields.values()
    if option.kind in ("color", "gradient")
]


@pytest.mark.parametrize("effect_id, name", COLOUR_OPTIONS)
@pytest.mark.parametrize("value", ["#f00", "rebeccapurple", "rgb(1, 2, 3)"])
def test_every_colour_option_takes_every_form(effect_id, name, value):
    assert EFFECTS[effect_id].validate({name: value})[name] == value


@pytest.mark.parametrize("effect_id, name", COLOUR_OPTIONS)
def test_every_colour_option_refuses_with_the_readable_sentence(effect_id, name):
    with pytest.raises(Invalid) as caught:
        EFFECTS[effect_id].validate({name: "#12"})
    assert caught.value.messages == [f"{name}: '#12' is not a colour ({ACCEPTED})"]


def test_the_colour_options_exist():
    assert len(COLOUR_OPTIONS) >= 5 and {"color", "gradient"} <= {name for _, name in COLOUR_OPTIONS}


def test_a_rendered_frame_uses_a_short_hex_colour():
    frame = EFFECTS["singleColor"](rows=1, columns=2, config={"color": "#f80", "brightness": 1.0}).render(0.0)
    assert np.array_equal(frame, [[255, 136, 0], [255, 136, 0]])


@pytest.mark.parametrize("text", ["0\n0", "r\ned,blue"])
def test_a_stop_that_is_not_a_colour_and_a_position_is_refused_by_name(text):
    with pytest.raises(ValueError, match="is not a colour stop"):
        parse_gradient(text)
