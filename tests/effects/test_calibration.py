"""LedFx's virtual tools force_color, calibration and highlight: the patterns, the REST
refusals, and what a real UDP socket receives from the embedded worker."""

import asyncio

import numpy as np
import pytest
import pytest_asyncio

from effects.calibration import envelope, pattern
from tests.conftest import open_socket, rest, wait_until
from tests.effects.standins import ddp_listener, frame_settles_at, next_frame
from tests.effects.test_api import call


def test_a_segments_brightness_is_full_fading_dim_and_rising_by_quarters():
    np.testing.assert_allclose(envelope(8), [1.0, 1.0, 1.0, 0.6, 0.2, 0.2, 0.2, 0.6])


@pytest.mark.parametrize("step, reds", [(1, [51, 153, 255, 255, 255, 153, 51, 51]), (-1, [255, 153, 51, 51, 51, 153, 255, 255])])
def test_the_pattern_runs_along_the_segment_in_its_direction(step, reds):
    # a quarter of the 3 s period: moved by a quarter of the 8 pixels, 2
    red = pattern(np.array([255.0, 0.0, 0.0]), 8, step, 0.75)
    assert red[:, 0].tolist() == reds and not red[:, 1:].any()


@pytest.fixture
def halves(client):
    """A 10-pixel dummy strip whose virtual is its two halves, the second inverted."""
    call(client, "POST", "/api/devices", {"type": "dummy", "config": {"name": "Strip", "pixel_count": 10}})
    call(client, "POST", "/api/virtuals", {"id": "strip", "config": {}, "segments": [["strip", 0, 4, False], ["strip", 5, 9, True]]})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, reason",
    [
        ({"tool": "force_color"}, "Required attribute for force_color, color was not provided"),
        ({"tool": "force_color", "color": "nope"}, "force_color: "),
        ({"tool": "calibration"}, "Required attribute for calibration, mode:on or mode:off expected"),
        ({"tool": "calibration", "mode": "yes"}, "Required attribute for calibration, mode:on or mode:off expected"),
        ({"tool": "highlight", "device": "strip", "start": 0, "stop": 4}, "highlight error: Cannot set highlight when Strip is not in calibration mode"),
    ],
)
def test_a_tool_without_what_it_needs_is_refused(client, halves, body, reason):
    status, answer = call(client, "PUT", "/api/virtuals_tools/strip", body)
    assert (status, answer["status"]) == (200, "failed") and answer["payload"]["reason"].startswith(reason), answer


@pytest.mark.django_db
@pytest.mark.parametrize(
    "highlight, reason",
    [
        ({"device": "strip", "start": 0, "stop": 9}, None),
        ({"device": "STRIP", "start": 9, "stop": 9}, None),
        ({"device": "strip", "start": 0, "stop": 10}, "highlight error: start and stop must satisfy 0 <= start <= stop < 10"),
        ({"device": "strip", "start": 5, "stop": 4}, "highlight error: start and stop must satisfy 0 <= start <= stop < 10"),
        ({"device": "strip", "start": -1, "stop": 4}, "highlight error: start and stop must satisfy 0 <= start <= stop < 10"),
        ({"device": "strip", "start": 0.5, "stop": 4}, "start and end must be integers"),
        ({"device": "nope", "start": 0, "stop": 4}, "highlight error: Device nope not found"),
        ({"start": 0, "stop": 4}, "Required attribute for highlight, device was not provided"),
    ],
)
def test_a_highlight_must_lie_on_a_device(client, halves, highlight, reason):
    call(client, "PUT", "/api/virtuals_tools/strip", {"tool": "calibration", "mode": "on"})
    status, answer = call(client, "PUT", "/api/virtuals_tools/strip", {"tool": "highlight", **highlight})
    if reason is None:
        assert answer == {"status": "success", "tool": "highlight"}
    else:
        assert answer["status"] == "failed" and answer["payload"]["reason"] == reason, answer


@pytest.mark.django_db
def test_calibration_off_ends_the_highlight(client, halves):
    from effects.models import Virtual

    call(client, "PUT", "/api/virtuals_tools/strip", {"tool": "calibration", "mode": "on"})
    call(client, "PUT", "/api/virtuals_tools/strip", {"tool": "highlight", "device": "strip", "start": 1, "stop": 2, "flip": True})
    assert Virtual.objects.get(id="strip").highlight == ["strip", 1, 2, True]
    call(client, "PUT", "/api/virtuals_tools/strip", {"tool": "calibration", "mode": "off"})
    virtual = Virtual.objects.get(id="strip")
    assert (virtual.calibrating, virtual.highlight) == (False, [])



@pytest_asyncio.fixture
async def white_halves(server):
    """A 10-pixel DDP strip on a local UDP listener whose virtual is its two halves (the
    second inverted), rendering plain white."""
    transport, listener, port = await ddp_listener()
    await open_socket(server)
    await rest(server, "POST", "/api/devices", {"type": "ddp", "config": {"name": "Strip", "pixel_count": 10, "ip_address": "127.0.0.1", "port": port}})
    halves = {"id": "strip", "config": {"transition_mode": "None"}, "segments": [["strip", 0, 4, False], ["strip", 5, 9, True]]}
    assert (await rest(server, "POST", "/api/virtuals", halves))["status"] == "success"
    await rest(server, "POST", "/api/virtuals/strip/effects", {"type": "singleColor", "config": {"color": "#ffffff"}})
    await frame_settles_at(listener, bytes([255] * 30))
    yield listener
    transport.close()


def colours(frame):
    return [tuple(frame[index : index + 3]) for index in range(0, len(frame), 3)]


@pytest.mark.live
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_calibration_shows_each_segment_in_its_colour_and_the_highlight_in_white(server, white_halves):
    assert await rest(server, "PUT", "/api/virtuals_tools/strip", {"tool": "calibration", "mode": "on"}) == {"status": "success", "tool": "calibration"}
    await wait_until(lambda: colours(white_halves.frames[-1][1])[0][1:] == (0, 0), what="calibration frames")
    frame = colours(await next_frame(white_halves))
    assert all(green == blue == 0 and red >= 51 for red, green, blue in frame[:5]), frame  # red, dimmed to 0.2 at least
    assert all(red == blue == 0 and green >= 51 for red, green, blue in frame[5:]), frame  # green
    assert (await rest(server, "PUT", "/api/virtuals_tools/strip", {"tool": "highlight", "device": "strip", "start": 2, "stop": 3}))["status"] == "success"
    await wait_until(lambda: len({channel for pixel in colours(white_halves.frames[-1][1])[2:4] for channel in set(pixel)}) <= 2, what="a white highlight")
    frame = colours(await next_frame(white_halves))
    assert all(red == green == blue > 0 for red, green, blue in frame[2:4]) and frame[0][1:] == (0, 0), frame
    assert (await rest(server, "PUT", "/api/virtuals_tools/strip", {"tool": "calibration", "mode": "off"}))["status"] == "success"
    await frame_settles_at(white_halves, bytes([255] * 30))


@pytest.mark.live
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_force_color_shows_once_and_the_effect_paints_over_it(server, white_halves):
    since = len(white_halves.frames)
    assert await rest(server, "PUT", "/api/virtuals_tools/strip", {"tool": "force_color", "color": "#0000ff"}) == {"status": "success", "tool": "force_color"}
    await wait_until(lambda: bytes([0, 0, 255] * 10) in [frame for _, frame in white_halves.frames[since:]], what="the forced colour")
    await asyncio.sleep(0.2)
    frames = [frame for _, frame in white_halves.frames[since:]]
    forced = [index for index, frame in enumerate(frames) if frame == bytes([0, 0, 255] * 10)]
    assert 1 <= len(forced) <= 2 and frames[-1] == bytes([255] * 30), forced
