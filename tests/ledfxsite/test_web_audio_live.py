"""Web audio across processes: a browser-like client streams to one daphne, the render
worker runs in its own process over Redis, and the lights (a DDP listener) follow."""

import asyncio
import base64
import json

import numpy as np
import pytest

from tests.conftest import http, wait_until, ws_connect, ws_json
from tests.effects.standins import ddp_listener

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

RATE = 48000
BLOCK = 1024  # samples per message, as LedFx's UI sends them


async def stream_tone(sock, seconds, frequency=480, amplitude=0.5):
    """int16 PCM in audio_stream_data_v2 messages, at the pace a microphone gives them."""
    samples = amplitude * np.sin(2 * np.pi * frequency * np.arange(int(seconds * RATE)) / RATE)
    pcm = (samples * 32767).astype("<i2").tobytes()
    for start in range(0, len(pcm), BLOCK * 2):
        data = base64.b64encode(pcm[start : start + BLOCK * 2]).decode()
        await sock.send(json.dumps({"id": 3, "type": "audio_stream_data_v2", "client": "phone", "data": data}))
        await asyncio.sleep(BLOCK / RATE)


async def test_audio_streamed_to_one_process_drives_the_lights_of_a_worker_in_another(live_servers, live_workers):
    first, second = live_servers(), live_servers()
    worker = live_workers()
    transport, listener, port = await ddp_listener()
    created = await http("POST", first.http + "/api/devices", json={"type": "ddp", "config": {"name": "Strip", "pixel_count": 30, "ip_address": "127.0.0.1", "port": port}})
    assert created.json()["status"] == "success", created.text
    effect = {"type": "magnitude", "config": {"frequency_range": "Mids", "gradient": "linear-gradient(90deg, #ffffff 0%, #ffffff 100%)"}}
    assert (await http("POST", first.http + "/api/virtuals/strip/effects", json=effect)).json()["status"] == "success"

    sock, _ = await ws_connect(second.ws)  # the microphone's client is on the other process
    await sock.send(json.dumps({"id": 1, "type": "audio_stream_start", "client": "phone"}))
    await sock.send(json.dumps({"id": 2, "type": "audio_stream_config", "client": "phone", "data": {"sampleRate": RATE, "bufferSize": BLOCK}}))
    await sock.send(json.dumps({"id": 4, "type": "probe"}))
    assert (await ws_json(sock))["id"] == 4
    devices = (await http("GET", first.http + "/api/audio/devices")).json()["devices"]
    assert list(devices.values()) == ["WEB AUDIO: phone"]
    selected = await http("PUT", first.http + "/api/audio/devices", json={"audio_device": int(next(iter(devices)))})
    assert selected.json() == {"status": "success"}

    streaming = asyncio.create_task(stream_tone(sock, 3.0))
    # mids_power of a 0.5-amplitude 480 Hz tone: 1 - 9.03 / 60 = 0.8495, so 255 * 0.8495 = 216
    lit = await wait_until(lambda: any(frame[0] >= 200 for _, frame in listener.frames[-5:]) and listener.frames[-1], timeout=10, what="lit frames")
    assert set(lit[1]) <= set(range(205, 226))
    await streaming
    await sock.close()  # the client leaves: silence, not the last block over and over
    await wait_until(lambda: listener.frames[-1][1] == bytes(90), timeout=5, what="dark frames after the client left")
    transport.close()
    for process in (first, second, worker):
        process.assert_clean_log()
