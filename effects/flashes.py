"""Flashes (LedFx's "oneshot" tool): a colour laid over a virtual's frames for a moment,
whatever effect runs, as a MIDI pad or a script asks (PUT/POST /api/virtuals_tools).
The colour comes in over `ramp`, stays for `hold` and goes over `fade` (milliseconds)."""

from dataclasses import dataclass

import numpy as np

MAX_FLASH_MS = 60_000


@dataclass(frozen=True)
class Flash:
    color: tuple  # (r, g, b) 0..255, already times the flash's brightness
    ramp: float  # seconds
    hold: float
    fade: float
    started: float  # time.monotonic() when the worker heard of it

    def weight(self, now):
        """How much of the frame is the flash's colour at `now` (0 to 1); None once over."""
        passed = now - self.started
        if passed < 0:
            return 0.0
        if passed < self.ramp:
            return passed / self.ramp
        if passed <= self.ramp + self.hold:
            return 1.0
        if passed < self.ramp + self.hold + self.fade:
            return (self.ramp + self.hold + self.fade - passed) / self.fade
        return None


def flashed(frame, flashes, now):
    """(the frame with the flashes laid over it, the flashes not over yet)."""
    going = []
    for flash in flashes:
        weight = flash.weight(now)
        if weight is None:
            continue
        going.append(flash)
        if weight > 0:
            frame = (frame * (1.0 - weight) + np.array(flash.color, dtype=np.float64) * weight).astype(np.uint8)
    return frame, tuple(going)
