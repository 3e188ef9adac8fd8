"""SQLite's WAL is checkpointed by the server process's heartbeat, never inside a commit."""

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from clients import services
from ledfxsite import database

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write-ahead log")


def pragma(statement):
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.fetchone()


@on_sqlite
async def test_commits_never_checkpoint():
    assert await sync_to_async(pragma)("PRAGMA wal_autocheckpoint") == (0,)


@on_sqlite
async def test_a_checkpoint_copies_every_page_of_the_wal():
    @sync_to_async
    def write_and_checkpoint():
        for number in range(50):
            services.server_instance_start(instance_id=f"t:{number}", hostname="t", pid=number)
        return database.checkpoint()

    busy, wal_pages, copied = await write_and_checkpoint()
    assert (busy, copied) == (0, wal_pages) and wal_pages > 0


async def test_the_heartbeat_checkpoints(monkeypatch):
    calls = []
    monkeypatch.setattr(database, "checkpoint", lambda: calls.append("checkpoint"))
    await database.WalCheckpoint().heartbeat()
    assert calls == ["checkpoint"]


async def test_nothing_to_checkpoint_elsewhere():
    if connection.vendor == "sqlite":
        assert await sync_to_async(database.checkpoint)() is not None
    else:
        assert await sync_to_async(database.checkpoint)() is None
