"""The channel layers and what travels on them.

"events" is fast fan-out (channels-redis's pub/sub layer with Redis): ledfxsite.events
sends every event on it, and the render workers hear their commands on its RENDER_GROUP,
every worker each command. "default" (the core layer, with queue semantics) is Channels'
default, used by nothing of ours.
"""

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

EVENTS_LAYER = "events"
# Every render worker (`python manage.py runworker effects`) listens here.
RENDER_GROUP = "render"
# notify_renderer's virtual_id for a change that concerns every virtual (global settings).
ALL_VIRTUALS = "*"
# A flash (or the end of flashes) for a virtual's frames: {"type", "virtual_id", "flash"
# (effects.flashes.Flash's color, ramp, hold, fade; None: end its flashes)}.
FLASH_MESSAGE = "virtual.flash"


def notify_renderer(*, virtual_id):
    """Tell the render workers to re-read a virtual (sync code: services, admin)."""
    async_to_sync(anotify_renderer)(virtual_id=virtual_id)


async def anotify_renderer(*, virtual_id):
    await get_channel_layer(EVENTS_LAYER).group_send(RENDER_GROUP, {"type": "virtual.changed", "virtual_id": virtual_id})


def flash_virtuals(*, virtual_id, flash):
    """Tell the render workers to flash a virtual (ALL_VIRTUALS: every one), or to end its
    flashes (flash None)."""
    message = {"type": FLASH_MESSAGE, "virtual_id": virtual_id, "flash": flash}
    async_to_sync(get_channel_layer(EVENTS_LAYER).group_send)(RENDER_GROUP, message)


async def receive_waiting_out_errors(layer, channel, streak):
    """The next message on a layer channel. channels-redis raises while Redis restarts:
    wait (backing off) and listen again, logging once per streak (a FailureStreak)."""
    while True:
        try:
            message = await layer.receive(channel)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            streak.failed(exc)
            await asyncio.sleep(streak.backoff)
            continue
        streak.succeeded()
        return message
