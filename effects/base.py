"""The effect base class, its declared config schema, and the registry.

An effect renders a frame of `rows x columns` pixels for a time in seconds, as uint8
(pixels, 3), row-major; LedFx's base options (blur, flip, mirror, brightness, background)
are applied to every effect's frames by one stage, `Finish`. Effects that LedFx drives from audio run here from time or a
seeded synthetic signal: the same seed and the same times give the same frames.
"""

import numpy as np

from ledfxsite.audio import MAX_FREQUENCY, MIN_FREQUENCY
from ledfxsite.colors import parse_color
from ledfxsite.schema import Field, Schema

EFFECTS = {}
# LedFx's options of every effect, with its names, defaults and ranges; `Finish` applies them.
BASE_OPTIONS = (
    Field("blur", "float", 0.0, "Amount to blur the effect", 0.0, 10.0),
    Field("flip", "bool", False, "Flip the effect"),
    Field("mirror", "bool", False, "Mirror the effect"),
    Field("brightness", "float", 1.0, "Brightness of strip", 0.0, 1.0),
    Field("background_color", "color", "#000000", "Apply a background color"),
    Field("background_brightness", "float", 1.0, "Brightness of the background color", 0.0, 1.0),
    Field("diag", "bool", False, "Send virtual_diag render statistics once per second"),
    Field("advanced", "bool", description="Show the effect's advanced options (LedFx's UI; only kept when given)", unset=True),
)


def register(effect_class):
    """Add an effect to the registry; its options and the base options make its config
    schema. An effect may declare a base option again, to give it another default (as
    LedFx's effects do); Finish still applies it."""
    own = {field.name for field in effect_class.options}
    effect_class.config_schema = Schema(*effect_class.options, *(field for field in BASE_OPTIONS if field.name not in own))
    EFFECTS[effect_class.id] = effect_class
    return effect_class


def gaussian_kernel(sigma, length):
    """A normalised Gaussian of standard deviation `sigma` pixels, cut at four sigmas and
    to at most `length` taps (an odd number, so that it stays centred)."""
    radius = min(int(4 * sigma + 0.5), (length - 1) // 2)
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-(offsets**2) / (2 * sigma**2))
    return kernel / kernel.sum()


class Finish:
    """The base options of an effect's config applied to its frames, in LedFx's order:
    flip (reverse the pixels), mirror (the frame and its reverse interleaved, each pixel
    the brighter of a pair: symmetric about the middle), background colour times its
    brightness added (or, with a 2-D effect's background_mode "overwrite", put where the
    frame is black), brightness, then a Gaussian blur of `blur` pixels. A 2-D effect's
    frame is treated as the strip its rows make end to end, as LedFx does."""

    def __init__(self, config, pixel_count):
        self.flip = config["flip"]
        self.mirror = config["mirror"]
        self.background = np.array(parse_color(config["background_color"]), dtype=np.float64) * config["background_brightness"]
        self.overwrite = config.get("background_mode") == "overwrite"
        self.brightness = config["brightness"]
        self.kernel = gaussian_kernel(config["blur"], pixel_count) if config["blur"] > 0 and pixel_count > 3 else None
        self.changes_nothing = not (self.flip or self.mirror or self.background.any() or self.brightness < 1.0 or self.kernel is not None)

    def __call__(self, frame):
        if self.changes_nothing:
            return frame
        pixels = frame.astype(np.float64)
        if self.flip:
            pixels = pixels[::-1]
        if self.mirror:
            both = np.concatenate((pixels[::-1], pixels))
            pixels = np.maximum(both[0::2], both[1::2])
        if self.overwrite:  # LedFx's 2-D background_mode: the background where nothing is drawn
            pixels = np.where(pixels.any(axis=1, keepdims=True), pixels, self.background)
        else:
            pixels = pixels + self.background
        pixels *= self.brightness
        if self.kernel is not None:
            pixels = np.stack([np.convolve(pixels[:, channel], self.kernel, mode="same") for channel in range(3)], axis=1)
        return np.clip(pixels, 0, 255).astype(np.uint8)  # truncated, as LedFx's outputs do


class Effect:
    id = ""
    name = ""
    category = "1D"  # or "2D": laid out as a matrix of `rows` rows
    options = ()  # ledfxsite.schema.Field each; BASE_OPTIONS are added to every effect
    # Effects that listen get the analysed audio for each frame in `audio`, set by the render
    # loop (effects.audio_effects); the others never ask for it.
    listens = False
    audio = None

    def __init__(self, *, rows, columns, config=None, seed=0, rotate=0, frequencies=(MIN_FREQUENCY, MAX_FREQUENCY)):
        """rotate and frequencies are the virtual's (LedFx's virtual options `rotate` and
        `frequency_min`/`frequency_max`): quarter turns added to a 2-D effect's own, and
        the part of the melbank that audio effects show."""
        self.rows = rows
        self.columns = columns
        self.virtual_rotate = rotate
        self.frequencies = frequencies
        self.pixel_count = rows * columns
        self.config = self.validate(config or {})
        self.finish = Finish(self.config, self.pixel_count)
        self.random = np.random.default_rng(seed)
        self.last_t = None
        self.owed = 0.0
        self.setup()

    @classmethod
    def validate(cls, config):
        """Defaults filled in and every value checked; ledfxsite.schema.Invalid lists every problem."""
        return cls.config_schema.clean(config)

    def setup(self):
        """Prepare state from self.config (called once, and by update())."""

    def update(self, config):
        self.config = self.validate(config)
        self.finish = Finish(self.config, self.pixel_count)
        self.setup()

    def render(self, t):
        """The effect's own frame at time t (seconds)."""
        raise NotImplementedError

    def pixels(self, t):
        """The frame that goes out: render(t) with the base options applied."""
        return self.finish(self.render(t))

    def elapsed(self, t):
        """Seconds since the previous frame (0 on the first), for effects with state."""
        dt = 0.0 if self.last_t is None else max(0.0, t - self.last_t)
        self.last_t = t
        return dt

    def steps_due(self, t, rate, most):
        """Whole simulation steps owed at `rate` per second since the previous frame (the
        effect keeps the fraction in self.owed), at most `most`: after a stall, catch up
        a little, not all at once."""
        self.owed += self.elapsed(t) * rate
        steps = int(self.owed)
        self.owed -= steps
        return min(steps, most)

    def diagnostics(self):
        """Text for general_diag, or None (most effects have none)."""
        return None
