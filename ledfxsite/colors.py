"""Colours as people write them: CSS colour names, #rgb, #rrggbb, rgb(), and gradients of
them. Every colour a client sends is read here, so every place accepts the same forms."""

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
        if match is None:
            raise ValueError(f"{stop!r} is not a colour stop (a colour, then an optional position such as 40%)")
        colors.append(parse_color(match.group(1)))
        positions.append(float(match.group(2)) / 100 if match.group(2) else None)
    known = [index for index, position in enumerate(positions) if position is not None]
    if not known:
        positions = list(np.linspace(0, 1, len(stops)))
    else:
        positions = list(np.interp(range(len(stops)), known, [positions[i] for i in known]))
    return np.clip(np.array(positions), 0, 1), np.array(colors, dtype=np.float64)
