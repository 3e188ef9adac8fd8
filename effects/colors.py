"""Colour maths for pixels: gradients sampled, HSV, float RGB to bytes, vectorised over whole arrays."""

import numpy as np


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


# LedFx's default gradient: the default of its effects' gradient options, which its UI and
# API tests expect.
LEDFX_GRADIENT = (
    "linear-gradient(90deg, rgb(255, 0, 0) 0%, rgb(255, 120, 0) 14%, rgb(255, 200, 0) 28%, rgb(0, 255, 0) 42%, "
    "rgb(0, 199, 140) 56%, rgb(0, 0, 255) 70%, rgb(128, 0, 128) 84%, rgb(255, 0, 178) 98%)"
)
