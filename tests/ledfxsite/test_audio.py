"""Audio analysis on generated signals whose answers are known in advance."""

import numpy as np
import pytest

from ledfxsite.audio import BLOCKS_PER_SECOND, MEL_BANDS, AudioAnalyser, level

RATE = 48000


def seconds(duration):
    return np.arange(int(duration * RATE)) / RATE


def sine(frequency, duration, amplitude=0.5):
    return amplitude * np.sin(2 * np.pi * frequency * seconds(duration))


def click_track(bpm, duration, start=0.05):
    """A 10 ms burst of noise on every beat, silence between."""
    signal = np.zeros(int(duration * RATE))
    burst = np.random.default_rng(1).uniform(-0.8, 0.8, int(0.01 * RATE))
    beat = start
    while beat * RATE + burst.size < signal.size:
        signal[int(beat * RATE) : int(beat * RATE) + burst.size] = burst
        beat += 60.0 / bpm
    return signal


def feed_in_blocks(analyser, signal, block=1024):
    """As a browser sends it: 1024-sample blocks, not the analyser's hop."""
    return [features for start in range(0, signal.size, block) for features in analyser.feed(signal[start : start + block])]


def test_blocks_come_at_the_block_rate_whatever_the_input_blocks():
    analyser = AudioAnalyser(RATE)
    assert len(feed_in_blocks(analyser, np.zeros(RATE * 2), block=1000)) == 2 * BLOCKS_PER_SECOND
    odd = AudioAnalyser(44100)
    assert len(feed_in_blocks(odd, np.zeros(44100), block=333)) == BLOCKS_PER_SECOND


@pytest.mark.parametrize("rate", [7999, 192001])
def test_sample_rates_outside_the_range_are_refused(rate):
    with pytest.raises(ValueError, match="outside 8000-192000"):
        AudioAnalyser(rate)


def test_silence_gives_zero_energy_everywhere():
    features = feed_in_blocks(AudioAnalyser(RATE), np.zeros(RATE))
    last = features[-1]
    powers = [last[band] for band in ("volume", "beat_power", "bass_power", "lows_power", "mids_power", "high_power")]
    assert powers == [0.0] * 6 and last["bpm"] == 0.0
    assert last["melbank"] == [0.0] * MEL_BANDS
    assert not any(block["onset"] or block["beat"] for block in features)


def test_levels_map_decibels_onto_0_to_1():
    assert level(0.5) == pytest.approx(1 + 10 * np.log10(0.5) / 60)  # a full-scale sine: -3 dB
    assert level(1e-6) == 0.0  # -60 dB
    assert level(1e-12) == 0.0


def test_a_sine_sweep_moves_the_melbank_peak_across_the_bands_in_order():
    duration = 4.0
    t = seconds(duration)
    low, high = 60.0, 12000.0
    # Exponential sweep: the frequency at t is low * (high / low) ** (t / duration).
    phase = 2 * np.pi * low * duration / np.log(high / low) * ((high / low) ** (t / duration) - 1)
    features = feed_in_blocks(AudioAnalyser(RATE), 0.5 * np.sin(phase))
    peaks = [int(np.argmax(block["melbank"])) for block in features[BLOCKS_PER_SECOND // 6 :]]
    assert all(later >= earlier for earlier, later in zip(peaks, peaks[1:]))
    assert peaks[0] <= 2 and peaks[-1] >= MEL_BANDS - 3


@pytest.mark.parametrize("frequency, band", [(60, "beat_power"), (170, "bass_power"), (1000, "mids_power"), (6000, "high_power")])
def test_a_tone_lights_its_own_band_at_its_level(frequency, band):
    last = feed_in_blocks(AudioAnalyser(RATE), sine(frequency, 1.0, amplitude=0.5))[-1]
    # amplitude 0.5: mean square 0.125, -9.03 dB, 1 - 9.03 / 60 on the 60 dB scale
    assert last[band] == pytest.approx(0.8495, abs=0.01) and last["volume"] == pytest.approx(0.8495, abs=0.01)
    others = {"beat_power", "bass_power", "mids_power", "high_power"} - {band}
    assert all(last[other] <= last[band] - 0.3 for other in others), last  # 18 dB below, or more


def test_volume_follows_a_ramp_monotonically():
    ramp = sine(480, 3.0) * np.linspace(0.001, 1.0, 3 * RATE)  # 8 whole cycles per block
    volumes = [block["volume"] for block in feed_in_blocks(AudioAnalyser(RATE), ramp)]
    assert all(later >= earlier for earlier, later in zip(volumes, volumes[1:]))
    assert volumes[0] < 0.1 and volumes[-1] == pytest.approx(0.8495, abs=0.01)  # up to amplitude 0.5


@pytest.mark.parametrize("bpm", [120, 95, 150])
def test_a_click_track_gives_its_tempo_within_5_seconds(bpm):
    features = feed_in_blocks(AudioAnalyser(RATE), click_track(bpm, 5.0))
    assert features[-1]["bpm"] == pytest.approx(bpm, abs=2)


def test_onsets_and_beats_fall_on_the_clicks():
    features = feed_in_blocks(AudioAnalyser(RATE), click_track(120, 8.0))
    onsets = [index for index, block in enumerate(features) if block["onset"]]
    assert len(onsets) == 16  # one per click: every half second for 8 s
    late_beats = [index for index, block in enumerate(features) if block["beat"] and index > 5 * BLOCKS_PER_SECOND]
    assert late_beats and all(min(abs(beat - onset) for onset in onsets) <= 2 for beat in late_beats)
    assert all(later - earlier in (29, 30, 31) for earlier, later in zip(late_beats, late_beats[1:]))
