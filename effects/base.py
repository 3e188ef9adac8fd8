"""The effect base class, its declared config schema, and the registry.

An effect renders a frame of `rows x columns` pixels for a time in seconds, as uint8
(pixels, 3), row-major. Effects that LedFx drives from audio run here from time or a
seeded synthetic signal: the same seed and the same times give the same frames.
"""

from dataclasses import dataclass

import numpy as np

from effects.colors import parse_color, parse_gradient

EFFECTS = {}


class EffectConfigError(ValueError):
    """A config that does not fit the effect's schema; `errors` names each bad field."""

    def __init__(self, errors):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Option:
    """One config option: its kind ("bool", "int", "float", "color", "gradient", "choice"),
    default, bounds and description."""

    name: str
    kind: str
    default: object
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()

    def clean(self, value):
        """The value in its canonical form, or ValueError with a readable reason."""
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"must be true or false (got {value!r})")
            return value
        if self.kind in ("int", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"must be a number (got {value!r})")
            if self.kind == "int" and value != int(value):
                raise ValueError(f"must be a whole number (got {value!r})")
            if not np.isfinite(value) or not self.minimum <= value <= self.maximum:
                raise ValueError(f"must be between {self.minimum:g} and {self.maximum:g} (got {value!r})")
            return int(value) if self.kind == "int" else float(value)
        if self.kind == "color":
            parse_color(value)
            return value
        if self.kind == "gradient":
            parse_gradient(value)
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(f"must be one of {', '.join(map(str, self.choices))} (got {value!r})")
            return value
        raise AssertionError(f"unknown option kind {self.kind}")

    def schema(self):
        """The option as LedFx's /api/schema describes one."""
        kinds = {"bool": "boolean", "int": "integer", "float": "number", "color": "color", "gradient": "color", "choice": "string"}
        prop = {"type": kinds[self.kind]}
        if self.kind in ("int", "float"):
            prop.update(minimum=self.minimum, maximum=self.maximum)
        if self.kind == "choice":
            prop["enum"] = list(self.choices)
        if self.kind in ("color", "gradient"):
            prop["gradient"] = self.kind == "gradient"
        prop.update(title=self.name.replace("_", " ").title(), description=self.description, default=self.default)
        return prop


DIAG = Option("diag", "bool", False, "Send virtual_diag render statistics once per second")


def register(effect_class):
    EFFECTS[effect_class.id] = effect_class
    return effect_class


class Effect:
    id = ""
    name = ""
    category = "1D"  # or "2D": laid out as a matrix of `rows` rows
    options = ()

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
    def all_options(cls):
        return (*cls.options, DIAG)

    @classmethod
    def validate(cls, config):
        """Defaults filled in and every value checked; EffectConfigError lists every problem."""
        if not isinstance(config, dict):
            raise EffectConfigError([f"config must be an object (got {type(config).__name__})"])
        options = {option.name: option for option in cls.all_options()}
        errors = [f"{name}: unknown option for {cls.id} (options: {', '.join(options)})" for name in config if name not in options]
        cleaned = {}
        for name, option in options.items():
            try:
                cleaned[name] = option.clean(config.get(name, option.default))
            except ValueError as exc:
                errors.append(f"{name}: {exc}")
        if errors:
            raise EffectConfigError(errors)
        return cleaned

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
