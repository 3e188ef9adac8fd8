"""Read settings from the environment: tiny typed helpers that fail with one clear line."""

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from ledfxsite.constants import FALSE_WORDS, TRUE_WORDS

# Longer than channels-redis's 5 s blocking pop (see channel_layers_from_url).
REDIS_SOCKET_TIMEOUT = 15


def env_str(name, default):
    return os.environ.get(name, default)


def env_choice(name, default, choices):
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}")
    return value


def env_bool(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_number(name, default, kind=int, minimum=None):
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a valid {kind.__name__}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_list(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url, *, base_dir):
    """A Django DATABASES entry for a sqlite:/// or postgres:// URL."""
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if not path or path == "/":
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no SQLite file (sqlite:///relative.db or sqlite:////abs.db)")
        name = path[1:]
        return sqlite_database(name if os.path.isabs(name) else os.path.join(base_dir, name))
    if parts.scheme in ("postgres", "postgresql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no database (postgres://user@host:5432/dbname)")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} has an invalid port") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(f"DATABASE_URL={url!r}: scheme must be sqlite or postgres")


def sqlite_database(path):
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # Opening a SQLite connection (and its PRAGMAs) costs more than most queries.
        "CONN_MAX_AGE": None,
        # Several processes (server, worker, tests) share the file: WAL lets readers run
        # beside one writer, and IMMEDIATE avoids upgrade deadlocks between writers. The
        # server's heartbeat checkpoints the WAL, not a commit (ledfxsite.database).
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;",
        },
    }


def channel_layers_from_url(url, *, max_connections, group_expiry, capacity):
    """CHANNEL_LAYERS: "default" carries commands with queue semantics (the effects
    worker channel); "events" fans events out to every server process. With a redis://
    URL they are channels-redis's core layer and its pub/sub layer (one PUBLISH per event
    instead of one write per group member); without one, in-memory layers."""
    if not url:
        in_memory = {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"group_expiry": group_expiry, "capacity": capacity},
        }
        return {"default": in_memory, "events": dict(in_memory)}
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured(f"REDIS_URL={url!r}: scheme must be redis, rediss or unix")
    try:
        parts.port
    except ValueError:
        raise ImproperlyConfigured(f"REDIS_URL={url!r} has an invalid port") from None
    # redis-py 8 caps an asyncio pool at 100 connections; bursts of connects and
    # disconnects need more (DESIGN.md, known traps). It also reads with a 5 s socket
    # timeout by default, which races channels-redis's 5 s blocking BZPOPMIN and fails
    # receive() every few seconds (channels_redis#422): wait longer than the pop.
    hosts = [{"address": url, "max_connections": max_connections, "socket_timeout": REDIS_SOCKET_TIMEOUT}]
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": hosts, "group_expiry": group_expiry, "capacity": capacity},
        },
        "events": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": hosts},
        },
    }


def web_ui_dir(value):
    """The folder of the web UI served at /: "ledfx" is LedFx's own (the ledfx_frontend
    package), "off" none (None), anything else the path of a build with an index.html."""
    if value == "off":
        return None
    if value == "ledfx":
        try:
            import ledfx_frontend
        except ImportError:
            raise ImproperlyConfigured(
                "WEB_UI=ledfx but the ledfx package is not installed: "
                "pip install --no-deps -r requirements-ui.txt (make does), or set WEB_UI=off"
            ) from None
        return Path(ledfx_frontend.where())
    folder = Path(value)
    if not (folder / "index.html").is_file():
        raise ImproperlyConfigured(f"WEB_UI={value!r} must be ledfx, off, or a folder holding an index.html")
    return folder.resolve()
