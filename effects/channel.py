"""The `effects` channel: how views, the admin and services tell the render worker that
a virtual changed (it then re-reads the database)."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

EFFECTS_CHANNEL = "effects"


def notify_renderer(*, virtual_id):
    """For sync code: views, admin, services."""
    async_to_sync(anotify_renderer)(virtual_id=virtual_id)


async def anotify_renderer(*, virtual_id):
    await get_channel_layer().send(EFFECTS_CHANNEL, {"type": "virtual.changed", "virtual_id": virtual_id})
