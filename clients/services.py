"""Writes to the client registry (HackSoft style: keyword-only, noun_verb).

A close is a conditional UPDATE ... WHERE disconnected_at IS NULL, so whichever
process closes a row first is the only one that fires client_disconnected for it; when
it cannot, it marks the row unannounced and a later sweep claims it the same way.
"""

from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clients.models import ClientConnection, ServerInstance
from ledfxsite.constants import NAME_CONFLICT_ATTEMPTS
from ledfxsite.models import WebAudioStream

# A disconnect that could not be announced for this long is history, not news.
UNANNOUNCED_DISCONNECTS_KEPT = timedelta(hours=1)
# Well below every database's limit on query parameters.
CLOSED_PER_STATEMENT = 1000


def server_instance_start(*, instance_id, hostname, pid):
    """Register this process. An earlier process with our host and pid is certainly dead."""
    now = timezone.now()
    ServerInstance.objects.filter(hostname=hostname, pid=pid, stopped_at__isnull=True).update(stopped_at=now)
    return ServerInstance.objects.create(id=instance_id, hostname=hostname, pid=pid, started_at=now, last_seen=now)


def server_instance_heartbeat(*, instance_id):
    """Renew our row; False when another process has declared us dead (our rows are closed)."""
    updated = ServerInstance.objects.filter(id=instance_id, stopped_at__isnull=True).update(last_seen=timezone.now())
    return updated == 1


def server_instance_stop(*, instance_id):
    ServerInstance.objects.filter(id=instance_id, stopped_at__isnull=True).update(stopped_at=timezone.now())


def client_connections_open(*, rows):
    """Open a row per connection, all in one statement; rows are dicts of client_id, ip,
    user_agent, origin, instance_id and user_id."""
    return ClientConnection.objects.bulk_create(
        ClientConnection(
            client_id=row["client_id"],
            ip=row["ip"],
            user_agent=row["user_agent"][:512],
            origin=row["origin"][:512],
            server_instance_id=row["instance_id"],
            user_id=row.get("user_id"),
        )
        for row in rows
    )


def client_connections_close(*, client_ids):
    """Close those of the given rows that are still open; returns the (client_id, ip) this
    call closed, which the caller must announce (or pass to client_disconnect_unannounced).

    One UPDATE ... WHERE disconnected_at IS NULL ... RETURNING per chunk: atomic on SQLite
    and PostgreSQL alike, so two closers never both close a row, and the database says
    which rows this one closed. (The ORM has no UPDATE ... RETURNING; a locked read then
    an update, which it has, kept the database thread, and with it the interpreter lock
    that the connections need, busy for longer.)
    """
    closed = []
    table = ClientConnection._meta.db_table
    for start in range(0, len(client_ids), CLOSED_PER_STATEMENT):
        chunk = client_ids[start : start + CLOSED_PER_STATEMENT]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET disconnected_at = %s, disconnect_announced = %s"
                f" WHERE disconnected_at IS NULL AND client_id IN ({', '.join(['%s'] * len(chunk))}) RETURNING client_id, ip",
                [timezone.now(), True, *chunk],
            )
            closed += cursor.fetchall()
    return closed


def client_disconnect_unannounced(*, client_id):
    """The announcement failed (event bus down): leave it to a later sweep."""
    ClientConnection.objects.filter(client_id=client_id).update(disconnect_announced=False)


def client_disconnects_claim_unannounced():
    """Claim recently closed rows whose client_disconnected was never announced, as (client_id, ip)."""
    rows = ClientConnection.objects.filter(
        disconnected_at__gte=timezone.now() - UNANNOUNCED_DISCONNECTS_KEPT, disconnect_announced=False
    ).values_list("client_id", "ip")
    return [
        (client_id, ip)
        for client_id, ip in list(rows[:1000])
        if ClientConnection.objects.filter(client_id=client_id, disconnect_announced=False).update(disconnect_announced=True)
    ]


def client_connections_close_dead(*, heartbeat_seconds):
    """Close the open rows of dead server processes (the ghost-client sweep)."""
    dead = ServerInstance.objects.dead(heartbeat_seconds=heartbeat_seconds)
    client_ids = ClientConnection.objects.open().filter(server_instance__in=dead).values_list("client_id", flat=True)
    closed = client_connections_close(client_ids=list(client_ids))
    dead.filter(stopped_at__isnull=True).update(stopped_at=timezone.now())
    return closed


def client_connections_close_orphans(*, instance_id, live_client_ids, opened_before):
    """Close our own open rows whose socket this process no longer holds (a lost disconnect)."""
    client_ids = (
        ClientConnection.objects.open()
        .filter(server_instance_id=instance_id, connected_at__lt=opened_before)
        .exclude(client_id__in=live_client_ids)
        .values_list("client_id", flat=True)
    )
    return client_connections_close(client_ids=list(client_ids))


def web_audio_streams_delete_gone():
    """Delete the web-audio streams of clients no longer connected (a process that died
    could not delete its own); returns how many."""
    deleted, _ = WebAudioStream.objects.exclude(client_id__in=ClientConnection.objects.open().values("client_id")).delete()
    return deleted


def client_info_set(*, client_id, name, client_type, device_id):
    """Store a client's name, type and device; a taken name becomes "Name (2)", "Name (3)", ...

    Returns (name, name_conflict).
    """
    candidate = name
    for counter in range(1, NAME_CONFLICT_ATTEMPTS + 1):
        if counter > 1:
            candidate = f"{name} ({counter})"
        if client_info_update(client_id=client_id, name=candidate, client_type=client_type, device_id=device_id):
            return candidate, counter > 1
    raise IntegrityError(f"no free name for {name!r} after {NAME_CONFLICT_ATTEMPTS} attempts")


def client_info_update(*, client_id, **fields):
    """Update name/client_type/device_id of an open row; False when the name is taken."""
    try:
        with transaction.atomic():
            ClientConnection.objects.open().filter(client_id=client_id).update(**fields)
    except IntegrityError:
        return False
    return True
