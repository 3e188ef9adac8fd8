"""LedFx's effects that show one level at a time: `filter` and `hierarchy` (the whole strip
one colour, as bright as a band) and `vumeter` (a diagnostic bar of the volume), under
LedFx's names, options, defaults and ranges."""

import numpy as np

from effects.audio_effects import COLOR_HIGH, COLOR_LOWS, COLOR_MIDS, FREQUENCY_RANGE, AudioEffect, Impulse, band_colors, gradient_options, power_of, rgb
from effects.base import register
from effects.colors import to_pixels
from ledfxsite.schema import Field

QUIET_VOLUME = 0.2  # LedFx's default min_volume: below it, its audio counts as silence


def top_end_bias(level, boost):
    """LedFx's brightness boost of a level 0..1: the level itself at boost 0, and towards
    1 - (1 - level) ** 4 (quiet sounds brighter) at 1."""
    return (1.0 - boost) * level + boost * (1.0 - (1.0 - level) ** 4)


class WholeStrip(AudioEffect):
    def lit(self, color, level):
        return to_pixels(np.tile(color * level, (self.pixel_count, 1)))


@register
class Filter(WholeStrip):
    """LedFx's filter: the whole strip in `color`, or with use_gradient the gradient's
    colour (its start, or moving along it once every 60 s at a roll_speed just above 0 to
    once a second at 1), as bright as the power of `frequency_range`, boosted by `boost`."""

    id = "filter"
    name = "Filter"
    options = (
        *gradient_options(),
        Field("color", "color", "#FF0000", "Simple color selector"),
        FREQUENCY_RANGE,
        Field("use_gradient", "bool", False, "Use gradient instead of color"),
        Field("roll_speed", "float", 0.0, "0= no gradient roll, range 60 secs to 1 sec", 0.0, 1.0),
        Field("boost", "float", 0.0, "Boost the brightness of quieter sounds", 0.0, 1.0),
    )

    def setup(self):
        super().setup()
        self.color = rgb(self.config["color"])
        self.roll_seconds = (1.0 - self.config["roll_speed"]) * 59.0 + 1.0

    def render(self, t):
        level = top_end_bias(power_of(self.features(t), self.config["frequency_range"]), self.config["boost"])
        if not self.config["use_gradient"]:
            return self.lit(self.color, level)
        position = (t % self.roll_seconds) / self.roll_seconds if self.config["roll_speed"] > 0 else 0.0
        return self.lit(self.gradient_at(np.array([position]), t)[0], level)


@register
class Hierarchy(WholeStrip):
    """LedFx's hierarchy: the whole strip in the colour of the band that leads, as bright as
    it (boosted by brightness_boost): the lows while they are over threshold_lows; once
    they have been under it for switch_time, the mids while over threshold_mids; once
    those have been under theirs for switch_time, the highs. Between, the colour stays."""

    id = "hierarchy"
    name = "Hierarchy"
    options = (
        COLOR_LOWS,
        COLOR_MIDS,
        COLOR_HIGH,
        Field("brightness_boost", "float", 0.0, "Boost the brightness of quieter sounds", 0.0, 1.0),
        Field("threshold_lows", "float", 0.05, "If Lows are below this value, Mids are used.", 0.0, 1.0),
        Field("threshold_mids", "float", 0.05, "If Mids are below this value, Highs are used", 0.0, 1.0),
        Field("switch_time", "float", 0.1, "Time Lows/Mids have to be below threshold before switch", 0.0, 1.0),
    )

    def setup(self):
        super().setup()
        self.lows, self.mids, self.highs = band_colors(self.config)
        self.color = np.zeros(3)
        self.lows_led_at = self.mids_led_at = None

    def render(self, t):
        features, config = self.features(t), self.config
        if self.lows_led_at is None:
            self.lows_led_at = self.mids_led_at = t
        level = features["lows_power"]
        if level > config["threshold_lows"]:
            self.color, self.lows_led_at = self.lows, t
        elif t - self.lows_led_at > config["switch_time"]:
            level = features["mids_power"]
            if level > config["threshold_mids"]:
                self.color, self.mids_led_at = self.mids, t
            elif t - self.mids_led_at > config["switch_time"]:
                level, self.color = features["high_power"], self.highs
        return self.lit(self.color, top_end_bias(level, config["brightness_boost"]))


@register
class VuMeter(AudioEffect):
    """LedFx's VU meter: a bar from the start of the strip as long as the volume, color_min
    up to the quiet level (LedFx's min_volume, 0.2), color_mid up to max_volume, color_max
    beyond; and two marks of peak_percent % of the strip in color_peak: one at the peak,
    falling peak_decay of the way a frame, one just under the quietest level lately."""

    id = "vumeter"
    name = "VuMeter"
    options = (
        Field("peak_decay", "float", 0.1, "Decay filter applied to raw volume to track peak, 0 is None", 0.01, 0.3),
        Field("color_min", "color", "#0000FF", "Color of min volume cutoff"),
        Field("color_max", "color", "#FF0000", "Color of max volume warning"),
        Field("color_mid", "color", "#00FF00", "Color of heathy volume range"),
        Field("color_peak", "color", "#FFFFFF", "Color of peak inidicator"),
        Field("peak_percent", "int", 1, "% size of peak indicator that follows the filtered volume", 0, 5),
        Field("max_volume", "float", 0.8, "Cut off limit for max volume warning", 0.0, 1.0),
    )

    def setup(self):
        super().setup()
        self.peak = Impulse(self.config["peak_decay"])
        self.quietest = Impulse(self.config["peak_decay"])  # of 1 - volume: its peak is the quietest
        self.colors = {name: rgb(self.config[name]) for name in ("color_min", "color_mid", "color_max", "color_peak")}

    def render(self, t):
        count, volume = self.pixel_count, min(1.0, max(0.0, self.features(t)["volume"]))
        peak, quietest = self.peak.update(volume), 1.0 - self.quietest.update(1.0 - volume)
        length, quiet, loud = int(count * volume), int(count * QUIET_VOLUME), int(count * self.config["max_volume"])
        pixels = np.zeros((count, 3))
        pixels[: min(quiet, length)] = self.colors["color_min"]
        pixels[quiet : min(length, loud)] = self.colors["color_mid"]
        pixels[loud:length] = self.colors["color_max"]
        width = int(self.config["peak_percent"] * count / 100)
        if width:
            top = min(int(count * peak), count)
            pixels[top : top + width] = self.colors["color_peak"]
            bottom = int(count * quietest)
            pixels[max(0, bottom - width) : bottom] = self.colors["color_peak"]
        return to_pixels(pixels)
