"""Render statistics for virtual_diag (PROTOCOL.md §4.1), in the manner of LedFx's LogSec,
with its bugs fixed: fps is the exact number of frames in the second, r_avg the true mean,
no report before a whole second has been measured, every time in seconds.

Pure: it is given monotonic timestamps, so it is tested against hand-computed timings.
"""

from dataclasses import dataclass

PHY_KEYS = ("fps", "ver", "n", "name", "rssi", "qual")


def unknown_phy():
    return dict.fromkeys(PHY_KEYS)


@dataclass(frozen=True)
class SecondReport:
    fps: int
    r_avg: float
    r_min: float
    r_max: float
    cycle: float
    sleep: float

    def fields(self, digits=6):
        return {name: round(value, digits) if isinstance(value, float) else value for name, value in self.__dict__.items()}


class LogSec:
    """Feed it every frame's render start and end; once per whole second it returns the
    report for the second that just ended."""

    def __init__(self):
        self.window_start = None
        self.render_times = []
        self.previous_end = None

    def frame(self, start, end):
        report = None
        if self.window_start is None:
            self.window_start = start
        elif end - self.window_start >= 1.0:
            report = SecondReport(
                fps=len(self.render_times),
                r_avg=sum(self.render_times) / len(self.render_times),
                r_min=min(self.render_times),
                r_max=max(self.render_times),
                cycle=end - self.previous_end,
                sleep=start - self.previous_end,
            )
            self.render_times = []
            self.window_start += 1.0
            if end - self.window_start >= 1.0:  # after a stall longer than a second, start afresh
                self.window_start = start
        self.render_times.append(end - start)
        self.previous_end = end
        return report
