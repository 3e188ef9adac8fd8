"""Settings come from the environment; a bad value is one clear line at start-up."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from ledfxsite.env import channel_layers_from_url, database_from_url, env_choice, sqlite_database
from tests.conftest import PROJECT_DIR, daphne_command, free_port


def test_postgres_url_becomes_a_database_entry():
    entry = database_from_url("postgres://user:p%40ss@db.example:6543/ledfx?sslmode=require", base_dir="/srv")
    assert {key: entry[key] for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")} == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "ledfx",
        "USER": "user",
        "PASSWORD": "p@ss",
        "HOST": "db.example",
        "PORT": "6543",
        "OPTIONS": {"sslmode": "require"},
    }


def test_sqlite_urls_are_relative_to_the_project_or_absolute():
    assert database_from_url("sqlite:///data/x.sqlite3", base_dir="/srv")["NAME"] == "/srv/data/x.sqlite3"
    assert database_from_url("sqlite:////var/lib/x.sqlite3", base_dir="/srv")["NAME"] == "/var/lib/x.sqlite3"


@pytest.mark.parametrize("url", ["mysql://x/y", "postgres://host:99999/db", "postgres://host/", "sqlite://", "nonsense"])
def test_bad_database_urls_are_refused(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url(url, base_dir="/srv")


def test_no_redis_url_means_in_memory_layers():
    layers = channel_layers_from_url("", max_connections=10, group_expiry=60, capacity=100)
    assert {alias: layer["BACKEND"] for alias, layer in layers.items()} == {
        "default": "channels.layers.InMemoryChannelLayer",
        "events": "channels.layers.InMemoryChannelLayer",
    }


def test_redis_url_gives_a_queue_layer_and_a_pubsub_events_layer():
    layers = channel_layers_from_url("redis://127.0.0.1:6379/3", max_connections=5000, group_expiry=60, capacity=100)
    assert layers["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert layers["events"]["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    for layer in layers.values():
        assert layer["CONFIG"]["hosts"] == [{"address": "redis://127.0.0.1:6379/3", "max_connections": 5000, "socket_timeout": 15}]


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "redis://host:notaport"])
def test_bad_redis_urls_are_refused(url):
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        channel_layers_from_url(url, max_connections=10, group_expiry=60, capacity=100)


def run_with_env(command, tmp_path, **env):
    return subprocess.run(
        command,
        cwd=PROJECT_DIR,
        env={**os.environ, "DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.live
@pytest.mark.parametrize(
    "name, value",
    [
        ("DATABASE_URL", "mysql://localhost/x"),
        ("REDIS_URL", "http://localhost"),
        ("DEBUG", "maybe"),
        ("HEARTBEAT_SECONDS", "soon"),
        ("LOG_LEVEL", "LOUD"),
        ("HISTORY_RETENTION_DAYS", "10.5"),
        ("HISTORY_RETENTION_DAYS", "0"),
    ],
)
def test_manage_py_reports_a_bad_value_in_one_line(tmp_path, name, value):
    result = run_with_env([sys.executable, "manage.py", "check"], tmp_path, **{name: value})
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"ledfxsite: configuration error: {name}=")


@pytest.mark.live
def test_a_whole_number_of_days_of_history_is_kept(tmp_path):
    command = [sys.executable, "manage.py", "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.HISTORY_RETENTION_DAYS)"]
    assert run_with_env(command, tmp_path, HISTORY_RETENTION_DAYS="10").stdout.strip() == "10"
    assert run_with_env(command, tmp_path).stdout.strip() == "90"


@pytest.mark.live
def test_daphne_reports_a_bad_value_in_one_line(tmp_path):
    daphne = os.path.join(os.path.dirname(sys.executable), "daphne")
    command = [daphne, *daphne_command("127.0.0.1", free_port())[1:]]
    result = run_with_env(command, tmp_path, DATABASE_URL="mysql://localhost/x")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "ledfxsite: configuration error: DATABASE_URL='mysql://localhost/x': scheme must be sqlite or postgres"
    ]


@pytest.mark.live
def test_embedded_defaults_need_no_environment(tmp_path):
    result = run_with_env(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings as s; "
         "print(s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'], len(s.SECRET_KEY) > 40)"],
        tmp_path,
        DJANGO_SETTINGS_MODULE="ledfxsite.settings",
        DATABASE_URL="",
        REDIS_URL="",
        SECRET_KEY="",
    )
    assert result.stdout.split() == ["django.db.backends.sqlite3", "channels.layers.InMemoryChannelLayer", "True"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_sqlite_connections_leave_wal_checkpoints_to_the_heartbeat(tmp_path):
    options = sqlite_database(str(tmp_path / "x.sqlite3"))["OPTIONS"]
    assert "PRAGMA journal_mode=WAL;" in options["init_command"] and "PRAGMA wal_autocheckpoint=0;" in options["init_command"]


def test_a_setting_outside_its_choices_is_refused(monkeypatch):
    monkeypatch.setenv("CLIENTS_LISTING", "Seed")
    with pytest.raises(ImproperlyConfigured, match="CLIENTS_LISTING='Seed' must be one of: auto, seed, ledfx"):
        env_choice("CLIENTS_LISTING", "auto", ("auto", "seed", "ledfx"))
    monkeypatch.setenv("CLIENTS_LISTING", "seed")
    assert env_choice("CLIENTS_LISTING", "auto", ("auto", "seed", "ledfx")) == "seed"
