"""The /api/websocket transport: accept, parse each frame, run its command, send replies.

Commands live in clients.commands; events reach this connection through the process's
EventHub (ledfxsite.events), which puts them in the connection's Outbox.
"""

import time
import logging
import uuid
from urllib.parse import parse_qs, urlsplit

from channels.consumer import AsyncConsumer, get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from clients import protocol
from clients.actions import run_action
from clients.commands import COMMANDS, pcm_samples
from clients.models import ClientConnection
from clients.registry import ClientRegistry
from ledfxsite.constants import (
    CLOSE_GOING_AWAY,
    CLOSE_RATE_LIMITED,
    CLOSE_SLOW_READER,
    CLOSE_TRY_AGAIN_LATER,
    ERR_RATE_LIMITED,
    ERR_SERVER_ERROR,
    ERR_TOO_LARGE,
    ERR_UNKNOWN_COMMAND,
    RATE_LIMITED_BEFORE_CLOSE,
    TRUE_WORDS,
)
from ledfxsite.direct_send import Outbox, daphne_websocket, write_text_frames
from ledfxsite.events import afire_event
from ledfxsite.limits import RateLimit
from ledfxsite.scopes import client_ip, header, send_json
from ledfxsite.web_audio import WebAudio

logger = logging.getLogger(__name__)

ECHOED_SUBPROTOCOLS = ("http", "https", "ws", "wss")


class ConnectionLog(logging.LoggerAdapter):
    """Every websocket log line carries the connection id."""

    def process(self, msg, kwargs):
        return f"[{self.extra['client_id']}] {msg}", kwargs


def authenticated_user_id(scope):
    """The id of the user who authenticated the request (AUTH_REQUIRED), else None."""
    user = scope.get("user")
    return user.pk if user is not None and user.is_authenticated else None


def from_served_page(scope):
    """True for a browser's request from a page this server served (LedFx's web UI): the
    browser says so in Sec-Fetch-Site, or, older browsers, in a Referer on this origin.
    Scripts and integrations send neither."""
    fetch_site = header(scope, b"sec-fetch-site")
    if fetch_site:
        return fetch_site == "same-origin"
    referer = urlsplit(header(scope, b"referer"))
    return bool(referer.netloc) and referer.netloc == header(scope, b"host")


def chosen_subprotocol(offered):
    for subprotocol in offered:
        if subprotocol in ECHOED_SUBPROTOCOLS:
            return subprotocol
    return None


class DirectConsumer(AsyncConsumer):
    """A consumer with no layer channel of its own (events arrive through the process's
    EventHub) and no per-message thread hop: Channels' dispatch closes stale database
    connections in a thread on every message, which database_sync_to_async already does
    around the database work that needs it. With one source of messages it awaits them
    directly, rather than through a task per message and asyncio.wait (Channels'
    await_many_dispatch), which every idle socket kept alive."""

    channel_layer_alias = None

    async def __call__(self, scope, receive, send):
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def dispatch(self, message):
        await getattr(self, get_handler_name(message))(message)


class ClientConsumer(DirectConsumer):
    """One client of /api/websocket (PROTOCOL.md §1-§3, §6)."""

    process = None

    async def __call__(self, scope, receive, send):
        """Whatever ends the consumer, its socket is no longer this process's: the registry's
        sweep then closes a row that no disconnect closed (a consumer that died of a bug
        would otherwise be listed as connected for ever)."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.process is not None:
                self.unsubscribe_all()
                self.process.remove_connection(self)

    def unsubscribe_all(self):
        for event_type, of_type in list(getattr(self, "subscriptions_by_type", {}).items()):
            of_type.clear()
            self.process.hub.unsubscribe(event_type, self)

    async def websocket_connect(self, message):
        self.process = self.scope["server_process"]
        self.client_id = str(uuid.uuid4())
        self.client_ip = client_ip(self.scope, settings.TRUSTED_PROXIES)
        self.subscriptions = {}  # subscription id -> event type
        self.subscriptions_by_type = {}  # event type -> {subscription id: event filter}
        self.name = None
        self.client_type = "unknown"
        rate = settings.WEBSOCKET_MESSAGES_PER_SECOND
        self.messages = RateLimit(rate=rate, burst=2 * rate, now=time.monotonic())
        self.refused_in_a_row = 0
        if self.process.closing:
            self.log.info("refused: the server process is shutting down")
            await self.send({"type": "websocket.close"})  # before accept: daphne answers 403
            raise StopConsumer
        if self.process.connections_per_ip[self.client_ip] >= settings.WEBSOCKET_MAX_CONNECTIONS_PER_IP:
            self.log.warning("refused: %s has %d websockets open to this process already", self.client_ip, settings.WEBSOCKET_MAX_CONNECTIONS_PER_IP)
            await self.send({"type": "websocket.close"})  # before accept: daphne answers 403
            raise StopConsumer
        self.process.add_connection(self)
        await self.send({"type": "websocket.accept", "subprotocol": chosen_subprotocol(self.scope.get("subprotocols", ()))})
        direct_socket = daphne_websocket(self.base_send)
        self.outbox = Outbox(  # the event hub puts events there
            websocket=direct_socket,
            send_text=self.send_text,
            max_queued_bytes=settings.WEBSOCKET_MAX_QUEUED_BYTES,
            overflowed=self.overflowed,
        )
        # Under daphne the first frame leaves now, with the handshake's answer, not after
        # the events below at the event loop's next turn.
        first_frame = protocol.client_id_frame(self.client_id)
        if not write_text_frames(direct_socket, [first_frame], {}, flush=True):
            await self.send_text(first_frame)
        # The registry row is written after the client_id frame has left: the client cannot
        # use it before its first message, and no message is handled and no client_connected
        # fired until the row is committed. (Written while the handshake was answered, the
        # ORM's Python on the database thread held the GIL that the answer needed.)
        try:
            await self.process.part(ClientRegistry).record_open(
                client_id=self.client_id,
                ip=self.client_ip,
                user_agent=header(self.scope, b"user-agent"),
                origin=header(self.scope, b"origin"),
                instance_id=self.process.instance_id,
                user_id=authenticated_user_id(self.scope),
            )
        except Exception:
            self.log.exception("cannot record the connection; closing it with %d (try again later)", CLOSE_TRY_AGAIN_LATER)
            self.process.remove_connection(self)
            await self.close(CLOSE_TRY_AGAIN_LATER)
            raise StopConsumer from None
        self.log.info("connected from %s", self.client_ip)
        try:
            await afire_event("client_connected", exclude_client_id=self.client_id, client_id=self.client_id, client_ip=self.client_ip)
            await afire_event("clients_updated")
        except Exception as exc:  # Redis is restarting: the events are lost, the client stays
            self.log.warning("client_connected not announced: %s: %s", type(exc).__name__, exc)

    @property
    def log(self):
        """This connection's logger, made when something is logged (not kept per socket)."""
        return ConnectionLog(logger, {"client_id": self.client_id})

    async def websocket_receive(self, message):
        if not self.messages.allow(time.monotonic()):
            await self.refuse_for_rate(message)
            return
        self.refused_in_a_row = 0
        text = message.get("text")
        if text is None:
            await self.binary_received(message.get("bytes") or b"")
            return
        message_id = None
        try:
            message_id, command_type, fields = protocol.parse_frame(text)
            command = COMMANDS.get(command_type)
            if command is None:
                raise protocol.ProtocolError(protocol.UNKNOWN_COMMAND, ERR_UNKNOWN_COMMAND, message_id)
            await command.handler(self, message_id, **command.arguments(fields, message_id))
        except protocol.ProtocolError as error:
            self.log.info("answered with error %s", error.code)
            await self.send_error(error)
        except Exception:
            self.log.exception("command failed")
            await self.send_error(protocol.ProtocolError("Internal server error.", ERR_SERVER_ERROR, message_id))

    async def binary_received(self, data):
        """LedFx's UI in its default "WebSocket v2" audio mode sends its microphone as bare
        int16 PCM binary frames (LedFx 2.2.1 drops them): this connection's stream, if any."""
        web_audio = self.process.part(WebAudio)
        if not web_audio.streaming(self.client_id) or len(data) % 2:
            await self.send_error(protocol.invalid_format())
            return
        await web_audio.feed(self.client_id, None, pcm_samples(data))

    async def refuse_for_rate(self, message):
        """Over WEBSOCKET_MESSAGES_PER_SECOND: an error frame, not the command; a client that
        goes on regardless is closed."""
        self.refused_in_a_row += 1
        if self.refused_in_a_row > RATE_LIMITED_BEFORE_CLOSE:
            self.log.warning("closing with %d: %d messages in a row over the rate limit", CLOSE_RATE_LIMITED, RATE_LIMITED_BEFORE_CLOSE)
            await self.close(CLOSE_RATE_LIMITED)
            return
        limit = settings.WEBSOCKET_MESSAGES_PER_SECOND
        reason = f"Too many messages: at most {limit} a second on average, {2 * limit} at once."
        await self.send_error(protocol.ProtocolError(reason, ERR_RATE_LIMITED, protocol.readable_id(message.get("text"))))

    async def websocket_disconnect(self, message):
        self.unsubscribe_all()
        try:
            await self.process.part(WebAudio).stop_stream(self.client_id)
        except Exception as exc:
            # The database is down: the registry's sweep deletes the stream's row later.
            self.log.warning("web audio stream not removed yet: %s: %s", type(exc).__name__, exc)
        try:
            await self.process.part(ClientRegistry).record_close(self.client_id)
        except Exception as exc:
            # The database is down: the heartbeat's orphan sweep closes the row later.
            self.log.warning("disconnect not recorded yet: %s: %s", type(exc).__name__, exc)
        finally:
            self.process.remove_connection(self)
        self.log.info("disconnected (code %s)", message.get("code"))
        raise StopConsumer

    async def send_text(self, text):
        await self.send({"type": "websocket.send", "text": text})

    async def send_error(self, error):
        await self.send_text(protocol.error_frame(error.message_id, error.message, error.code))

    async def overflowed(self):
        self.log.warning(
            "closing with %d: more than %d bytes of events wait for this client to read them",
            CLOSE_SLOW_READER,
            settings.WEBSOCKET_MAX_QUEUED_BYTES,
        )
        await self.close(CLOSE_SLOW_READER)

    async def close(self, code=None):
        await self.send({"type": "websocket.close", "code": code or 1000})

    async def going_away(self):
        """Close with 1001, RFC 6455's "going away" (the process shuts down): written by
        daphne's protocol itself, since autobahn lets an application send no code below
        3000 but 1000 (which would tell clients the server meant to close them)."""
        websocket = daphne_websocket(self.base_send)
        if websocket is None:  # not under daphne (the tests' communicators)
            await self.close(CLOSE_GOING_AWAY)
        else:
            websocket.sendCloseFrame(code=CLOSE_GOING_AWAY, isReply=False)

    async def subscribe(self, subscription_id, event_type, event_filter):
        """Add or replace (same id) a subscription."""
        self.unsubscribe(subscription_id)
        if len(self.subscriptions) >= settings.WEBSOCKET_MAX_SUBSCRIPTIONS:
            raise protocol.ProtocolError(
                f"Too many subscriptions on this connection (limit {settings.WEBSOCKET_MAX_SUBSCRIPTIONS}).",
                ERR_TOO_LARGE,
                subscription_id,
            )
        self.subscriptions[subscription_id] = event_type
        of_type = self.subscriptions_by_type.setdefault(event_type, {})
        of_type[subscription_id] = event_filter
        await self.process.hub.subscribe(event_type, self, of_type)

    def unsubscribe(self, subscription_id):
        event_type = self.subscriptions.pop(subscription_id, None)
        if event_type is None:
            return
        of_type = self.subscriptions_by_type[event_type]
        del of_type[subscription_id]
        if not of_type:
            del self.subscriptions_by_type[event_type]
        self.process.hub.unsubscribe(event_type, self)


class RefusingConsumer(DirectConsumer):
    """Websockets on any other path: refuse the handshake (HTTP 403) instead of a routing error."""

    async def websocket_connect(self, message):
        await self.send({"type": "websocket.close"})
        raise StopConsumer


class ClientsApiConsumer(DirectConsumer):
    """GET/POST /api/clients (PROTOCOL.md §5).

    A plain ASGI consumer rather than a Django view: POST sync is the realtime API's hot
    path, and Django's async middleware stack hops to a thread twice per middleware.
    """

    body = b""

    async def http_request(self, message):
        self.body += message.get("body", b"")  # at most MAX_API_BODY_BYTES (ledfxsite.limits)
        if message.get("more_body"):
            return
        elif not validate_host(split_domain_port(header(self.scope, b"host"))[0], settings.ALLOWED_HOSTS):
            await self.respond(400, {"status": "failed", "reason": "Host not allowed"})
        elif self.scope["method"] == "GET":
            await self.respond(200, await database_sync_to_async(self.listing)())
        elif self.scope["method"] == "POST":
            caller_ip = client_ip(self.scope, settings.TRUSTED_PROXIES)
            await self.respond(*await run_action(self.body, caller_ip=caller_ip, caller_user_id=authenticated_user_id(self.scope)))
        else:
            await self.respond(405, {"status": "failed", "reason": "Method not allowed"}, allow=b"GET, POST")
        raise StopConsumer

    async def http_disconnect(self, message):
        raise StopConsumer

    def listing(self):
        """?detail=1: every client with its metadata. Otherwise LedFx 2.2.1's web UI gets
        its shape, and other callers the seed's {client_id: ip} (CLIENTS_LISTING)."""
        detail = parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get("detail", [""])[0]
        if detail.lower() in TRUE_WORDS:
            return ClientConnection.objects.live_detail()
        if settings.CLIENTS_LISTING == "ledfx" or (settings.CLIENTS_LISTING == "auto" and from_served_page(self.scope)):
            return ClientConnection.objects.live_named_detail()
        return ClientConnection.objects.live_map()

    async def respond(self, status, payload, allow=None):
        await send_json(self.send, status, payload, headers=[(b"allow", allow)] if allow else [])
