"""The audio inputs LedFx's /api/audio/devices lists, and the inputs the render worker
reads itself: sound cards and files.

Inputs are numbered as LedFx numbers its devices, by their place in the list: the sound
card inputs PortAudio finds (named "<host API>: <device>", as LedFx names them), the audio
files in AUDIO_FILES_DIR (WAV or FLAC, by name), then the web-audio streams of connected
clients (ledfxsite.web_audio), oldest first. The selection is kept by name
(CoreConfig.audio_device_name), so a list that changes never moves it to another input.

A sound card or a file is read by the render worker, which must then run on the machine
that lists it (the embedded mode always does), and analysed there: its features take the
path a stream's take, without the channel layer. Without PortAudio there are no sound card
inputs, and the worker says why once; nothing else changes.
"""

import asyncio
import logging
import time

import numpy as np
import soundfile
from django.conf import settings

try:
    import sounddevice
except (ImportError, OSError) as exc:  # sounddevice or the PortAudio library is missing
    sounddevice = None
    NO_SOUND_CARDS = f"no sound card inputs: {exc} (install PortAudio, e.g. apt-get install libportaudio2)"
else:
    NO_SOUND_CARDS = None

from ledfxsite.audio import AudioAnalyser
from ledfxsite.models import WebAudioStream
from ledfxsite.web_audio import analysed

logger = logging.getLogger(__name__)

FILE_PREFIX = "FILE: "
FILE_SUFFIXES = (".wav", ".flac")
READ_SECONDS = 1 / 60  # one analysis block at a time, each when its audio would be heard


def audio_files():
    """{device name: path} of the files in AUDIO_FILES_DIR."""
    directory = settings.AUDIO_FILES_DIR
    if not directory.is_dir():
        return {}
    paths = sorted(path for path in directory.iterdir() if path.suffix.lower() in FILE_SUFFIXES and path.is_file())
    return {FILE_PREFIX + path.name: path for path in paths}


def sound_cards():
    """{device name: PortAudio device index} of this machine's inputs."""
    if sounddevice is None:
        return {}
    try:
        host_apis = sounddevice.query_hostapis()
        return {
            f"{host_apis[device['hostapi']]['name']}: {device['name']}": device["index"]
            for device in sounddevice.query_devices()
            if device["max_input_channels"] > 0
        }
    except sounddevice.PortAudioError as exc:
        logger.warning("cannot list the sound card inputs: %s", exc)
        return {}


def input_devices():
    """{index: device name} of every input, as GET /api/audio/devices lists them."""
    names = [*sound_cards(), *audio_files(), *WebAudioStream.objects.device_names()]
    return dict(enumerate(names))


def worker_input(name, heard):
    """The input the worker reads itself for this selection (not started), or None."""
    if name in (cards := sound_cards()):
        return SoundCardInput(name, cards[name], heard)
    if name in (files := audio_files()):
        return FileInput(name, files[name], heard)
    return None


class WorkerInput:
    """Audio the worker reads itself, analysed block by block into `heard(message)` (a
    coroutine function), as a stream's messages come."""

    def __init__(self, name, source, heard):
        self.name, self.source, self.heard = name, source, heard
        self.task = None
        self.blocks = 0

    def start(self):
        self.task = asyncio.create_task(self.run(), name=f"audio-input-{self.name}")

    async def stop(self):
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)

    async def run(self):
        raise NotImplementedError

    async def analysed(self, analyser, samples, skipped=0):
        """Analyse mono samples and pass their blocks on; `skipped` blocks were lost
        before (audio_diag counts them as dropped)."""
        self.blocks += skipped
        message = analysed(analyser, samples, source=self.name, seq=self.blocks + 1)
        if message is not None:
            self.blocks += len(message["blocks"])
            await self.heard(message)


class FileInput(WorkerInput):
    """Plays an audio file in a loop, at the pace of its audio."""

    async def run(self):
        try:
            with soundfile.SoundFile(self.source) as audio:
                if not audio.frames:
                    raise ValueError("it holds no audio")
                await self.play(audio)
        except (OSError, RuntimeError, ValueError, soundfile.LibsndfileError) as exc:
            logger.error("cannot play the audio file %s: %s", self.source, exc)

    async def play(self, audio):
        analyser = AudioAnalyser(audio.samplerate)
        frames_per_read = max(1, round(audio.samplerate * READ_SECONDS))
        logger.info("playing %s (%d Hz, %d channels) in a loop", self.source, audio.samplerate, audio.channels)
        deadline = time.monotonic()
        while True:
            samples = audio.read(frames_per_read, dtype="float64", always_2d=True)
            if len(samples) < frames_per_read:
                audio.seek(0)
            await self.analysed(analyser, np.mean(samples, axis=1))
            deadline += len(samples) / audio.samplerate
            await asyncio.sleep(max(0.0, deadline - time.monotonic()))


class SoundCardInput(WorkerInput):
    """Records a sound card input (PortAudio, through sounddevice): PortAudio's thread
    hands each block to the event loop; past QUEUED_BLOCKS waiting, blocks are dropped."""

    QUEUED_BLOCKS = 60

    async def run(self):
        loop = asyncio.get_running_loop()
        blocks = asyncio.Queue(self.QUEUED_BLOCKS)
        dropped = [0]

        def received(indata, frames, at, status):
            loop.call_soon_threadsafe(put, indata[:, 0].astype(np.float64))

        def put(samples):
            if blocks.full():
                dropped[0] += 1
            else:
                blocks.put_nowait(samples)

        try:
            rate = int(sounddevice.query_devices(self.source)["default_samplerate"])
            analyser = AudioAnalyser(rate)
            stream = sounddevice.InputStream(device=self.source, channels=1, samplerate=rate, blocksize=analyser.hop, callback=received)
        except (sounddevice.PortAudioError, ValueError) as exc:
            logger.error("cannot open the sound card input %s: %s", self.name, exc)
            return
        logger.info("recording %s at %d Hz", self.name, rate)
        with stream:
            while True:
                samples = await blocks.get()
                skipped, dropped[0] = dropped[0], 0
                await self.analysed(analyser, samples, skipped)
