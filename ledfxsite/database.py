"""SQLite's write-ahead log, checkpointed by the server process's heartbeat.

SQLite checkpoints automatically inside whichever commit takes the WAL past 1000 pages,
fsync included, and a websocket's row is written by such commits before its client_id
frame: now and then a connect waited for the fsync. Connections are opened with automatic
checkpoints off (ledfxsite.env.sqlite_database) and this part checkpoints off the
connect path instead. On PostgreSQL it does nothing.
"""

from channels.db import database_sync_to_async
from django.db import connection

from ledfxsite.process import ProcessPart


def checkpoint():
    """Copy the WAL into the database file, waiting for nobody; (busy, wal pages, pages copied)."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        return cursor.fetchone()


class WalCheckpoint(ProcessPart):
    async def heartbeat(self):
        await database_sync_to_async(checkpoint)()
