"""Limits on what one client may send.

The size of /api request bodies is bounded before any handler reads one (Django would read
a 20 MB body into memory or a temporary file first, then fail with a traceback): a body is
read here up to MAX_API_BODY_BYTES and handed on whole; a larger one (by its
Content-Length, or as it arrives) is answered 413 in LedFx's JSON shape, unread.
RateLimit bounds a websocket's messages per second (clients.consumers).
"""

from django.conf import settings

from ledfxsite.rest import failed
from ledfxsite.scopes import header, send_json


class BodyLimitMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            return await self.app(scope, receive, send)
        limit = settings.MAX_API_BODY_BYTES
        declared = header(scope, b"content-length")
        if declared.isdigit() and int(declared) > limit:
            return await send_json(send, 413, failed(f"Request body too large (at most {limit} bytes)"))
        body, message = b"", {"more_body": True}
        while message.get("more_body"):
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > limit:
                return await send_json(send, 413, failed(f"Request body too large (at most {limit} bytes)"))
        return await self.app(scope, replay(body, receive), send)


def replay(body, receive):
    """A receive that gives the body read already, then waits for what comes after it."""
    sent = False

    async def receiving():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receiving


class RateLimit:
    """A token bucket: `rate` a second on average, `burst` at once."""

    def __init__(self, *, rate, burst, now):
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated = now

    def allow(self, now):
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
