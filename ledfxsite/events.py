"""Firing events, from any app and any process, and fanning them out to websocket subscribers.

fire_event / afire_event (the same function for sync and async code) serialise an event
once and group_send it to the layer group "event.<type>". Each server process has one
EventHub: one layer channel that joins the group of every event type its connections
subscribe to, and hands each event to the local subscriptions. An event therefore costs
one layer message per server process, not one per socket (DESIGN.md measured the
per-socket group_send at ten times LedFx's fan-out latency for 1000 sockets).
"""

import asyncio
import collections
import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from ledfxsite import wire
from ledfxsite.layers import EVENTS_LAYER, receive_waiting_out_errors
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
    message = {"type": "event", "event_type": event_type, "body": wire.event_body(event_type, fields)}
    if exclude_client_id:
        message["exclude_client_id"] = exclude_client_id
    await get_channel_layer(EVENTS_LAYER).group_send(group_name(event_type), message)


def fire_event(event_type, *, exclude_client_id=None, **fields):
    """afire_event for sync code: views, admin actions, services run in threads."""
    async_to_sync(afire_event)(event_type, exclude_client_id=exclude_client_id, **fields)


class EventHub:
    """This process's end of the event groups: one layer channel, local fan-out.

    A receive task moves events from the layer into `pending`; a delivery task takes
    everything pending at once and writes it connection by connection. Frames for one
    socket written in the same loop turn leave in one send() (daphne's transport flushes
    once per turn), so under load a batch of events costs little more than one event;
    when idle, a batch is a single event. Delivery yields every DELIVERY_CHUNK sockets so
    the first sockets' frames leave while the rest are written.
    """

    DELIVERY_CHUNK = 100

    def __init__(self, layer):
        self.layer = layer
        self.channel_name = None
        # event_type -> {connection: {subscription id: event_filter}}; the inner dicts
        # belong to the connections, which edit them in place.
        self.members = {}
        self.joined = set()
        self.watchers = {}  # event_type -> [callable]
        self.lock = asyncio.Lock()
        self.pending = collections.deque()
        self.arrived = asyncio.Event()
        self.tasks = []
        self.receive_streak = FailureStreak(logger, "event hub receive")

    async def start(self):
        self.channel_name = await self.layer.new_channel()
        self.tasks = [
            asyncio.create_task(self.receive_loop(), name="event-hub-receive"),
            asyncio.create_task(self.delivery_loop(), name="event-hub-delivery"),
        ]

    async def stop(self):
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    def watch(self, event_type, changed):
        """Call changed() whenever the subscriptions to event_type change (who watches
        previews, for the render worker)."""
        self.watchers.setdefault(event_type, []).append(changed)

    async def subscribe(self, event_type, connection, subscriptions):
        """A connection's subscriptions to event_type ({subscription id: event filter},
        edited in place by the connection) were added to or changed."""
        self.members.setdefault(event_type, {})[connection] = subscriptions
        self.members_changed(event_type)
        # Types nobody fires are accepted and simply never fire (LedFx behaviour).
        if event_type not in wire.EVENT_FIELDS:
            return
        async with self.lock:
            if event_type not in self.joined:
                await self.layer.group_add(group_name(event_type), self.channel_name)
                self.joined.add(event_type)

    def unsubscribe(self, event_type, connection):
        """A connection's subscriptions to event_type were removed or changed; it stays a
        member while it holds any."""
        members = self.members.get(event_type)
        if members is not None:
            if not members.get(connection):
                members.pop(connection, None)
            if not members:
                del self.members[event_type]
        self.members_changed(event_type)

    def members_changed(self, event_type):
        for changed in self.watchers.get(event_type, ()):
            changed()

    async def renew_groups(self):
        """Join every group a local connection needs (membership expires, Redis may have
        restarted, a join may have failed) and leave the ones no longer needed."""
        async with self.lock:
            wanted = {event_type for event_type in self.members if event_type in wire.EVENT_FIELDS}
            for event_type in self.joined | wanted:
                if event_type in wanted:
                    await self.layer.group_add(group_name(event_type), self.channel_name)
                    self.joined.add(event_type)
                else:
                    await self.layer.group_discard(group_name(event_type), self.channel_name)
                    self.joined.discard(event_type)

    async def receive_loop(self):
        # After a Redis restart the heartbeat's renew_groups joins our groups again.
        while True:
            self.pending.append(await receive_waiting_out_errors(self.layer, self.channel_name, self.receive_streak))
            self.arrived.set()

    async def delivery_loop(self):
        while True:
            await self.arrived.wait()
            self.arrived.clear()
            batch = list(self.pending)
            self.pending.clear()
            await self.deliver(batch)

    async def deliver(self, messages):
        """Give each connection its frames of this batch, in firing order (latest-wins
        frames by subscription); its Outbox writes them (ledfxsite.direct_send)."""
        outbox = frames_by_connection(messages, self.members)
        encoded = {}
        for position, (connection, (frames, latest)) in enumerate(outbox.items(), 1):
            try:
                await connection.outbox.put(frames, latest, encoded)
            except Exception:
                connection.log.exception("event delivery failed")
            if position % self.DELIVERY_CHUNK == 0:
                await asyncio.sleep(0)


def frames_by_connection(messages, members):
    """{connection: ([frame, ...], {subscription id: latest-wins frame})} for a batch of
    layer messages; equal frames are one object (made once per event and subscription id)."""
    outbox = {}
    made = {}
    for position, message in enumerate(messages):
        event_type = message["event_type"]
        subscribers = members.get(event_type)
        if not subscribers:
            continue
        latest_wins = event_type in wire.LATEST_WINS
        body = message["body"]
        excluded = message.get("exclude_client_id")
        fields = None
        for connection, subscriptions in subscribers.items():
            if connection.client_id == excluded:
                continue
            for subscription_id, event_filter in subscriptions.items():
                if event_filter:
                    if fields is None:
                        fields = json.loads("{" + body)
                    if not wire.filter_matches(event_filter, fields):
                        continue
                frame = made.get((position, subscription_id))
                if frame is None:
                    frame = made[position, subscription_id] = wire.event_frame(subscription_id, body)
                frames, latest = outbox.setdefault(connection, ([], {}))
                if latest_wins:
                    latest[subscription_id] = frame
                else:
                    frames.append(frame)
    return outbox
