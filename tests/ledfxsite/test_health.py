"""/livez and /healthz through the ASGI application, with its embedded render worker."""

import json

import pytest
from django.db import OperationalError

from ledfxsite import health
from tests.conftest import asgi_request, rest

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def get(server, path):
    status, body, _ = await asgi_request(server, "GET", path)
    return status, json.loads(body)


async def render_a_strip(server):
    await rest(server, "POST", "/api/devices", {"type": "dummy", "config": {"name": "Strip", "pixel_count": 10}})
    assert (await rest(server, "POST", "/api/virtuals/strip/effects", {"type": "rainbow", "config": {}}))["status"] == "success"


async def test_livez_answers_while_the_process_runs(server):
    assert await get(server, "/livez") == (200, {"status": "ok"})


async def test_healthz_checks_the_database_the_channel_layer_and_the_render_workers(server):
    await render_a_strip(server)
    status, body = await get(server, "/healthz")
    assert (status, body["status"]) == (200, "ok")
    assert {name: check["ok"] for name, check in body["checks"].items()} == {"database": True, "channel_layer": True, "render_workers": True}
    assert body["checks"]["render_workers"]["live"] == 1  # the embedded worker


async def test_healthz_is_503_with_the_reason_when_the_database_fails(server, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise OperationalError("connection to server at 127.0.0.1 failed")

    monkeypatch.setattr(health, "connection", Unreachable())
    status, body = await get(server, "/healthz")
    assert (status, body["status"]) == (503, "failing")
    assert body["checks"]["database"] == {"ok": False, "reason": "OperationalError: connection to server at 127.0.0.1 failed"}
    assert body["checks"]["channel_layer"]["ok"]


async def test_healthz_is_503_when_virtuals_should_render_and_no_worker_beats(server, settings):
    settings.RENDER_IN_SERVER = False
    await render_a_strip(server)
    status, body = await get(server, "/healthz")
    assert status == 503
    assert body["checks"]["render_workers"] == {"ok": False, "reason": "1 virtual should render and no render worker beat within 3 s"}


async def test_healthz_without_a_render_worker_is_healthy_while_nothing_should_render(server, settings):
    settings.RENDER_IN_SERVER = False
    status, body = await get(server, "/healthz")
    assert (status, body["checks"]["render_workers"]) == (200, {"ok": True, "ms": body["checks"]["render_workers"]["ms"], "live": 0})


async def test_health_is_open_when_authentication_is_required(server, settings):
    settings.AUTH_REQUIRED = True
    assert (await get(server, "/livez"))[0] == 200
    assert (await get(server, "/healthz"))[0] == 200
    assert (await asgi_request(server, "GET", "/api/info"))[0] == 401
