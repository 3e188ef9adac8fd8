"""Flashes (LedFx's oneshot tool): the envelope worked out by hand, the REST refusals, and
a flash seen in the DDP bytes a real UDP socket receives from the embedded worker."""

import asyncio

import numpy as np
import pytest

from effects.flashes import Flash, flashed
from tests.conftest import open_socket, rest
from tests.effects.standins import ddp_listener, frame_settles_at
from tests.effects.test_api import call


def test_a_flash_ramps_holds_and_fades():
    flash = Flash(color=(255, 0, 0), ramp=0.2, hold=0.3, fade=0.5, started=10.0)
    assert [flash.weight(10.0 + passed) for passed in (0.1, 0.3, 0.5, 0.75, 1.0, 1.1)] == [
        pytest.approx(0.5), 1.0, 1.0, pytest.approx(0.5), None, None
    ]


def test_a_flash_of_no_length_shows_nothing():
    assert Flash(color=(255, 0, 0), ramp=0.0, hold=0.0, fade=0.0, started=10.0).weight(10.001) is None


def test_flashes_are_laid_over_the_frame_and_dropped_when_over():
    frame = np.array([[0, 0, 200]] * 2, dtype=np.uint8)
    half = Flash(color=(200, 0, 0), ramp=1.0, hold=0.0, fade=0.0, started=0.0)
    over = Flash(color=(0, 200, 0), ramp=0.0, hold=0.1, fade=0.0, started=0.0)
    result, going = flashed(frame, (half, over), 0.5)
    assert result.tolist() == [[100, 0, 100]] * 2 and going == (half,)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, body, reason",
    [
        ("/api/virtuals_tools/strip", {"tool": "oneshot", "ramp": -1}, "oneshot: ramp: must be a number between 0 and 60000 (got -1)"),
        ("/api/virtuals_tools/strip", {"tool": "oneshot", "color": "nope"}, "oneshot: color: "),
        ("/api/virtuals_tools/strip", {"tool": "copy", "target": ["strip"]}, "copy: use PUT"),
        ("/api/virtuals_tools", {"tool": "highlight"}, "Tool highlight is not in ['force_color', 'oneshot']"),
    ],
)
def test_a_flash_that_does_not_fit_is_refused(client, path, body, reason):
    call(client, "POST", "/api/devices", {"type": "dummy", "config": {"name": "Strip", "pixel_count": 10}})
    status, answer = call(client, "POST", path, body)
    assert answer["status"] == "failed" and answer["payload"]["reason"].startswith(reason), answer


@pytest.mark.django_db
def test_the_tools_are_listed(client):
    assert call(client, "GET", "/api/virtuals_tools")[1]["payload"]["reason"] == "Available tools: ['force_color', 'oneshot']"
    call(client, "POST", "/api/devices", {"type": "dummy", "config": {"name": "Strip", "pixel_count": 10}})
    tools = "Available tools: ['force_color', 'calibration', 'highlight', 'oneshot', 'copy']"
    assert call(client, "GET", "/api/virtuals_tools/strip")[1]["payload"]["reason"] == tools


@pytest.mark.live
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_flash_shows_over_the_effect_then_goes_and_a_put_ends_one(server):
    transport, listener, port = await ddp_listener()
    await open_socket(server)
    await rest(server, "POST", "/api/devices", {"type": "ddp", "config": {"name": "Strip", "pixel_count": 10, "ip_address": "127.0.0.1", "port": port}})
    await rest(server, "POST", "/api/virtuals/strip/effects", {"type": "singleColor", "config": {"color": "#000000"}})
    await frame_settles_at(listener, bytes(30))
    assert await rest(server, "POST", "/api/virtuals_tools/strip", {"tool": "oneshot", "color": "#ff0000", "hold": 300}) == {"status": "success", "tool": "oneshot"}
    await frame_settles_at(listener, bytes([255, 0, 0] * 10))
    await frame_settles_at(listener, bytes(30))  # over after 300 ms
    await rest(server, "POST", "/api/virtuals_tools", {"tool": "oneshot", "color": "#00ff00", "hold": 60000})  # every virtual
    await frame_settles_at(listener, bytes([0, 255, 0] * 10))
    assert (await rest(server, "PUT", "/api/virtuals_tools/strip", {"tool": "oneshot"}))["status"] == "success"
    await frame_settles_at(listener, bytes(30))
    await asyncio.sleep(0.2)
    assert listener.frames[-1][1] == bytes(30)
    transport.close()
