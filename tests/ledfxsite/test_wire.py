"""The shared wire format (PROTOCOL.md §3-§4): event bodies and frames, JSON encoding, filters."""

import pytest

from ledfxsite import wire


def test_event_frame_puts_id_and_type_before_fields_in_declared_order():
    body = wire.event_body("client_connected", {"client_ip": "1.2.3.4", "client_id": "abc"})
    assert (
        wire.event_frame(9005, body)
        == '{"id": 9005, "type": "event", "event_type": "client_connected", "client_id": "abc", "client_ip": "1.2.3.4"}'
    )


def test_event_without_fields_is_well_formed():
    frame = wire.event_frame(1, wire.event_body("clients_updated", {}))
    assert frame == '{"id": 1, "type": "event", "event_type": "clients_updated"}'


def test_event_body_rejects_missing_or_extra_fields():
    with pytest.raises(TypeError):
        wire.event_body("client_sync", {})
    with pytest.raises(TypeError):
        wire.event_body("client_sync", {"client_id": "a", "other": 1})


def test_nan_and_infinity_are_sent_as_null():
    body = wire.event_body("general_diag", {"debug": [float("nan"), {"x": float("inf")}], "scroll": False})
    assert wire.event_frame(1, body) == (
        '{"id": 1, "type": "event", "event_type": "general_diag", "debug": [null, {"x": null}], "scroll": false}'
    )


@pytest.mark.parametrize(
    "event_filter, fields, matches",
    [
        ({}, {"a": 1}, True),
        ({"a": 1}, {"a": 1}, True),
        ({"a": 1}, {"a": 1.0}, True),
        ({"a": 1}, {"a": True}, False),
        ({"a": True}, {"a": True}, True),
        ({"a": "1"}, {"a": 1}, False),
        ({"a": None}, {}, True),
        ({"a": 1}, {}, False),
        ({"a": 1, "b": 2}, {"a": 1, "b": 3}, False),
        ({"a": [1, 2]}, {"a": [1, 2]}, True),
        ({"a": {"b": 1}}, {"a": {"b": 1}}, True),
        ({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}}, False),
    ],
)
def test_filter_is_strict_json_equality_on_every_key(event_filter, fields, matches):
    assert wire.filter_matches(event_filter, fields) is matches
