"""Server processes and websocket connections: the live client registry and its history.

An open ClientConnection row (disconnected_at is null) is a client connected right now to
some server process; closed rows are the connection history shown in the admin.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

CLIENT_TYPES = ("controller", "visualiser", "mobile", "display", "api", "not-set", "unknown")


class ServerInstanceQuerySet(models.QuerySet):
    def dead(self, *, heartbeat_seconds):
        """Stopped processes, and processes silent for three heartbeats."""
        cutoff = timezone.now() - timedelta(seconds=3 * heartbeat_seconds)
        return self.filter(Q(stopped_at__isnull=False) | Q(last_seen__lt=cutoff))


class ServerInstance(models.Model):
    """One server process (daphne or worker): it renews last_seen while it runs."""

    id = models.CharField(primary_key=True, max_length=100)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    objects = ServerInstanceQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return self.id


class ClientConnectionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(disconnected_at__isnull=True)

    def live_map(self):
        """{client_id: ip} of every connected client, on any server process."""
        return dict(self.open().order_by("connected_at").values_list("client_id", "ip"))

    def live_detail(self):
        """{client_id: {ip, name, type, device_id, connected_at}} (LedFx 2.2 shape)."""
        return {row.client_id: row.detail() for row in self.open().order_by("connected_at")}

    def live_named_detail(self):
        """live_detail of the clients that sent set_client_info, as LedFx 2.2.1 lists them."""
        return {row.client_id: row.detail() for row in self.open().filter(name__isnull=False).order_by("connected_at")}


class ClientConnection(models.Model):
    client_id = models.CharField("client id", max_length=36, unique=True)
    ip = models.CharField("IP", max_length=45)
    user_agent = models.CharField(max_length=512, blank=True)
    origin = models.CharField(max_length=512, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="client_connections",
        help_text="Who authenticated it (AUTH_REQUIRED), by login or API token",
    )
    server_instance = models.ForeignKey(ServerInstance, on_delete=models.PROTECT, related_name="connections")
    connected_at = models.DateTimeField(default=timezone.now, db_index=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    # Set with disconnected_at by whoever closes the row, which then owns announcing
    # client_disconnected; put back when the announcement fails, so a sweep retries it.
    disconnect_announced = models.BooleanField(default=False)
    name = models.CharField(max_length=200, null=True, blank=True)
    client_type = models.CharField("type", max_length=20, default="unknown")
    device_id = models.CharField(max_length=200, null=True, blank=True)

    objects = ClientConnectionQuerySet.as_manager()

    class Meta:
        ordering = ["-connected_at"]
        indexes = [
            models.Index(
                fields=["server_instance"],
                condition=Q(disconnected_at__isnull=True),
                name="open_connection_by_instance",
            ),
            models.Index(fields=["ip"], name="connection_by_ip"),
            models.Index(
                fields=["disconnected_at"],
                condition=Q(disconnect_announced=False, disconnected_at__isnull=False),
                name="unannounced_disconnects",
            ),
        ]
        constraints = [
            # Names are unique among connected clients only (LedFx 2.2 client info).
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(disconnected_at__isnull=True, name__isnull=False),
                name="unique_name_among_open_connections",
            ),
        ]

    def __str__(self):
        return f"{self.client_id} ({self.ip})"

    @property
    def is_open(self):
        return self.disconnected_at is None

    @property
    def duration(self):
        return (self.disconnected_at or timezone.now()) - self.connected_at

    def detail(self):
        return {
            "ip": self.ip,
            "name": self.name,
            "type": self.client_type,
            "device_id": self.device_id,
            "connected_at": self.connected_at.timestamp(),
        }
