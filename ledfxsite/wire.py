"""The server side of the wire format every app shares (PROTOCOL.md §3-§4): JSON encoding,
the catalogue of events with their fields in wire order, event frames, filter matching.

Pure functions and constants only: no Channels, no I/O.
"""

import json
import math

# Every event the server fires, with its fields in wire order (PROTOCOL.md §4, §6).
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
    "effect_set": ("effect_name", "effect_id", "effect_config", "virtual_id", "effect_type", "active", "streaming"),
    "effect_cleared": ("virtual_id",),
    "devices_updated": ("device_id",),
    "virtual_config_update": ("virtual_id", "config"),
    "virtual_pause": ("virtual_id", "paused"),
    "global_pause": ("paused",),
    "base_config_update": ("config",),
    "device_created": ("device_name",),
    "scene_activated": ("scene_id",),
    "colors_updated": (),
    "audio_input_device_changed": ("audio_input_device_name",),
    "audio_device_list_changed": (),
    "graph_update": ("graph_id", "melbank", "frequencies"),
    "audio_diag": ("source", "block_rate", "blocks", "dropped", "analysis_ms", "delay_ms"),
}

# Events whose newest frame replaces an unsent older one per subscription (previews): a
# slow reader gets the latest, never a backlog (ledfxsite.direct_send.Outbox).
LATEST_WINS = frozenset({"visualisation_update"})


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
