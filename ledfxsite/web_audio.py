"""Audio that websocket clients stream from their microphones (LedFx's audio_stream_*
messages), analysed in the server process that receives it. Only the features of each
analysis block travel to the render workers, to the AUDIO_GROUP of the events layer (fast
fan-out, as events: one publish, whatever the number of workers), tagged with the source's
device name ("WEB AUDIO: <client name>"); a worker uses those of the selected source.

Every stream is analysed, selected or not: which source is selected lives in the database
and may change on another process, and a stream is one analyser's work (bench/ measures
it). A stream that stops, or whose client leaves, sends `audio.stopped`, so the worker
falls silent at once instead of when the features grow stale.
"""

import contextlib
import logging
import time
from dataclasses import dataclass

from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull

from ledfxsite.audio import AudioAnalyser, hop_for
from ledfxsite.events import afire_event
from ledfxsite.models import WebAudioStream, device_name
from ledfxsite.process import ProcessPart

logger = logging.getLogger(__name__)

DEFAULT_SAMPLE_RATE = 48000  # browsers' usual rate, until audio_stream_config says otherwise
DEFAULT_BLOCK_SIZE = 1024  # what LedFx's UI sends


def analyser_for(sample_rate, block_size):
    return AudioAnalyser(sample_rate, hop_for(sample_rate, block_size))


AUDIO_GROUP = "audio"
FEATURES_MESSAGE = "audio.features"
STOPPED_MESSAGE = "audio.stopped"
# LedFx's event for an input list that changed; its UI then fetches /api/audio/devices.
AUDIO_DEVICES_CHANGED = "audio_device_list_changed"


@dataclass
class Stream:
    name: str
    analyser: AudioAnalyser
    blocks: int = 0


def analysed(analyser, samples, *, source, seq):
    """Analyse samples: the features message of the blocks they complete (None if none), for
    the render worker. Its blocks are numbered from `seq` on, so that the worker counts the
    ones lost on the way; analysis_ms is the analysis time per block."""
    started = time.perf_counter()
    blocks = analyser.feed(samples)
    if not blocks:
        return None
    return {
        "type": FEATURES_MESSAGE,
        "source": source,
        "seq": seq,
        "sent_at": time.time(),
        "analysis_ms": (time.perf_counter() - started) * 1000 / len(blocks),
        "block_rate": analyser.block_rate,
        "frequencies": analyser.frequencies,
        "blocks": blocks,
    }


class StreamError(Exception):
    """A message that does not fit the connection's stream (answered with an error frame)."""


class WebAudio(ProcessPart):
    def __init__(self, layer):
        self.layer = layer
        self.streams = {}  # client_id -> Stream

    async def start_stream(self, client_id, name):
        """audio_stream_start: the client becomes an input device, deployment-wide."""
        if client_id in self.streams:
            if self.streams[client_id].name == name:
                return
            await self.stop_stream(client_id)
        created = await database_sync_to_async(WebAudioStream.objects.start)(client_id=client_id, name=name)
        if not created:
            raise StreamError(f"Another client streams audio as {name!r}")
        self.streams[client_id] = Stream(name=name, analyser=analyser_for(DEFAULT_SAMPLE_RATE, DEFAULT_BLOCK_SIZE))
        logger.info("[%s] web audio %r started", client_id, name)
        await afire_event(AUDIO_DEVICES_CHANGED)

    def configure(self, client_id, name, sample_rate, block_size):
        """audio_stream_config: the rate and the size of the blocks the client sends."""
        stream = self.stream(client_id, name)
        analyser = analyser_for(sample_rate, block_size)
        if (analyser.sample_rate, analyser.hop) != (stream.analyser.sample_rate, stream.analyser.hop):
            stream.analyser = analyser

    async def feed(self, client_id, name, samples):
        """Analyse a block of samples (floats in -1..1) and send the features on."""
        stream = self.stream(client_id, name)
        message = analysed(stream.analyser, samples, source=device_name(stream.name), seq=stream.blocks + 1)
        if message is None:
            return
        stream.blocks += len(message["blocks"])
        with contextlib.suppress(ChannelFull):  # a gap in seq: the worker reports it as dropped
            await self.layer.group_send(AUDIO_GROUP, message)

    async def stop_stream(self, client_id):
        """audio_stream_stop, or the client left: silence, and the device disappears."""
        stream = self.streams.pop(client_id, None)
        if stream is None:
            return
        await database_sync_to_async(WebAudioStream.objects.filter(client_id=client_id).delete)()
        await self.layer.group_send(AUDIO_GROUP, {"type": STOPPED_MESSAGE, "source": device_name(stream.name)})
        logger.info("[%s] web audio %r stopped after %d blocks", client_id, stream.name, stream.blocks)
        await afire_event(AUDIO_DEVICES_CHANGED)

    def streaming(self, client_id):
        return client_id in self.streams

    def stream(self, client_id, name):
        """The connection's stream; `name` (when given) must be its name."""
        stream = self.streams.get(client_id)
        if stream is None:
            raise StreamError("No audio stream: send audio_stream_start first")
        if name is not None and stream.name != name:
            raise StreamError(f"This connection streams audio as {stream.name!r}, not {name!r}")
        return stream
