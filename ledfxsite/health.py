"""Health for load balancers, container engines and operators: /livez says the process's
event loop answers (nothing else is touched, so a database outage never restarts a
server); /healthz says whether the deployment can serve: a database round trip, a channel
layer round trip, and render workers beating when virtuals should render. Each check has
CHECK_TIMEOUT_SECONDS; a failing one makes the answer 503 with its reason."""

import asyncio
import logging
import time

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import close_old_connections, connection
from django.http import JsonResponse

from effects.models import CoreConfig, Virtual, Worker
from ledfxsite.layers import EVENTS_LAYER

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0
HEALTH_PATHS = ("/livez", "/healthz")


async def livez(request):
    return JsonResponse({"status": "ok"})


async def healthz(request):
    checks = {
        "database": await timed(database_round_trip()),
        "channel_layer": await timed(channel_layer_round_trip()),
    }
    checks["render_workers"] = await timed(render_workers()) if checks["database"]["ok"] else {"ok": False, "reason": "the database is unreachable"}
    healthy = all(check["ok"] for check in checks.values())
    if not healthy:
        logger.warning("unhealthy: %s", {name: check["reason"] for name, check in checks.items() if not check["ok"]})
    return JsonResponse({"status": "ok" if healthy else "failing", "checks": checks}, status=200 if healthy else 503)


class Unhealthy(Exception):
    """A check that got an answer, and a bad one."""


async def timed(check):
    """{"ok", "ms", and the check's own fields or "reason"}."""
    started = time.perf_counter()
    try:
        fields = await asyncio.wait_for(check, CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return {"ok": False, "reason": f"no answer within {CHECK_TIMEOUT_SECONDS:g} s"}
    except Unhealthy as problem:
        return {"ok": False, "reason": str(problem)}
    except Exception as exc:
        return {"ok": False, "reason": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1), **fields}


@sync_to_async(thread_sensitive=False)
def database_round_trip():
    close_old_connections()  # after a database restart, a new connection rather than the broken one
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


async def channel_layer_round_trip():
    layer = get_channel_layer(EVENTS_LAYER)
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "health.probe"})
    await layer.receive(channel)
    return {}


@sync_to_async(thread_sensitive=False)
def render_workers():
    """Live workers; failing only when virtuals should render and none renders them."""
    close_old_connections()
    live = Worker.objects.live(lease_seconds=settings.RENDER_LEASE_SECONDS).count()
    rendering = 0 if CoreConfig.current().paused else Virtual.objects.filter(active=True).exclude(effect_type="").count()
    if rendering and not live:
        virtuals = "1 virtual should" if rendering == 1 else f"{rendering} virtuals should"
        raise Unhealthy(f"{virtuals} render and no render worker beat within {settings.RENDER_LEASE_SECONDS:g} s")
    return {"live": live}
