"""Pure wire-format rules (PROTOCOL.md §2-§4), without a server."""

import pytest

from clients import protocol


@pytest.mark.parametrize("raw, expected", [(7, 7), ("7", 7), (" 12 ", 12), ("-3", -3), (0, 0)])
def test_readable_ids_are_coerced_to_int(raw, expected):
    assert protocol.coerce_id(raw) == expected


@pytest.mark.parametrize("raw", [None, True, False, 1.5, "7a", "", [], {}])
def test_unreadable_ids_are_none(raw):
    assert protocol.coerce_id(raw) is None


@pytest.mark.parametrize(
    "text, expected_id",
    [
        ("not json", None),
        ("[1, 2]", None),
        ('"a string"', None),
        ("null", None),
        ('{"type": "subscribe_event"}', None),
        ('{"id": "x", "type": "subscribe_event"}', None),
        ('{"id": 4, "type": 5}', 4),
        ('{"id": 4}', 4),
        ("[" * 100000, None),
    ],
)
def test_malformed_frames_raise_invalid_format_with_readable_id(text, expected_id):
    with pytest.raises(protocol.ProtocolError) as caught:
        protocol.parse_frame(text)
    assert caught.value.message == "Invalid message format."
    assert caught.value.code == "invalid_format"
    assert caught.value.message_id == expected_id


def test_parse_frame_keeps_extra_keys():
    assert protocol.parse_frame('{"id": "9", "type": "x", "extra": 1}') == (9, "x", {"id": "9", "type": "x", "extra": 1})


def test_error_frame_has_exact_key_order():
    assert (
        protocol.error_frame(3, "Unknown command type.")
        == '{"id": 3, "success": false, "error": {"message": "Unknown command type."}}'
    )
    assert (
        protocol.error_frame(None, "Invalid message format.", "invalid_format")
        == '{"id": null, "success": false, "error": {"message": "Invalid message format.", "code": "invalid_format"}}'
    )


def test_event_frame_puts_id_and_type_before_fields_in_declared_order():
    body = protocol.event_body("client_connected", {"client_ip": "1.2.3.4", "client_id": "abc"})
    assert (
        protocol.event_frame(9005, body)
        == '{"id": 9005, "type": "event", "event_type": "client_connected", "client_id": "abc", "client_ip": "1.2.3.4"}'
    )


def test_event_without_fields_is_well_formed():
    frame = protocol.event_frame(1, protocol.event_body("clients_updated", {}))
    assert frame == '{"id": 1, "type": "event", "event_type": "clients_updated"}'


def test_event_body_rejects_missing_or_extra_fields():
    with pytest.raises(TypeError):
        protocol.event_body("client_sync", {})
    with pytest.raises(TypeError):
        protocol.event_body("client_sync", {"client_id": "a", "other": 1})


def test_nan_and_infinity_are_sent_as_null():
    body = protocol.event_body("general_diag", {"debug": [float("nan"), {"x": float("inf")}], "scroll": False})
    assert protocol.event_frame(1, body) == (
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
    assert protocol.filter_matches(event_filter, fields) is matches


def test_validate_applies_defaults_and_types():
    schema = {"event_type": protocol.Field((str,), required=True), "event_filter": protocol.Field((dict,), default=dict)}
    assert protocol.validate({"event_type": "x"}, schema, 1) == {"event_type": "x", "event_filter": {}}
    assert protocol.validate({"event_type": "x", "event_filter": None}, schema, 1)["event_filter"] == {}
    for bad in ({}, {"event_type": 3}, {"event_type": "x", "event_filter": [1]}, {"event_type": "x", "event_filter": "a"}):
        with pytest.raises(protocol.ProtocolError):
            protocol.validate(bad, schema, 1)
