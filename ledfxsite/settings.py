"""ledfxsite settings: every value comes from the environment, with embedded-mode defaults.

No DATABASE_URL -> a SQLite file in DATA_DIR; no REDIS_URL -> the in-memory channel layer
and the render worker inside the server process. See README.md for the full list.
"""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from ledfxsite.env import (
    channel_layers_from_url,
    database_from_url,
    env_bool,
    env_choice,
    env_list,
    env_number,
    env_str,
    web_ui_dir,
    sqlite_database,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "data")))


def secret_key_from_data_dir():
    """A random key kept in DATA_DIR, so the embedded mode needs no setup and shares no secret."""
    path = DATA_DIR / "secret_key"
    try:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(secrets.token_urlsafe(50))
    except FileExistsError:
        pass
    except OSError as exc:
        raise ImproperlyConfigured(f"SECRET_KEY is not set and {path} cannot be written: {exc.strerror}") from None
    return path.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY", "") or secret_key_from_data_dir()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Peers whose X-Forwarded-For first hop is believed as the websocket client's IP.
TRUSTED_PROXIES = frozenset(env_list("TRUSTED_PROXIES", []))
# Log in (browsers) or an API token (scripts) to use the server at all (ledfxsite.access);
# off by default, as in LedFx: then anything that reaches the port may drive the lights.
AUTH_REQUIRED = env_bool("AUTH_REQUIRED", False)
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
# POST /api/clients sync only for a client connected from the caller's address.
STRICT_CLIENT_SYNC = env_bool("STRICT_CLIENT_SYNC", False)
# Origins of pages elsewhere that may use this server from a browser (ledfxsite.origins);
# "*" lets any page on any site drive the lights: unsafe.
CORS_ALLOWED_ORIGINS = frozenset(env_list("CORS_ALLOWED_ORIGINS", []))
# GET /api/clients: "auto" answers LedFx 2.2.1's web UI (a same-origin browser request)
# with its metadata shape and everyone else with the seed's {client_id: ip}; "seed" or
# "ledfx" gives every caller that shape (README, "Clients").
CLIENTS_LISTING = env_choice("CLIENTS_LISTING", "auto", ("auto", "seed", "ledfx"))

INSTALLED_APPS = [
    "daphne",
    # The project package is the composition root: its `runworker` (which adds `runworker
    # effects`, the render worker) must come before channels' own, as daphne's `runserver`
    # comes before Django's. tests/ledfxsite/test_layout.py checks which one manage.py finds.
    "ledfxsite",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "clients",
    "effects",
    "diagnostics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who asked, for the device and virtual history (effects.history).
    "effects.history.history_actor_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ledfxsite.urls"
ASGI_APPLICATION = "ledfxsite.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "")
DATABASES = {
    "default": database_from_url(DATABASE_URL, base_dir=BASE_DIR)
    if DATABASE_URL
    else sqlite_database(str(DATA_DIR / "ledfxsite.sqlite3"))
}
if not DATABASE_URL:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
# A socket may stay open as long as daphne's --websocket_timeout (a day by default);
# group membership must outlive it or members silently stop receiving. The event hub
# also renews its groups on every heartbeat.
CHANNEL_GROUP_EXPIRY = env_number("CHANNEL_GROUP_EXPIRY", 7 * 86400, minimum=60)
CHANNEL_LAYERS = channel_layers_from_url(
    REDIS_URL,
    max_connections=env_number("REDIS_MAX_CONNECTIONS", 10000, minimum=10),
    group_expiry=CHANNEL_GROUP_EXPIRY,
    # A full channel silently drops messages: leave room for bursts of worker commands
    # and, in embedded mode, of events (one channel per process carries them all).
    capacity=env_number("CHANNEL_CAPACITY", 10000, minimum=100),
)

# Each server process renews its row this often; rows of a process silent for
# three periods are closed and client_disconnected is fired for them.
HEARTBEAT_SECONDS = env_number("HEARTBEAT_SECONDS", 5.0, kind=float, minimum=0.1)
# On SIGTERM a server process closes its websockets with 1001 and waits this long for
# their disconnects to be recorded before it closes the rest of their rows itself.
SHUTDOWN_GRACE_SECONDS = env_number("SHUTDOWN_GRACE_SECONDS", 5.0, kind=float, minimum=0.0)
# The render worker runs inside the server process unless told otherwise; with Redis it
# is normally its own process (`python manage.py runworker effects`).
RENDER_IN_SERVER = env_bool("RENDER_IN_SERVER", not REDIS_URL)
# The worker re-reads the database this often, besides on every command and lease tick.
RENDER_RECONCILE_SECONDS = env_number("RENDER_RECONCILE_SECONDS", 5.0, kind=float, minimum=0.1)
# A worker's lease on the virtuals it renders (effects.leases), renewed every third of it:
# a dead worker's virtuals resume on another within about this plus a third.
RENDER_LEASE_SECONDS = env_number("RENDER_LEASE_SECONDS", 3.0, kind=float, minimum=0.3)
# GET/POST /api/find_devices listens this long for WLEDs announcing themselves over mDNS,
# on these interfaces' addresses (all, when empty).
DEVICE_DISCOVERY_SECONDS = env_number("DEVICE_DISCOVERY_SECONDS", 10.0, kind=float, minimum=0.5)
MDNS_INTERFACES = env_list("MDNS_INTERFACES", [])
# Device and virtual history older than this is deleted, daily, by the render worker
# (`python manage.py history_prune` does it at once).
HISTORY_RETENTION_DAYS = env_number("HISTORY_RETENTION_DAYS", 90, minimum=1)
# WAV and FLAC files here are audio inputs (effects.audio_inputs), played in a loop.
AUDIO_FILES_DIR = Path(env_str("AUDIO_FILES_DIR", str(DATA_DIR / "audio")))
WEBSOCKET_MAX_SUBSCRIPTIONS = env_number("WEBSOCKET_MAX_SUBSCRIPTIONS", 1000, minimum=1)
# Websockets one client IP may hold open to one server process; more are refused with 403.
WEBSOCKET_MAX_CONNECTIONS_PER_IP = env_number("WEBSOCKET_MAX_CONNECTIONS_PER_IP", 100, minimum=1)
# Messages a websocket may send per second on average (twice that at once); more are
# refused with rate_limited, and a client that goes on is closed (ledfxsite.constants).
WEBSOCKET_MESSAGES_PER_SECOND = env_number("WEBSOCKET_MESSAGES_PER_SECOND", 100, minimum=1)
# Devices, virtuals, scenes, user presets and named colours: at most this many of each,
# so that no request can fill the disk.
MAX_STORED_PER_KIND = env_number("MAX_STORED_PER_KIND", 1000, minimum=1)
# The largest /api request body (ledfxsite.limits); LedFx's bodies are configs of a few KiB.
MAX_API_BODY_BYTES = env_number("MAX_API_BODY_BYTES", 1024 * 1024, minimum=1024)
# Events waiting for one client to read them, beyond what the kernel's socket buffers hold;
# over this the socket is closed with CLOSE_SLOW_READER. Previews are held back, not queued,
# once 64 KiB wait (ledfxsite.direct_send.Outbox), hence the minimum.
WEBSOCKET_MAX_QUEUED_BYTES = env_number("WEBSOCKET_MAX_QUEUED_BYTES", 1024 * 1024, minimum=256 * 1024)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# The web UI served at / (LedFx's own by default); its /static/ files are found beside
# the admin's, which live under /static/admin/.
WEB_UI_DIR = web_ui_dir(env_str("WEB_UI", "ledfx"))
STATICFILES_DIRS = [WEB_UI_DIR / "static"] if WEB_UI_DIR and (WEB_UI_DIR / "static").is_dir() else []

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "clients": {"level": LOG_LEVEL},
        "diagnostics": {"level": LOG_LEVEL},
        "effects": {"level": LOG_LEVEL},
        "ledfxsite": {"level": LOG_LEVEL},
        "django": {"level": "WARNING"},
    },
}
