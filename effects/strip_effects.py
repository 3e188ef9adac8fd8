"""1-D effects: each pixel's colour from its position along the strip and the time."""

import collections
import time

import numpy as np

from effects.base import Effect, register
from effects.colors import LEDFX_GRADIENT, hsv_to_rgb, sample_gradient, to_pixels
from ledfxsite.colors import parse_color, parse_gradient
from ledfxsite.schema import Field



class StripEffect(Effect):
    category = "1D"

    def setup(self):
        # 0..1 along the strip, the pixel's centre
        self.position = (np.arange(self.pixel_count) + 0.5) / self.pixel_count


# LedFx's brightness modulation, for effects that would otherwise stand still.
MODULATION = (
    Field("modulate", "bool", False, "Brightness modulation"),
    Field("modulation_effect", "choice", "sine", "Choose an animation", choices=("sine", "breath")),
    Field("modulation_speed", "float", 0.5, "Animation speed", 0.01, 1.0),
)
TEMPORAL_SPEED = Field("speed", "float", 1.0, "Speed of the effect", 0.1, 10.0)
STEPS_PER_SECOND = 10.0  # LedFx's temporal effects step ten times a second at speed 1


def modulated(pixels, config, t):
    """LedFx's modulation of a frame's brightness (float (N, 3)), at time t: "sine", a wave
    between 0.1 and 0.7 of the brightness along the strip, moving on; "breath", the strip lit
    from its start to a point that rises slowly and falls back, every nine steps."""
    if not config["modulate"]:
        return pixels
    steps = t * STEPS_PER_SECOND * config["speed"]
    count = len(pixels)
    if config["modulation_effect"] == "sine":
        phase = (steps * 0.1 * config["modulation_speed"] / np.pi) % (2 * np.pi)
        wave = 0.3 * np.sin(np.linspace(phase + np.pi, phase, count)) + 0.4
        return pixels * wave[:, None]
    x = (steps * config["modulation_speed"] / 60.0) % 9.0  # LedFx's breath: 9 units of 60 steps
    reach = 0.4 * np.sin(x - np.pi / 2) + 0.6 if x < 3.0 else np.exp(3.0 - x) + 0.2
    pixels = pixels.copy()
    pixels[int(reach * count) :] = 0.0
    return pixels


@register
class Rainbow(StripEffect):
    id = "rainbow"
    name = "Rainbow"
    options = (
        Field("speed", "float", 1.0, "Speed of the effect (hue cycles per second)", 0.1, 20.0),
        Field("frequency", "float", 1.0, "Frequency of the effect curve (rainbows along the strip)", 0.1, 64.0),
    )

    def render(self, t):
        hue = self.position * self.config["frequency"] + t * self.config["speed"]
        return to_pixels(hsv_to_rgb(hue))


@register
class Gradient(StripEffect):
    """A gradient along the strip (LedFx's): still, or shifted along by `gradient_roll`
    pixels per step (ten steps a second at speed 1), and modulated as singleColor is."""

    id = "gradient"
    name = "Gradient"
    options = (
        *MODULATION,
        Field("gradient", "gradient", LEDFX_GRADIENT, "Color gradient to display"),
        Field("gradient_roll", "float", 0.0, "Amount to shift the gradient", 0.0, 10.0),
        TEMPORAL_SPEED,
    )

    def setup(self):
        super().setup()
        self.stops = parse_gradient(self.config["gradient"])

    def render(self, t):
        shifted = self.config["gradient_roll"] * STEPS_PER_SECOND * self.config["speed"] * t / self.pixel_count
        return to_pixels(modulated(sample_gradient(*self.stops, self.position - shifted), self.config, t))


@register
class SingleColor(StripEffect):
    id = "singleColor"
    name = "Single Color"
    options = (*MODULATION, TEMPORAL_SPEED, Field("color", "color", "#FF0000", "Color of strip"))  # dimmed by the base brightness

    def setup(self):
        super().setup()
        self.color = np.array(parse_color(self.config["color"]), dtype=np.float64)

    def render(self, t):
        return to_pixels(modulated(np.tile(self.color, (self.pixel_count, 1)), self.config, t))


@register
class Twinkle(StripEffect):
    id = "twinkle"
    name = "Twinkle"
    options = (
        Field("color", "color", "#fff4d6", "Colour of the twinkles"),
        Field("rainbow", "bool", False, "Give each twinkle a random hue instead"),
        Field("density", "float", 0.5, "New twinkles per pixel per second", 0.0, 10.0),
        Field("decay", "float", 0.4, "Seconds for a twinkle to fade to a third", 0.05, 5.0),
    )

    def setup(self):
        super().setup()
        self.level = np.zeros(self.pixel_count)
        self.hue = self.random.random(self.pixel_count)
        self.color = np.array(parse_color(self.config["color"]), dtype=np.float64)

    def render(self, t):
        dt = self.elapsed(t)
        self.level *= np.exp(-dt / self.config["decay"])
        born = self.random.random(self.pixel_count) < self.config["density"] * dt
        self.level[born] = 1.0
        self.hue[born] = self.random.random(np.count_nonzero(born))
        if self.config["rainbow"]:
            return to_pixels(hsv_to_rgb(self.hue, 1.0, self.level))
        return to_pixels(self.level[:, None] * self.color)


# --- LedFx's non-reactive effects, with its names, options and defaults

GRADIENT_ROLL = Field("gradient_roll", "float", 0.0, "Kept for LedFx's UI, which hides it for this effect", 0.0, 10.0)
FADE_GRADIENT_PER_SECOND = 0.015  # of the gradient, per unit of speed: LedFx's pace


@register
class Fade(StripEffect):
    """The whole strip one colour, moving along the gradient and back (LedFx's fade)."""

    id = "fade"
    name = "Fade"
    options = (
        Field("gradient", "gradient", LEDFX_GRADIENT, "Color gradient to display"),
        GRADIENT_ROLL,
        Field("speed", "float", 0.5, "Rate of change of color", 0.1, 10.0),
    )

    def setup(self):
        super().setup()
        self.stops = parse_gradient(self.config["gradient"])

    def render(self, t):
        travelled = (t * self.config["speed"] * FADE_GRADIENT_PER_SECOND) % 2.0
        color = sample_gradient(*self.stops, np.array([min(travelled, 2.0 - travelled)]))[0]
        return to_pixels(np.tile(color, (self.pixel_count, 1)))


@register
class RandomFlash(StripEffect):
    """Now and then a part of the strip flashes and fades, like lightning (LedFx's random
    flash): each second a new flash comes with `hit_probability_per_sec`, when none is
    fading; it lights `hit_relative_size` % of the strip at a random place."""

    id = "random_flash"
    name = "Random Flash"
    options = (
        Field("speed", "float", 1.0, "Kept for LedFx's UI, which hides it for this effect", 0.1, 10.0),
        Field("hit_color", "color", "#FFFFFF", "Hit color"),
        Field("hit_duration", "float", 0.5, "Hit duration", 0.1, 5.0),
        Field("hit_probability_per_sec", "float", 0.1, "Probability of hit per second", 0.01, 1.0),
        Field("hit_relative_size", "int", 10, "Hit size relative to LED strip", 1, 100),
    )

    def setup(self):
        super().setup()
        self.hit = None  # (when, first pixel)

    def render(self, t):
        dt = self.elapsed(t)
        config = self.config
        size = max(1, self.pixel_count * config["hit_relative_size"] // 100)
        if self.hit is not None and t - self.hit[0] >= config["hit_duration"]:
            self.hit = None
        if self.hit is None and self.random.random() < 1.0 - (1.0 - config["hit_probability_per_sec"]) ** dt:
            self.hit = (t, int(self.random.integers(self.pixel_count - size + 1)))
        pixels = np.zeros((self.pixel_count, 3))
        if self.hit is not None:
            when, first = self.hit
            pixels[first : first + size] = np.array(parse_color(config["hit_color"])) * (1.0 - (t - when) / config["hit_duration"])
        return to_pixels(pixels)


@register
class Pixels(StripEffect):
    """A diagnostic (LedFx's pixels): `pixels` pixels light up in `pixel_color`, moving a
    step along the strip every `step_period` seconds (with `build_up`, the lit ones stay
    until the strip is full), on the background colour."""

    id = "pixels"
    name = "Pixels"
    options = (
        Field("speed", "float", 20.0, "Locked to 20 fps", 20.0, 20.0),
        Field("step_period", "float", 1.0, "Time between each pixel step to light up", 0.01, 5.0),
        Field("pixels", "int", 1, "Number of pixels each step", 1, 32),
        Field("background_color", "color", "#000000", "Background color"),
        Field("pixel_color", "color", "#FFFFFF", "Pixel color to light up"),
        Field("build_up", "bool", False, "Single or building pixels"),
        Field("color_blend", "bool", False, "Kept for LedFx's UI"),
    )

    def setup(self):
        super().setup()
        self.color = np.array(parse_color(self.config["pixel_color"]), dtype=np.float64)

    def render(self, t):
        step, count = self.config["pixels"], self.pixel_count
        laps = -(-count // step)
        done = int(t // self.config["step_period"]) % laps
        start = 0 if self.config["build_up"] else done * step
        pixels = np.zeros((count, 3))
        pixels[start : min((done + 1) * step, count)] = self.color
        return to_pixels(pixels)


@register
class Metro(StripEffect):
    """LedFx's metro, a diagnostic: every pulse_period seconds of the wall clock (so that
    every virtual, on every worker, flashes at once) a flash of flash_color for pulse_ratio
    of the period, lighting a pattern that changes each period over `steps` periods: the
    whole strip, then 1, 2, 4, 8, 16 blocks, each the first half of its share less one
    pixel. With `capture` (LedFx graphs its timing) general_diag reports, once a second,
    the gaps between frames and the worker's CPU use, sampled every cpu_secs."""

    id = "metro"
    name = "Metro"
    options = (
        Field("pulse_period", "int", 1, "Time between flash in seconds", 1, 10),
        Field("pulse_ratio", "float", 0.3, "Flash to blank ratio", 0.1, 0.9),
        Field("steps", "int", 4, "Steps of pattern division to loop", 1, 6),
        Field("flash_color", "color", "#FFFFFF", "Flash color"),
        Field("capture", "bool", True, "Report frame timing and CPU use in general_diag"),
        Field("cpu_secs", "float", 1.0, "Window over which to measure CPU usage", 0.1, 1.0),
    )
    clock = staticmethod(time.time)

    def setup(self):
        super().setup()
        self.color = np.array(parse_color(self.config["flash_color"]), dtype=np.float64)
        self.frame_times = collections.deque(maxlen=1000)
        self.cpu_mark = (time.process_time(), time.monotonic())
        self.cpu_samples = []

    def lit(self, step):
        """Which pixels a flash lights in the step-th period of the pattern."""
        lit = np.zeros(self.pixel_count, dtype=bool)
        if step == 0:
            lit[:] = True
            return lit
        chunk = self.pixel_count // 2 ** (step - 1)
        if chunk:
            for start in range(0, chunk * 2 ** (step - 1), chunk):
                lit[start : start + max(1, chunk // 2 - 1)] = True
        return lit

    def render(self, t):
        now = self.clock()
        if self.config["capture"]:
            self.sample_timing(now)
        period = self.config["pulse_period"]
        if now % period > period * self.config["pulse_ratio"]:
            return to_pixels(np.zeros((self.pixel_count, 3)))
        step = int(now // period) % self.config["steps"]
        return to_pixels(self.lit(step)[:, None] * self.color)

    def sample_timing(self, now):
        self.frame_times.append(now)
        cpu, wall = time.process_time(), time.monotonic()
        if wall - self.cpu_mark[1] >= self.config["cpu_secs"]:
            self.cpu_samples.append(100.0 * (cpu - self.cpu_mark[0]) / (wall - self.cpu_mark[1]))
            self.cpu_mark = (cpu, wall)

    def diagnostics(self):
        if not self.config["capture"] or len(self.frame_times) < 2:
            return None
        gaps = np.diff(list(self.frame_times)) * 1000.0
        cpu = " ".join(f"{sample:.0f}" for sample in self.cpu_samples) or "-"
        self.frame_times = collections.deque([self.frame_times[-1]], maxlen=1000)
        self.cpu_samples = []
        return f"Metro: {gaps.size} frames, gaps min {gaps.min():.1f} mean {gaps.mean():.1f} max {gaps.max():.1f} ms\nCPU % every {self.config['cpu_secs']:g} s: {cpu}"
