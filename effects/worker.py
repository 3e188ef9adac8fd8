"""The render worker: `python manage.py runworker effects`, or inside the server process
in the embedded mode; any number of them share the active virtuals (effects.leases). It
renders what the database says, and re-reads it when a command arrives (a virtual changed,
ledfxsite.layers), on every lease tick and every few seconds: a lost command costs a
delay, never a wrong state. Commands, which previews clients watch (ledfxsite.previews)
and the features of audio streams (ledfxsite.web_audio) reach every worker through groups
of the events layer.
"""

import asyncio
import logging
import time

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from effects.audio_effects import AudioDiagnostics
from effects.audio_inputs import NO_SOUND_CARDS, worker_input
from effects.history import PRUNE_PERIOD_SECONDS, prune
from effects.renderer import Renderer
from ledfxsite.events import afire_event
from ledfxsite.layers import EVENTS_LAYER, FLASH_MESSAGE, RENDER_GROUP, receive_waiting_out_errors
from ledfxsite.previews import WATCH_MESSAGE
from ledfxsite.process import ProcessPart
from ledfxsite.streaks import FailureStreak
from ledfxsite.web_audio import AUDIO_GROUP, FEATURES_MESSAGE, STOPPED_MESSAGE

logger = logging.getLogger(__name__)

# LedFx fires its last melbank as "melbank_2" (its first two only in dev mode); ours is
# one bank, under the name scripts and LedFx's UI already know.
GRAPH_ID = "melbank_2"


class RenderWorker(ProcessPart):
    def __init__(self):
        self.layer = get_channel_layer(EVENTS_LAYER)
        self.channel = None
        self.renderer = Renderer()
        self.reconciling = asyncio.Lock()
        self.tasks = []
        self.receive_streak = FailureStreak(logger, "render worker receive")
        self.reconcile_streak = FailureStreak(logger, "render worker reconcile")
        self.audio_event_streak = FailureStreak(logger, "audio events (graph_update, audio_diag)")
        self.prune_streak = FailureStreak(logger, "deleting old history")
        self.audio_diagnostics = AudioDiagnostics()
        self.own_input = None  # a sound card or a file, read by this worker
        self.next_graph_update = 0.0

    async def start(self):
        self.channel = await self.layer.new_channel()
        await self.join_groups()
        await self.reconcile()
        self.tasks = [
            asyncio.create_task(self.listen_loop(), name="render-listen"),
            asyncio.create_task(self.reconcile_loop(), name="render-reconcile"),
            asyncio.create_task(self.prune_loop(), name="history-prune"),
        ]
        logger.info("render worker started: %d virtuals rendering (worker %s)", len(self.renderer.loops), self.renderer.leases.worker_id)
        if NO_SOUND_CARDS:
            logger.info(NO_SOUND_CARDS)

    async def stop(self):
        if self.own_input is not None:
            await self.own_input.stop()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.renderer.stop()

    async def serve_forever(self):
        await self.start()
        try:
            await asyncio.gather(*self.tasks)
        finally:
            await self.stop()

    async def reconcile(self):
        async with self.reconciling:
            try:
                await self.renderer.reconcile()
                await self.read_selected_input()
            except Exception as exc:
                self.reconcile_streak.failed(exc)
            else:
                self.reconcile_streak.succeeded()

    async def listen_loop(self):
        """Commands, watched previews and audio features, from the worker's groups."""
        while True:
            message = await receive_waiting_out_errors(self.layer, self.channel, self.receive_streak)
            kind = message.get("type")
            if kind == FEATURES_MESSAGE:
                await self.audio_heard(message)
            elif kind == STOPPED_MESSAGE:
                self.renderer.audio.stopped(message["source"])
            elif kind == FLASH_MESSAGE:
                self.renderer.flash(message["virtual_id"], message["flash"])
            elif kind == WATCH_MESSAGE:
                self.renderer.previews.heard(watcher=message["watcher"], patterns=message["patterns"], seconds=message["seconds"])
            else:
                logger.debug("command %s for %s", kind, message.get("virtual_id"))
                await self.reconcile()

    async def join_groups(self):
        """Join (again: membership expires, and Redis may have restarted) the worker's groups."""
        try:
            await self.layer.group_add(RENDER_GROUP, self.channel)
            await self.layer.group_add(AUDIO_GROUP, self.channel)
        except Exception as exc:
            self.receive_streak.failed(exc)

    async def audio_heard(self, message):
        """Blocks' features, from a stream (the channel layer) or an input of this worker's."""
        if self.renderer.audio.heard(message["source"], message["blocks"]):
            await self.graph_update(message["blocks"][-1]["melbank"], message["frequencies"])
            diagnostics = self.audio_diagnostics.heard(message)
            if diagnostics:
                await self.fire_audio_event("audio_diag", diagnostics)

    async def read_selected_input(self):
        """Read the selected input if it is a sound card or a file (and only then)."""
        selected = self.renderer.audio.selected
        if self.own_input is not None and self.own_input.name == selected:
            return
        if self.own_input is not None:
            await self.own_input.stop()
        self.own_input = worker_input(selected, self.audio_heard) if selected else None
        if self.own_input is not None:
            self.own_input.start()

    async def graph_update(self, melbank, frequencies):
        """The selected input's melbank for clients that draw it, at most visualisation_fps
        times a second (as previews)."""
        now = time.monotonic()
        if now < self.next_graph_update:
            return
        period = 1.0 / self.renderer.previews.fps
        self.next_graph_update = max(self.next_graph_update + period, now - period)
        await self.fire_audio_event("graph_update", {"graph_id": GRAPH_ID, "melbank": melbank, "frequencies": frequencies})

    async def fire_audio_event(self, event_type, fields):
        """Fire an audio event; the event bus failing is logged once per streak, not raised."""
        try:
            await afire_event(event_type, **fields)
        except Exception as exc:
            self.audio_event_streak.failed(exc)
        else:
            self.audio_event_streak.succeeded()

    async def prune_loop(self):
        """Delete history past its retention at start and then once a day (every worker
        does: deleting what is already gone costs one query)."""
        while True:
            try:
                cutoff, deleted, batches = await database_sync_to_async(prune)()
            except Exception as exc:
                self.prune_streak.failed(exc)
            else:
                self.prune_streak.succeeded()
                if deleted:
                    logger.info("deleted %d history entries older than %s in %d batches", deleted, cutoff.isoformat(timespec="seconds"), batches)
            await asyncio.sleep(PRUNE_PERIOD_SECONDS)

    async def reconcile_loop(self):
        while True:
            await asyncio.sleep(min(settings.RENDER_RECONCILE_SECONDS, self.renderer.leases.tick_seconds))
            await self.join_groups()
            self.renderer.previews.expire()
            await self.reconcile()
