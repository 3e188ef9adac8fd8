"""Global brightness, a virtual's max_brightness and preview_only, and the global pause,
seen where they matter: in the DDP frames a real UDP socket receives from the embedded
worker, and in the previews a websocket receives."""

import asyncio

import pytest
import pytest_asyncio

from tests.conftest import open_socket, rest, subscribe
from tests.effects.standins import ddp_listener, frame_settles_at, next_frame
from tests.effects.test_previews import next_preview

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest_asyncio.fixture
async def white_strip(server):
    """A 10-pixel DDP strip on a local UDP listener, rendering plain white."""
    transport, listener, port = await ddp_listener()
    await open_socket(server)  # starts the server process and its render worker
    created = await rest(server, "POST", "/api/devices", {"type": "ddp", "config": {"name": "Strip", "pixel_count": 10, "ip_address": "127.0.0.1", "port": port}})
    assert created["status"] == "success", created
    await rest(server, "POST", "/api/virtuals/strip/effects", {"type": "singleColor", "config": {"color": "#ffffff"}})
    yield listener
    transport.close()


async def test_global_brightness_and_max_brightness_scale_what_devices_get(server, white_strip):
    await frame_settles_at(white_strip, bytes([255] * 30))
    assert (await rest(server, "PUT", "/api/config", {"global_brightness": 0.5}))["status"] == "success"
    await frame_settles_at(white_strip, bytes([127] * 30))
    await rest(server, "POST", "/api/virtuals", {"id": "strip", "config": {"max_brightness": 0.5}})
    await frame_settles_at(white_strip, bytes([63] * 30))


async def test_preview_only_sends_nothing_to_devices_but_previews_go_on(server, white_strip):
    await next_frame(white_strip)
    watcher, _ = await open_socket(server)
    await subscribe(watcher, 1, "visualisation_update", {"vis_id": "strip", "is_device": False})
    await rest(server, "POST", "/api/virtuals", {"id": "strip", "config": {"preview_only": True}})
    await asyncio.sleep(0.2)  # frames on their way
    sent = len(white_strip.frames)
    preview = await next_preview(watcher)
    await asyncio.sleep(0.3)
    assert len(white_strip.frames) == sent
    assert preview["shape"] == [1, 10]


async def test_global_pause_stops_every_frame_and_resume_brings_them_back(server, white_strip):
    await next_frame(white_strip)
    assert await rest(server, "PUT", "/api/virtuals", {}) == {"status": "success", "paused": True}
    await asyncio.sleep(0.2)
    sent = len(white_strip.frames)
    await asyncio.sleep(0.3)
    assert len(white_strip.frames) == sent
    assert await rest(server, "PUT", "/api/virtuals", {}) == {"status": "success", "paused": False}
    await next_frame(white_strip)


async def test_an_effects_base_options_shape_what_devices_get(server, white_strip):
    await frame_settles_at(white_strip, bytes([255] * 30))
    changed = await rest(server, "PUT", "/api/virtuals/strip/effects", {"type": "singleColor", "config": {"brightness": 0.5, "background_color": "#0000ff", "background_brightness": 0.2}})
    assert changed["status"] == "success", changed
    await frame_settles_at(white_strip, bytes([127, 127, 153] * 10))  # (255, 255, 255 + 51) / 2: clipped only at the end, as LedFx


async def test_grouping_and_center_offset_lay_the_frame_onto_the_strip(server, white_strip):
    await frame_settles_at(white_strip, bytes([255] * 30))
    gradient = {"type": "gradient", "config": {"gradient": "#ff0000, #0000ff"}}
    assert (await rest(server, "PUT", "/api/virtuals/strip/effects", gradient))["status"] == "success"
    changed = await rest(server, "POST", "/api/virtuals", {"id": "strip", "config": {"grouping": 5, "center_offset": 2}})
    assert changed["status"] == "success", changed
    await asyncio.sleep(0.3)
    frame = await next_frame(white_strip)
    pixels = [frame[index : index + 3] for index in range(0, 30, 3)]
    # two rendered pixels, five each, then shifted along by two (wrapping round)
    assert pixels[2:7] == [pixels[2]] * 5 and pixels[7:] + pixels[:2] == [pixels[7]] * 5 and pixels[2] != pixels[7]


async def test_a_new_effect_comes_in_through_the_virtuals_transition(server, white_strip):
    await frame_settles_at(white_strip, bytes([255] * 30))
    await rest(server, "POST", "/api/virtuals", {"id": "strip", "config": {"transition_time": 1.0, "transition_mode": "Add"}})
    since = len(white_strip.frames)
    blue = {"type": "gradient", "config": {"gradient": "#0000ff, #0000ff"}}
    assert (await rest(server, "POST", "/api/virtuals/strip/effects", blue))["status"] == "success"
    await frame_settles_at(white_strip, bytes([0, 0, 255] * 10))
    reds = [frame[0] for _, frame in white_strip.frames[since:]]
    assert any(64 < red < 192 for red in reds), reds  # white fading out over the second, not a cut
    assert reds == sorted(reds, reverse=True)


async def test_copy_mapping_shows_the_whole_effect_on_each_segment(server, white_strip):
    await frame_settles_at(white_strip, bytes([255] * 30))
    ramp = {"type": "gradient", "config": {"gradient": "#ff0000, #0000ff"}}
    assert (await rest(server, "PUT", "/api/virtuals/strip/effects", ramp))["status"] == "success"
    halves = {"id": "strip", "config": {"mapping": "copy", "transition_mode": "None"}, "segments": [["strip", 0, 4, False], ["strip", 5, 9, True]]}
    assert (await rest(server, "POST", "/api/virtuals", halves))["status"] == "success"
    assert (await rest(server, "GET", "/api/virtuals/strip"))["strip"]["pixel_count"] == 5
    await asyncio.sleep(0.3)
    frame = await next_frame(white_strip)
    pixels = [frame[index : index + 3] for index in range(0, 30, 3)]
    assert pixels[5:] == pixels[:5][::-1] and pixels[0] != pixels[4]  # the second segment is inverted


async def test_a_virtuals_rotation_turns_its_matrix_effects(server):
    transport, listener, port = await ddp_listener()
    await open_socket(server)
    device = {"type": "ddp", "config": {"name": "Panel", "pixel_count": 10, "rows": 2, "ip_address": "127.0.0.1", "port": port}}
    assert (await rest(server, "POST", "/api/devices", device))["status"] == "success"
    still_noise = {"type": "noise2d", "config": {"speed": 0.0, "multiplier": 0.0}}  # the same image every frame
    assert (await rest(server, "POST", "/api/virtuals/panel/effects", still_noise))["status"] == "success"
    await asyncio.sleep(0.3)
    upright = await next_frame(listener)
    assert len(set(upright[index : index + 3] for index in range(0, 30, 3))) > 2
    assert (await rest(server, "POST", "/api/virtuals", {"id": "panel", "config": {"rotate": 2}}))["status"] == "success"
    # half a turn of 2 x 5 pixels, laid out row by row: the same pixels in reverse order
    await frame_settles_at(listener, b"".join(upright[index : index + 3] for index in range(27, -1, -3)))
    transport.close()
