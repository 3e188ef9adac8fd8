"""Limits on what one client may send (ledfxsite/limits.py): /api bodies bounded before any
handler, and the websocket message rate (its use: tests/clients/test_consumer.py)."""

import pytest
import requests

from effects.models import Device
from ledfxsite.limits import RateLimit


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_a_20_mb_body_is_refused_unread_with_413_and_no_traceback(live_servers):
    server = live_servers(REDIS_URL="")
    response = requests.post(server.http + "/api/devices", data=b"{" + b" " * (20 * 1024 * 1024) + b"}", timeout=30)
    assert response.status_code == 413
    assert response.json() == {"status": "failed", "payload": {"type": "error", "reason": "Request body too large (at most 1048576 bytes)"}}
    assert not Device.objects.exists()
    server.assert_clean_log()


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_over_the_limit_is_refused_as_it_arrives(live_servers):
    server = live_servers(REDIS_URL="", MAX_API_BODY_BYTES="4096")
    chunks = (b"x" * 1024 for _ in range(64))  # no Content-Length: sent chunked
    response = requests.post(server.http + "/api/devices", data=chunks, timeout=30)
    assert response.status_code == 413
    body = b'{"type": "dummy", "config": {"name": "Small", "pixel_count": 10}}'
    assert requests.post(server.http + "/api/devices", data=iter([body]), timeout=30).json()["status"] == "success"
    server.assert_clean_log()


def test_the_rate_limit_allows_a_burst_then_the_rate():
    limit = RateLimit(rate=10, burst=20, now=0.0)
    assert [limit.allow(0.0) for _ in range(21)] == [True] * 20 + [False]
    assert limit.allow(0.05) is False  # half a message's worth
    assert limit.allow(0.1) is True
    assert [limit.allow(10.0) for _ in range(21)] == [True] * 20 + [False]  # never more than the burst
