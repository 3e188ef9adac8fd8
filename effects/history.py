"""What each device and virtual did, when, and who asked (HistoryEntry).

The services record each change with `record`, inside the transaction that makes it, so
that a change and its entry are committed together or not at all. Who asked is the actor
of the current context: history_actor_middleware sets it for REST requests and the admin,
the render worker for what it notices; anything else (a management command) is "command".
"""

import contextlib
import contextvars
from dataclasses import dataclass

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.utils.decorators import sync_and_async_middleware

from effects.models import HistoryEntry
from ledfxsite.scopes import client_ip


@dataclass(frozen=True)
class Actor:
    source: str  # one of HistoryEntry.SOURCES
    user_id: int | None = None
    client_ip: str = ""
    client_id: str = ""


COMMAND = Actor("command")
WORKER = Actor("worker")
current_actor = contextvars.ContextVar("history_actor", default=COMMAND)


@contextlib.contextmanager
def acting(actor):
    token = current_actor.set(actor)
    try:
        yield
    finally:
        current_actor.reset(token)


def record(*, object_type, object_id, kind, **details):
    actor = current_actor.get()
    HistoryEntry.objects.create(
        object_type=object_type,
        object_id=object_id,
        kind=kind,
        source=actor.source,
        user_id=actor.user_id,
        client_ip=actor.client_ip,
        client_id=actor.client_id,
        details=details,
    )


def actor_of(request):
    """REST requests (/api/) act as "rest", the admin's as "admin", with the user of a
    session or an API token (ledfxsite.access) and the client's address; others, None."""
    source = "rest" if request.path.startswith("/api/") else "admin" if request.path.startswith("/admin/") else None
    if source is None:
        return None
    scope = getattr(request, "scope", {"client": (request.META.get("REMOTE_ADDR", ""), 0)})
    user = scope.get("user") or getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    return Actor(source, user_id, client_ip(scope, settings.TRUSTED_PROXIES))


@sync_and_async_middleware
def history_actor_middleware(get_response):
    """Every change a request makes is recorded with its actor."""
    if iscoroutinefunction(get_response):

        async def middleware(request):
            actor = actor_of(request)
            if actor is None:
                return await get_response(request)
            with acting(actor):
                return await get_response(request)

    else:

        def middleware(request):
            actor = actor_of(request)
            if actor is None:
                return get_response(request)
            with acting(actor):
                return get_response(request)

    return middleware
