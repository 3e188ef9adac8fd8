"""Firing events and fanning them out to websocket subscribers.

fire_event / afire_event (the same function for sync and async code) serialise an event
once and group_send it to the layer group "event.<type>". Each server process has one
EventHub: one layer channel that joins the group of every event type its connections
subscribe to, and hands each event to the local subscriptions. An event therefore costs
one layer message per server process, not one per socket (DESIGN.md measured the
per-socket group_send at ten times LedFx's fan-out latency for 1000 sockets).
"""

import asyncio
import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from clients import protocol
from ledfxsite.streaks import FailureStreak

logger = logging.getLogger(__name__)

GROUP_PREFIX = "event."


def group_name(event_type):
    return GROUP_PREFIX + event_type


async def afire_event(event_type, *, exclude_client_id=None, **fields):
    """Deliver an event to its subscribers on every server process.

    exclude_client_id: a connection that must not receive it (a client never sees its
    own client_connected, even when it subscribes before the event arrives).
    """
    message = {"type": "event", "event_type": event_type, "body": protocol.event_body(event_type, fields)}
    if exclude_client_id:
        message["exclude_client_id"] = exclude_client_id
    await get_channel_layer().group_send(group_name(event_type), message)


def fire_event(event_type, *, exclude_client_id=None, **fields):
    """afire_event for sync code: views, admin actions, worker threads."""
    async_to_sync(afire_event)(event_type, exclude_client_id=exclude_client_id, **fields)


class EventHub:
    """This process's end of the event groups: one layer channel, local fan-out."""

    def __init__(self, layer):
        self.layer = layer
        self.channel_name = None
        # event_type -> {connection: {subscription id: event_filter}}; the inner dicts
        # belong to the connections, which edit them in place.
        self.members = {}
        self.joined = set()
        self.lock = asyncio.Lock()
        self.task = None
        self.receive_streak = FailureStreak(logger, "event hub receive")

    async def start(self):
        self.channel_name = await self.layer.new_channel()
        self.task = asyncio.create_task(self.receive_loop(), name="event-hub")

    async def stop(self):
        if self.task:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    async def subscribe(self, event_type, connection, subscriptions):
        self.members.setdefault(event_type, {})[connection] = subscriptions
        # Types nobody fires are accepted and simply never fire (LedFx behaviour).
        if event_type not in protocol.EVENT_FIELDS:
            return
        async with self.lock:
            if event_type not in self.joined:
                await self.layer.group_add(group_name(event_type), self.channel_name)
                self.joined.add(event_type)

    def unsubscribe(self, event_type, connection):
        members = self.members.get(event_type)
        if members is not None:
            members.pop(connection, None)
            if not members:
                del self.members[event_type]

    async def renew_groups(self):
        """Join every group a local connection needs (membership expires, Redis may have
        restarted, a join may have failed) and leave the ones no longer needed."""
        async with self.lock:
            wanted = {event_type for event_type in self.members if event_type in protocol.EVENT_FIELDS}
            for event_type in self.joined | wanted:
                if event_type in wanted:
                    await self.layer.group_add(group_name(event_type), self.channel_name)
                    self.joined.add(event_type)
                else:
                    await self.layer.group_discard(group_name(event_type), self.channel_name)
                    self.joined.discard(event_type)

    async def receive_loop(self):
        while True:
            try:
                message = await self.layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # channels-redis raises here while Redis restarts. A restarted Redis
                # has forgotten our groups: the heartbeat's renew_groups joins again.
                self.receive_streak.failed(exc)
                await asyncio.sleep(self.receive_streak.backoff)
                continue
            self.receive_streak.succeeded()
            await self.deliver(message)

    async def deliver(self, message):
        members = self.members.get(message["event_type"])
        if not members:
            return
        body = message["body"]
        excluded = message.get("exclude_client_id")
        fields = None
        for connection, subscriptions in list(members.items()):
            if connection.client_id == excluded:
                continue
            for subscription_id, event_filter in list(subscriptions.items()):
                if event_filter:
                    if fields is None:
                        fields = json.loads("{" + body)
                    if not protocol.filter_matches(event_filter, fields):
                        continue
                try:
                    await connection.send_text(protocol.event_frame(subscription_id, body))
                except Exception:
                    connection.log.exception("event delivery failed")
