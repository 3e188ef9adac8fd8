"""Devices (LED hardware) and virtuals (what effects render onto).

A virtual maps its pixels onto ranges of devices ("span" mode: segments laid end to end).
Every device has its own full-length virtual with the same id, as in LedFx. The database
is the render state: the worker renders every active virtual with an effect.
"""

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

from effects.base import EFFECTS
from effects.artnet import ARTNET_PORT
from effects.ddp import DDP_PORT
from effects.e131 import E131_PORT
from effects.transitions import MODES as TRANSITION_MODES
from effects.wled_udp import WLED_UDP_PORT
from ledfxsite.constants import DEFAULT_REFRESH_RATE, MAX_PIXELS, MAX_REFRESH_RATE
from ledfxsite.schema import Field, Invalid, Schema

DEVICE_TYPES = [
    ("dummy", "Dummy (keeps the last frame)"),
    ("wled", "WLED (DDP or UDP realtime)"),
    ("ddp", "DDP receiver"),
    ("e131", "E1.31 / sACN receiver"),
    ("artnet", "Art-Net receiver"),
    ("udp", "UDP receiver (WLED's realtime packets)"),
]
NETWORK_TYPES = {"wled", "ddp", "e131", "artnet", "udp"}

# A device's config as LedFx's REST API and /api/schema show it: the fields every device
# has, then the options of its type. Keys that neither declares are kept, as LedFx does.
DEVICE_FIELDS = (
    Field("name", "string", description="Friendly name for the device", required=True, blank=False, max_length=200),
    Field("pixel_count", "int", 1, "Number of individual pixels", 1, MAX_PIXELS, required=True),
    Field("rows", "int", 1, "Rows of a matrix; 1 for a strip (at most the pixel count)", 1, MAX_PIXELS),
    Field("refresh_rate", "int", DEFAULT_REFRESH_RATE, "Target rate that pixels are sent to the device", 1, MAX_REFRESH_RATE),
    Field("icon_name", "string", "mdi:led-strip", "https://material-ui.com/components/material-icons/", max_length=100),
    Field("center_offset", "int", 0, "Number of pixels from the perceived center of the device", -MAX_PIXELS, MAX_PIXELS),
)
DEVICE_ADDRESS = Field("ip_address", "string", "", "Hostname or IP address of the device", max_length=255)
TYPE_OPTIONS = {
    "dummy": (),
    "ddp": (
        Field("port", "int", DDP_PORT, "UDP port of the DDP receiver", 1, 65535),
        Field("destination_id", "int", 1, "DDP destination id (1 = default output)", 1, 255),
    ),
    "e131": (
        Field("universe", "int", 1, "DMX universe for the device", 1, 63999),
        Field("universe_size", "int", 510, "Size of each DMX universe", 1, 512),
        Field("channel_offset", "int", 0, "Channel offset within the DMX universe", 0, 511),
        Field("packet_priority", "int", 100, "Priority given to the sACN packets for this device", 0, 200),
        Field("port", "int", E131_PORT, "UDP port (5568, the standard's)", 1, 65535),
    ),
    "artnet": (
        Field("universe", "int", 0, "DMX universe for the device (15-bit port-address)", 0, 32767),
        Field("packet_size", "int", 510, "Channels in each universe", 2, 512),
        Field("dmx_start_address", "int", 1, "First DMX address used in the first universe", 1, 512),
        Field("even_packet_size", "bool", True, "Whether to use even packet size"),
        Field("port", "int", ARTNET_PORT, "UDP port", 1, 65535),
    ),
    "udp": (
        Field("port", "int", WLED_UDP_PORT, "Port for the UDP device", 1, 65535),
        Field("udp_packet_type", "choice", "DRGB", "RGB packet encoding (DRGB becomes DNRGB past 490 pixels)", choices=("DRGB", "DNRGB")),
        Field("timeout", "int", 1, "Seconds to wait after the last received packet to yield device control", 0, 255),
    ),
    "wled": (
        Field("sync_mode", "choice", "DDP", "How frames are sent: DDP (port 4048) or WLED's UDP realtime (port 21324)", choices=("DDP", "UDP")),
        Field("port", "int", 0, "UDP port, when not the sync mode's usual one (0)", 0, 65535),
    ),
}
DEVICE_CONFIG = {
    device_type: Schema(
        *DEVICE_FIELDS,
        replace(DEVICE_ADDRESS, required=True, blank=False) if device_type in NETWORK_TYPES else DEVICE_ADDRESS,
        *TYPE_OPTIONS[device_type],
        extra="keep",
    )
    for device_type, _ in DEVICE_TYPES
}
MODEL_FIELDS = ("name", "pixel_count", "rows", "refresh_rate", "ip_address")

# A virtual's config, LedFx's 14 keys. All take effect here but icon_name and
# complex_segments, which are kept for LedFx's UI.
VIRTUAL_CONFIG = Schema(
    Field("name", "string", description="Friendly name for the virtual", required=True, blank=False, max_length=200),
    Field("rows", "int", 1, "Amount of rows. > 1 if this virtual is a matrix", 1, MAX_PIXELS),
    Field("max_brightness", "float", 1.0, "Max brightness for the virtual", 0, 1),
    Field("preview_only", "bool", False, "Render previews only: send nothing to the devices"),
    Field("mapping", "choice", "span", "span: the effect laid over the segments end to end; copy: each segment shows it whole", choices=("span", "copy")),
    Field("icon_name", "string", "mdi:led-strip-variant", "Icon for the virtual", max_length=100),
    Field("complex_segments", "bool", False, "Complex segments (kept for LedFx's UI)"),
    Field("grouping", "int", 1, "Group pixels: the effect renders one pixel per group of this many (0 and 1: none)", 0, MAX_PIXELS),
    Field("center_offset", "int", 0, "Number of pixels from the perceived center: the frame is shifted along by this many", -MAX_PIXELS, MAX_PIXELS),
    Field("transition_time", "float", 0.4, "Length of the transition from one effect to the next, in seconds", 0, 5),
    Field(
        "transition_mode",
        "choice",
        "Add",
        "Type of transition (effects.transitions)",
        choices=TRANSITION_MODES,
    ),
    Field("frequency_min", "int", 20, "Lowest frequency of the melbank that audio effects show, in Hz", 20, 15000),
    Field("frequency_max", "int", 15000, "Highest frequency of the melbank that audio effects show, in Hz", 20, 15000),
    Field("rotate", "int", 0, "Quarter turns of a matrix, added to those of its 2-D effects", 0, 3),
    extra="ignore",
)
# The keys kept in Virtual.options (name and rows are columns).
VIRTUAL_OPTIONS = tuple(name for name in VIRTUAL_CONFIG.fields if name not in ("name", "rows"))
SEGMENT = Field(
    "segment",
    "tuple",
    of=(
        Field("device_id", "string"),
        Field("first_pixel", "int", minimum=0),
        Field("last_pixel", "int", minimum=0),
        Field("invert", "bool"),
    ),
)
SEGMENTS = Field("segments", "list", [], "The devices' pixel ranges, laid end to end", of=SEGMENT)


# LedFx core config keys that take effect here; GET/PUT /api/config and the admin.
CORE_SETTINGS = Schema(
    Field("global_brightness", "float", 1.0, "Brightness of every device, from 0 to 1", 0, 1),
    Field("visualisation_fps", "int", 30, "LED previews per second, per virtual or device", 1, 60),
    Field(
        "visualisation_maxlen",
        "int",
        81,
        "Most pixels in an LED preview; matrices keep their aspect ratio and sides of at most 64",
        5,
        MAX_PIXELS,
    ),
    Field(
        "transmission_mode",
        "choice",
        "compressed",
        "Preview pixels as base64 RGB bytes (compressed) or as [[r, ...], [g, ...], [b, ...]] (uncompressed)",
        choices=("compressed", "uncompressed"),
    ),
)
# Keys LedFx's UI stores and reads back that change nothing here (this server does no
# device discovery, no transitions and no preview brightness boost): kept, and shown.
UI_PREFERENCES = Schema(
    Field("global_transitions", "bool", True, "Transition settings apply to every virtual"),
    Field("scan_on_startup", "bool", False, "Look for WLED devices at start-up"),
    Field("create_segments", "bool", False, "Create segments for discovered WLED devices"),
    Field("flush_on_deactivate", "bool", False, "Blank a virtual's devices when it is deactivated"),
    Field("ui_brightness_boost", "float", 0.0, "Brighten the LED previews", 0, 1),
    Field("startup_scene_id", "string", "", "Scene to activate at start-up", max_length=100),
    Field("startup_playlist_id", "string", "", "Playlist to start at start-up", max_length=100),
)


def pixel_count_of(segments, mapping="span"):
    """The pixels a virtual's effect renders: its segments end to end ("span"), or the
    longest of them ("copy": every segment shows the whole effect, scaled to it)."""
    lengths = [last - first + 1 for _, first, last, _ in segments]
    return max(lengths, default=0) if mapping == "copy" else sum(lengths)


def columns_of(pixel_count, rows):
    """Columns of the matrix 2-D effects render: the pixels laid out in `rows` rows."""
    return math.ceil(pixel_count / max(1, rows))


class Device(models.Model):
    id = models.SlugField(primary_key=True, max_length=100)
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=DEVICE_TYPES, default="dummy")
    pixel_count = models.PositiveIntegerField()
    rows = models.PositiveIntegerField(default=1, help_text="Rows of a matrix; 1 for a strip")
    refresh_rate = models.PositiveIntegerField(default=DEFAULT_REFRESH_RATE, help_text="Frames per second")
    ip_address = models.CharField("IP address or host name", max_length=255, blank=True)
    config = models.JSONField(default=dict, blank=True, help_text="Settings specific to the device type")
    online = models.BooleanField(default=True)
    info = models.JSONField(default=dict, blank=True, help_text="What the device last said about itself (WLED /json/info)")
    info_read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name

    def as_ledfx(self):
        """The device as LedFx's REST API shows it."""
        return {
            "id": self.id,
            "type": self.type,
            "online": self.online,
            "config": {
                "name": self.name,
                "pixel_count": self.pixel_count,
                **({"rows": self.rows} if self.rows > 1 else {}),  # LedFx's strips have no rows
                "refresh_rate": self.refresh_rate,
                **({"ip_address": self.ip_address} if self.ip_address else {}),
                **self.config,
            },
        }


class Virtual(models.Model):
    id = models.SlugField(primary_key=True, max_length=100)
    name = models.CharField(max_length=200)
    rows = models.PositiveIntegerField(default=1, help_text="Rows when 2-D effects lay it out as a matrix")
    segments = models.JSONField(
        default=list, blank=True, help_text='[[device_id, first_pixel, last_pixel, invert], ...], laid end to end'
    )
    is_device = models.CharField(max_length=100, blank=True, help_text="The device whose own virtual this is")
    effect_type = models.CharField(max_length=50, blank=True)
    effect_config = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True, help_text="The rest of LedFx's virtual config (max_brightness, ...)")
    active = models.BooleanField(default=False)
    last_effect = models.CharField(max_length=50, blank=True, help_text="The effect set last; kept when it is cleared")
    effect_configs = models.JSONField(
        default=dict, blank=True, help_text="{effect type: its last config}, to bring an effect back as it was"
    )
    # An effect set with a fallback (LedFx's): at fallback_until, fallback_effect ({"type",
    # "config"}, or {} for none) comes back.
    fallback_until = models.DateTimeField(null=True, blank=True)
    fallback_effect = models.JSONField(default=dict, blank=True)
    # LedFx's calibration mode: the devices show the segments instead of the effect, and
    # one range of a device may be highlighted ([device_id, start, stop, flip], or []).
    calibrating = models.BooleanField(default=False)
    highlight = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name

    @property
    def pixel_count(self):
        return pixel_count_of(self.segments, self.options.get("mapping", "span"))

    @property
    def columns(self):
        return columns_of(self.pixel_count, self.rows)

    def segment_problems(self, devices):
        """Segments (already shaped by SEGMENTS) checked against {device_id: Device}."""
        problems = []
        for number, (device_id, first, last, _) in enumerate(self.segments):
            device = devices.get(device_id)
            if device is None:
                problems.append(f"segments[{number}]: no device {device_id!r}")
            elif not first <= last < device.pixel_count:
                problems.append(f"segments[{number}]: pixels must satisfy 0 <= first <= last < {device.pixel_count}")
        return problems

    def effect_as_ledfx(self):
        if not self.effect_type:
            return {}
        return {"config": self.effect_config, "name": EFFECTS[self.effect_type].name, "type": self.effect_type}

    @property
    def config(self):
        """LedFx's virtual config, every key with its value or default."""
        return VIRTUAL_CONFIG.clean({**self.options, "name": self.name, "rows": self.rows})

    def config_as_ledfx(self):
        """The virtual as LedFx keeps it in its configuration (GET /api/config's virtuals)."""
        shown = {
            "id": self.id,
            "config": self.config,
            "is_device": self.is_device or False,
            "auto_generated": False,
            "segments": self.segments,
            "active": self.active,
            "effects": {effect_type: {"type": effect_type, "config": config} for effect_type, config in self.effect_configs.items()},
        }
        if self.effect_type:
            shown["effect"] = {"type": self.effect_type, "config": self.effect_config}
        if self.last_effect:
            shown["last_effect"] = self.last_effect
        return shown

    def as_ledfx(self):
        """The virtual as LedFx's REST API shows it."""
        return {
            "config": self.config,
            "id": self.id,
            "is_device": self.is_device or False,
            "auto_generated": False,
            "segments": self.segments,
            "pixel_count": self.pixel_count,
            "active": self.active,
            "streaming": False,
            "last_effect": self.last_effect or None,
            "effect": self.effect_as_ledfx(),
        }


class CoreConfig(models.Model):
    """The server-wide settings: one row, made with the defaults when first read."""

    global_brightness = models.FloatField(default=1.0, help_text=CORE_SETTINGS.fields["global_brightness"].description)
    visualisation_fps = models.PositiveIntegerField(default=30, help_text=CORE_SETTINGS.fields["visualisation_fps"].description)
    visualisation_maxlen = models.PositiveIntegerField(
        default=81, help_text=CORE_SETTINGS.fields["visualisation_maxlen"].description
    )
    transmission_mode = models.CharField(
        max_length=20,
        default="compressed",
        choices=[(mode, mode) for mode in CORE_SETTINGS.fields["transmission_mode"].choices],
        help_text=CORE_SETTINGS.fields["transmission_mode"].description,
    )
    paused = models.BooleanField(default=False, help_text="Global pause: no virtual renders while it is set")
    ui_preferences = models.JSONField(default=dict, blank=True, help_text="What LedFx's UI stores here; no effect on rendering")
    audio_device_name = models.CharField(
        max_length=220, blank=True, help_text='The audio input effects follow, e.g. "WEB AUDIO: phone"; blank: effects run from time'
    )

    class Meta:
        verbose_name = "core configuration"
        verbose_name_plural = "core configuration"

    def __str__(self):
        return "Core configuration"

    @classmethod
    def current(cls):
        config, _ = cls.objects.get_or_create(pk=1)
        return config

    def settings(self):
        return {name: getattr(self, name) for name in CORE_SETTINGS.fields}

    def preferences(self):
        return UI_PREFERENCES.clean(self.ui_preferences)

    def clean(self):
        try:
            CORE_SETTINGS.clean(self.settings())
            UI_PREFERENCES.clean(self.ui_preferences)
        except Invalid as error:
            raise ValidationError(str(error)) from None


class UserPreset(models.Model):
    """An effect config a user saved under a name (LedFx's user_presets)."""

    effect_type = models.CharField(max_length=50)
    preset_id = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    config = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["effect_type", "preset_id"]
        constraints = [models.UniqueConstraint(fields=["effect_type", "preset_id"], name="one_preset_id_per_effect")]

    def __str__(self):
        return f"{self.name} ({self.effect_type})"


class UserColor(models.Model):
    """A colour or gradient a user named (LedFx's user_colors and user_gradients)."""

    name = models.CharField(max_length=100, primary_key=True)
    value = models.CharField(max_length=1000, help_text="#rrggbb, or a CSS linear-gradient for a gradient")
    is_gradient = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Scene(models.Model):
    """Effects of several virtuals saved together, to be brought back at once (LedFx scenes).

    `virtuals` is {virtual id: entry}: {"type", "config"} sets that effect, {"action":
    "stop"} clears the virtual's effect, {} or {"action": "ignore"} leaves it alone."""

    id = models.SlugField(primary_key=True, max_length=100)
    name = models.CharField(max_length=200)
    virtuals = models.JSONField(default=dict, blank=True)
    scene_image = models.CharField(max_length=1000, default="Wallpaper", blank=True)
    scene_tags = models.CharField(max_length=1000, null=True, blank=True)
    scene_puturl = models.CharField(max_length=1000, null=True, blank=True)
    scene_payload = models.TextField(null=True, blank=True)
    scene_midiactivate = models.CharField(max_length=200, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def as_ledfx(self):
        return {
            "name": self.name,
            "virtuals": self.virtuals,
            "scene_image": self.scene_image,
            "scene_puturl": self.scene_puturl,
            "scene_tags": self.scene_tags,
            "scene_payload": self.scene_payload,
            "scene_midiactivate": self.scene_midiactivate,
        }

    def is_active(self, virtuals):
        """True when every virtual it names shows what it would set ({id: Virtual})."""
        for virtual_id, entry in self.virtuals.items():
            virtual = virtuals.get(virtual_id)
            action = scene_action(entry)
            if virtual is None:
                return False
            if action == "stop" and virtual.effect_type:
                return False
            if action == "activate" and (
                virtual.effect_type != entry["type"]
                or virtual.effect_config != EFFECTS[entry["type"]].validate(entry.get("config") or {})
            ):
                return False
        return True


def scene_action(entry):
    """What a scene does to one virtual: "activate" (an effect), "stop" or "ignore"."""
    action = entry.get("action")
    if action in ("stop", "ignore"):
        return action
    return "activate" if entry.get("type") in EFFECTS else "ignore"


class WorkerQuerySet(models.QuerySet):
    def live(self, *, lease_seconds):
        """Workers that beat within a lease's length (by the database's clock)."""
        return self.filter(beat_at__gt=Now() - timedelta(seconds=lease_seconds))

    def beat(self, *, worker_id, hostname, pid):
        """Record that the worker is alive, now by the database's clock."""
        if not self.filter(worker_id=worker_id).update(beat_at=Now()):
            self.create(worker_id=worker_id, hostname=hostname, pid=pid)


class Worker(models.Model):
    """A render worker (`runworker effects`, or the one inside a server process in the
    embedded mode): it beats while it runs; the live ones share the active virtuals."""

    worker_id = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(db_default=Now())
    beat_at = models.DateTimeField(db_default=Now(), db_index=True)

    objects = WorkerQuerySet.as_manager()

    class Meta:
        ordering = ["started_at"]

    def __str__(self):
        return self.worker_id


# A lease that nobody holds (new, or released) expired at this time.
RELEASED = datetime(2000, 1, 1, tzinfo=UTC)


class LeaseQuerySet(models.QuerySet):
    def claim(self, *, worker_id, virtual_ids, lease_seconds):
        """Renew the worker's leases on these virtuals and take those that are free or have
        expired (by the database's clock); returns the ids it now holds. One worker at a
        time can hold a virtual: taking is a conditional update of its row."""
        expires_at = Now() + timedelta(seconds=lease_seconds)
        self.bulk_create([Lease(virtual_id=virtual_id) for virtual_id in virtual_ids], ignore_conflicts=True)
        wanted = self.filter(virtual_id__in=virtual_ids)
        wanted.filter(worker_id=worker_id).update(expires_at=expires_at)
        wanted.filter(expires_at__lt=Now()).update(worker_id=worker_id, expires_at=expires_at, taken_at=Now())
        return set(wanted.filter(worker_id=worker_id).values_list("virtual_id", flat=True))

    def held(self):
        """The leases that have not expired (nor been released)."""
        return self.filter(expires_at__gt=Now())

    def release(self, *, worker_id, virtual_ids=None):
        """Give up the worker's leases (all of them by default): others may take them at
        once. The row keeps its last holder, for the next one's history entry."""
        held = self.filter(worker_id=worker_id)
        if virtual_ids is not None:
            held = held.filter(virtual_id__in=virtual_ids)
        held.update(expires_at=RELEASED)

    def left_by_others(self, *, worker_id, virtual_ids):
        """{virtual id: (worker id, whether released)} of these virtuals' leases that another
        worker held and released or let expire."""
        left = self.filter(virtual_id__in=virtual_ids, expires_at__lt=Now()).exclude(worker_id__in=("", worker_id))
        return {virtual_id: (holder, expires_at == RELEASED) for virtual_id, holder, expires_at in left.values_list("virtual_id", "worker_id", "expires_at")}

    def delete_unwanted(self, *, active_ids):
        """Expired leases of virtuals that no longer render."""
        self.filter(expires_at__lt=Now()).exclude(virtual_id__in=active_ids).delete()


class Lease(models.Model):
    """Which worker renders a virtual, until when. Its holder renews it on every tick and
    stops sending frames before it expires (effects.leases), so it expires only after its
    holder has gone quiet, and only then can another worker take it."""

    virtual_id = models.CharField(max_length=100, unique=True)
    worker_id = models.CharField(max_length=100, blank=True, db_index=True)
    expires_at = models.DateTimeField(default=RELEASED)
    taken_at = models.DateTimeField(null=True, blank=True)

    objects = LeaseQuerySet.as_manager()

    class Meta:
        ordering = ["virtual_id"]

    def __str__(self):
        return f"{self.virtual_id} -> {self.worker_id or 'nobody'}"


class HistoryQuerySet(models.QuerySet):
    def delete_before(self, cutoff, *, batch_size):
        """Delete the entries older than `cutoff`, `batch_size` at a time, each batch its own
        short statement, so that writers never wait long behind the pruning; returns (how
        many were deleted, in how many batches)."""
        deleted = batches = 0
        while True:
            ids = list(self.filter(at__lt=cutoff).order_by("id").values_list("id", flat=True)[:batch_size])
            if not ids:
                return deleted, batches
            deleted += self.filter(id__in=ids).delete()[0]
            batches += 1

    def uptime(self, *, device_id, online_now, existing_since, hours=24):
        """The share of the last `hours` (or of the device's life, if shorter) that it was
        online, from its online and offline entries."""
        now = timezone.now()
        start = max(now - timedelta(hours=hours), existing_since)
        transitions = self.filter(object_type="device", object_id=device_id, kind__in=("online", "offline"))
        before = transitions.filter(at__lt=start).order_by("-at", "-id").first()
        during = list(transitions.filter(at__gte=start).order_by("at", "id").values_list("at", "kind"))
        if before is not None:
            online = before.kind == "online"
        elif during:
            online = during[0][1] == "offline"  # the first change in the window left the other state
        else:
            online = online_now
        up, since = 0.0, start
        for at, kind in during:
            if online:
                up += (at - since).total_seconds()
            online, since = kind == "online", at
        if online:
            up += (now - since).total_seconds()
        length = (now - start).total_seconds()
        return up / length if length > 0 else float(online_now)


class HistoryEntry(models.Model):
    """One thing a device or a virtual did or had done to it: append-only, written by the
    service that made the change, in its transaction (effects.history)."""

    OBJECT_TYPES = [("device", "device"), ("virtual", "virtual")]
    KINDS = [
        (kind, kind.replace("_", " "))
        for kind in (
            "created",
            "edited",
            "deleted",
            "online",
            "offline",
            "effect_set",
            "effect_changed",
            "effect_cleared",
            "paused",
            "resumed",
            "scene_activated",
            "preset_applied",
            "worker_took_over",
        )
    ]
    SOURCES = [(source, source) for source in ("rest", "admin", "websocket", "worker", "command")]

    at = models.DateTimeField(default=timezone.now, db_index=True)
    object_type = models.CharField(max_length=10, choices=OBJECT_TYPES)
    object_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=KINDS)
    source = models.CharField(max_length=10, choices=SOURCES)
    user = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    client_ip = models.CharField("client IP", max_length=45, blank=True)
    client_id = models.CharField(max_length=36, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = HistoryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]
        verbose_name_plural = "history"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.object_type} {self.object_id}: {self.get_kind_display()}"

    def as_json(self):
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "source": self.source,
            "user": self.user.get_username() if self.user else None,
            "client_ip": self.client_ip or None,
            "client_id": self.client_id or None,
            "details": self.details,
        }
