"""ASGI entry point (`daphne ledfxsite.asgi:application`) and the composition root: it
decides what each server process runs besides its requests."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ledfxsite.settings")

try:
    from django.core.asgi import get_asgi_application

    django_application = get_asgi_application()
except ImproperlyConfigured as exc:
    sys.exit(f"ledfxsite: configuration error: {exc}")

from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402
from django.urls import re_path  # noqa: E402

from clients.registry import ClientRegistry  # noqa: E402
from clients.routing import http_urlpatterns, websocket_urlpatterns  # noqa: E402
from effects.worker import RenderWorker  # noqa: E402
from ledfxsite.database import WalCheckpoint  # noqa: E402
from ledfxsite.access import AccessMiddleware  # noqa: E402
from ledfxsite.layers import EVENTS_LAYER  # noqa: E402
from ledfxsite.limits import BodyLimitMiddleware  # noqa: E402
from ledfxsite.origins import OriginPolicyMiddleware  # noqa: E402
from ledfxsite.previews import PreviewWatch  # noqa: E402
from ledfxsite.process import ServerProcessMiddleware  # noqa: E402
from ledfxsite.transport import close_protocol_errors_with_a_handshake, lighter_websocket_connections  # noqa: E402
from ledfxsite.web_audio import WebAudio  # noqa: E402


def server_process_parts(process):
    """The client registry, the preview watch, web audio and the SQLite checkpoint always;
    the render worker too in the embedded mode."""
    events = get_channel_layer(EVENTS_LAYER)
    parts = [ClientRegistry(process), PreviewWatch(process, events), WebAudio(events), WalCheckpoint()]
    if settings.RENDER_IN_SERVER:
        parts.append(RenderWorker())
    return parts


close_protocol_errors_with_a_handshake()
lighter_websocket_connections()

routes = ProtocolTypeRouter(
    {
        "http": URLRouter(
            [
                *http_urlpatterns,
                # Serves the admin's static files itself, so one daphne is the whole deployment.
                re_path(r"", ASGIStaticFilesHandler(django_application)),
            ]
        ),
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
# Before any route: the origin policy, the body limit, then who may use the server at all.
application = ServerProcessMiddleware(
    OriginPolicyMiddleware(BodyLimitMiddleware(AccessMiddleware(routes))), make_parts=server_process_parts
)
application.start_when_daphne_runs()
