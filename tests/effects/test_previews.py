"""LED previews (PROTOCOL.md §7): shapes, sampling and rate in the worker, and
visualisation_update on a websocket of the in-process server with its embedded worker."""

import asyncio
import base64
import json
import time

import numpy as np
import pytest
from channels.layers import get_channel_layer

from effects.previews import Previews, preview_shape, sample_indices
from effects.renderer import DeviceSpec, VirtualSpec
from effects.worker import RenderWorker
from ledfxsite.layers import EVENTS_LAYER
from tests.conftest import open_socket, rest, subscribe, wait_until


@pytest.mark.parametrize(
    "rows, columns, maxlen, shape",
    [
        (1, 300, 81, [1, 81]),
        (1, 50, 81, [1, 50]),
        (1, 81, 81, [1, 81]),
        (32, 32, 81, [9, 9]),  # what LedFx 2.2.1 sends for a 32x32 matrix
        (32, 64, 81, [6, 12]),
        (64, 64, 4096, [64, 64]),
        (128, 128, 4096, [64, 64]),
        (256, 16, 4096, [64, 4]),
        (8, 8, 4096, [8, 8]),
        (100, 1, 10, [10, 1]),
        (2, 500, 81, [1, 64]),
    ],
)
def test_preview_shape_fits_maxlen_and_keeps_the_aspect_ratio(rows, columns, maxlen, shape):
    assert preview_shape(rows, columns, maxlen) == shape


def test_sampling_takes_the_centre_pixel_of_each_cell():
    # A 4x4 frame previewed as 2x2: cells of 2x2 pixels, centre rounded down-right: (1, 1), (1, 3), (3, 1), (3, 3).
    assert sample_indices(4, 4, [2, 2]).tolist() == [5, 7, 13, 15]
    assert sample_indices(1, 10, [1, 10]).tolist() == list(range(10))


def strip_spec(pixel_count=300, refresh_rate=60):
    device = DeviceSpec("strip", "dummy", pixel_count, 1, refresh_rate, "", "{}")
    return VirtualSpec("strip", 1, (("strip", 0, pixel_count - 1, False),), "rainbow", "{}", (device,))


class Output:
    def __init__(self, frame):
        self.frame = frame


def test_nothing_is_made_when_nobody_watches():
    previews = Previews(fps=30, maxlen=81)
    frame = np.zeros((300, 3), dtype=np.uint8)
    assert previews.frames(strip_spec(), frame, {"strip": Output(frame)}, 0.0) == []


def test_a_watched_virtual_gets_at_most_fps_previews_a_second():
    previews = Previews(fps=30, maxlen=81)
    previews.heard(watcher="p1", patterns=[[False, "strip"]], seconds=15)
    frame = np.arange(900, dtype=np.uint16).astype(np.uint8).reshape(300, 3)
    outputs = {"strip": Output(frame)}
    sent = [now for now in np.arange(0, 1, 1 / 60) if previews.frames(strip_spec(), frame, outputs, now)]
    assert len(sent) == 30
    (event_type, fields), = previews.frames(strip_spec(), frame, outputs, 1.0)
    assert event_type == "visualisation_update"
    assert (fields["is_device"], fields["vis_id"], fields["shape"]) == (False, "strip", [1, 81])
    pixels = np.frombuffer(base64.b64decode(fields["pixels"]), dtype=np.uint8).reshape(81, 3)
    assert pixels[0].tolist() == frame[1].tolist()  # the centre of the first of 81 cells of 300/81 pixels
    assert pixels[-1].tolist() == frame[298].tolist()


@pytest.mark.parametrize("render_rate, fps, sent_in_ten_seconds", [(62, 30, 300), (60, 30, 300), (62, 20, 200), (25, 30, 250), (240, 60, 600)])
def test_previews_keep_their_rate_whatever_the_render_rate(render_rate, fps, sent_in_ten_seconds):
    previews = Previews(fps=fps, maxlen=81)
    previews.heard(watcher="p1", patterns=[[False, "strip"]], seconds=15)
    spec = strip_spec(refresh_rate=render_rate)
    frame = np.zeros((300, 3), dtype=np.uint8)
    sent = sum(1 for number in range(10 * render_rate) if previews.frames(spec, frame, {"strip": Output(frame)}, number / render_rate))
    assert sent_in_ten_seconds - 1 <= sent <= sent_in_ten_seconds


def test_a_device_preview_is_its_own_frame_under_its_own_id():
    previews = Previews(fps=30, maxlen=81)
    previews.heard(watcher="p1", patterns=[[True, None]], seconds=15)
    device_frame = np.full((300, 3), 7, dtype=np.uint8)
    (_, fields), = previews.frames(strip_spec(), np.zeros((300, 3), dtype=np.uint8), {"strip": Output(device_frame)}, 0.0)
    assert (fields["is_device"], fields["vis_id"]) == (True, "strip")
    assert set(base64.b64decode(fields["pixels"])) == {7}


def test_patterns_expire_unless_renewed_and_an_empty_list_ends_them_at_once():
    previews = Previews(fps=30, maxlen=81)
    previews.heard(watcher="p1", patterns=[[False, "a"]], seconds=0.05)
    previews.heard(watcher="p2", patterns=[[None, "b"]], seconds=15)
    assert previews.patterns == {(False, "a"), (None, "b")}
    time.sleep(0.06)
    previews.expire()
    assert previews.patterns == {(None, "b")}
    previews.heard(watcher="p2", patterns=[], seconds=15)
    assert previews.patterns == frozenset()


# --- over the websocket, in-process (embedded worker, in-memory layers)

async def create_strip(server, pixel_count=300):
    answer = await rest(server, "POST", "/api/devices", {"type": "dummy", "config": {"name": "Strip", "pixel_count": pixel_count}})
    assert answer["status"] == "success", answer
    answer = await rest(server, "POST", "/api/virtuals/strip/effects", {"type": "rainbow", "config": {}})
    assert answer["status"] == "success", answer


async def next_preview(communicator):
    while True:
        frame = json.loads(await communicator.receive_from(timeout=5))
        if frame.get("event_type") == "visualisation_update":
            return frame


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_subscribed_client_receives_previews_of_the_virtual_it_watches(server):
    await create_strip(server)
    communicator, _ = await open_socket(server)
    await subscribe(communicator, 7, "visualisation_update", {"vis_id": "strip", "is_device": False})
    frame = await next_preview(communicator)
    assert list(frame) == ["id", "type", "event_type", "is_device", "vis_id", "pixels", "shape"]
    assert (frame["id"], frame["is_device"], frame["vis_id"], frame["shape"]) == (7, False, "strip", [1, 81])
    assert len(base64.b64decode(frame["pixels"])) == 81 * 3
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_previews_are_published_only_while_someone_watches(server):
    await create_strip(server)
    layer = get_channel_layer(EVENTS_LAYER)
    spy = await layer.new_channel()
    await layer.group_add("event.visualisation_update", spy)

    async def published_within(seconds):
        try:
            await asyncio.wait_for(layer.receive(spy), seconds)
        except asyncio.TimeoutError:
            return False
        return True

    assert not await published_within(0.3)
    communicator, _ = await open_socket(server)
    await subscribe(communicator, 1, "visualisation_update", {"vis_id": "strip"})
    assert await published_within(2)
    await communicator.disconnect()
    renderer = server.process.part(RenderWorker).renderer
    await wait_until(lambda: not renderer.previews.patterns, what="the worker to hear nobody watches")
    while await published_within(0.05):  # those already on their way
        pass
    assert not await published_within(0.3)
