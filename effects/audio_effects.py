"""Audio-reactive effects, and the render worker's feed of analysed audio.

The worker hears the features of every web-audio stream (ledfxsite.web_audio) and keeps
those of the selected source (CoreConfig.audio_device_name). Before each frame a loop
gives its effect `audio`: the latest features; SILENCE when the selected source sent
nothing for STALE_SECONDS or stopped; None when no source is selected, and then these
effects run from time, on a synthetic 120 BPM signal.
"""

import collections
import functools
import math
import threading
import time

import numpy as np

from effects.base import Effect, register
from effects.colors import LEDFX_GRADIENT, hsv_to_rgb, sample_gradient, to_pixels
from ledfxsite.audio import BANDS, MEL_BANDS
from ledfxsite.colors import parse_color, parse_gradient
from ledfxsite.schema import Field

STALE_SECONDS = 0.25
DIAGNOSTICS_SECONDS = 1.0
SILENCE = {"volume": 0.0, **{band: 0.0 for band in BANDS}, "melbank": [0.0] * MEL_BANDS, "onset": False, "beat": False, "bpm": 0.0, "beat_phase": 0.0}


LEVELS = ("volume", *BANDS)


def merged(older, newer):
    """Two blocks' features as one frame shows them: the newer, with the louder level of
    each band, the louder melbank band by band, and an onset or beat if either had one."""
    return {
        **newer,
        **{name: max(older[name], newer[name]) for name in LEVELS},
        "melbank": [max(a, b) for a, b in zip(older["melbank"], newer["melbank"])],
        "onset": older["onset"] or newer["onset"],
        "beat": older["beat"] or newer["beat"],
    }


class AudioFeed:
    """Written by the worker's event loop, read by the render thread. Blocks come at about
    94 a second and frames at the devices' rate: each render loop gets the blocks heard
    since its own last frame, merged, so a short sound (a click, a beat) that fell between
    two frames still shows, in every virtual that listens."""

    KEPT_BLOCKS = 64  # a loop that falls further behind merges the newest only

    def __init__(self):
        self.lock = threading.Lock()
        self.selected = ""
        self.recent = collections.deque(maxlen=self.KEPT_BLOCKS)
        self.heard_blocks = 0  # blocks heard since the worker started: loops count from it
        self.heard_at = 0.0

    def select(self, source):
        with self.lock:
            if source != self.selected:
                self.selected = source
                self.recent.clear()

    def heard(self, source, blocks):
        """Keep the blocks' features if they come from the selected source; True if they do."""
        with self.lock:
            if source != self.selected:
                return False
            self.recent.extend(blocks)
            self.heard_blocks += len(blocks)
            self.heard_at = time.monotonic()
            return True

    def stopped(self, source):
        with self.lock:
            if source == self.selected:
                self.recent.clear()

    def current(self):
        """The features now: None with no input selected (effects run from time), SILENCE
        when the input stopped or sent nothing for STALE_SECONDS, else the last block's."""
        return self.for_frame(None)[0]

    def for_frame(self, seen):
        """(features for a loop's next frame, what it passes as `seen` the time after):
        the blocks heard since `seen` merged, or the last block without its onset and beat
        when none came (seen None: the last block as it is)."""
        with self.lock:
            if not self.selected:
                return None, seen
            if not self.recent or time.monotonic() - self.heard_at > STALE_SECONDS:
                return SILENCE, self.heard_blocks
            unseen = 1 if seen is None else min(self.heard_blocks - seen, len(self.recent))
            if unseen <= 0:
                return {**self.recent[-1], "onset": False, "beat": False}, seen
            blocks = list(self.recent)[-unseen:]
        return functools.reduce(merged, blocks), self.heard_blocks


class AudioDiagnostics:
    """What the worker heard of the selected input over each second, for audio_diag: why
    lights lag or stutter (slow analysis, a slow channel layer, blocks lost on the way)."""

    def __init__(self):
        self.last_seq = None
        self.started = 0.0
        self.blocks = self.dropped = 0
        self.analysis_ms = self.delay_ms = 0.0

    def heard(self, message):
        """Count a features message; once a second, the audio_diag fields (else None)."""
        now = time.monotonic()
        if not self.blocks:  # a second starts with its first block, not at the last report
            self.started = now
        seq, count = message["seq"], len(message["blocks"])
        if self.last_seq is not None and seq > self.last_seq + 1:
            self.dropped += seq - self.last_seq - 1
        self.last_seq = seq + count - 1
        self.blocks += count
        self.analysis_ms += message["analysis_ms"] * count
        self.delay_ms = max(self.delay_ms, (time.time() - message["sent_at"]) * 1000)
        if now - self.started < DIAGNOSTICS_SECONDS:
            return None
        fields = {
            "source": message["source"],
            "block_rate": round(message["block_rate"], 2),
            "blocks": self.blocks,
            "dropped": self.dropped,
            "analysis_ms": round(self.analysis_ms / self.blocks, 3),
            "delay_ms": round(self.delay_ms, 1),
        }
        self.blocks, self.dropped, self.analysis_ms, self.delay_ms = 0, 0, 0.0, 0.0
        return fields


def synthetic(t, previous_t):
    """Features from time alone: a 120 BPM pulse whose melbank sweeps slowly. A beat (and
    onset) falls on the frame whose span since `previous_t` crosses the start of a beat,
    whatever the frame rate."""
    phase = (t * 2.0) % 1.0
    pulse = math.exp(-6.0 * phase)
    centre = (math.sin(t * 0.5) * 0.5 + 0.5) * (MEL_BANDS - 1)
    melbank = [round(pulse * math.exp(-0.5 * ((band - centre) / 3.0) ** 2), 4) for band in range(MEL_BANDS)]
    levels = {"lows_power": pulse, "beat_power": pulse, "bass_power": pulse * 0.8, "mids_power": 0.5 + 0.3 * math.sin(t), "high_power": 0.4 + 0.3 * math.sin(t * 1.7)}
    beat = previous_t is not None and math.floor(t * 2.0) > math.floor(previous_t * 2.0)
    return {"volume": 0.7, **levels, "melbank": melbank, "onset": beat, "beat": beat, "bpm": 120.0, "beat_phase": phase}


class AudioEffect(Effect):
    category = "1D"
    listens = True

    def setup(self):
        self.position = (np.arange(self.pixel_count) + 0.5) / self.pixel_count
        self.synthetic_t = None

    def features(self, t):
        """The frame's audio features (one call per frame): the input's, or synthetic ones."""
        if self.audio is not None:
            return self.audio
        previous_t, self.synthetic_t = self.synthetic_t, t
        return synthetic(t, previous_t)

    def melbank_over(self, features, count):
        """The melbank stretched over `count` points (pixels or columns)."""
        bands = np.asarray(features["melbank"], dtype=np.float64)
        return np.interp(np.linspace(0, bands.size - 1, count), np.arange(bands.size), bands)


COLOR_LOWS = Field("color_lows", "color", "#ff0000", "Colour of the lows (20-250 Hz)")
COLOR_MIDS = Field("color_mids", "color", "#00ff00", "Colour of the mids (250-3000 Hz)")
COLOR_HIGH = Field("color_high", "color", "#0000ff", "Colour of the highs (3-10 kHz)")


def rgb(text):
    """A colour option as float RGB 0..255."""
    return np.array(parse_color(text), dtype=np.float64)


def band_colors(config):
    return np.stack([rgb(config[name]) for name in ("color_lows", "color_mids", "color_high")])


@register
class Energy(AudioEffect):
    id = "energy"
    name = "Energy"
    options = (
        COLOR_LOWS,
        COLOR_MIDS,
        COLOR_HIGH,
        Field("mirror", "bool", True, "Mirror the effect: grow from the centre (LedFx's default for energy)"),
        Field("fall_time", "float", 0.1, "Seconds for the bars to fall by two thirds once the sound stops", 0.0, 2.0),
    )

    def setup(self):
        super().setup()
        self.levels = np.zeros(4)  # lows, mids, highs, volume: rising at once, falling slowly

    def render(self, t):
        features = self.features(t)
        dt, fall = self.elapsed(t), self.config["fall_time"]
        kept = self.levels * (math.exp(-dt / fall) if fall else 0.0)
        self.levels = np.maximum([features["lows_power"], features["mids_power"], features["high_power"], features["volume"]], kept)
        lit = (self.position[:, None] < self.levels[None, :3]).astype(np.float64)  # the base mirror folds it about the centre
        return to_pixels(np.clip(lit @ band_colors(self.config), 0.0, 255.0) * self.levels[3])


@register
class Magnitude(AudioEffect):
    id = "magnitude"
    name = "Magnitude"
    options = (
        Field("frequency_range", "choice", "lows_power", "Which band's power lights the strip", choices=tuple(BANDS)),
        Field("color", "color", "#ff00ff", "The colour"),
    )

    def render(self, t):
        power = self.features(t)[self.config["frequency_range"]]
        return to_pixels(np.tile(rgb(self.config["color"]) * power, (self.pixel_count, 1)))


@register
class Wavelength(AudioEffect):
    id = "wavelength"
    name = "Wavelength"
    options = ()

    def render(self, t):
        values = self.melbank_over(self.features(t), self.pixel_count)
        return to_pixels(hsv_to_rgb(self.position * 0.8) * values[:, None])


@register
class Scroll(AudioEffect):
    id = "scroll"
    name = "Scroll"
    options = (
        COLOR_LOWS,
        COLOR_MIDS,
        COLOR_HIGH,
        Field("speed", "int", 3, "Pixels moved per frame", 1, 10),
        Field("decay", "float", 0.97, "Brightness kept per frame", 0.8, 1.0),
    )

    def setup(self):
        super().setup()
        self.trail = np.zeros((self.pixel_count, 3))

    def render(self, t):
        features = self.features(t)
        speed = min(self.config["speed"], self.pixel_count)
        self.trail[speed:] = self.trail[:-speed] * self.config["decay"]
        head = np.array([features[band] ** 2 for band in ("lows_power", "mids_power", "high_power")]) @ band_colors(self.config)
        self.trail[:speed] = np.clip(head, 0.0, 255.0)
        return to_pixels(self.trail)


@register
class Strobe(AudioEffect):
    id = "strobe"
    name = "Beat Strobe"
    options = (
        Field("color", "color", "#ffffff", "Colour of the flash"),
        Field("decay", "float", 8.0, "How fast a flash fades (per second)", 0.5, 30.0),
    )

    def setup(self):
        super().setup()
        self.flash = 0.0

    def render(self, t):
        dt = self.elapsed(t)
        self.flash = 1.0 if self.features(t)["beat"] else self.flash * math.exp(-self.config["decay"] * dt)
        return to_pixels(np.tile(rgb(self.config["color"]) * self.flash, (self.pixel_count, 1)))


EASINGS = {
    "ease_in_out": lambda x: 0.5 * math.sin(math.pi * (x - 0.5)) + 0.5,
    "ease_in": lambda x: x * x,
    "ease_out": lambda x: 1.0 - (x - 1.0) ** 2,
    "linear": lambda x: x,
}
BOUNCING_BAR = 0.3  # the bar's length in "bounce" mode, as a fraction of the strip


@register
class Bar(AudioEffect):
    """LedFx's bar: every beat a bar sweeps along the strip, eased; beats alternate between
    the sweep and its return, and every second beat the colour moves on along the gradient.
    "wipe" fills then empties from the start, "in-out" fills then shrinks back, "bounce"
    runs a short bar there and back. beat_skip blacks out odd or even beats (with
    skip_every 2, the first two beats of every four)."""

    id = "bar"
    name = "Bar"
    options = (
        Field("mode", "choice", "wipe", "Choose from different animations", choices=("bounce", "wipe", "in-out")),
        Field("ease_method", "choice", "ease_out", "Acceleration profile of bar", choices=tuple(EASINGS)),
        Field("color_step", "float", 0.125, "Amount of color change per beat", 0.0625, 0.5),
        Field("beat_skip", "choice", "none", "Skips odd or even beats", choices=("none", "odds", "even")),
        Field("beat_offset", "float", 0.0, "Offset the beat", 0.0, 1.0),
        Field("skip_every", "choice", 1, "If skipping beats, skip every", choices=(1, 2)),
        Field("gradient", "gradient", LEDFX_GRADIENT, "Color gradient to display"),
        Field("gradient_roll", "float", 0.0, "Kept for LedFx's UI, which hides it for this effect", 0.0, 10.0),
    )

    def setup(self):
        super().setup()
        self.stops = parse_gradient(self.config["gradient"])
        self.returning = False
        self.color_position = 0.0
        self.beats = 0

    def render(self, t):
        features = self.features(t)
        if features["beat"]:
            self.beats += 1
            self.returning = not self.returning
            if not self.returning:
                self.color_position = (self.color_position + self.config["color_step"]) % 1.0
        x = EASINGS[self.config["ease_method"]]((features["beat_phase"] + self.config["beat_offset"]) % 1.0)
        start, end = self.extent(x)
        color = sample_gradient(*self.stops, np.array([self.color_position]))[0]
        if self.skipped():
            color = np.zeros(3)
        pixels = np.zeros((self.pixel_count, 3))
        pixels[int(self.pixel_count * start) : int(self.pixel_count * end)] = color
        return to_pixels(pixels)

    def extent(self, x):
        """(start, end) of the bar, as fractions of the strip."""
        mode = self.config["mode"]
        if mode == "wipe":
            return (x, 1.0) if self.returning else (0.0, x)
        if mode == "in-out":
            return (0.0, 1.0 - x) if self.returning else (0.0, x)
        x *= 1.0 - BOUNCING_BAR
        return (1.0 - x - BOUNCING_BAR, 1.0 - x) if self.returning else (x, x + BOUNCING_BAR)

    def skipped(self):
        skip = self.config["beat_skip"]
        if skip == "none":
            return False
        first_half = self.beats % 4 in (0, 1) if self.config["skip_every"] == 2 else self.beats % 2 == 0
        return first_half == (skip == "even")


@register
class Bands2d(AudioEffect):
    id = "bands_matrix"
    name = "Spectrum Bars"
    category = "2D"
    options = (Field("gradient_bottom", "color", "#00ff00", "Colour at the bottom"), Field("gradient_top", "color", "#ff0000", "Colour at the top"))

    def render(self, t):
        heights = self.melbank_over(self.features(t), self.columns)
        row_from_bottom = (self.rows - 1 - np.arange(self.rows))[:, None] + 0.5
        lit = row_from_bottom < heights[None, :] * self.rows
        bottom, top = rgb(self.config["gradient_bottom"]), rgb(self.config["gradient_top"])
        blend = (row_from_bottom / self.rows)[..., None]
        colors = bottom * (1 - blend) + top * blend
        return to_pixels((colors * lit[..., None]).reshape(-1, 3))
