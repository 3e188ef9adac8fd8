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
from effects.colors import LEDFX_GRADIENT, sample_gradient, to_pixels
from effects.library import BUILTIN_COLORS
from effects.strip_effects import MODULATION, modulated
from ledfxsite.audio import BANDS, MAX_FREQUENCY, MEL_BANDS, MIN_FREQUENCY, mel, mel_to_hz
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


SOFT_BLUR = Field("blur", "float", 3.0, "Amount to blur the effect", 0.0, 10.0)  # the default of several of LedFx's effects
# LedFx's choice of the power an effect follows, and the feature each one is.
FREQUENCY_RANGES = {"Beat": "beat_power", "Bass": "bass_power", "Lows (beat+bass)": "lows_power", "Mids": "mids_power", "High": "high_power"}
FREQUENCY_RANGE = Field("frequency_range", "choice", "Lows (beat+bass)", "Frequency range for the beat detection", choices=tuple(FREQUENCY_RANGES))
GRADIENT_TABLE = 1024
ROLL_FRAMES_PER_SECOND = 60.0  # LedFx rolls a gradient `gradient_roll` pixels a frame, at its 60 fps
# The melbank's band centres (for sources sampled at 30 kHz and more; the top is lower below).
MEL_CENTRES = mel_to_hz(np.linspace(mel(MIN_FREQUENCY), mel(MAX_FREQUENCY), MEL_BANDS + 2))[1:-1]


def power_of(features, frequency_range):
    return features[FREQUENCY_RANGES[frequency_range]]


def gradient_options(default=LEDFX_GRADIENT):
    """LedFx's gradient options: the gradient, and how far it rolls along each frame."""
    return (
        Field("gradient", "gradient", default, "Color gradient to display"),
        Field("gradient_roll", "float", 0.0, "Amount to shift the gradient", 0.0, 10.0),
    )


def bands_within(low, high):
    """The melbank's bands whose centres lie within low..high Hz (else the one nearest)."""
    inside = np.flatnonzero((MEL_CENTRES >= low) & (MEL_CENTRES <= high))
    if inside.size:
        return slice(int(inside[0]), int(inside[-1]) + 1)
    nearest = int(np.argmin(np.abs(MEL_CENTRES - (low + high) / 2)))
    return slice(nearest, nearest + 1)


class Impulse:
    """LedFx's exponential filter of an audio level (or of each value of an array), once a
    frame: it goes `rise` of the way up to a higher level and `decay` of the way down."""

    def __init__(self, decay, rise=0.99, value=0.0):
        self.decay, self.rise = decay, rise
        self.value = value

    def update(self, level):
        alpha = np.where(level > self.value, self.rise, self.decay)
        self.value = alpha * level + (1.0 - alpha) * self.value
        return self.value


class AudioEffect(Effect):
    category = "1D"
    listens = True

    def setup(self):
        self.position = (np.arange(self.pixel_count) + 0.5) / self.pixel_count
        self.synthetic_t = None
        self.melbank_bands = bands_within(*self.frequencies)
        self.gradient_stops = parse_gradient(self.config["gradient"]) if "gradient" in self.config else None
        if self.gradient_stops is not None:
            self.gradient_table = sample_gradient(*self.gradient_stops, np.arange(GRADIENT_TABLE) / GRADIENT_TABLE)

    def gradient_at(self, positions, t):
        """Colours of the gradient at positions 0..1 (from a table of GRADIENT_TABLE steps, as
        LedFx's), rolled along by gradient_roll pixels a frame at LedFx's frame rate."""
        steps = np.clip(positions * GRADIENT_TABLE, 0, GRADIENT_TABLE - 1).astype(np.int64)
        if self.config["gradient_roll"]:
            shift = self.config["gradient_roll"] * ROLL_FRAMES_PER_SECOND * t / self.pixel_count
            steps = (steps - int(shift * GRADIENT_TABLE)) % GRADIENT_TABLE
        return self.gradient_table[steps]

    def features(self, t):
        """The frame's audio features (one call per frame): the input's, or synthetic ones."""
        if self.audio is not None:
            return self.audio
        previous_t, self.synthetic_t = self.synthetic_t, t
        return synthetic(t, previous_t)

    def melbank_over(self, features, count):
        """The melbank's bands within the virtual's frequencies, stretched over `count`
        points (pixels or columns)."""
        bands = np.asarray(features["melbank"], dtype=np.float64)[self.melbank_bands]
        return np.interp(np.linspace(0, bands.size - 1, count), np.arange(bands.size), bands)


COLOR_LOWS = Field("color_lows", "color", "#FF0000", "Color of low, bassy sounds")
COLOR_MIDS = Field("color_mids", "color", "#00FF00", "Color of midrange sounds")
COLOR_HIGH = Field("color_high", "color", "#0000FF", "Color of high sounds")


def rgb(text):
    """A colour option as float RGB 0..255."""
    return np.array(parse_color(text), dtype=np.float64)


def band_colors(config):
    return np.stack([rgb(config[name]) for name in ("color_lows", "color_mids", "color_high")])


@register
class Energy(AudioEffect):
    """LedFx's energy: three bars from the start of the strip, as long as the lows, mids
    and highs thirds of the melbank are loud (times 1.6 - blur / 17, LedFx's allowance
    for the blur), in their colours, added or overlapping (mixing_mode). Each pixel rises
    `sensitivity` and falls (sensitivity - 0.1) x 0.7 of the way a frame. color_cycler:
    on each beat one of the three colours, in turn, becomes a random named colour. The
    base mirror, on by default here, makes them grow from the centre."""

    id = "energy"
    name = "Energy"
    options = (
        Field("blur", "float", 4.0, "Amount to blur the effect", 0.0, 10.0),
        Field("mirror", "bool", True, "Mirror the effect"),
        Field("color_cycler", "bool", False, "Change colors in time with the beat"),
        COLOR_LOWS,
        COLOR_MIDS,
        COLOR_HIGH,
        Field("sensitivity", "float", 0.6, "Responsiveness to changes in sound", 0.3, 0.99),
        Field("mixing_mode", "choice", "additive", "Mode of combining each frequencies' colors", choices=("additive", "overlap")),
    )

    def setup(self):
        super().setup()
        self.colors = band_colors(self.config)
        sensitivity = self.config["sensitivity"]
        self.smoothing = Impulse((sensitivity - 0.1) * 0.7, rise=sensitivity, value=np.zeros((self.pixel_count, 3)))
        self.cycled = 0

    def cycle_color(self):
        self.colors[self.cycled] = rgb(self.random.choice(list(BUILTIN_COLORS.values())))
        self.cycled = (self.cycled + 1) % 3

    def render(self, t):
        features = self.features(t)
        if self.config["color_cycler"] and features["beat"]:
            self.cycle_color()
        thirds = np.array_split(np.asarray(features["melbank"], dtype=np.float64)[self.melbank_bands], 3)
        reach = 1.6 - self.config["blur"] / 17
        lengths = [int(reach * self.pixel_count * third.mean()) if third.size else 0 for third in thirds]
        pixels = np.zeros((self.pixel_count, 3))
        for length, color in zip(lengths, self.colors):
            if self.config["mixing_mode"] == "additive":
                pixels[:length] += color
            else:
                pixels[:length] = color
        return to_pixels(self.smoothing.update(pixels))


@register
class Magnitude(AudioEffect):
    """LedFx's magnitude: the gradient along the strip, as bright as the power of `frequency_range`."""

    id = "magnitude"
    name = "Magnitude"
    options = (*gradient_options(), FREQUENCY_RANGE)

    def render(self, t):
        power = power_of(self.features(t), self.config["frequency_range"])
        return to_pixels(self.gradient_at(self.position, t) * power)


@register
class Wavelength(AudioEffect):
    """LedFx's wavelength: the gradient along the strip, each pixel as bright as the melbank there."""

    id = "wavelength"
    name = "Wavelength"
    options = (*gradient_options(), SOFT_BLUR)

    def render(self, t):
        values = self.melbank_over(self.features(t), self.pixel_count)
        return to_pixels(self.gradient_at(self.position, t) * values[:, None])


@register
class Scroll(AudioEffect):
    """LedFx's scroll: the loudest band of each melbank third, squared, enters at the start
    of the strip in its colour and moves along `speed` pixels a frame, fading by `decay`.
    A third quieter than threshold / 10 (lows), / 8 (mids) or / 7 (highs) adds nothing."""

    id = "scroll"
    name = "Scroll"
    options = (
        SOFT_BLUR,
        Field("mirror", "bool", True, "Mirror the effect"),
        Field("speed", "int", 3, "Speed of the effect", 1, 10),
        Field("decay", "float", 0.97, "Decay rate of the scroll", 0.8, 1.0),
        Field("threshold", "float", 0.0, "Cutoff for quiet sounds. Higher -> only loud sounds are detected", 0.0, 1.0),
        COLOR_LOWS,
        COLOR_MIDS,
        COLOR_HIGH,
    )
    CUTOFF_DIVISORS = np.array([10.0, 8.0, 7.0])

    def setup(self):
        super().setup()
        self.trail = np.zeros((self.pixel_count, 3))
        self.colors = band_colors(self.config)

    def render(self, t):
        features = self.features(t)
        thirds = np.array_split(np.asarray(features["melbank"], dtype=np.float64)[self.melbank_bands], 3)
        intensities = np.clip([third.max() ** 2 if third.size else 0.0 for third in thirds], 0.0, 1.0)
        intensities[intensities < self.config["threshold"] / self.CUTOFF_DIVISORS] = 0.0
        speed = min(self.config["speed"], self.pixel_count)
        self.trail[speed:] = self.trail[:-speed] * self.config["decay"]
        self.trail[:speed] = np.clip(intensities @ self.colors, 0.0, 255.0)
        return to_pixels(self.trail)


STROBES_PER_BEAT = {"1/1 (.,. )": 1, "1/2 (.-. )": 2, "1/4 (.o. )": 4, "1/8 (◉◡◉ )": 8, "1/16 (◉﹏◉ )": 16, "1/32 (⊙▃⊙ )": 32}
STROBE_PATTERNS = ("****", "*.*.", ".*.*", "*...", "...*")


@register
class Strobe(AudioEffect):
    """LedFx's BPM strobe: strobe_frequency flashes a beat, each fading at strobe_decay,
    dimmer towards the end of the beat (beat_decay); the four beats of a bar fire or not
    by strobe_pattern, and the colour moves along the gradient over the bar. Within a beat
    its phase only goes forwards."""

    id = "strobe"
    name = "BPM Strobe"
    options = (
        *gradient_options(),
        Field("strobe_frequency", "choice", "1/2 (.-. )", "How many strobes per beat", choices=tuple(STROBES_PER_BEAT)),
        Field("strobe_decay", "float", 1.5, "How rapidly a single strobe hit fades. Higher -> faster fade", 1.0, 10.0),
        Field("beat_decay", "float", 2.0, "How much the strobes fade across the beat. Higher -> less bright strobes towards end of beat", 0.0, 10.0),
        Field("strobe_pattern", "choice", "****", "When to fire (*) or skip (.) the strobe (Note that beat 1 is arbitrary)", choices=STROBE_PATTERNS),
    )

    def setup(self):
        super().setup()
        self.beats = 0
        self.phase = 0.0

    def render(self, t):
        features = self.features(t)
        phase = features["beat_phase"]
        if features["beat"]:
            self.beats += 1
        elif features["bpm"] and phase < self.phase:
            phase = self.phase  # the beat tracker moved the phase back to a late onset: no second flash
        self.phase = phase
        per_beat = STROBES_PER_BEAT[self.config["strobe_frequency"]]
        brightness = ((-phase % (1.0 / per_beat)) * per_beat) ** self.config["strobe_decay"] * (1.0 - phase) ** self.config["beat_decay"]
        if self.config["strobe_pattern"][self.beats % 4] != "*":
            brightness = 0.0
        color = self.gradient_at(np.array([((self.beats % 4) + phase) / 4.0]), t)[0]
        return to_pixels(np.tile(color * brightness**2, (self.pixel_count, 1)))


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
        *gradient_options(),
    )

    def setup(self):
        super().setup()
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
        color = self.gradient_at(np.array([self.color_position]), t)[0]
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
class BandsMatrix(AudioEffect):
    """LedFx's bands matrix: the strip cut into band_count bands (of the melbank, low to
    high), each lit from its start as far as its band is loud, coloured along the gradient
    over the band's length (flip_gradient: from the other end); every second band runs
    backwards, so that on a matrix wired back and forth they all rise the same way.
    flip_horizontal puts the highs first."""

    id = "bands_matrix"
    name = "Bands Matrix"
    category = "2D"
    options = (
        *gradient_options(),
        Field("band_count", "int", 6, "Number of bands", 1, 16),
        Field("flip_gradient", "bool", False, "Flip Gradient"),
        Field("flip_horizontal", "bool", False, "Flip horizontally"),
    )

    def render(self, t):
        values = np.clip(self.melbank_over(self.features(t), self.pixel_count), 0.0, 1.0)
        bands = []
        for index, band in enumerate(np.array_split(values, min(self.config["band_count"], self.pixel_count))):
            lit = int(band.max() * band.size)
            positions = np.arange(lit) / band.size
            pixels = np.zeros((band.size, 3))
            pixels[:lit] = self.gradient_at(1.0 - positions if self.config["flip_gradient"] else positions, t)
            bands.append(pixels[::-1] if index % 2 else pixels)
        if self.config["flip_horizontal"]:
            bands.reverse()
        return to_pixels(np.concatenate(bands))


@register
class Scan(AudioEffect):
    """LedFx's scan: `count` eyes, each scan_width % of its share of the strip, move at
    speed % of the strip a second times the power of `frequency_range` (x 2 x
    multiplier), back and forth (bounce) or round. An eye is color_scan, or the gradient's
    colour where it is (use_grad), or a window on the whole gradient, modulated
    (full_grad); color_intensity dims it with the power."""

    id = "scan"
    name = "Scan"
    options = (
        *MODULATION,
        *gradient_options(),
        SOFT_BLUR,
        Field("bounce", "bool", True, "bounce the scan"),
        Field("scan_width", "int", 30, "Width of scan eye in %", 1, 100),
        Field("speed", "int", 50, "Scan base % per second", 0, 100),
        Field("color_scan", "color", "#FF0000", "Color of scan"),
        FREQUENCY_RANGE,
        Field("multiplier", "float", 3.0, "Speed impact multiplier", 0.0, 5.0),
        Field("color_intensity", "bool", True, "Adjust color intensity based on audio power"),
        Field("use_grad", "bool", False, "Use colors from gradient selector"),
        Field("full_grad", "bool", False, "spread the gradient colors across the scan"),
        Field("count", "int", 1, "Number of scan to render", 1, 10),
    )

    def setup(self):
        super().setup()
        self.color = rgb(self.config["color_scan"])
        self.block = self.pixel_count / self.config["count"]
        self.width = max(1, int(self.block * self.config["scan_width"] / 100.0))
        self.scan_position = 0.0
        self.returning = False

    def move(self, step):
        self.scan_position += -step if self.returning else step
        if self.config["bounce"]:
            far_end = self.pixel_count - self.width
            if self.scan_position > far_end:
                self.returning, self.scan_position = True, far_end
            elif self.scan_position < 0:
                self.returning, self.scan_position = False, 0.0
        else:
            self.scan_position %= self.pixel_count

    def render(self, t):
        power = power_of(self.features(t), self.config["frequency_range"]) * 2.0
        steps = self.elapsed(t) * self.pixel_count / 100.0 * self.config["speed"] * power * self.config["multiplier"]
        self.move(steps)
        intensity = min(1.0, power) if self.config["color_intensity"] else 1.0
        eyes = np.zeros(self.pixel_count, dtype=bool)
        for index in range(self.config["count"]):
            start = int(self.block * index + self.scan_position)
            eyes[np.arange(start, start + self.width) % self.pixel_count] = True
        if self.config["full_grad"]:
            pixels = modulated(self.gradient_at(self.position, t), self.config, t) * eyes[:, None]
        else:
            color = self.gradient_at(np.array([self.scan_position / self.pixel_count % 1.0]), t)[0] if self.config["use_grad"] else self.color
            pixels = eyes[:, None] * color
        return to_pixels(pixels * intensity)


def perceptual_hue(hue):
    """LedFx's fix_hues: hues 0..1 through an S-curve, so that the rainbow steps evenly to the eye."""
    return 0.5 + 0.5 * np.sin(np.pi * (np.mod(hue, 1.0) - 0.5))


@register
class Fire(AudioEffect):
    """LedFx's fire: `intensity` sparks rise from the start of the strip, faster the
    brighter they are, heating the pixels they pass; the heat cools and diffuses up the
    strip, sixty steps a second (LedFx steps once a frame, at about 60). A spark goes
    out at the end or by chance (fade_chance). Heat is coloured through the gradient at
    hue color_shift and up, the hottest white; the lows slow the cooling and speed the
    sparks."""

    id = "fire"
    name = "Fire"
    options = (
        *gradient_options(),
        Field("fix_hues", "bool", True, "Use perceptually even hue distribution"),
        Field("speed", "float", 0.04, "Speed of the sparks", 0.00001, 0.5),
        Field("color_shift", "float", 0.15, "Hue of the flames along the gradient", 0.0, 1.0),
        Field("intensity", "int", 8, "Number of sparks", 1, 30),
        Field("fade_chance", "float", 0.5, "Chance of a spark going out early", 0.05, 1.0),
    )
    STEPS_PER_SECOND = 60.0

    def setup(self):
        super().setup()
        self.heat = np.zeros(self.pixel_count)
        self.sparks = np.zeros(self.config["intensity"])  # brightness; 0: out
        self.spark_positions = self.random.uniform(0.0, 5.0, self.config["intensity"])
        self.lows = Impulse(0.05)
        self.owed = 1.0  # one step on the first frame

    def step(self, lows):
        heat, sparks, positions = self.heat, self.sparks, self.spark_positions
        heat *= 0.75 + lows * 0.25
        if self.pixel_count > 5:
            heat[5:] = (heat[4:-1] + heat[3:-2] + heat[2:-3] * 2 + heat[1:-4] * 3) / 7
        out = sparks <= 0
        sparks[out] = self.random.uniform(0.5, 1.0, np.count_nonzero(out))
        positions[out] = self.random.uniform(0.0, 5.0, np.count_nonzero(out))
        speed = self.config["speed"] + lows * 0.01
        moved = sparks**2 * (1000.0 / self.STEPS_PER_SECOND) * speed * (self.pixel_count / 100.0)
        positions += moved
        gone = (positions >= self.pixel_count) | (self.random.random(sparks.size) < self.config["fade_chance"] / 10)
        for first, last, spark in zip(positions - moved, positions, sparks):
            passed = np.arange(int(first), int(last))
            heat[np.clip(passed, 0, self.pixel_count - 1)] += np.clip(1 - spark * 0.4, 0, 1) * 0.5
        sparks[gone] = 0.0
        positions[gone] = 0.0

    def render(self, t):
        lows = self.lows.update(self.features(t)["lows_power"])
        for _ in range(self.steps_due(t, self.STEPS_PER_SECOND, most=8)):
            self.step(lows)
        hue = np.clip(self.heat**2, 0.0, 1.0) * 0.1 + self.config["color_shift"]
        if self.config["fix_hues"]:
            hue = perceptual_hue(hue)
        colors = self.gradient_at(np.mod(hue, 1.0), t)
        saturation = np.clip(1.0 - (self.heat - 1.0) * 2.0, 0.0, 1.0)[:, None]
        colors = colors + (colors.max(axis=1, keepdims=True) - colors) * (1.0 - saturation)
        return to_pixels(colors * np.clip(self.heat * 2.0, 0.0, 1.0)[:, None])
