"""The audio inputs LedFx's /api/audio/devices lists, and the file input.

Inputs are numbered as LedFx numbers its devices, by their place in the list: the audio
files in AUDIO_FILES_DIR (WAV or FLAC, by name), then the web-audio streams of connected
clients (ledfxsite.web_audio), oldest first. The selection is kept by name
(CoreConfig.audio_device_name), so a list that changes never moves it to another input.

A file input is played by the render worker itself, looping, at the pace of its audio,
and analysed there: its features take the path a stream's take, without the channel layer.
"""

import asyncio
import logging
import time

import numpy as np
import soundfile
from django.conf import settings

from ledfxsite.audio import AudioAnalyser
from ledfxsite.models import WebAudioStream

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


def input_devices():
    """{index: device name} of every input, as GET /api/audio/devices lists them."""
    names = [*audio_files(), *WebAudioStream.objects.device_names()]
    return dict(enumerate(names))


class FileInput:
    """Plays one audio file in a loop into `heard(message)`, as a stream's messages come."""

    def __init__(self, name, path, heard):
        self.name, self.path, self.heard = name, path, heard  # heard: a coroutine function
        self.task = None

    def start(self):
        self.task = asyncio.create_task(self.play(), name=f"audio-file-{self.path.name}")

    async def stop(self):
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)

    async def play(self):
        try:
            with soundfile.SoundFile(self.path) as audio:
                if not audio.frames:
                    raise ValueError("it holds no audio")
                await self.loop_over(audio)
        except (OSError, RuntimeError, ValueError, soundfile.LibsndfileError) as exc:
            logger.error("cannot play the audio file %s: %s", self.path, exc)

    async def loop_over(self, audio):
        analyser = AudioAnalyser(audio.samplerate)
        frames_per_read = max(1, round(audio.samplerate * READ_SECONDS))
        logger.info("playing %s (%d Hz, %d channels) in a loop", self.path, audio.samplerate, audio.channels)
        blocks, deadline = 0, time.monotonic()
        while True:
            samples = audio.read(frames_per_read, dtype="float64", always_2d=True)
            if len(samples) < frames_per_read:
                audio.seek(0)
            started = time.perf_counter()
            analysed = analyser.feed(np.mean(samples, axis=1))
            analysis_ms = (time.perf_counter() - started) * 1000 / max(1, len(analysed))
            for features in analysed:
                blocks += 1
                await self.heard(
                    {
                        "source": self.name,
                        "seq": blocks,
                        "sent_at": time.time(),
                        "analysis_ms": analysis_ms,
                        "block_rate": analyser.block_rate,
                        "features": features,
                        "frequencies": analyser.frequencies,
                    }
                )
            deadline += len(samples) / audio.samplerate
            await asyncio.sleep(max(0.0, deadline - time.monotonic()))
