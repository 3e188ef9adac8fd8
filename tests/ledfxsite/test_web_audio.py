"""Web audio over the websocket (LedFx's audio_stream_* messages) to the render worker's
feed, and LedFx's /api/audio/devices, through the server process with its embedded worker."""

import asyncio
import base64
import json
import time

import numpy as np
import pytest

from effects.audio_effects import SILENCE
from effects.worker import RenderWorker
from ledfxsite.models import WebAudioStream
from tests.conftest import open_socket, rest, settle, subscribe, wait_until

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

RATE = 48000


def tone_pcm(seconds=0.5, frequency=480, amplitude=0.5):
    samples = amplitude * np.sin(2 * np.pi * frequency * np.arange(int(seconds * RATE)) / RATE)
    return (samples * 32767).astype("<i2").tobytes()


def audio_feed(application):
    return application.process.part(RenderWorker).renderer.audio


async def send(communicator, message):
    await communicator.send_to(text_data=json.dumps(message))


async def start_streaming(server, name="phone"):
    communicator, _ = await open_socket(server)
    await send(communicator, {"id": 1, "type": "audio_stream_start", "client": name})
    await send(communicator, {"id": 2, "type": "audio_stream_config", "client": name, "data": {"sampleRate": RATE, "bufferSize": 1024}})
    await settle(communicator)
    return communicator


async def send_tone(communicator, name="phone", seconds=0.5):
    pcm = tone_pcm(seconds)
    for start in range(0, len(pcm), 2048):
        await send(communicator, {"id": 3, "type": "audio_stream_data_v2", "client": name, "data": base64.b64encode(pcm[start : start + 2048]).decode()})
    await settle(communicator)


async def test_a_streaming_client_is_listed_as_a_web_audio_device_until_it_leaves(server):
    communicator = await start_streaming(server)
    listed = await rest(server, "GET", "/api/audio/devices")
    assert list(listed["devices"].values()) == ["WEB AUDIO: phone"]
    assert (listed["active_device_index"], listed["active_device_name"]) == (None, "")
    await communicator.disconnect()
    assert (await rest(server, "GET", "/api/audio/devices"))["devices"] == {}


async def test_selected_web_audio_reaches_the_render_worker_and_its_client_leaving_leaves_silence(server):
    communicator = await start_streaming(server)
    [index] = (await rest(server, "GET", "/api/audio/devices"))["devices"]
    assert await rest(server, "PUT", "/api/audio/devices", {"audio_device": int(index)}) == {"status": "success"}
    await wait_until(lambda: audio_feed(server).selected == "WEB AUDIO: phone", what="the worker to select the stream")
    await send_tone(communicator)
    heard = await wait_until(lambda: (audio_feed(server).current() or SILENCE)["volume"] > 0 and audio_feed(server).current(), what="features")
    # amplitude 0.5: -9.03 dBFS, 1 - 9.03 / 60 on the analysis's 60 dB scale
    assert heard["volume"] == pytest.approx(0.8495, abs=0.01)
    listed = await rest(server, "GET", "/api/audio/devices")
    assert (listed["active_device_index"], listed["active_device_name"]) == (int(index), "WEB AUDIO: phone")
    await communicator.disconnect()
    await wait_until(lambda: audio_feed(server).current() == SILENCE, what="silence after the client left")


async def test_an_unknown_device_index_is_refused(server):
    answer = await rest(server, "PUT", "/api/audio/devices", {"audio_device": 99})
    assert answer == {"status": "failed", "payload": {"type": "error", "reason": "Invalid device index [99]"}}


@pytest.mark.parametrize(
    "message, code",
    [
        ({"type": "audio_stream_data_v2", "client": "phone", "data": "not base64!"}, "invalid_format"),
        ({"type": "audio_stream_data_v2", "client": "phone", "data": base64.b64encode(b"abc").decode()}, "invalid_format"),
        ({"type": "audio_stream_data", "client": "phone", "data": [0.1, "x"]}, "invalid_format"),
        ({"type": "audio_stream_data_v2", "client": "laptop", "data": base64.b64encode(b"ab").decode()}, "no_audio_stream"),
        ({"type": "audio_stream_config", "client": "phone", "data": {"sampleRate": 1000}}, "invalid_format"),
    ],
)
async def test_malformed_audio_gets_an_error_frame_and_feeds_nothing(server, message, code):
    communicator = await start_streaming(server)
    [index] = (await rest(server, "GET", "/api/audio/devices"))["devices"]
    await rest(server, "PUT", "/api/audio/devices", {"audio_device": int(index)})
    await wait_until(lambda: audio_feed(server).selected == "WEB AUDIO: phone", what="the worker to select the stream")
    await send(communicator, {"id": 5, **message})
    answer = json.loads(await communicator.receive_from(timeout=5))
    assert (answer["id"], answer["success"], answer["error"]["code"]) == (5, False, code)
    await settle(communicator)
    assert audio_feed(server).heard_blocks == 0
    await communicator.disconnect()


async def test_audio_before_audio_stream_start_is_refused(server):
    communicator, _ = await open_socket(server)
    await send(communicator, {"id": 6, "type": "audio_stream_data_v2", "client": "phone", "data": base64.b64encode(b"ab").decode()})
    answer = json.loads(await communicator.receive_from(timeout=5))
    assert (answer["id"], answer["error"]["code"]) == (6, "no_audio_stream")
    await communicator.disconnect()


async def test_a_second_client_cannot_take_a_name_that_streams(server):
    first = await start_streaming(server)
    second, _ = await open_socket(server)
    await send(second, {"id": 7, "type": "audio_stream_start", "client": "phone"})
    answer = json.loads(await second.receive_from(timeout=5))
    assert (answer["id"], answer["error"]["code"]) == (7, "name_taken")
    await first.disconnect()
    await second.disconnect()


async def test_the_sweep_deletes_streams_whose_client_is_gone_and_says_the_list_changed_once(server, settings):
    settings.HEARTBEAT_SECONDS = 0.2
    watcher, _ = await open_socket(server)  # the server process runs, and with it the sweep
    await subscribe(watcher, 17, "audio_device_list_changed")
    await WebAudioStream.objects.acreate(client_id="gone-client", name="ghost")

    async def deleted():
        return not await WebAudioStream.objects.filter(name="ghost").aexists()

    await wait_until(deleted, what="the sweep to delete the ghost stream")
    await asyncio.sleep(0.5)  # the sweeps that follow find nothing to delete
    assert await received_events(watcher) == ["audio_device_list_changed"]
    await watcher.disconnect()


async def received_events(communicator):
    """The event frames received up to a settle probe."""
    await communicator.send_to(text_data=json.dumps({"id": 999998, "type": "probe"}))
    events = []
    while (frame := json.loads(await communicator.receive_from(timeout=5)))["id"] != 999998:
        events.append(frame["event_type"])
    return events


async def test_the_input_list_changing_fires_audio_device_list_changed_once_per_change(server):
    watcher, _ = await open_socket(server)
    await subscribe(watcher, 17, "audio_device_list_changed")
    streaming = await start_streaming(server)
    await wait_until(lambda: watcher.output_queue.qsize(), what="the event of the start")
    assert await received_events(watcher) == ["audio_device_list_changed"]
    await send(streaming, {"id": 4, "type": "audio_stream_stop", "client": "phone"})
    await settle(streaming)
    await wait_until(lambda: watcher.output_queue.qsize(), what="the event of the stop")
    assert await received_events(watcher) == ["audio_device_list_changed"]
    await send(streaming, {"id": 4, "type": "audio_stream_stop", "client": "phone"})  # nothing left to stop
    await send(streaming, {"id": 5, "type": "audio_stream_start", "client": "phone"})
    await settle(streaming)
    await streaming.disconnect()
    await wait_until(lambda: watcher.output_queue.qsize() >= 2, what="the events of the start and the disconnect")
    await asyncio.sleep(0.2)
    assert await received_events(watcher) == ["audio_device_list_changed"] * 2
    await watcher.disconnect()


async def test_ledfx_uis_schema_and_config_list_the_streams_and_select_one_by_index(server):
    streaming = await start_streaming(server)
    audio_schema = (await rest(server, "GET", "/api/schema"))["audio"]["schema"]
    assert audio_schema["properties"]["audio_device"]["enum"] == {"0": "WEB AUDIO: phone"}
    assert audio_schema["permitted_keys"] == ["audio_device"]
    assert (await rest(server, "GET", "/api/config"))["audio"] == {"audio_device": None, "audio_device_name": ""}
    assert (await rest(server, "PUT", "/api/config", {"audio": {"audio_device": 0}}))["status"] == "success"
    assert (await rest(server, "GET", "/api/config"))["audio"] == {"audio_device": 0, "audio_device_name": "WEB AUDIO: phone"}
    assert (await rest(server, "GET", "/api/audio/devices"))["active_device_name"] == "WEB AUDIO: phone"
    await wait_until(lambda: audio_feed(server).selected == "WEB AUDIO: phone", what="the worker to select the stream")
    await streaming.disconnect()


async def test_an_input_is_selected_by_its_enum_key_too(server):
    streaming = await start_streaming(server)
    assert (await rest(server, "PUT", "/api/config", {"audio": {"audio_device": "0"}}))["status"] == "success"  # as LedFx's API tests send it
    assert (await rest(server, "GET", "/api/config"))["audio"] == {"audio_device": 0, "audio_device_name": "WEB AUDIO: phone"}
    await streaming.disconnect()


@pytest.mark.parametrize(
    "change",
    [
        {"audio": {"audio_device": 1}},  # one input is listed: index 0
        {"audio": {"audio_device": -1}},
        {"audio": {"audio_device": 0.5}},
        {"audio": {"audio_device": "0.5"}},
        {"audio": {"audio_device": "1"}},
        {"audio": {}},
        {"audio": {"audio_device": 0, "min_volume": 0.3}},  # LedFx's, not honoured here
        {"audio": [0]},
        {"audio": {"audio_device": 0}, "global_brightness": 2.0},
    ],
)
async def test_an_audio_config_change_that_does_not_fit_changes_nothing(server, change):
    streaming = await start_streaming(server)
    before = await rest(server, "GET", "/api/config")
    answer = await rest(server, "PUT", "/api/config", change)
    assert answer["status"] == "failed", answer
    assert await rest(server, "GET", "/api/config") == before
    await streaming.disconnect()


async def select_only_stream(server):
    [index] = (await rest(server, "GET", "/api/audio/devices"))["devices"]
    await rest(server, "PUT", "/api/audio/devices", {"audio_device": int(index)})
    await wait_until(lambda: audio_feed(server).selected == "WEB AUDIO: phone", what="the worker to select the stream")


async def test_graph_update_carries_the_selected_inputs_melbank_at_most_visualisation_fps(server):
    assert (await rest(server, "PUT", "/api/config", {"visualisation_fps": 5}))["status"] == "success"
    watcher, _ = await open_socket(server)
    await subscribe(watcher, 9100, "graph_update")
    communicator = await start_streaming(server)
    await select_only_stream(server)
    started = time.monotonic()
    await send_tone(communicator, seconds=1.0)  # 94 analysis blocks
    await asyncio.sleep(max(0.0, 1.2 - (time.monotonic() - started)))
    events = []
    while not await watcher.receive_nothing(timeout=0.2):
        events.append(json.loads(await watcher.receive_from()))
    assert 1 <= len(events) <= 5 * (time.monotonic() - started) + 1
    event = events[-1]
    assert (event["id"], event["event_type"], event["graph_id"]) == (9100, "graph_update", "melbank_2")
    assert len(event["melbank"]) == len(event["frequencies"]) == 24
    assert event["frequencies"] == sorted(event["frequencies"]) and 20 < event["frequencies"][0] < event["frequencies"][-1] < 15000
    # the 480 Hz tone peaks in the band nearest 480 Hz
    assert event["frequencies"][event["melbank"].index(max(event["melbank"]))] == min(event["frequencies"], key=lambda f: abs(f - 480))
    await communicator.disconnect()
    await watcher.disconnect()


async def test_audio_diag_reports_the_selected_inputs_blocks_once_a_second(server):
    watcher, _ = await open_socket(server)
    await subscribe(watcher, 9200, "audio_diag")
    communicator = await start_streaming(server)
    await select_only_stream(server)
    await send_tone(communicator, seconds=0.6)
    await asyncio.sleep(1.5)  # past the second, with room for a busy worker to have been late with the first tone
    await send_tone(communicator, seconds=0.6)  # its first block comes over a second after the first: it reports
    event = json.loads(await watcher.receive_from(timeout=5))
    # 1024-sample messages at 48 kHz: 512-sample analysis blocks, 93.75 a second, 56 in 0.6 s
    assert (event["event_type"], event["source"], event["block_rate"], event["dropped"]) == ("audio_diag", "WEB AUDIO: phone", 93.75, 0)
    assert 56 <= event["blocks"] <= 112 and event["analysis_ms"] > 0 and event["delay_ms"] >= 0
    await communicator.disconnect()
    await watcher.disconnect()
