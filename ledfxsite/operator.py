"""The operator's live page in the admin (/admin/operator/): what the deployment is doing,
read from the rows every process keeps, as JSON the page polls; the page itself adds what
the websocket brings (client events, virtual_diag, previews)."""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from clients.models import ClientConnection, ServerInstance
from effects.models import Lease, Virtual, Worker

CONNECTIONS_LISTED = 500


def age(moment, now):
    return round((now - moment).total_seconds(), 1)


def deployment_state():
    """Server processes, render workers, live connections and virtuals, now."""
    now = timezone.now()
    recent = now - timedelta(hours=1)
    servers = (
        ServerInstance.objects.filter(Q(stopped_at__isnull=True) | Q(stopped_at__gt=recent))
        .annotate(open_connections=Count("connections", filter=Q(connections__disconnected_at__isnull=True)))
        .order_by("started_at")
    )
    server_silence = 3 * settings.HEARTBEAT_SECONDS
    live_workers = set(Worker.objects.live(lease_seconds=settings.RENDER_LEASE_SECONDS).values_list("worker_id", flat=True))
    leases = {lease.virtual_id: lease for lease in Lease.objects.exclude(worker_id="").annotate(valid=ExpressionWrapper(Q(expires_at__gt=Now()), output_field=BooleanField()))}
    held = {}
    for lease in leases.values():
        if lease.valid:
            held[lease.worker_id] = held.get(lease.worker_id, 0) + 1
    connections = ClientConnection.objects.open().order_by("-connected_at")[:CONNECTIONS_LISTED]
    return {
        "servers": [
            {
                "id": server.id,
                "hostname": server.hostname,
                "pid": server.pid,
                "heartbeat_age": age(server.last_seen, now),
                "alive": server.stopped_at is None and age(server.last_seen, now) < server_silence,
                "connections": server.open_connections,
            }
            for server in servers
        ],
        "workers": [
            {
                "id": worker.worker_id,
                "hostname": worker.hostname,
                "pid": worker.pid,
                "heartbeat_age": age(worker.beat_at, now),
                "alive": worker.worker_id in live_workers,
                "leases": held.get(worker.worker_id, 0),
            }
            for worker in Worker.objects.filter(beat_at__gt=recent).order_by("worker_id")
        ],
        "connections": [
            {
                "client_id": connection.client_id,
                "ip": connection.ip,
                "name": connection.name or "",
                "server": connection.server_instance_id,
                "connected_for": age(connection.connected_at, now),
            }
            for connection in connections
        ],
        "open_connections": ClientConnection.objects.open().count(),
        "virtuals": [
            {
                "id": virtual.id,
                "name": virtual.name,
                "effect_type": virtual.effect_type,
                "rendering": virtual.active and bool(virtual.effect_type),
                "worker": leases[virtual.id].worker_id if virtual.id in leases and leases[virtual.id].valid else None,
            }
            for virtual in Virtual.objects.all()
        ],
    }


@staff_member_required
def operator_page(request):
    return render(request, "operator.html", {**admin.site.each_context(request), "title": "Operator's view"})


@staff_member_required
def operator_state(request):
    return JsonResponse(deployment_state())
