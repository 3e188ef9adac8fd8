"""An effect set with a fallback (LedFx's POST .../effects {"fallback": seconds}): the
effect from before comes back when the time is up, brought back by the render worker."""

import asyncio
import time

import pytest

from effects import services
from effects.models import Virtual
from tests.conftest import open_socket, rest, wait_until
from tests.effects.test_api import call

STRIP = {"type": "dummy", "config": {"name": "Strip", "pixel_count": 10}}


def effect(client):
    shown = call(client, "GET", "/api/virtuals/strip/effects")[1]["effect"]
    return (shown["type"], shown["config"].get("speed")) if shown else None


def set_effect(client, effect_type, config=None, **extra):
    answer = call(client, "POST", "/api/virtuals/strip/effects", {"type": effect_type, "config": config or {}, **extra})[1]
    assert answer["status"] == "success", answer


def end_fallback_after(seconds):
    time.sleep(seconds)
    return services.virtual_fallback_end(virtual_id="strip")


@pytest.mark.django_db
def test_the_effect_before_comes_back_when_the_fallback_ends(client):
    call(client, "POST", "/api/devices", STRIP)
    set_effect(client, "rainbow", {"speed": 2.5})
    set_effect(client, "fire", fallback=0.2)
    assert effect(client)[0] == "fire"
    assert services.virtual_fallback_end(virtual_id="strip") is None  # not yet
    end_fallback_after(0.25)
    assert effect(client) == ("rainbow", 2.5)
    assert Virtual.objects.get(id="strip").fallback_until is None


@pytest.mark.django_db
def test_a_fallback_on_a_fallback_keeps_the_first_effect_and_moves_the_time(client):
    call(client, "POST", "/api/devices", STRIP)
    set_effect(client, "rainbow", {"speed": 2.5})
    set_effect(client, "scan", fallback=0.2)
    set_effect(client, "fire", fallback=0.6)
    assert end_fallback_after(0.3) is None  # moved on by the second
    end_fallback_after(0.35)
    assert effect(client) == ("rainbow", 2.5)


@pytest.mark.django_db
def test_an_effect_set_without_a_fallback_ends_it(client):
    call(client, "POST", "/api/devices", STRIP)
    set_effect(client, "rainbow")
    set_effect(client, "scan", fallback=0.1)
    set_effect(client, "fire")
    end_fallback_after(0.15)
    assert effect(client)[0] == "fire"


@pytest.mark.django_db
def test_without_an_effect_before_the_virtual_is_cleared(client):
    call(client, "POST", "/api/devices", STRIP)
    set_effect(client, "fire", fallback=0.1)
    end_fallback_after(0.15)
    assert effect(client) is None


@pytest.mark.django_db
@pytest.mark.parametrize("fallback, seconds", [(True, 300.0), (86400, 86400.0), (0.5, 0.5), (0, None), (-1, None), (False, None), ("soon", None)])
def test_fallback_values_as_ledfx_reads_them(client, fallback, seconds):
    call(client, "POST", "/api/devices", STRIP)
    before = time.time()
    set_effect(client, "fire", fallback=fallback)
    until = Virtual.objects.get(id="strip").fallback_until
    if seconds is None:
        assert until is None
    else:
        assert before + seconds - 1 < until.timestamp() < time.time() + seconds + 1


@pytest.mark.django_db
def test_a_fallback_over_a_day_is_refused(client):
    call(client, "POST", "/api/devices", STRIP)
    answer = call(client, "POST", "/api/virtuals/strip/effects", {"type": "fire", "fallback": 86401})[1]
    assert answer == {"status": "failed", "payload": {"type": "error", "reason": "fallback: must be true or seconds up to 86400 (got 86401)"}}
    assert effect(client) is None


@pytest.mark.live
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_render_worker_brings_the_effect_back_on_time(server):
    await open_socket(server)
    await rest(server, "POST", "/api/devices", STRIP)
    await rest(server, "POST", "/api/virtuals/strip/effects", {"type": "rainbow", "config": {"speed": 2.5}})
    set_at = time.monotonic()
    await rest(server, "POST", "/api/virtuals/strip/effects", {"type": "fire", "fallback": 0.5})

    async def rainbow_again():
        return (await rest(server, "GET", "/api/virtuals/strip/effects"))["effect"].get("type") == "rainbow"

    await asyncio.sleep(0.3)
    assert not await rainbow_again()
    await wait_until(rainbow_again, timeout=5, what="rainbow back")
    assert time.monotonic() - set_at < 2.0  # by its own timer, not at a later reconcile
