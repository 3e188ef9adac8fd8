"""Audio files as inputs: listed before the web-audio streams, selected through LedFx's
/api/audio/devices, played in a loop by the render worker of the server process."""

import importlib
import json
import sys

import numpy as np
import pytest
import soundfile

from effects import audio_inputs
from effects.audio_effects import SILENCE
from effects.worker import RenderWorker
from tests.conftest import open_socket, rest, settle, wait_until

pytestmark = [pytest.mark.django_db(transaction=True)]

RATE = 44100


def write_tone(path, seconds=0.5, amplitude=0.5, channels=1):
    samples = amplitude * np.sin(2 * np.pi * 441 * np.arange(int(seconds * RATE)) / RATE)
    soundfile.write(path, np.tile(samples[:, None], (1, channels)), RATE)


def audio_feed(application):
    return application.process.part(RenderWorker).renderer.audio


async def select(server, name):
    devices = (await rest(server, "GET", "/api/audio/devices"))["devices"]
    index = next(int(index) for index, device in devices.items() if device == name)
    assert await rest(server, "PUT", "/api/audio/devices", {"audio_device": index}) == {"status": "success"}


@pytest.mark.asyncio
async def test_files_are_listed_first_by_name_then_the_streams(server, audio_files_dir):
    write_tone(audio_files_dir / "b.flac")
    write_tone(audio_files_dir / "a.wav")
    (audio_files_dir / "notes.txt").write_text("not audio")
    communicator, _ = await open_socket(server)
    await communicator.send_to(text_data=json.dumps({"id": 1, "type": "audio_stream_start", "client": "phone"}))
    await settle(communicator)
    listed = await rest(server, "GET", "/api/audio/devices")
    assert listed["devices"] == {"0": "FILE: a.wav", "1": "FILE: b.flac", "2": "WEB AUDIO: phone"}
    await communicator.disconnect()


@pytest.mark.parametrize("name, channels", [("tone.wav", 1), ("tone.flac", 2)])
@pytest.mark.asyncio
async def test_a_selected_file_is_played_in_a_loop_into_the_feed(server, audio_files_dir, name, channels):
    write_tone(audio_files_dir / name, seconds=0.3, channels=channels)
    await open_socket(server)  # starts the server process and its worker
    await select(server, f"FILE: {name}")
    worker = server.process.part(RenderWorker)
    # 0.3 s of audio is 18 blocks: past 40, the file has been played round twice
    await wait_until(lambda: (worker.audio_diagnostics.last_seq or 0) > 40, timeout=5, what="the file to loop")
    # a 0.5-amplitude tone: 1 - 9.03 / 60 = 0.8495
    assert audio_feed(server).current()["volume"] == pytest.approx(0.8495, abs=0.02)


@pytest.mark.asyncio
async def test_an_unreadable_file_is_logged_and_gives_silence(server, audio_files_dir, caplog):
    (audio_files_dir / "broken.wav").write_bytes(b"RIFF but not really")
    await open_socket(server)
    await select(server, "FILE: broken.wav")
    await wait_until(lambda: "cannot play the audio file" in caplog.text, what="the error logged")
    assert audio_feed(server).current() == SILENCE


def test_without_portaudio_there_are_no_sound_card_inputs_and_a_clear_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # as if it could not be imported
    reloaded = importlib.reload(audio_inputs)
    try:
        assert reloaded.sound_cards() == {}
        assert reloaded.NO_SOUND_CARDS.startswith("no sound card inputs: ") and "PortAudio" in reloaded.NO_SOUND_CARDS
    finally:
        monkeypatch.undo()
        importlib.reload(audio_inputs)
