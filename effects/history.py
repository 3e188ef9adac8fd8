"""What each device and virtual did, when, and who asked (HistoryEntry).

The services record each change with `record`, inside the transaction that makes it, so
that a change and its entry are committed together or not at all. Who asked is the actor
of the current context: history_actor_middleware sets it for REST requests and the admin,
the render worker for what it notices; anything else (a management command) is "command".
Entries older than HISTORY_RETENTION_DAYS are deleted (`prune`) daily by the render worker.
"""

import contextlib
import contextvars
from dataclasses import dataclass
from datetime import timedelta

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.utils import timezone
from django.utils.decorators import sync_and_async_middleware

from effects.models import HistoryEntry
from ledfxsite.scopes import request_ip


@dataclass(frozen=True)
class Actor:
    source: str  # one of HistoryEntry.SOURCES
    user_id: int | None = None
    client_ip: str = ""
    client_id: str = ""


COMMAND = Actor("command")
WORKER = Actor("worker")
# A function that makes the actor, called only when a change is recorded: finding a
# request's user may query the database, which an async middleware must not do.
current_actor = contextvars.ContextVar("history_actor", default=lambda: COMMAND)


@contextlib.contextmanager
def acting(actor):
    """Changes recorded inside are the actor's (an Actor, or a function that makes one)."""
    token = current_actor.set(actor if callable(actor) else lambda: actor)
    try:
        yield
    finally:
        current_actor.reset(token)


def record(*, object_type, object_id, kind, at=None, **details):
    """One entry, by the current actor, at `at` (when the change was seen) or now."""
    actor = current_actor.get()()
    HistoryEntry.objects.create(
        at=at or timezone.now(),
        object_type=object_type,
        object_id=object_id,
        kind=kind,
        source=actor.source,
        user_id=actor.user_id,
        client_ip=actor.client_ip,
        client_id=actor.client_id,
        details=details,
    )


def source_of(request):
    """REST requests (/api/) act as "rest", the admin's as "admin"; others, None."""
    return "rest" if request.path.startswith("/api/") else "admin" if request.path.startswith("/admin/") else None


def actor_of(request, source):
    """The request's actor: the user of a session or an API token (ledfxsite.access) and the
    client's address. Sync code only (the session's user may be read from the database)."""
    user = getattr(request, "scope", {}).get("user") or getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    return Actor(source, user_id, request_ip(request, settings.TRUSTED_PROXIES))


def acting_for(request):
    """Changes recorded inside are the request's (REST and admin requests only)."""
    source = source_of(request)
    return contextlib.nullcontext() if source is None else acting(lambda: actor_of(request, source))


@sync_and_async_middleware
def history_actor_middleware(get_response):
    """Every change a request makes is recorded with its actor."""
    if iscoroutinefunction(get_response):

        async def middleware(request):
            with acting_for(request):
                return await get_response(request)

    else:

        def middleware(request):
            with acting_for(request):
                return get_response(request)

    return middleware


PRUNE_BATCH_SIZE = 1000
PRUNE_PERIOD_SECONDS = 24 * 3600


def prune(*, retention_days=None, batch_size=PRUNE_BATCH_SIZE):
    """Delete the entries older than HISTORY_RETENTION_DAYS (or `retention_days`); returns
    (the cutoff, how many were deleted, in how many batches)."""
    cutoff = timezone.now() - timedelta(days=retention_days or settings.HISTORY_RETENTION_DAYS)
    return (cutoff, *HistoryEntry.objects.delete_before(cutoff, batch_size=batch_size))
