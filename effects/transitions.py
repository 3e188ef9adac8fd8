"""Transitions between a virtual's effects, LedFx's modes, over its `transition_time`.

`blend(mode, new, old, done)` is the frame `done` (0 to 1) of the way from the old effect's
frame to the new one's, both float (pixels, 3):
- Add: a crossfade;
- Dissolve: pixels turn over one by one, in a fixed random order;
- Push: the old frame moves out towards the start, the new one shows behind it;
- Slide: the new frame slides over the old one from the end;
- Iris: the new frame opens from the middle outwards;
- Through White / Through Black: the old frame fades to white (black), then the new one
  from it;
- None: the new frame at once.
"""

import numpy as np

MODES = ("Add", "Dissolve", "Push", "Slide", "Iris", "Through White", "Through Black", "None")


class Transition:
    """One transition of one virtual: the old effect keeps rendering until it is over."""

    def __init__(self, *, old_effect, mode, seconds, started, pixel_count, seed=0):
        self.old_effect = old_effect
        self.mode = mode
        self.seconds = seconds
        self.started = started
        order = np.random.default_rng(seed).permutation(pixel_count)
        self.dissolve_rank = np.empty(pixel_count)
        self.dissolve_rank[order] = (np.arange(pixel_count) + 0.5) / pixel_count
        distance = np.abs(np.arange(pixel_count) + 0.5 - pixel_count / 2)
        self.iris_rank = distance / max(distance.max(), 1e-9)

    def done(self, now):
        return min(1.0, (now - self.started) / self.seconds) if self.seconds > 0 else 1.0

    def blend(self, new, old, done):
        """new and old: uint8 (pixels, 3) frames; the blended frame as uint8."""
        new, old = new.astype(np.float64), old.astype(np.float64)
        count = len(new)
        if self.mode == "Add":
            frame = new * done + old * (1.0 - done)
        elif self.mode == "Dissolve":
            frame = np.where((self.dissolve_rank < done)[:, None], new, old)
        elif self.mode == "Iris":
            frame = np.where((self.iris_rank <= done)[:, None], new, old)
        elif self.mode in ("Push", "Slide"):
            left = int((1.0 - done) * count)  # pixels the old frame still covers, from the start
            frame = new.copy()
            frame[:left] = old[count - left :] if self.mode == "Push" else old[:left]
        elif self.mode == "Through White":
            frame = np.maximum(old, done * 2 * 255) if done < 0.5 else np.maximum(new, (1.0 - done) * 2 * 255)
        elif self.mode == "Through Black":
            frame = np.minimum(old, 255 * (1.0 - done * 2)) if done < 0.5 else np.minimum(new, 255 * 2 * (done - 0.5))
        else:
            frame = new
        return np.clip(frame, 0, 255).astype(np.uint8)
