"""The effect base class, its declared config schema, and the registry.

An effect renders a frame of `rows x columns` pixels for a time in seconds, as uint8
(pixels, 3), row-major. Effects that LedFx drives from audio run here from time or a
seeded synthetic signal: the same seed and the same times give the same frames.
"""

import numpy as np

from ledfxsite.schema import Field, Schema

EFFECTS = {}
DIAG = Field("diag", "bool", False, "Send virtual_diag render statistics once per second")


def register(effect_class):
    """Add an effect to the registry; its options and `diag` become its config schema."""
    effect_class.config_schema = Schema(*effect_class.options, DIAG)
    EFFECTS[effect_class.id] = effect_class
    return effect_class


class Effect:
    id = ""
    name = ""
    category = "1D"  # or "2D": laid out as a matrix of `rows` rows
    options = ()  # ledfxsite.schema.Field each; `diag` is added to every effect
    # Effects that listen get the analysed audio for each frame in `audio`, set by the render
    # loop (effects.audio_effects); the others never ask for it.
    listens = False
    audio = None

    def __init__(self, *, rows, columns, config=None, seed=0):
        self.rows = rows
        self.columns = columns
        self.pixel_count = rows * columns
        self.config = self.validate(config or {})
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
        self.setup()

    def render(self, t):
        raise NotImplementedError

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

    @property
    def grid(self):
        """Pixel coordinates: (y, x) arrays of shape (rows, columns)."""
        return np.mgrid[0 : self.rows, 0 : self.columns].astype(np.float64)
