"""Optional authentication (AUTH_REQUIRED, off by default as in LedFx): who may use the
server at all, and who may change things.

A browser logs in with Django's own login (/login/); its session cookie then
authorises the web UI at /, its /api requests and its websocket, all on one origin.
Scripts and integrations send an API token (ledfxsite.models.ApiToken) as `Authorization:
Bearer <token>`, or as `?token=` on the websocket URL where they cannot set headers.
Anyone authenticated may read and watch (GET, websocket subscriptions, previews); a change
(POST, PUT, DELETE on /api) needs the permission `ledfxsite.control`. Refusals come before
any handler: /api answers LedFx's JSON shape with 401 or 403, a websocket handshake 403,
and the UI's page sends the browser to the login page. /livez and /healthz are open to
all, as health checks are.
"""

import logging
from urllib.parse import parse_qs, quote

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.conf import settings

from ledfxsite.health import HEALTH_PATHS
from ledfxsite.models import ApiToken
from ledfxsite.origins import SAFE_METHODS
from ledfxsite.rest import failed
from ledfxsite.scopes import header, send_json

logger = logging.getLogger(__name__)

CONTROL_PERMISSION = "ledfxsite.control"
LOGIN_URL = "/login/"


class AccessMiddleware:
    def __init__(self, app):
        self.app = app
        self.with_session_user = AuthMiddlewareStack(self.check)  # scope["user"] from the session cookie

    async def __call__(self, scope, receive, send):
        if not settings.AUTH_REQUIRED or scope["type"] not in ("http", "websocket") or scope["path"] in HEALTH_PATHS:
            return await self.app(scope, receive, send)
        return await self.with_session_user(scope, receive, send)

    async def check(self, scope, receive, send):
        token = bearer_token(scope)
        user = await database_sync_to_async(ApiToken.objects.user_of)(token) if token else scope["user"]
        authenticated = user is not None and user.is_authenticated
        path = scope["path"]
        if scope["type"] == "websocket":
            if not authenticated:
                logger.warning("refused a websocket without authentication")
                await receive()  # websocket.connect
                return await send({"type": "websocket.close"})  # before accept: daphne answers 403
        elif path.startswith("/api/"):
            if not authenticated:
                reason = f"Authentication required: log in at {LOGIN_URL} or send Authorization: Bearer <token>"
                return await send_json(send, 401, failed(reason), headers=[(b"www-authenticate", b"Bearer")])
            if scope["method"] not in SAFE_METHODS and not await database_sync_to_async(user.has_perm)(CONTROL_PERMISSION):
                return await send_json(send, 403, failed(f"{user.get_username()} may watch but not change anything"))
        elif path == "/" and not authenticated:
            return await redirect(send, f"{LOGIN_URL}?next={quote(path)}")
        return await self.app({**scope, "user": user}, receive, send)


def bearer_token(scope):
    """The API token of a request: its Authorization header, or a websocket's ?token=."""
    authorization = header(scope, b"authorization")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    if scope["type"] == "websocket":
        return parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
    return ""


async def redirect(send, location):
    await send({"type": "http.response.start", "status": 302, "headers": [(b"location", location.encode()), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
