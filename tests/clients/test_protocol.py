"""The realtime API's own frames (PROTOCOL.md §1-§3), without a server."""

import pytest

from clients import protocol


@pytest.mark.parametrize("raw, expected", [(7, 7), ("7", 7), (" 12 ", 12), ("-3", -3), (0, 0), ("0\x1f", 0), ("\x1c5\u2003", 5)])
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
