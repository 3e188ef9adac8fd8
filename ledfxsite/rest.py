"""The body rules LedFx's REST endpoints share: one place for their texts."""

import json


def failed(reason):
    """A refused request, as LedFx shapes it (its UI shows the reason)."""
    return {"status": "failed", "payload": {"type": "error", "reason": reason}}


class UnreadableBody(ValueError):
    """A request body that is not a JSON object; `status` and `payload` answer it."""

    def __init__(self, payload):
        super().__init__(payload)
        self.status = 400
        self.payload = payload


def json_value(raw):
    """The body as JSON, or UnreadableBody (invalid JSON or empty)."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise UnreadableBody({"status": "failed", "reason": "JSON decoding failed"}) from None


def json_object(raw):
    """The body as a dict, or UnreadableBody: invalid JSON or empty, or JSON that is not an object."""
    body = json_value(raw)
    if not isinstance(body, dict):
        raise UnreadableBody(failed("Request body must be a JSON object"))
    return body


def body_refusal(invalid):
    """LedFx's reason for a body that does not fit its schema (a ledfxsite.schema.Invalid):
    the first required attribute missing, in LedFx's words, else every problem."""
    if invalid.missing:
        return f'Required attribute "{invalid.missing[0]}" was not provided'
    return str(invalid)
