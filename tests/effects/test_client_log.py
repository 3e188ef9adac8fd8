"""POST /api/log: a client's log line into ours, as LedFx 2.2 takes it (printable ASCII, at
most 200 characters, one line a second from a client address)."""

import json
import logging
import time

import pytest

from effects import views


@pytest.fixture(autouse=True)
def fresh_limit(monkeypatch):
    monkeypatch.setattr(views, "client_log_limit", views.ClientLogLimit())


def post(client, body, address="10.0.0.1"):
    response = client.post("/api/log", json.dumps(body), content_type="application/json", REMOTE_ADDR=address)
    return response.status_code, response.json()


def logged(caplog):
    return [record.getMessage() for record in caplog.records if record.name == "effects.views"]


def test_a_line_is_logged_with_the_clients_address(client, caplog):
    caplog.set_level(logging.INFO, logger="effects.views")
    assert post(client, {"text": "  Hello from the UI!  "}) == (200, {"status": "success"})
    assert logged(caplog) == ["client log from 10.0.0.1: Hello from the UI!"]


def test_only_printable_ascii_is_kept(client, caplog):
    caplog.set_level(logging.INFO, logger="effects.views")
    assert post(client, {"text": "Héllo 世界!\tok\x1b"}) == (200, {"status": "success"})
    assert logged(caplog) == ["client log from 10.0.0.1: Hllo !ok"]


@pytest.mark.parametrize("length, kept", [(200, 200), (201, 200), (300, 200)])
def test_a_long_line_is_cut_to_200_characters(client, caplog, length, kept):
    caplog.set_level(logging.INFO, logger="effects.views")
    post(client, {"text": "A" * length})
    assert logged(caplog) == ["client log from 10.0.0.1: " + "A" * kept]


def test_a_second_line_within_the_interval_is_refused_for_that_address_only(client, caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger="effects.views")
    monkeypatch.setattr(views, "CLIENT_LOG_SECONDS", 0.3)
    assert post(client, {"text": "one"})[1]["status"] == "success"
    assert post(client, {"text": "two"}) == (200, {"status": "failed", "payload": {"type": "warning", "reason": "Rate limit exceeded. Try again later."}})
    assert post(client, {"text": "three"}, address="10.0.0.2")[1]["status"] == "success"
    time.sleep(0.35)
    assert post(client, {"text": "four"})[1]["status"] == "success"
    assert logged(caplog) == ["client log from 10.0.0.1: one", "client log from 10.0.0.2: three", "client log from 10.0.0.1: four"]


@pytest.mark.parametrize(
    "body, reason",
    [
        ({"text": "   "}, "Text must contain ASCII characters."),
        ({"text": "世界"}, "Text must contain ASCII characters."),
        ({}, "Text must contain ASCII characters."),
        ({"text": 5}, "Text must be an ASCII string."),
        ({"text": ["a"]}, "Text must be an ASCII string."),
    ],
)
def test_a_line_without_text_is_refused_and_does_not_count(client, caplog, body, reason):
    caplog.set_level(logging.INFO, logger="effects.views")
    assert post(client, body) == (200, {"status": "failed", "payload": {"type": "error", "reason": reason}})
    assert post(client, {"text": "then this"})[1]["status"] == "success"
    assert logged(caplog) == ["client log from 10.0.0.1: then this"]


def test_only_post_is_allowed(client):
    assert client.get("/api/log").status_code == 405
