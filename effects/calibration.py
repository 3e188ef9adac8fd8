"""LedFx's calibration mode (PUT /api/virtuals_tools/<id> {"tool": "calibration"}), which
its UI turns on while a virtual's segments are edited: instead of the effect, each device
of the virtual shows black, with each of the virtual's segments on it in its own colour
(red, green, blue, cyan, magenta, yellow, in the virtual's order, starting again on each
device). A segment's colour has a bright quarter, fades to DIM, stays dim a quarter and
comes back, and runs along it once every PERIOD seconds in the segment's direction, so
that the eye sees where it starts. The "highlight" tool adds a range of one device in
white, running the same way (or backwards with `flip`)."""

import numpy as np

COLORS = np.array([(255, 0, 0), (0, 255, 0), (0, 0, 255), (0, 255, 255), (255, 0, 255), (255, 255, 0)], dtype=np.float64)
WHITE = np.array((255, 255, 255), dtype=np.float64)
PERIOD = 3.0
DIM = 0.2


def envelope(length):
    """Brightness along a segment of `length` pixels: full for the first quarter, falling
    to DIM over the second, DIM for the third, back up over the last."""
    quarter = np.arange(length) / length * 4.0
    return np.select(
        [quarter < 1.0, quarter < 2.0, quarter < 3.0],
        [1.0, 1.0 - (quarter - 1.0) * (1.0 - DIM), DIM],
        DIM + (quarter - 3.0) * (1.0 - DIM),
    )


def pattern(color, length, step, t):
    """The envelope in `color` over `length` pixels, moved along by the time's share of
    PERIOD in the direction `step` (1, or -1 for an inverted segment)."""
    shift = int(length * (t % PERIOD) / PERIOD * step)
    return np.roll(envelope(length)[:, None] * color, shift, axis=0).astype(np.uint8)


def calibrate(outputs, segments, highlight, t):
    """Write the calibration frames of a virtual's `segments` ([device_id, first, last,
    invert], ...) into its devices' `outputs` ({device_id: output with a `frame`}), and
    its `highlight` ([device_id, start, stop, flip] or empty), at time t in seconds."""
    for device_id, output in outputs.items():
        output.frame[:] = 0
        mine = [segment for segment in segments if segment[0] == device_id]
        for color, (_, first, last, invert) in zip(np.resize(COLORS, (len(mine), 3)), mine):
            output.frame[first : last + 1] = pattern(color, last - first + 1, -1 if invert else 1, t)
    if highlight and highlight[0] in outputs:
        device_id, start, stop, flip = highlight
        outputs[device_id].frame[start : stop + 1] = pattern(WHITE, stop - start + 1, -1 if flip else 1, t)
