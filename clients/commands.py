"""Websocket commands: one handler per message `type`, declared with its schema.

A handler gets the connection (a ClientConsumer), the message id and the validated
fields; it raises protocol.ProtocolError to answer with an error frame.
"""

import base64
import binascii
import json
import uuid
from dataclasses import dataclass

import numpy as np

from channels.db import database_sync_to_async

from clients import protocol, services
from clients.models import CLIENT_TYPES, ClientConnection
from clients.protocol import ProtocolError
from ledfxsite.constants import (
    ERR_INVALID_FORMAT,
    ERR_NAME_TAKEN,
    ERR_NO_AUDIO_STREAM,
    ERR_NO_TARGETS,
    ERR_NOT_SUBSCRIBABLE,
    ERR_TOO_LARGE,
    MAX_BROADCAST_PAYLOAD_BYTES,
    MAX_CLIENT_NAME_LENGTH,
)
from ledfxsite.events import afire_event
from ledfxsite.schema import Field, Invalid, Schema
from ledfxsite.web_audio import DEFAULT_BLOCK_SIZE, DEFAULT_SAMPLE_RATE, StreamError, WebAudio

COMMANDS = {}

BROADCAST_TYPES = ("visualiser_control", "scene_sync", "color_palette", "custom")
TARGET_MODES = ("all", "type", "names", "uuids")


@dataclass(frozen=True)
class Command:
    """A handler and its declarations: `fields` are the frame's own (a problem there is
    "Invalid message format."), `data` the schema of its `data` object, whose problems are
    answered as "<invalid>: <what is wrong>"."""

    handler: object
    fields: Schema
    data: Schema | None
    invalid: str

    def arguments(self, message, message_id):
        """The handler's keyword arguments from a parsed frame, or ProtocolError."""
        try:
            arguments = self.fields.clean(message)
        except Invalid:
            raise protocol.invalid_format(message_id) from None
        if self.data is not None:
            try:
                arguments["data"] = self.data.clean(arguments["data"])
            except Invalid as problem:
                raise protocol.invalid_format(message_id, f"{self.invalid}: {problem}") from None
        return arguments


def command(command_type, *fields, data=None, invalid=""):
    """Register a handler for frames of `command_type`; extra keys in a frame are allowed."""
    if data is not None:
        fields = (*fields, Field("data", "object", default={}))

    def register(handler):
        COMMANDS[command_type] = Command(handler, Schema(*fields, extra="ignore"), data, invalid)
        return handler

    return register


@command(
    "subscribe_event",
    Field("event_type", "string", required=True),
    Field("event_filter", "object", default={}),
)
async def subscribe_event(connection, message_id, *, event_type, event_filter):
    if event_type in protocol.NOT_SUBSCRIBABLE:
        raise ProtocolError(protocol.NOT_SUBSCRIBABLE[event_type], ERR_NOT_SUBSCRIBABLE, message_id)
    await connection.subscribe(message_id, event_type, event_filter)


@command("unsubscribe_event")
async def unsubscribe_event(connection, message_id):
    connection.unsubscribe(message_id)


def client_info_reply(connection, message_id, **extra):
    return protocol.dumps(
        {
            "id": message_id,
            "event_type": "client_info_updated",
            "client_id": connection.client_id,
            "name": connection.name,
            "type": connection.client_type,
            **extra,
        }
    )


CLIENT_INFO = Schema(
    Field("name", "string", max_length=MAX_CLIENT_NAME_LENGTH),
    Field("type", "string"),
    Field("device_id", "string", max_length=MAX_CLIENT_NAME_LENGTH),
    extra="ignore",
)


def valid_client_type(value):
    return value if value in CLIENT_TYPES else "unknown"


@command("set_client_info", data=CLIENT_INFO, invalid="Invalid client info")
async def set_client_info(connection, message_id, *, data):
    name = data["name"] or f"Client-{connection.client_id[:8]}"
    client_type = valid_client_type(data["type"])
    device_id = data["device_id"]
    name, conflict = await database_sync_to_async(services.client_info_set)(
        client_id=connection.client_id, name=name, client_type=client_type, device_id=device_id
    )
    connection.name, connection.client_type = name, client_type
    await connection.send_text(client_info_reply(connection, message_id, name_conflict=conflict))
    await afire_event("clients_updated")


@command("update_client_info", data=CLIENT_INFO, invalid="Invalid client info")
async def update_client_info(connection, message_id, *, data):
    updates = {}
    if data["name"] is not None:
        updates["name"] = data["name"]
    if data["type"] is not None:
        updates["client_type"] = valid_client_type(data["type"])
    if not updates:
        raise ProtocolError("No valid updates provided", ERR_INVALID_FORMAT, message_id)
    stored = await database_sync_to_async(services.client_info_update)(client_id=connection.client_id, **updates)
    if not stored:
        raise ProtocolError(f"Name '{updates['name']}' is already taken by another client", ERR_NAME_TAKEN, message_id)
    connection.name = updates.get("name", connection.name)
    connection.client_type = updates.get("client_type", connection.client_type)
    await connection.send_text(client_info_reply(connection, message_id))
    await afire_event("clients_updated")


BROADCAST = Schema(
    Field("broadcast_type", "choice", choices=BROADCAST_TYPES, required=True),
    Field(
        "target",
        "object",
        required=True,
        of=Schema(
            Field("mode", "choice", choices=TARGET_MODES, required=True),
            Field("value", "string"),
            Field("names", "list", of=Field("name", "string")),
            Field("uuids", "list", of=Field("uuid", "string")),
        ),
    ),
    Field("payload", "object", required=True),
)


def broadcast_targets(target, clients, sender_id):
    """client ids a broadcast reaches; clients is {client_id: detail} of connected clients."""
    mode = target["mode"]
    if mode == "all":
        return [client_id for client_id in clients if client_id != sender_id]
    if mode == "type":
        return [client_id for client_id, detail in clients.items() if target.get("value") and detail["type"] == target["value"]]
    if mode == "names":
        names = set(target.get("names") or ())
        return [client_id for client_id, detail in clients.items() if detail["name"] in names]
    return [client_id for client_id in target.get("uuids") or () if client_id in clients]


def live_clients_detail():
    return ClientConnection.objects.live_detail()


@command("broadcast", data=BROADCAST, invalid="Invalid broadcast data")
async def broadcast(connection, message_id, *, data):
    payload_size = len(json.dumps(data["payload"]))
    if payload_size > MAX_BROADCAST_PAYLOAD_BYTES:
        raise ProtocolError(
            f"Payload size ({payload_size} bytes) exceeds maximum ({MAX_BROADCAST_PAYLOAD_BYTES} bytes)",
            ERR_TOO_LARGE,
            message_id,
        )
    clients = await database_sync_to_async(live_clients_detail)()
    targets = broadcast_targets(data["target"], clients, connection.client_id)
    if not targets:
        raise ProtocolError(
            f"No clients matched target specification: {protocol.dumps(data['target'])}", ERR_NO_TARGETS, message_id
        )
    broadcast_id = f"b-{uuid.uuid4()}"
    await afire_event(
        "client_broadcast",
        broadcast_type=data["broadcast_type"],
        broadcast_id=broadcast_id,
        sender_uuid=connection.client_id,
        sender_name=connection.name or f"Client-{connection.client_id[:8]}",
        sender_type=connection.client_type,
        target_uuids=targets,
        payload=data["payload"],
    )
    await connection.send_text(
        protocol.dumps(
            {
                "id": message_id,
                "event_type": "broadcast_sent",
                "broadcast_id": broadcast_id,
                "targets_matched": len(targets),
                "target_uuids": targets,
            }
        )
    )


AUDIO_CLIENT = Field("client", "string", required=True, blank=False, max_length=MAX_CLIENT_NAME_LENGTH)
AUDIO_CONFIG = Schema(
    Field("sampleRate", "int", DEFAULT_SAMPLE_RATE, minimum=8000, maximum=192000),
    Field("bufferSize", "int", DEFAULT_BLOCK_SIZE, minimum=1, maximum=65536),
    extra="ignore",
)


def web_audio(connection):
    return connection.process.part(WebAudio)


async def feeding(connection, message_id, client, samples):
    try:
        await web_audio(connection).feed(connection.client_id, client, samples)
    except StreamError as problem:
        raise ProtocolError(str(problem), ERR_NO_AUDIO_STREAM, message_id) from None


@command("audio_stream_start", AUDIO_CLIENT)
async def audio_stream_start(connection, message_id, *, client):
    try:
        await web_audio(connection).start_stream(connection.client_id, client)
    except StreamError as problem:
        raise ProtocolError(str(problem), ERR_NAME_TAKEN, message_id) from None


@command("audio_stream_config", AUDIO_CLIENT, data=AUDIO_CONFIG, invalid="Invalid audio stream config")
async def audio_stream_config(connection, message_id, *, client, data):
    try:
        web_audio(connection).configure(connection.client_id, client, data["sampleRate"], data["bufferSize"])
    except StreamError as problem:
        raise ProtocolError(str(problem), ERR_NO_AUDIO_STREAM, message_id) from None


@command("audio_stream_data", AUDIO_CLIENT, Field("data", "any", required=True))
async def audio_stream_data(connection, message_id, *, client, data):
    """Samples as a JSON list of numbers in -1..1 (LedFx's UI "WebSocket v1")."""
    if isinstance(data, dict):  # what JSON makes of a Float32Array
        data = list(data.values())
    if not isinstance(data, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in data):
        raise protocol.invalid_format(message_id, "Invalid audio data: data must be a list of numbers")
    samples = np.clip(np.asarray(data, dtype=np.float64), -1.0, 1.0)
    if not np.isfinite(samples).all():
        raise protocol.invalid_format(message_id, "Invalid audio data: samples must be finite")
    await feeding(connection, message_id, client, samples)


@command("audio_stream_data_v2", AUDIO_CLIENT, Field("data", "string", required=True))
async def audio_stream_data_v2(connection, message_id, *, client, data):
    """Samples as base64 of little-endian int16 PCM."""
    try:
        pcm = base64.b64decode(data, validate=True)
    except binascii.Error:
        raise protocol.invalid_format(message_id, "Invalid audio data: data must be base64") from None
    if len(pcm) % 2:
        raise protocol.invalid_format(message_id, "Invalid audio data: int16 samples take 2 bytes each")
    await feeding(connection, message_id, client, pcm_samples(pcm))


def pcm_samples(pcm):
    """Little-endian int16 PCM bytes -> floats in -1..1."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0


@command("audio_stream_stop", AUDIO_CLIENT)
async def audio_stream_stop(connection, message_id, *, client):
    await web_audio(connection).stop_stream(connection.client_id)
