"""ASGI entry point: `daphne ledfxsite.asgi:application`."""

import gc
import os
import sys

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ledfxsite.settings")

try:
    from django.core.asgi import get_asgi_application

    django_application = get_asgi_application()
except ImproperlyConfigured as exc:
    sys.exit(f"ledfxsite: configuration error: {exc}")

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from django.urls import re_path  # noqa: E402

from clients.routing import http_urlpatterns, websocket_urlpatterns  # noqa: E402
from clients.runtime import ServerProcessMiddleware, start_when_daphne_runs  # noqa: E402
from ledfxsite.transport import close_protocol_errors_with_a_handshake  # noqa: E402

close_protocol_errors_with_a_handshake()
start_when_daphne_runs()

application = ServerProcessMiddleware(
    ProtocolTypeRouter(
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
)

# A server holding a thousand sockets has over a million long-lived objects; every full
# collection walked them all and stalled fan-out for 100-200 ms (p99 of 1000-subscriber
# delivery: 200 ms -> 60 ms with this, bench/README.md). Objects loaded at start-up are
# never garbage: freeze them out of collections, and collect young objects less often.
gc.freeze()
gc.set_threshold(20000, 20, 10)
