"""LED previews (PROTOCOL.md §7): visualisation_update frames of what clients watch.

The worker hears from every server process which previews its clients watch
(ledfxsite.previews) and keeps each process's patterns until they expire, so that a
preview is downsampled, encoded and published only while someone somewhere watches it,
at most `fps` times a second per `vis_id`.
"""

import base64
import math
import time

import numpy as np

# The largest side of a 2-D preview, whatever `maxlen` allows (PROTOCOL.md §7).
MAX_PREVIEW_SIDE = 64


def preview_shape(rows, columns, maxlen):
    """[rows, columns] of the preview of a rows x columns frame: at most `maxlen` pixels;
    a strip keeps one row, a matrix keeps its aspect ratio and sides of at most 64."""
    if rows <= 1:
        return [1, max(1, min(columns, maxlen))]
    scale = min(1.0, math.sqrt(maxlen / (rows * columns)), MAX_PREVIEW_SIDE / rows, MAX_PREVIEW_SIDE / columns)
    preview_rows, preview_columns = math.floor(rows * scale), math.floor(columns * scale)
    if preview_columns < 1:  # a tall, thin matrix: one column, as many rows as allowed
        return [min(rows, maxlen, MAX_PREVIEW_SIDE), 1]
    if preview_rows < 1:
        return [1, min(columns, maxlen, MAX_PREVIEW_SIDE)]
    return [preview_rows, preview_columns]


def sample_indices(rows, columns, shape):
    """Flat indices into a rows x columns frame of the pixels a preview of `shape` shows:
    the pixel at the centre of each preview cell."""
    preview_rows, preview_columns = shape
    ys = ((np.arange(preview_rows) + 0.5) * rows / preview_rows).astype(np.intp)
    xs = ((np.arange(preview_columns) + 0.5) * columns / preview_columns).astype(np.intp)
    return (ys[:, None] * columns + xs[None, :]).ravel()


def watched_by(patterns, is_device, vis_id):
    """True when a (is_device, vis_id) pattern matches; None in a pattern matches anything."""
    return any((device is None or device == is_device) and (name is None or name == vis_id) for device, name in patterns)


class Previews:
    """This worker's previews: who watches what (`heard`, on the event loop) and the frames
    due (`frames`, on the render thread). The render thread reads `patterns`, `fps`,
    `maxlen` and `mode`, each replaced whole, never changed in place."""

    def __init__(self, *, fps=30, maxlen=81, mode="compressed"):
        self.fps, self.maxlen, self.mode = fps, maxlen, mode
        self.leases = {}  # server process -> (patterns, expires at)
        self.patterns = frozenset()
        self.next_due = {}  # (is_device, vis_id) -> perf_counter time; render thread only
        self.indices = {}  # (pixel count, rows, columns, shape) -> sample indices; render thread only

    def configure(self, *, fps, maxlen, mode):
        """LedFx's visualisation_fps, visualisation_maxlen and transmission_mode."""
        self.fps, self.maxlen, self.mode = fps, maxlen, mode

    def heard(self, *, watcher, patterns, seconds):
        """A server process's clients watch these (is_device, vis_id) patterns, for `seconds`."""
        if patterns:
            self.leases[watcher] = (frozenset(tuple(pattern) for pattern in patterns), time.monotonic() + seconds)
        else:
            self.leases.pop(watcher, None)
        self.expire()

    def expire(self):
        """Forget the patterns of processes that stopped renewing them."""
        now = time.monotonic()
        self.leases = {watcher: lease for watcher, lease in self.leases.items() if lease[1] > now}
        self.patterns = frozenset().union(*(patterns for patterns, _ in self.leases.values()))

    def frames(self, spec, frame, outputs, now):
        """[("visualisation_update", fields)] due after rendering `frame` for the virtual
        `spec` and writing it to its devices' `outputs`: the virtual's own preview and
        those of its devices, each when watched and not sent in the last 1/fps seconds."""
        patterns = self.patterns
        if not patterns:
            return []
        slack = 0.5 / spec.refresh_rate
        events = []
        if watched_by(patterns, False, spec.id) and self.due((False, spec.id), now, slack):
            events.append(self.event(False, spec.id, frame, spec.rows, spec.columns))
        for device in spec.devices:
            if watched_by(patterns, True, device.id) and self.due((True, device.id), now, slack):
                rows = max(1, device.rows)
                events.append(self.event(True, device.id, outputs[device.id].frame, rows, math.ceil(device.pixel_count / rows)))
        return events

    def due(self, key, now, slack):
        """True at most `fps` times a second. Frames come at the render rate, not exactly
        on a preview's due time: one up to `slack` early counts (else 30 fps of a 62 fps
        loop would be every third frame, 21 a second), and due times advance by whole
        periods, so that early frames do not add up to more than `fps`."""
        period = 1.0 / self.fps
        due_at = self.next_due.get(key)
        if due_at is not None and now < due_at - slack:
            return False
        self.next_due[key] = now + period if due_at is None or now - due_at > period else due_at + period
        return True

    def event(self, is_device, vis_id, frame, rows, columns):
        shape = preview_shape(rows, columns, self.maxlen)
        key = (len(frame), rows, columns, tuple(shape))
        indices = self.indices.get(key)
        if indices is None:
            # A last row may be short (pixel count not a multiple of the rows): clip.
            indices = self.indices[key] = np.minimum(sample_indices(rows, columns, shape), len(frame) - 1)
        sampled = frame[indices]
        if self.mode == "compressed":
            pixels = base64.b64encode(sampled.tobytes()).decode("ascii")
        else:
            pixels = sampled.T.tolist()
        return "visualisation_update", {"is_device": is_device, "vis_id": vis_id, "pixels": pixels, "shape": shape}
