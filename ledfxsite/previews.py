"""Which previews (visualisation_update) this process's clients watch, told to the render
worker, which encodes and publishes previews only for what someone watches.

A subscription's filter says what it watches: `{"vis_id": "v1", "is_device": false}` one
virtual, `{"vis_id": "d1"}` a virtual or device of that id, `{}` everything. Each process
sends its (is_device, vis_id) patterns on the render channel when they change and renews
them every heartbeat; the worker forgets them WATCH_LEASE_BEATS heartbeats after the last
renewal, so a process that dies stops its previews.
"""

import asyncio
import logging

from django.conf import settings

from ledfxsite.layers import RENDER_GROUP
from ledfxsite.process import ProcessPart
from ledfxsite.streaks import FailureStreak

logger = logging.getLogger(__name__)

PREVIEW_EVENT = "visualisation_update"
WATCH_MESSAGE = "previews.watched"
WATCH_LEASE_BEATS = 3


def watch_patterns(members):
    """{(is_device, vis_id)} watched by the hub's members of PREVIEW_EVENT; None matches
    anything. A filter value that no preview can have watches nothing."""
    patterns = set()
    for subscriptions in members.values():
        for event_filter in subscriptions.values():
            is_device, vis_id = event_filter.get("is_device"), event_filter.get("vis_id")
            if (is_device is None or isinstance(is_device, bool)) and (vis_id is None or isinstance(vis_id, str)):
                patterns.add((is_device, vis_id))
    return frozenset(patterns)


class PreviewWatch(ProcessPart):
    def __init__(self, process, layer):
        self.process = process
        self.layer = layer
        self.sent = frozenset()
        self.sending = None
        self.send_streak = FailureStreak(logger, "telling the render worker which previews are watched")
        process.hub.watch(PREVIEW_EVENT, self.changed)

    def current(self):
        return watch_patterns(self.process.hub.members.get(PREVIEW_EVENT, {}))

    def changed(self):
        """Subscriptions changed: tell the worker now, once per change of what is watched."""
        if self.sending is None and self.current() != self.sent:
            self.sending = asyncio.ensure_future(self.send_changes())

    async def send_changes(self):
        try:
            while (current := self.current()) != self.sent:
                await self.send(current)
        except Exception as exc:  # the heartbeat sends again
            self.send_streak.failed(exc)
        finally:
            self.sending = None

    async def send(self, patterns):
        await self.layer.group_send(
            RENDER_GROUP,
            {
                "type": WATCH_MESSAGE,
                "watcher": self.process.instance_id,
                "patterns": [list(pattern) for pattern in patterns],
                "seconds": settings.HEARTBEAT_SECONDS * WATCH_LEASE_BEATS,
            },
        )
        self.sent = patterns
        self.send_streak.succeeded()

    async def heartbeat(self):
        current = self.current()
        if current or self.sent:
            await self.send(current)

    async def stop(self):
        if self.sent:
            await self.send(frozenset())
