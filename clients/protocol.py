"""The realtime API's own frames (PROTOCOL.md §1-§3): parse what clients send, build the
client_id and error frames. Events are built by ledfxsite.wire, for every app.

Pure functions and constants only: no Channels, no I/O.
"""

import json
import re

from ledfxsite.constants import ERR_INVALID_FORMAT
from ledfxsite.wire import dumps

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
    return ProtocolError(message, ERR_INVALID_FORMAT, message_id)


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


def readable_id(text):
    """The id of a frame, for an error about it, or None (not JSON, not an object, no id)."""
    try:
        message = json.loads(text) if text is not None else None
    except (ValueError, RecursionError):
        return None
    return coerce_id(message.get("id")) if isinstance(message, dict) else None


def coerce_id(raw):
    """An int id, a numeric string coerced to int, or None when unreadable."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and NUMERIC_ID.fullmatch(raw.strip()):
        return int(raw.strip())  # int() strips less than str.strip() does (e.g. not "\x1f")
    return None


def client_id_frame(client_id):
    return dumps({"event_type": "client_id", "client_id": client_id})


def error_frame(message_id, message, code=None):
    error = {"message": message}
    if code:
        error["code"] = code
    return dumps({"id": message_id, "success": False, "error": error})
