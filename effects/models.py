"""Devices (LED hardware) and virtuals (what effects render onto).

A virtual maps its pixels onto ranges of devices ("span" mode: segments laid end to end).
Every device has its own full-length virtual with the same id, as in LedFx. The database
is the render state: the worker renders every active virtual with an effect.
"""

import math

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from effects.base import EFFECTS

DEVICE_TYPES = [
    ("dummy", "Dummy (keeps the last frame)"),
    ("wled", "WLED (DDP or UDP realtime)"),
    ("ddp", "DDP receiver"),
]
NETWORK_TYPES = {"wled", "ddp"}
DEFAULT_REFRESH_RATE = 62
MAX_PIXELS = 16384


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

    def clean(self):
        if not 1 <= self.pixel_count <= MAX_PIXELS:
            raise ValidationError({"pixel_count": f"must be between 1 and {MAX_PIXELS}"})
        if not 1 <= self.rows <= self.pixel_count:
            raise ValidationError({"rows": "must be between 1 and the pixel count"})
        if not 1 <= self.refresh_rate <= 240:
            raise ValidationError({"refresh_rate": "must be between 1 and 240"})

    def as_ledfx(self):
        """The device as LedFx's REST API shows it."""
        return {
            "id": self.id,
            "type": self.type,
            "online": self.online,
            "config": {
                "name": self.name,
                "pixel_count": self.pixel_count,
                "rows": self.rows,
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
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name

    @property
    def pixel_count(self):
        return sum(last - first + 1 for _, first, last, _ in self.segments)

    @property
    def columns(self):
        """Columns of the matrix effects render, as the render worker lays them out."""
        return math.ceil(self.pixel_count / max(1, self.rows))

    def clean_segments(self, devices):
        """Check segments against {device_id: Device}; a list of readable problems."""
        problems = []
        if not isinstance(self.segments, list):
            return ["segments must be a list of [device_id, first_pixel, last_pixel, invert]"]
        for number, segment in enumerate(self.segments):
            if not (isinstance(segment, list) and len(segment) == 4):
                problems.append(f"segment {number}: must be [device_id, first_pixel, last_pixel, invert]")
                continue
            device_id, first, last, invert = segment
            device = devices.get(device_id) if isinstance(device_id, str) else None
            if device is None:
                problems.append(f"segment {number}: no device {device_id!r}")
            elif not (isinstance(first, int) and isinstance(last, int) and 0 <= first <= last < device.pixel_count):
                problems.append(f"segment {number}: pixels must satisfy 0 <= first <= last < {device.pixel_count}")
            if not isinstance(invert, bool):
                problems.append(f"segment {number}: invert must be true or false")
        return problems

    def effect_as_ledfx(self):
        if not self.effect_type:
            return {}
        return {"config": self.effect_config, "name": EFFECTS[self.effect_type].name, "type": self.effect_type}

    def as_ledfx(self):
        """The virtual as LedFx's REST API shows it."""
        return {
            "config": {"name": self.name, "rows": self.rows},
            "id": self.id,
            "is_device": self.is_device or False,
            "auto_generated": False,
            "segments": self.segments,
            "pixel_count": self.pixel_count,
            "active": self.active,
            "streaming": False,
            "last_effect": self.effect_type or None,
            "effect": self.effect_as_ledfx(),
        }
