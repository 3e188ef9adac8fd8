"""virtual_diag statistics against hand-computed timings (PROTOCOL.md §4.1)."""

import pytest

from diagnostics.logsec import LogSec, unknown_phy


def feed(logsec, frames):
    return [report for start, end in frames if (report := logsec.frame(start, end))]


def frames_at(rate, seconds, render=0.002, start=10.0):
    period = 1.0 / rate
    return [(start + i * period, start + i * period + render) for i in range(int(rate * seconds) + 1)]


def test_nothing_is_reported_before_a_whole_second():
    assert feed(LogSec(), frames_at(62, 0.99)) == []


def test_fps_is_the_exact_number_of_frames_in_the_second():
    reports = feed(LogSec(), frames_at(62, 3.0))
    assert [report.fps for report in reports] == [62, 62, 62]


def test_one_report_per_whole_second():
    assert len(feed(LogSec(), frames_at(30, 5.5))) == 5


def test_render_statistics_are_the_true_mean_min_and_max():
    logsec = LogSec()
    # 4 frames in the first second, rendering for 1, 2, 3 and 6 ms
    frames = [(0.0, 0.001), (0.25, 0.252), (0.5, 0.503), (0.75, 0.756), (1.0, 1.001)]
    [report] = feed(logsec, frames)
    assert report.fps == 4
    assert report.r_avg == pytest.approx(0.003)
    assert (report.r_min, report.r_max) == (pytest.approx(0.001), pytest.approx(0.006))


def test_cycle_and_sleep_are_measured_at_the_reporting_frame_in_seconds():
    logsec = LogSec()
    frames = [(0.0, 0.002), (0.5, 0.502), (0.9, 0.903), (1.02, 1.025)]
    [report] = feed(logsec, frames)
    assert report.cycle == pytest.approx(1.025 - 0.903)  # end of previous render to end of this one
    assert report.sleep == pytest.approx(1.02 - 0.903)  # end of previous render to start of this one


def test_windows_stay_aligned_to_whole_seconds():
    logsec = LogSec()
    frames = [(0.0, 0.01), (0.6, 0.61), (1.1, 1.11), (1.7, 1.71), (2.05, 2.06)]
    reports = feed(logsec, frames)
    assert [report.fps for report in reports] == [2, 2]


def test_a_stall_starts_a_fresh_window():
    logsec = LogSec()
    frames = [(0.0, 0.01), (0.5, 0.51), (5.0, 5.01), (5.5, 5.51), (6.0, 6.01)]
    reports = feed(logsec, frames)
    assert [report.fps for report in reports] == [2, 2]


def test_report_fields_are_rounded_seconds_and_an_int_fps():
    [report] = feed(LogSec(), [(0.0, 0.0012345678), (1.0, 1.001)])
    fields = report.fields()
    assert list(fields) == ["fps", "r_avg", "r_min", "r_max", "cycle", "sleep"]
    assert fields["fps"] == 1 and fields["r_avg"] == 0.001235


def test_phy_has_its_six_keys_unknown():
    assert unknown_phy() == {"fps": None, "ver": None, "n": None, "name": None, "rssi": None, "qual": None}
