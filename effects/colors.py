"""Colours, gradients and HSV, vectorised over whole pixel arrays."""

import contextlib
import re

import numpy as np
import webcolors

# webcolors 25.10 knows the CSS3 names only; CSS Color 4 added just this one
# (https://github.com/ubernostrum/webcolors/issues/18).
CSS4_ONLY = {"rebeccapurple": (102, 51, 153)}

RGB = re.compile(r"rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*(\d*\.?\d+)\s*)?\)")
STOP = re.compile(r"(.+?)(?:\s+(\d+(?:\.\d+)?)%)?")


def parse_color(text):
    """(r, g, b) in 0..255 from a CSS colour name, "#rgb", "#rrggbb" or "rgb(r, g, b)"; ValueError otherwise."""
    value = text.strip().lower() if isinstance(text, str) else ""
    if match := RGB.fullmatch(value):
        rgb = tuple(int(part) for part in match.groups()[:3])
        # Alpha is accepted so pasted CSS works, then dropped: an LED has nothing behind it to blend with.
        if max(rgb) <= 255 and float(match.group(4) or 0) <= 1:
            return rgb
    elif value in CSS4_ONLY:
        return CSS4_ONLY[value]
    else:
        with contextlib.suppress(ValueError):
            return tuple(webcolors.hex_to_rgb(value) if value.startswith("#") else webcolors.name_to_rgb(value))
    raise ValueError(f"{text!r} is not a colour (use a CSS colour name such as red, #rgb, #rrggbb or rgb(r, g, b))")


def parse_gradient(text):
    """(positions, colours) from "linear-gradient(90deg, #f00 0%, ...)" or "#f00,#00f,...".

    Stops without a position are spread evenly; positions are 0..1, colours (k, 3) floats.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{text!r} is not a gradient")
    body = text.strip()
    if body.startswith("linear-gradient(") and body.endswith(")"):
        body = body[len("linear-gradient(") : -1]
        body = re.sub(r"^\s*-?\d+(\.\d+)?deg\s*,", "", body)
    stops = [part.strip() for part in re.split(r",(?![^(]*\))", body) if part.strip()]
    if len(stops) < 2:
        if len(stops) == 1:
            stops = stops * 2
        else:
            raise ValueError(f"{text!r} has no colour stops")
    colors, positions = [], []
    for stop in stops:
        match = STOP.fullmatch(stop)
        colors.append(parse_color(match.group(1)))
        positions.append(float(match.group(2)) / 100 if match.group(2) else None)
    known = [index for index, position in enumerate(positions) if position is not None]
    if not known:
        positions = list(np.linspace(0, 1, len(stops)))
    else:
        positions = list(np.interp(range(len(stops)), known, [positions[i] for i in known]))
    return np.clip(np.array(positions), 0, 1), np.array(colors, dtype=np.float64)


def sample_gradient(positions, colors, x):
    """Colours (len(x), 3) of the gradient at x in 0..1 (wrapping)."""
    x = np.mod(x, 1.0)
    return np.stack([np.interp(x, positions, colors[:, channel]) for channel in range(3)], axis=-1)


def hsv_to_rgb(hue, saturation=1.0, value=1.0):
    """Vectorised HSV (each 0..1, broadcastable) to RGB floats 0..255, shape (..., 3)."""
    hue, saturation, value = np.broadcast_arrays(
        np.mod(hue, 1.0) * 6.0, np.asarray(saturation, dtype=np.float64), np.asarray(value, dtype=np.float64)
    )
    sector = np.floor(hue)
    fraction = hue - sector
    sector = sector.astype(np.int64) % 6
    low = value * (1 - saturation)
    falling = value * (1 - saturation * fraction)
    rising = value * (1 - saturation * (1 - fraction))
    red = np.choose(sector, [value, falling, low, low, rising, value])
    green = np.choose(sector, [rising, value, value, falling, low, low])
    blue = np.choose(sector, [low, low, rising, value, value, falling])
    return np.stack([red, green, blue], axis=-1) * 255.0


def to_pixels(rgb):
    """Float RGB (..., 3) 0..255 to uint8 pixels (N, 3), row-major."""
    return np.clip(rgb, 0, 255).astype(np.uint8).reshape(-1, 3)
