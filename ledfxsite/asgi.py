"""ASGI entry point: `daphne ledfxsite.asgi:application`."""

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
from clients.runtime import ServerProcessMiddleware  # noqa: E402
from ledfxsite.transport import close_protocol_errors_with_a_handshake  # noqa: E402

close_protocol_errors_with_a_handshake()

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
