"""Websocket commands: one handler per message `type`, declared with its schema.

A handler gets the connection (a ClientConsumer), the message id and the validated
fields; it raises protocol.ProtocolError to answer with an error frame.
"""

import json
import uuid
from dataclasses import dataclass

from channels.db import database_sync_to_async

from clients import protocol, services
from clients.events import afire_event
from clients.models import CLIENT_TYPES, ClientConnection
from clients.protocol import Field, ProtocolError

COMMANDS = {}

BROADCAST_TYPES = ("visualiser_control", "scene_sync", "color_palette", "custom")
TARGET_MODES = ("all", "type", "names", "uuids")
MAX_BROADCAST_PAYLOAD_BYTES = 2048
MAX_NAME_LENGTH = 100


@dataclass(frozen=True)
class Command:
    handler: object
    schema: dict


def command(command_type, **schema):
    def register(handler):
        COMMANDS[command_type] = Command(handler, schema)
        return handler

    return register


@command(
    "subscribe_event",
    event_type=Field((str,), required=True),
    event_filter=Field((dict,), default=dict),
)
async def subscribe_event(connection, message_id, *, event_type, event_filter):
    if event_type in protocol.NOT_SUBSCRIBABLE:
        raise ProtocolError(protocol.NOT_SUBSCRIBABLE[event_type], "not_subscribable", message_id)
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


def optional_text(data, key, message_id):
    value = data.get(key)
    if value is not None and (not isinstance(value, str) or len(value) > MAX_NAME_LENGTH):
        raise protocol.invalid_format(
            message_id, f"Invalid client info: {key} must be a string of at most {MAX_NAME_LENGTH} characters"
        )
    return value


def valid_client_type(value):
    return value if value in CLIENT_TYPES else "unknown"


@command("set_client_info", data=Field((dict,), default=dict))
async def set_client_info(connection, message_id, *, data):
    name = optional_text(data, "name", message_id) or f"Client-{connection.client_id[:8]}"
    client_type = valid_client_type(data.get("type", "unknown"))
    device_id = optional_text(data, "device_id", message_id)
    name, conflict = await database_sync_to_async(services.client_info_set)(
        client_id=connection.client_id, name=name, client_type=client_type, device_id=device_id
    )
    connection.name, connection.client_type = name, client_type
    await connection.send_text(client_info_reply(connection, message_id, name_conflict=conflict))
    await afire_event("clients_updated")


@command("update_client_info", data=Field((dict,), default=dict))
async def update_client_info(connection, message_id, *, data):
    updates = {}
    if data.get("name") is not None:
        updates["name"] = optional_text(data, "name", message_id)
    if data.get("type") is not None:
        updates["client_type"] = valid_client_type(data["type"])
    if not updates:
        raise ProtocolError("No valid updates provided", "invalid_format", message_id)
    stored = await database_sync_to_async(services.client_info_update)(client_id=connection.client_id, **updates)
    if not stored:
        raise ProtocolError(f"Name '{updates['name']}' is already taken by another client", "name_taken", message_id)
    connection.name = updates.get("name", connection.name)
    connection.client_type = updates.get("client_type", connection.client_type)
    await connection.send_text(client_info_reply(connection, message_id))
    await afire_event("clients_updated")


def broadcast_problem(data):
    """What is wrong with a broadcast's data, or None."""
    unknown = set(data) - {"broadcast_type", "target", "payload"}
    if unknown:
        return f"unexpected keys {sorted(unknown)}"
    if data.get("broadcast_type") not in BROADCAST_TYPES:
        return f"broadcast_type must be one of {', '.join(BROADCAST_TYPES)}"
    target = data.get("target")
    if not isinstance(target, dict):
        return "target must be an object"
    unknown = set(target) - {"mode", "value", "names", "uuids"}
    if unknown:
        return f"unexpected target keys {sorted(unknown)}"
    if target.get("mode") not in TARGET_MODES:
        return f"target.mode must be one of {', '.join(TARGET_MODES)}"
    if "value" in target and not isinstance(target["value"], str):
        return "target.value must be a string"
    for key in ("names", "uuids"):
        if key in target and not (isinstance(target[key], list) and all(isinstance(v, str) for v in target[key])):
            return f"target.{key} must be a list of strings"
    if not isinstance(data.get("payload"), dict):
        return "payload must be an object"
    return None


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


@command("broadcast", data=Field((dict,), default=dict))
async def broadcast(connection, message_id, *, data):
    problem = broadcast_problem(data)
    if problem:
        raise protocol.invalid_format(message_id, f"Invalid broadcast data: {problem}")
    payload_size = len(json.dumps(data["payload"]))
    if payload_size > MAX_BROADCAST_PAYLOAD_BYTES:
        raise ProtocolError(
            f"Payload size ({payload_size} bytes) exceeds maximum ({MAX_BROADCAST_PAYLOAD_BYTES} bytes)",
            "too_large",
            message_id,
        )
    clients = await database_sync_to_async(live_clients_detail)()
    targets = broadcast_targets(data["target"], clients, connection.client_id)
    if not targets:
        raise ProtocolError(
            f"No clients matched target specification: {protocol.dumps(data['target'])}", "no_targets", message_id
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
