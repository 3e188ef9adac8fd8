"""Who may drive the lights from a browser: the origin policy, for every websocket and every
HTTP request, before any handler runs (and so before anything is created).

A page's browser names the page's origin in `Origin`. Any web page a user visits can open a
websocket to a server on their LAN, or send it a "simple" POST, and CORS does not stop a
request from being made, only its answer from being read. So a request that carries an
Origin must come from a page of this server (its own origin), from a host in
ALLOWED_HOSTS, or from an origin listed in CORS_ALLOWED_ORIGINS ("*": any, unsafe); else a
websocket handshake is refused with 403 and a request that changes something is answered
403 in LedFx's JSON shape. Requests without an Origin (apps, scripts, Home Assistant) are
not from a browser page and pass. Pages of listed origins may also read /api answers
(CORS, preflight included), so that LedFx's UI hosted elsewhere can be pointed at us on
purpose.
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import validate_host

from ledfxsite.rest import failed
from ledfxsite.scopes import header, send_json

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CORS_METHODS = "GET, POST, PUT, DELETE, OPTIONS"
CORS_MAX_AGE = "600"


def listed(origin):
    return "*" in settings.CORS_ALLOWED_ORIGINS or origin in settings.CORS_ALLOWED_ORIGINS


def allowed(origin, host):
    """May a page of `origin` use this server, reached as `host`? (Origin present.)"""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return listed(origin)  # "null" (a file or a sandboxed page) and the like
    return parts.netloc == host or validate_host(parts.hostname, settings.ALLOWED_HOSTS) or listed(origin)


class OriginPolicyMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        origin = header(scope, b"origin")
        if not origin:
            return await self.app(scope, receive, send)
        permitted = allowed(origin, header(scope, b"host"))
        if scope["type"] == "websocket":
            if permitted:
                return await self.app(scope, receive, send)
            logger.warning("refused a websocket from origin %s", origin)
            await receive()  # websocket.connect
            return await send({"type": "websocket.close"})  # before accept: daphne answers 403
        is_api = scope["path"].startswith("/api/")
        if is_api and scope["method"] == "OPTIONS" and header(scope, b"access-control-request-method"):
            return await preflight(send, origin if permitted and listed(origin) else None)
        if not permitted and scope["method"] not in SAFE_METHODS:
            logger.warning("refused %s %s from origin %s", scope["method"], scope["path"], origin)
            reason = f"Origin not allowed: {origin}. Add it to CORS_ALLOWED_ORIGINS to allow it."
            return await send_json(send, 403, failed(reason))
        if is_api and listed(origin):
            send = with_cors_headers(send, origin)
        return await self.app(scope, receive, send)


def cors_headers(origin):
    return [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]


async def preflight(send, origin):
    """The answer to a CORS preflight: the listed origin may, any other may not."""
    headers = [(b"content-length", b"0")]
    if origin is not None:
        headers += cors_headers(origin) + [
            (b"access-control-allow-methods", CORS_METHODS.encode()),
            (b"access-control-allow-headers", b"Content-Type, Authorization"),
            (b"access-control-max-age", CORS_MAX_AGE.encode()),
        ]
    await send({"type": "http.response.start", "status": 204 if origin is not None else 403, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def with_cors_headers(send, origin):
    async def sending(message):
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), *cors_headers(origin)]}
        await send(message)

    return sending
