"""Every effect: frame shape and dtype, value range, determinism, config validation."""

import numpy as np
import pytest

from effects.base import EFFECTS, Finish
from effects.audio_effects import SILENCE
from effects.matrix_effects import ValueNoise
from effects.renderer import resampled, spread
from ledfxsite.schema import Invalid
from tests.conftest import EFFECT_BASE_DEFAULTS

SIZES = [(1, 300), (32, 32), (16, 48)]
TIMES = [i / 62 for i in range(40)]


def frames(effect_id, rows, columns, seed=3, config=None):
    effect = EFFECTS[effect_id](rows=rows, columns=columns, config=config or {}, seed=seed)
    rendered = []
    for t in TIMES:
        effect.clock = lambda t=t: 1000.0 + t  # metro follows the wall clock: here, the frames' times
        rendered.append(effect.render(t))
    return rendered


def test_the_effects_are_registered():
    assert set(EFFECTS) == {
        "rainbow", "gradient", "singleColor", "fade", "random_flash", "pixels", "metro", "twinkle",
        "energy", "magnitude", "wavelength", "scroll", "strobe", "bar", "scan", "fire", "bands_matrix",
        "filter", "hierarchy", "vumeter",
        "noise2d", "smoke2d", "plasma2d", "plasmawled", "game_of_life", "digitalrain2d", "waterfall2d", "concentric",
    }


@pytest.mark.parametrize("effect_id", sorted(EFFECTS))
@pytest.mark.parametrize("rows, columns", SIZES)
def test_frames_are_uint8_pixels_in_row_major_order(effect_id, rows, columns):
    for frame in frames(effect_id, rows, columns):
        assert frame.shape == (rows * columns, 3)
        assert frame.dtype == np.uint8


@pytest.mark.parametrize("effect_id", sorted(EFFECTS))
def test_same_seed_and_times_give_the_same_frames(effect_id):
    first, second = frames(effect_id, 16, 16, seed=7), frames(effect_id, 16, 16, seed=7)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))


@pytest.mark.parametrize("effect_id", sorted(EFFECTS))
def test_effects_light_pixels_and_change_over_time(effect_id):
    rendered = frames(effect_id, 16, 16)
    assert any(frame.any() for frame in rendered), "every frame is black"
    if effect_id not in ("singleColor", "gradient", "pixels"):  # the first two stand still, as in LedFx; pixels steps once a second
        assert not all(np.array_equal(rendered[0], frame) for frame in rendered[1:]), "the frames never change"


@pytest.mark.parametrize("effect_id", sorted(EFFECTS))
def test_every_effect_takes_diag(effect_id):
    assert EFFECTS[effect_id].validate({"diag": True})["diag"] is True


@pytest.mark.parametrize("effect_id", sorted(EFFECTS))
def test_every_effect_takes_ledfxs_advanced_switch(effect_id):
    # LedFx's UI sends it (its blender presets set "advanced": false); kept only when given
    assert EFFECTS[effect_id].validate({"advanced": True})["advanced"] is True
    assert "advanced" not in EFFECTS[effect_id].validate({})


@pytest.mark.parametrize("effect_id", sorted(EFFECTS))
def test_defaults_fill_in_every_option(effect_id):
    cls = EFFECTS[effect_id]
    assert set(cls.validate({})) == {option.name for option in cls.config_schema.fields.values()} - {"advanced"}  # LedFx's: only when given


@pytest.mark.parametrize(
    "effect_id, config, message",
    [
        ("rainbow", {"speed": 50}, "speed: must be a number between 0.1 and 20 (got 50)"),
        ("rainbow", {"speed": "fast"}, "speed: must be a number between 0.1 and 20 (got 'fast')"),
        ("rainbow", {"diag": "yes"}, "diag: must be true or false (got 'yes')"),
        ("rainbow", {"sped": 1}, "sped: unknown key (known keys: speed, frequency, blur, flip, mirror, brightness, background_color, background_brightness, diag, advanced)"),
        ("singleColor", {"color": "#12345"}, "color: '#12345' is not a colour"),
        ("gradient", {"gradient": "linear-gradient(90deg, nothing 0%)"}, "gradient: 'nothing' is not a colour"),
        ("digitalrain2d", {"tail": 2.5}, "tail: must be a whole number between 1 and 100 (got 2.5)"),
        ("noise2d", {"zoom": float("nan")}, "zoom: must be a number between 0.5 and 20"),
        ("scan", {"color": "#ff0000"}, "color: unknown key"),
        ("game_of_life", {"health_checks": "Some"}, "health_checks: must be one of"),
    ],
)
def test_bad_config_errors_name_the_field(effect_id, config, message):
    with pytest.raises(Invalid) as caught:
        EFFECTS[effect_id].validate(config)
    assert any(error.startswith(message) for error in caught.value.messages), caught.value.messages


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(Invalid) as caught:
        EFFECTS["scan"].validate({"scan_width": 0, "speed": -1})
    assert [error.split(":")[0] for error in caught.value.messages] == ["scan_width", "speed"]


def test_single_color_is_exactly_its_colour_at_its_brightness():
    frame = EFFECTS["singleColor"](rows=1, columns=4, config={"color": "#ff8000", "brightness": 0.5}).pixels(0.0)
    assert frame.tolist() == [[127, 64, 0]] * 4


def test_rainbow_spreads_the_hues_along_the_strip():
    frame = EFFECTS["rainbow"](rows=1, columns=6, config={"speed": 0.1}).render(0.0)
    # pixel centres at hues 1/12 (red to yellow, half way) and 7/12 (cyan to blue, half way)
    assert frame[0].tolist() == [255, 127, 0]
    assert frame[3].tolist() == [0, 127, 255]


def lows(level):
    """Audio features with the lows (and nothing else) at `level`."""
    return {**SILENCE, "lows_power": level}


def test_scan_moves_its_eye_at_speed_times_the_power_and_bounces_at_the_far_end():
    # 100 pixels, speed 50 % a second, lows 0.5 -> power 1.0 x multiplier 3: 150 pixels a
    # second; the eye is 30 % of the strip, so it turns at pixel 70.
    scan = EFFECTS["scan"](rows=1, columns=100)
    scan.audio = lows(0.5)
    for t, first in ((0.0, 0), (0.1, 15), (0.6, 70), (0.7, 55)):
        lit = np.flatnonzero(scan.render(t)[:, 0])
        assert (lit[0], lit[-1], scan.render(t)[first, 0]) == (first, first + 29, 255), t


def test_scan_dims_its_eye_with_the_power_and_stands_still_in_silence():
    scan = EFFECTS["scan"](rows=1, columns=100)
    scan.audio = lows(0.25)  # power 0.5
    assert scan.render(0.0)[0].tolist() == [127, 0, 0]
    scan.audio = SILENCE
    assert not scan.render(1.0).any()


def test_scan_without_bounce_wraps_round_the_strip():
    scan = EFFECTS["scan"](rows=1, columns=100, config={"bounce": False, "color_intensity": False})
    scan.audio = lows(0.5)
    scan.render(0.0)
    lit = np.flatnonzero(scan.render(0.6)[:, 0])  # 90: pixels 90..99 and 0..19
    assert lit.tolist() == [*range(20), *range(90, 100)]


def test_scan_draws_count_eyes_each_its_share_of_the_strip():
    scan = EFFECTS["scan"](rows=1, columns=100, config={"count": 4, "scan_width": 40})
    scan.audio = lows(0.5)
    lit = np.flatnonzero(scan.render(0.0)[:, 0])
    assert lit.tolist() == [*range(0, 10), *range(25, 35), *range(50, 60), *range(75, 85)]


def test_fire_burns_from_the_start_of_the_strip_even_in_silence():
    fire = EFFECTS["fire"](rows=1, columns=60)
    fire.audio = SILENCE
    heat = sum(fire.render(t / 60).astype(int).sum(axis=1) for t in range(120))
    assert heat[:20].sum() > heat[40:].sum() > 0


def test_the_matrix_test_pattern_is_ledfxs_border_and_corner_lines():
    effect = EFFECTS["noise2d"](rows=32, columns=32, config={"test": True})
    frame = effect.render(2.0).reshape(32, 32, 3)
    assert frame[0, 0].tolist() == [255, 0, 0] and frame[0, -1].tolist() == [0, 0, 255]
    assert frame[-1, 0].tolist() == [0, 255, 0] and frame[-1, -1].tolist() == [255, 255, 255]
    assert frame[0, 9].tolist() == [255, 255, 255] and frame[9, 0].tolist() == [255, 255, 255]
    assert frame[5, 5].tolist() == [255, 0, 0] and frame[5, -6].tolist() == [0, 0, 255]


def test_noise2d_in_test_mode_describes_itself():
    effect = EFFECTS["noise2d"](rows=32, columns=32, config={"test": True})
    effect.render(2.0)
    text = effect.diagnostics()
    assert text.splitlines()[0] == "Noise2d: 32x32"
    assert "time         2.00 s" in text


def test_noise2d_without_test_mode_has_no_diagnostics():
    effect = EFFECTS["noise2d"](rows=8, columns=8)
    effect.render(0.0)
    assert effect.diagnostics() is None


@pytest.mark.parametrize(
    "config, rotate, red, green",
    [
        ({}, 0, (0, 0), (0, 3)),
        ({"flip_horizontal": True}, 0, (0, 3), (0, 0)),
        ({"flip_vertical": True}, 0, (1, 0), (1, 3)),
        # a quarter turn anticlockwise: the image's top edge becomes the left one
        ({"rotate": 1}, 0, (1, 0), (0, 0)),
        ({}, 1, (1, 0), (0, 0)),
        ({"rotate": 1}, 1, (1, 3), (1, 0)),
        ({"rotate": 3}, 0, (0, 3), (1, 3)),
        ({"rotate": 1, "flip_horizontal": True}, 0, (1, 3), (0, 3)),  # still left to right, once turned
    ],
)
def test_matrix_effects_turn_by_their_rotation_and_the_virtuals_and_flip(config, rotate, red, green):
    effect = EFFECTS["plasma2d"](rows=2, columns=4, config=config, rotate=rotate)
    assert effect.draw_shape == ((4, 2) if (config.get("rotate", 0) + rotate) % 2 else (2, 4))
    image = np.zeros((*effect.draw_shape, 3))
    image[0, 0], image[0, -1] = (255, 0, 0), (0, 255, 0)
    effect.draw = lambda t: image.copy()
    frame = effect.render(0.0).reshape(2, 4, 3)
    assert tuple(np.argwhere(frame[..., 0])[0]) == red
    assert tuple(np.argwhere(frame[..., 1])[0]) == green


def test_game_of_life_follows_the_rules():
    life = EFFECTS["game_of_life"](rows=6, columns=6, config={"base_game_speed": 1, "impulse_decay": 0.01, "beat_inject": False, "health_checks": "None"})
    life.audio = SILENCE
    life.board = np.zeros((6, 6), dtype=bool)
    life.board[2, 1:4] = True  # a blinker
    life.render(0.0)
    life.render(0.99)
    assert np.argwhere(life.board).tolist() == [[2, 1], [2, 2], [2, 3]]  # not a second yet
    life.render(1.0)  # one generation
    assert np.argwhere(life.board).tolist() == [[1, 2], [2, 2], [3, 2]]


def test_game_of_life_reseeds_a_dead_board_at_the_health_check_only():
    life = EFFECTS["game_of_life"](rows=8, columns=8, config={"health_checks": "Dead", "health_check_interval": 2, "impulse_decay": 0.01, "beat_inject": False})
    life.audio = SILENCE
    life.render(0.0)
    life.board[:] = False
    life.render(1.0)
    life.render(1.9)
    assert not life.board.any()
    life.render(2.0)
    assert life.board.any()


def test_game_of_life_drops_an_entity_on_a_beat():
    life = EFFECTS["game_of_life"](rows=8, columns=8, config={"health_checks": "None", "base_game_speed": 1, "impulse_decay": 0.01})
    life.audio = SILENCE
    life.render(0.0)
    life.board[:] = False
    life.render(0.1)
    assert not life.board.any()
    life.audio = {**SILENCE, "beat": True}
    life.render(0.2)
    assert 3 <= life.board.sum() <= 8


def test_value_noise_is_its_lattice_values_at_whole_coordinates_and_between_them_elsewhere():
    noise = ValueNoise(np.random.default_rng(3))
    p, values = noise.permutation, noise.values
    for x, y, z in ((0, 0, 0), (3, 7, 1), (250, 255, 256)):
        assert noise(np.array([float(x)]), np.array([float(y)]), np.array([float(z)]))[0] == values[p[p[p[x & 255] + (y & 255)] + (z & 255)]]
    corners = [values[p[p[p[1 + dx] + 2 + dy] + 3 + dz]] for dx in (0, 1) for dy in (0, 1) for dz in (0, 1)]
    between = noise(np.array([1.5]), np.array([2.25]), np.array([3.75]))[0]
    assert min(corners) < between < max(corners)


# --- LedFx's base options, applied to every effect's frames (effects.base.Finish)

RAMP = np.array([[10, 0, 0], [20, 0, 0], [30, 0, 0], [40, 0, 0]], dtype=np.uint8)


def finished(frame=RAMP, **options):
    config = EFFECTS["rainbow"].validate(options)
    return Finish(config, len(frame))(frame.copy())


def reds(frame):
    return frame[:, 0].tolist()


def test_the_base_options_at_their_defaults_change_nothing():
    assert reds(finished()) == [10, 20, 30, 40]
    assert Finish(EFFECTS["rainbow"].validate({}), 4).changes_nothing


def test_flip_reverses_the_pixels():
    assert reds(finished(flip=True)) == [40, 30, 20, 10]


def test_mirror_is_symmetric_keeping_the_brighter_of_each_pair():
    assert reds(finished(mirror=True)) == [40, 20, 20, 40]  # pairs of 40 30 20 10 10 20 30 40
    assert reds(finished(mirror=True, flip=True)) == [20, 40, 40, 20]  # flipped first: pairs of 10 20 30 40 40 30 20 10


def test_the_background_is_added_before_the_brightness():
    frame = finished(background_color="#000a14", background_brightness=0.5, brightness=0.5)
    assert frame.tolist() == [[5, 2, 5], [10, 2, 5], [15, 2, 5], [20, 2, 5]]  # ((r, 0, 0) + (0, 5, 10)) / 2, truncated


def test_a_matrix_background_in_overwrite_mode_shows_only_where_nothing_is_drawn():
    frame = np.array([[0, 0, 0], [40, 0, 0], [0, 0, 0], [0, 0, 1]], dtype=np.uint8)
    config = EFFECTS["noise2d"].validate({"background_color": "#000a14", "background_mode": "overwrite"})
    assert Finish(config, 4)(frame.copy()).tolist() == [[0, 10, 20], [40, 0, 0], [0, 10, 20], [0, 0, 1]]
    additive = EFFECTS["noise2d"].validate({"background_color": "#000a14"})
    assert Finish(additive, 4)(frame.copy()).tolist() == [[0, 10, 20], [40, 10, 20], [0, 10, 20], [0, 10, 21]]


def test_blur_spreads_a_lit_pixel_as_a_gaussian():
    lit = np.zeros((9, 3), dtype=np.uint8)
    lit[4] = 100
    assert reds(finished(lit, blur=1.0)) == [0, 0, 5, 24, 39, 24, 5, 0, 0]  # 100 x N(0, 1) at 0, 1, 2, 3 pixels, truncated


def test_blur_leaves_three_pixels_or_fewer_alone():
    assert reds(finished(RAMP[:3], blur=5.0)) == [10, 20, 30]


@pytest.mark.parametrize("option, value, accepted", [
    ("brightness", 0.0, True), ("brightness", 1.0, True), ("brightness", 1.01, False), ("brightness", -0.1, False),
    ("blur", 10.0, True), ("blur", 10.5, False), ("background_brightness", 1.0, True), ("background_brightness", 1.5, False),
    ("background_color", "red", True), ("background_color", "#12345", False), ("flip", True, True), ("flip", "yes", False),
])
def test_the_base_options_have_ledfxs_ranges(option, value, accepted):
    if accepted:
        assert EFFECTS["fire"].validate({option: value})[option] == value
    else:
        with pytest.raises(Invalid, match=option):
            EFFECTS["fire"].validate({option: value})


# Base options an effect gives another default, as LedFx's do.
OWN_BASE_DEFAULTS = {
    "energy": {"mirror": True, "blur": 4.0},
    "scan": {"blur": 3.0},
    "wavelength": {"blur": 3.0},
    "scroll": {"mirror": True, "blur": 3.0},
}


def test_every_effect_takes_the_base_options_with_ledfxs_defaults():
    for effect_class in EFFECTS.values():
        config = effect_class.validate({})
        expected = {**EFFECT_BASE_DEFAULTS, **OWN_BASE_DEFAULTS.get(effect_class.id, {})}
        assert {name: config[name] for name in EFFECT_BASE_DEFAULTS} == expected, effect_class.id


def test_energy_grows_from_the_centre_by_the_base_mirror():
    energy = EFFECTS["energy"](rows=1, columns=10, config={"blur": 0.0, "sensitivity": 0.99})
    energy.audio = {**SILENCE, "melbank": [0.25] * 8 + [0.0] * 16}
    # lows 0.25 x 1.6 x 10 pixels: 4, about the middle; 0.99 of the way up in one frame
    assert reds(energy.pixels(0.0)) == [0, 0, 0, 252, 252, 252, 252, 0, 0, 0]


def test_an_effects_pixels_are_its_frame_finished():
    effect = EFFECTS["singleColor"](rows=1, columns=4, config={"color": "#ff0000", "brightness": 0.5, "background_color": "#0000ff", "background_brightness": 0.2})
    assert effect.render(0.0).tolist() == [[255, 0, 0]] * 4
    assert effect.pixels(0.0).tolist() == [[127, 0, 25]] * 4  # (255, 0, 51) / 2


def test_a_frame_is_spread_over_groups_then_shifted():
    rendered = np.array([[1, 0, 0], [2, 0, 0], [3, 0, 0]], dtype=np.uint8)
    assert reds(spread(rendered, pixel_count=8, grouping=3, center_offset=0)) == [1, 1, 1, 2, 2, 2, 3, 3]
    assert reds(spread(rendered, pixel_count=8, grouping=3, center_offset=2)) == [3, 3, 1, 1, 1, 2, 2, 2]
    assert reds(spread(rendered, pixel_count=3, grouping=1, center_offset=-1)) == [2, 3, 1]


def test_a_copied_frame_is_stretched_or_shrunk_to_each_segment():
    rendered = np.array([[0, 0, 0], [100, 0, 0]], dtype=np.uint8)
    assert reds(resampled(rendered, 3)) == [0, 50, 100]
    assert reds(resampled(np.array([[0, 0, 0], [50, 0, 0], [100, 0, 0], [150, 0, 0]], dtype=np.uint8), 2)) == [0, 150]
    assert resampled(rendered, 2) is rendered


# --- LedFx's non-reactive fade, random_flash and pixels, worked out by hand


def test_fade_moves_the_whole_strip_along_its_gradient_and_back():
    fade = EFFECTS["fade"](rows=1, columns=4, config={"gradient": "#000000, #ffffff", "speed": 10.0})  # 0.15 of it a second
    assert fade.render(2.0).tolist() == [[76, 76, 76]] * 4  # 0.3 of the way
    assert fade.render(10.0).tolist() == [[127, 127, 127]] * 4  # 1.5: on the way back, at 0.5


def test_random_flash_lights_a_part_and_fades_it():
    flash = EFFECTS["random_flash"](rows=1, columns=10, config={"hit_probability_per_sec": 1.0, "hit_relative_size": 50, "hit_color": "#ff0000"})
    assert not flash.render(0.0).any()  # no time has passed yet: no chance of a hit
    lit = [int(red) for red in flash.render(0.1)[:, 0]]
    first = lit.index(255)
    assert lit[first : first + 5] == [255] * 5 and sum(lit) == 5 * 255
    assert [int(red) for red in flash.render(0.35)[:, 0]][first : first + 5] == [127] * 5  # half of its 0.5 s
    assert not flash.render(0.6).any() or flash.render(0.6)[:, 0].max() == 255  # over; at once another may come


@pytest.mark.parametrize("build_up, t, lit", [(False, 0.0, "##........"), (False, 0.6, "..##......"), (True, 1.1, "######...."), (False, 2.6, "##........")])
def test_pixels_steps_along_the_strip(build_up, t, lit):
    frame = EFFECTS["pixels"](rows=1, columns=10, config={"pixels": 2, "step_period": 0.5, "build_up": build_up}).render(t)
    assert "".join("#" if pixel.any() else "." for pixel in frame) == lit


def red_channel(config, t, columns):
    return [int(red) for red in EFFECTS["singleColor"](rows=1, columns=columns, config={"color": "#ff0000", **config}).render(t)[:, 0]]


def test_single_color_stands_still_unless_modulated():
    assert red_channel({}, 5.0, 3) == [255, 255, 255]


def test_sine_modulation_is_a_wave_along_the_strip():
    # at t = 0: 0.3 sin(pi, pi/2, 0) + 0.4 of full red
    assert red_channel({"modulate": True}, 0.0, 3) == [102, 178, 102]


@pytest.mark.parametrize("t, lit", [(6.0, 3), (12.0, 7), (18.0, 10), (24.0, 5)])
def test_breath_modulation_lights_the_strip_to_a_rising_and_falling_point(t, lit):
    # speed 1 and modulation_speed 1: x = t / 6; lit to 0.4 sin(x - pi/2) + 0.6 below x = 3, e^(3 - x) + 0.2
    # after: x = 1: 0.384, x = 2: 0.766, x = 3: 1.2 (all), x = 4: 0.568 of 10 pixels
    assert red_channel({"modulate": True, "modulation_effect": "breath", "modulation_speed": 1.0}, t, 10).count(255) == lit


def test_a_gradient_rolls_by_gradient_roll_pixels_a_step():
    gradient = EFFECTS["gradient"](rows=1, columns=10, config={"gradient": "#000000, #ffffff", "gradient_roll": 1.0})
    assert int(gradient.render(0.0)[0, 0]) == 12  # pixel 0's centre, 0.05 along: 0.05 x 255
    assert int(gradient.render(0.5)[0, 0]) == 140  # 10 steps a second, a pixel each: half the strip on, 0.55 along


def metro_at(metro, now):
    metro.clock = lambda: now
    return np.flatnonzero(metro.render(0.0)[:, 0]).tolist()


def test_metro_flashes_its_pattern_for_pulse_ratio_of_each_period():
    metro = EFFECTS["metro"](rows=1, columns=20, config={"steps": 6})
    patterns = [metro_at(metro, 1200.0 + step) for step in range(6)]  # 1200 s is step 0 of 6
    assert patterns == [list(range(20)), list(range(9)), [0, 1, 2, 3, 10, 11, 12, 13], [0, 5, 10, 15], list(range(0, 16, 2)), list(range(16))]
    assert metro_at(metro, 1200.3) == list(range(20)) and metro_at(metro, 1200.31) == []


def test_metro_with_a_longer_period_flashes_its_ratio_of_it():
    metro = EFFECTS["metro"](rows=1, columns=4, config={"pulse_period": 2, "pulse_ratio": 0.5, "steps": 1})
    assert metro_at(metro, 1001.0) == [0, 1, 2, 3] and metro_at(metro, 1001.01) == [] and metro_at(metro, 1002.0) == [0, 1, 2, 3]


def test_metro_capture_reports_the_gaps_between_frames_once():
    metro = EFFECTS["metro"](rows=1, columns=4)
    for now in (10.0, 10.016, 10.05):
        metro_at(metro, now)
    assert metro.diagnostics().splitlines()[0] == "Metro: 2 frames, gaps min 16.0 mean 25.0 max 34.0 ms"
    assert metro.diagnostics() is None  # reported: only the last frame is left
    quiet = EFFECTS["metro"](rows=1, columns=4, config={"capture": False})
    for now in (10.0, 10.016):
        metro_at(quiet, now)
    assert quiet.diagnostics() is None
