"""Audio-reactive effects on known features, and the worker's audio feed and diagnostics."""

import time

import numpy as np
import pytest

from effects.audio_effects import SILENCE, AudioDiagnostics, AudioFeed, Energy, Strobe
from effects.base import EFFECTS
from ledfxsite.audio import AudioAnalyser

AUDIO_EFFECTS = ("energy", "magnitude", "wavelength", "scroll", "strobe", "bands_matrix", "bar", "scan", "filter", "hierarchy")
# LedFx's effects that listen but go on in silence
DRAWING_IN_SILENCE = ("fire", "noise2d", "smoke2d", "plasma2d", "game_of_life", "digitalrain2d", "waterfall2d", "concentric", "plasmawled")


def test_the_energy_bars_grow_with_their_melbank_thirds():
    effect = Energy(rows=1, columns=60, config={"blur": 0.0, "mirror": False, "sensitivity": 0.99})
    lengths = []
    for level in (0.1, 0.2, 0.4, 0.6):
        effect.audio = {**SILENCE, "melbank": [level] * 8 + [0.0] * 16}
        lengths.append(int(np.count_nonzero(effect.render(0.0)[:, 0] > 200)))
    assert lengths == [9, 19, 38, 57]  # 1.6 x 60 pixels x the lows' level


def test_energy_adds_overlapping_bars_or_lets_the_higher_cover_the_lower():
    melbank = [0.5] * 8 + [0.25] * 8 + [0.0] * 8  # lows 48 pixels, mids 24
    added = Energy(rows=1, columns=60, config={"blur": 0.0, "mirror": False, "sensitivity": 0.99})
    added.audio = {**SILENCE, "melbank": melbank}
    overlapping = Energy(rows=1, columns=60, config={"blur": 0.0, "mirror": False, "sensitivity": 0.99, "mixing_mode": "overlap"})
    overlapping.audio = {**SILENCE, "melbank": melbank}
    assert added.render(0.0)[[0, 30, 50]].tolist() == [[252, 252, 0], [252, 0, 0], [0, 0, 0]]
    assert overlapping.render(0.0)[[0, 30, 50]].tolist() == [[0, 252, 0], [252, 0, 0], [0, 0, 0]]


def test_a_virtuals_frequency_range_narrows_the_melbank_its_effects_show():
    melbank = [float(band) for band in range(24)]
    whole = EFFECTS["wavelength"](rows=1, columns=24)
    assert whole.melbank_over({"melbank": melbank}, 24).tolist() == melbank
    # 24 bands mel-spaced over 20 Hz - 15 kHz: the first two centres are at 114 and 221 Hz
    for frequencies, shown in (((20, 250), [0.0, 1.0]), ((20, 200), [0.0]), ((200, 350), [1.0, 2.0])):
        narrowed = EFFECTS["wavelength"](rows=1, columns=24, frequencies=frequencies).melbank_over({"melbank": melbank}, 24)
        assert (narrowed.min(), narrowed.max()) == (shown[0], shown[-1]), frequencies


@pytest.mark.parametrize("effect_type", AUDIO_EFFECTS)
def test_silence_is_dark(effect_type):
    effect = EFFECTS[effect_type](rows=4, columns=8)
    effect.audio = SILENCE
    assert not effect.render(0.0).any() and not effect.render(0.02).any()


@pytest.mark.parametrize("effect_type", DRAWING_IN_SILENCE)
def test_some_effects_draw_in_silence(effect_type):
    effect = EFFECTS[effect_type](rows=8, columns=8)
    effect.audio = SILENCE
    frames = [effect.render(t) for t in np.arange(0.0, 3.0, 1 / 62)]
    assert frames[-1].any()
    if effect_type not in ("game_of_life", "waterfall2d", "plasmawled"):  # as in LedFx, they wait for sound
        assert len({frame.tobytes() for frame in frames}) > 1


@pytest.mark.parametrize("effect_type", AUDIO_EFFECTS + DRAWING_IN_SILENCE)
def test_without_an_input_the_effects_run_from_time(effect_type):
    effect = EFFECTS[effect_type](rows=4, columns=8)
    frames = [effect.render(t).tobytes() for t in np.arange(0.0, 1.0, 1 / 62)]
    assert len(set(frames)) > 1


def strobe_reds(strobe, *phases):
    reds = []
    for phase in phases:
        strobe.audio = {**SILENCE, "beat_phase": phase}
        reds.append(int(strobe.render(0.0)[0, 0]))
    return reds


def test_the_strobe_flashes_strobe_frequency_times_a_beat_each_fading():
    strobe = Strobe(rows=1, columns=4)
    # "1/2": flashes at the start and the middle of the beat; at 0.01 of the way in,
    # ((0.98 ** 1.5) x (0.99 ** 2)) ** 2 of the gradient's red (255 at its start)
    first, fading, gone, second = strobe_reds(strobe, 0.01, 0.25, 0.4999, 0.51)
    assert first == 230
    assert first > fading > gone and gone <= 1
    assert first > second > fading  # the beat_decay: the second flash is dimmer


def test_the_strobe_does_not_flash_again_when_the_beat_tracker_moves_the_phase_back():
    strobe = Strobe(rows=1, columns=4)
    reds = []  # the brightest channel
    for beat, phase in ((True, 0.01), (False, 0.08), (False, 0.0), (False, 0.02), (False, 0.1), (True, 0.01)):
        strobe.audio = {**SILENCE, "bpm": 100.0, "beat": beat, "beat_phase": phase}
        reds.append(int(strobe.render(0.0)[0].max()))
    assert reds[0] == 230 and reds[1] == reds[2] == reds[3] < 230 and reds[4] < reds[3]
    assert reds[5] > reds[3]  # the next beat flashes again


def test_the_strobe_fires_on_the_beats_of_its_pattern():
    strobe = Strobe(rows=1, columns=4, config={"strobe_pattern": "*..."})
    assert strobe_reds(strobe, 0.01) == [230]
    strobe.audio = {**SILENCE, "beat": True, "beat_phase": 0.0}
    strobe.render(0.0)  # the second beat of the bar
    assert strobe_reds(strobe, 0.01, 0.51) == [0, 0]


def test_the_feed_gives_features_of_the_selected_source_only_and_silence_when_stale():
    feed = AudioFeed()
    features = {**SILENCE, "volume": 0.5}
    assert feed.current() is None  # nothing selected: effects run from time
    feed.select("WEB AUDIO: phone")
    assert feed.current() == SILENCE
    assert not feed.heard("WEB AUDIO: laptop", [features])
    assert feed.heard("WEB AUDIO: phone", [features]) and feed.current()["volume"] == 0.5
    feed.heard_at -= 1.0
    assert feed.current() == SILENCE
    feed.heard("WEB AUDIO: phone", [features])
    feed.stopped("WEB AUDIO: phone")
    assert feed.current() == SILENCE


def test_a_click_or_beat_between_two_frames_is_not_lost():
    feed = AudioFeed()
    feed.select("phone")
    feed.heard("phone", [{**SILENCE, "beat": True, "bass_power": 0.9, "melbank": [0.8] + [0.0] * 23}])
    feed.heard("phone", [{**SILENCE, "volume": 0.3}])
    frame, seen = feed.for_frame(0)
    assert (frame["beat"], frame["bass_power"], frame["volume"], frame["melbank"][0]) == (True, 0.9, 0.3, 0.8)
    again, _ = feed.for_frame(seen)  # no block since: the last block's levels, no second beat
    assert (again["beat"], again["bass_power"], again["volume"]) == (False, 0.0, 0.3)


def test_every_listening_virtual_gets_the_beat_not_only_the_first_to_render():
    feed = AudioFeed()
    feed.select("phone")
    feed.heard("phone", [SILENCE])
    _, first_seen = feed.for_frame(None)
    _, second_seen = feed.for_frame(None)
    feed.heard("phone", [{**SILENCE, "beat": True}, SILENCE])
    first, _ = feed.for_frame(first_seen)
    second, _ = feed.for_frame(second_seen)
    assert first["beat"] and second["beat"]


def test_diagnostics_count_gaps_in_the_block_numbers_as_dropped(monkeypatch):
    diagnostics = AudioDiagnostics()
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])

    def message(seq, blocks):
        return {"source": "phone", "seq": seq, "blocks": [SILENCE] * blocks, "analysis_ms": 0.2, "block_rate": 93.75, "sent_at": time.time()}

    assert diagnostics.heard(message(1, 2)) is None  # blocks 1-2
    assert diagnostics.heard(message(5, 2)) is None  # 3-4 lost
    clock[0] += 1.0
    report = diagnostics.heard(message(10, 1))  # 7-9 lost
    assert (report["blocks"], report["dropped"], report["analysis_ms"], report["block_rate"]) == (5, 5, 0.2, 93.75)
    assert diagnostics.heard(message(1, 2)) is None  # a new stream starts again at 1
    clock[0] += 1.0
    report = diagnostics.heard(message(3, 1))
    assert (report["blocks"], report["dropped"]) == (3, 0)


# --- bar (LedFx's): positions worked out by hand from the easing and the beat's phase


def bar_frames(config, steps):
    """Red channels of a 10-pixel bar fed (beat, beat phase) per frame."""
    bar = EFFECTS["bar"](rows=1, columns=10, config={"gradient": "#ff0000, #00ff00", **config})
    frames = []
    for beat, phase in steps:
        bar.audio = {**SILENCE, "beat": beat, "beat_phase": phase}
        frames.append(bar.pixels(0.0))
    return frames


def lit(frame):
    return "".join("#" if pixel.any() else "." for pixel in frame)


def test_bar_wipes_in_then_out_eased():
    # ease_out: 1 - (1 - p)^2 -> p 0.2: 0.36, p 0.5: 0.75 of 10 pixels, truncated; the next beat returns
    frames = bar_frames({}, [(False, 0.2), (False, 0.5), (True, 0.2), (False, 0.5)])
    assert [lit(frame) for frame in frames] == ["###.......", "#######...", "...#######", ".......###"]


@pytest.mark.parametrize("mode, expected", [("in-out", ["#######...", "##........"]), ("bounce", [".....###..", ".###......"])])
def test_bar_modes(mode, expected):
    # linear, phase 0.75: in-out to 0.75, then back to 0.25; bounce: a 0.3 bar from 0.75 x 0.7 = 0.525
    # (pixels 5-7), then back from 1 - 0.525 (pixels 1-3)
    frames = bar_frames({"mode": mode, "ease_method": "linear"}, [(False, 0.75), (True, 0.75)])
    assert [lit(frame) for frame in frames] == expected


def test_bar_moves_along_its_gradient_every_second_beat():
    frames = bar_frames({"color_step": 0.5, "mode": "in-out", "ease_method": "linear"}, [(False, 0.9), (True, 0.1), (True, 0.9)])
    assert [frame[0].tolist() for frame in frames] == [[255, 0, 0], [255, 0, 0], [127, 127, 0]]  # half way red to green


@pytest.mark.parametrize("skip, shown", [("none", [True, True, True, True]), ("odds", [False, True, False, True]), ("even", [True, False, True, False])])
def test_bar_skips_odd_or_even_beats(skip, shown):
    frames = bar_frames({"beat_skip": skip, "mode": "in-out", "ease_method": "linear"}, [(True, 0.8)] * 4)
    assert [frame.any() for frame in frames] == shown


def first_pixel(effect, t, **features):
    effect.audio = {**SILENCE, **features}
    return effect.render(t)[0].tolist()


def test_filter_lights_the_strip_as_bright_as_its_band_boosted_or_not():
    assert first_pixel(EFFECTS["filter"](rows=1, columns=4), 0.0, lows_power=0.5) == [127, 0, 0]
    boosted = EFFECTS["filter"](rows=1, columns=4, config={"boost": 1.0, "frequency_range": "High"})
    assert first_pixel(boosted, 0.0, high_power=0.5) == [239, 0, 0]  # 1 - 0.5 ** 4 = 0.9375
    gradient = EFFECTS["filter"](rows=1, columns=4, config={"use_gradient": True, "gradient": "#0000ff, #ff0000"})
    assert first_pixel(gradient, 0.0, lows_power=1.0) == [0, 0, 255]  # its start, without roll_speed


def test_hierarchy_follows_the_leading_band_after_switch_time():
    effect = EFFECTS["hierarchy"](rows=1, columns=4)
    assert first_pixel(effect, 0.0, lows_power=0.5) == [127, 0, 0]
    assert first_pixel(effect, 0.05, mids_power=0.5) == [0, 0, 0]  # the lows still lead, quiet
    assert first_pixel(effect, 0.2, mids_power=0.5) == [0, 127, 0]
    assert first_pixel(effect, 0.25, high_power=0.4) == [0, 0, 0]  # the mids still lead
    assert first_pixel(effect, 0.35, high_power=0.4) == [0, 0, 102]


def test_the_vu_meter_bar_and_its_peak_and_quiet_marks():
    effect = EFFECTS["vumeter"](rows=1, columns=100)

    def runs(volume):
        effect.audio = {**SILENCE, "volume": volume}
        frame = effect.render(0.0)
        return [index for index in range(1, 100) if frame[index].tolist() != frame[index - 1].tolist()], frame

    edges, frame = runs(0.5)
    # blue to 20 (LedFx's quiet level), green to 50; both marks at 49 (peak 0.495, quietest 0.505)
    assert edges == [20, 49, 50] and frame[0].tolist() == [0, 0, 255] and frame[49].tolist() == [255, 255, 255]
    edges, frame = runs(0.9)
    # red from 80 (max_volume) to 90; peak 0.896 at 89; quietest 1 - 0.4555 just under 54
    assert edges == [20, 53, 54, 80, 89, 90] and frame[53].tolist() == frame[89].tolist() == [255, 255, 255]
    assert frame[80].tolist() == [255, 0, 0] and frame[89:].tolist() == [[255, 255, 255]] + [[0, 0, 0]] * 10


def test_the_waterfall_moves_a_row_down_every_drop_secs_over_the_rows():
    effect = EFFECTS["waterfall2d"](rows=4, columns=4, config={"drop_secs": 0.4, "gradient": "#ff0000, #0000ff", "bands": 2})
    effect.audio = {**SILENCE, "melbank": [1.0] * 24}
    effect.render(0.0)
    effect.audio = SILENCE
    frame = effect.render(0.1).reshape(4, 4, 3)
    assert frame[0].tolist() == [[255, 0, 0]] * 4  # silence: the gradient's start, as in LedFx
    assert frame[1, :, 2].tolist() == [254] * 4 and frame[1, :, 0].max() <= 1  # the loud row, one down
    assert not frame[2:].any()


def test_concentric_rings_go_round_once_a_second_at_idle_speed():
    effect = EFFECTS["concentric"](rows=8, columns=8)
    effect.audio = SILENCE
    first, half, whole = effect.render(0.0), effect.render(0.5), effect.render(1.0)
    assert np.array_equal(first, whole) and not np.array_equal(first, half)
    still = EFFECTS["concentric"](rows=8, columns=8, config={"idle_speed": 0.0})
    still.audio = SILENCE
    assert np.array_equal(still.render(0.0), still.render(0.5))


def test_plasmawled_is_pushed_by_sound_or_runs_from_time_without_speed_multiplication():
    pushed = EFFECTS["plasmawled"](rows=8, columns=8)
    pushed.audio = SILENCE
    assert np.array_equal(pushed.render(0.0), pushed.render(0.5))
    pushed.audio = {**SILENCE, "lows_power": 0.5}
    assert not np.array_equal(pushed.render(0.6), pushed.render(0.7))
    timed = EFFECTS["plasmawled"](rows=8, columns=8, config={"speed_multiplication": 0.0})
    timed.audio = SILENCE
    assert not np.array_equal(timed.render(0.0), timed.render(0.5))
