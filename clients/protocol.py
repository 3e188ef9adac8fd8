"""The realtime wire format (PROTOCOL.md §2-§4): parse client frames, build server frames.

Pure functions and constants only: no Channels, no I/O.
"""

import json
import math
import re
from dataclasses import dataclass

# Every event type the server fires, with its fields in wire order (PROTOCOL.md §4, §6).
EVENT_FIELDS = {
    "client_connected": ("client_id", "client_ip"),
    "client_disconnected": ("client_id", "client_ip"),
    "client_sync": ("client_id",),
    "clients_updated": (),
    "client_broadcast": (
        "broadcast_type",
        "broadcast_id",
        "sender_uuid",
        "sender_name",
        "sender_type",
        "target_uuids",
        "payload",
    ),
    "virtual_diag": ("virtual_id", "fps", "r_avg", "r_min", "r_max", "cycle", "sleep", "phy"),
    "general_diag": ("debug", "scroll"),
    "visualisation_update": ("is_device", "vis_id", "pixels", "shape"),
    "effect_set": ("effect_name", "effect_id", "effect_config", "virtual_id"),
    "effect_cleared": ("virtual_id",),
    "devices_updated": ("device_id",),
    "virtual_config_update": ("virtual_id", "config"),
    "virtual_pause": ("virtual_id", "paused"),
}

NOT_SUBSCRIBABLE = {
    "device_update": "Websocket cannot subscribe to device_update events - use visualisation_update instead",
}

INVALID_FORMAT = "Invalid message format."
UNKNOWN_COMMAND = "Unknown command type."

NUMERIC_ID = re.compile(r"-?[0-9]+")


class ProtocolError(Exception):
    """A client frame the server answers with an error frame; the connection stays usable."""

    def __init__(self, message, code, message_id=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.message_id = message_id


def invalid_format(message_id=None, message=INVALID_FORMAT):
    return ProtocolError(message, "invalid_format", message_id)


@dataclass(frozen=True)
class Field:
    """One field of a command's schema: the JSON types it accepts and its default."""

    types: tuple
    required: bool = False
    default: object = None


def parse_frame(text):
    """Return (id, type, message dict) from a text frame, or raise ProtocolError."""
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        raise invalid_format() from None
    if not isinstance(message, dict):
        raise invalid_format()
    message_id = coerce_id(message.get("id"))
    command_type = message.get("type")
    if message_id is None or not isinstance(command_type, str):
        raise invalid_format(message_id)
    return message_id, command_type, message


def coerce_id(raw):
    """An int id, a numeric string coerced to int, or None when unreadable."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and NUMERIC_ID.fullmatch(raw.strip()):
        return int(raw)
    return None


def validate(message, schema, message_id):
    """Pick the schema's fields out of a message, checking their JSON types."""
    values = {}
    for name, field in schema.items():
        if name not in message or message[name] is None:
            if field.required:
                raise invalid_format(message_id)
            values[name] = field.default() if callable(field.default) else field.default
            continue
        value = message[name]
        if isinstance(value, bool) and bool not in field.types:
            raise invalid_format(message_id)
        if not isinstance(value, field.types):
            raise invalid_format(message_id)
        values[name] = value
    return values


def dumps(value):
    """JSON as Python's json.dumps defaults, with NaN and infinities sent as null."""
    try:
        return json.dumps(value, allow_nan=False)
    except ValueError:
        return json.dumps(finite_or_none(value))


def finite_or_none(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite_or_none(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(item) for item in value]
    return value


def client_id_frame(client_id):
    return dumps({"event_type": "client_id", "client_id": client_id})


def error_frame(message_id, message, code=None):
    error = {"message": message}
    if code:
        error["code"] = code
    return dumps({"id": message_id, "success": False, "error": error})


def event_body(event_type, fields):
    """The event serialised once, without the subscription id: '"event_type": ..., ...}'."""
    declared = EVENT_FIELDS[event_type]
    if set(fields) != set(declared):
        raise TypeError(f"{event_type} takes fields {declared}, got {tuple(fields)}")
    ordered = {"event_type": event_type}
    for name in declared:
        ordered[name] = fields[name]
    return dumps(ordered)[1:]


def event_frame(subscription_id, body):
    """Splice a subscription id in front of a serialised event body."""
    return '{"id": %d, "type": "event", %s' % (subscription_id, body)


def filter_matches(event_filter, fields):
    """True when every filter key equals the event's field (a missing field counts as null)."""
    for key, expected in event_filter.items():
        if not json_equal(fields.get(key), expected):
            return False
    return True


def json_equal(left, right):
    """Equality of JSON values: true/false are not the numbers 1/0, and 1 == 1.0."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right))
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    return left == right
