"""Devices sharing an address, as LedFx allows them: sACN and Art-Net apart by their first
universe, DDP by port or destination id, the others by port; anything else is refused,
with the reason, and nothing is created."""

import pytest

from effects.models import Device
from tests.effects.test_api import call

pytestmark = pytest.mark.django_db

# LedFx's own coexistence sequence (its tests/test_definitions/coexistance.py), in order:
# (type, config, created?)
SEQUENCE = [
    ("e131", {"universe": 50}, True),
    ("artnet", {"universe": 10, "port": 6454}, True),
    ("artnet", {"universe": 50, "port": 6454}, False),  # e131's first universe
    ("ddp", {"port": 4048}, True),
    ("ddp", {"port": 5568}, False),  # e131's port
    ("ddp", {"port": 4048}, False),  # same port and destination id
    ("ddp", {"port": 4048, "ip_address": "1.2.3.5"}, True),  # another address
    ("ddp", {"port": 4049}, True),
    ("ddp", {"port": 4048, "destination_id": 2}, True),
    ("ddp", {"port": 4048, "destination_id": 2}, False),
    ("udp", {"port": 21324}, True),
    ("udp", {"port": 4048}, False),  # the DDP devices' port
]


def test_ledfxs_coexistence_sequence(client):
    for number, (device_type, config, created) in enumerate(SEQUENCE):
        body = {"type": device_type, "config": {"name": f"device {number}", "pixel_count": 10, "ip_address": "1.2.3.4", **config}}
        status, answer = call(client, "POST", "/api/devices", body)
        assert (answer["status"] == "success") == created, (number, answer)
        assert Device.objects.filter(name=f"device {number}").exists() == created
    assert Device.objects.count() == 7


@pytest.mark.parametrize(
    "first, second, reason",
    [
        (("e131", {"universe": 3}), ("artnet", {"universe": 3}), "ip_address: 1.2.3.4 is already device 0's, with the same first universe 3"),
        (("ddp", {}), ("ddp", {}), "ip_address: 1.2.3.4 is already device 0's, with the same port 4048 and destination_id"),
        (("udp", {"port": 9000}), ("artnet", {"port": 9000}), "ip_address: 1.2.3.4 is already device 0's, with the same port 9000"),
    ],
)
def test_a_refusal_names_the_device_and_what_they_share(client, first, second, reason):
    for number, (device_type, config) in enumerate((first, second)):
        answer = call(client, "POST", "/api/devices", {"type": device_type, "config": {"name": f"device {number}", "pixel_count": 10, "ip_address": "1.2.3.4", **config}})[1]
    assert answer == {"status": "failed", "payload": {"type": "error", "reason": reason}}


def test_moving_a_device_onto_anothers_port_is_refused_and_changes_nothing(client):
    for name, port in (("one", 4048), ("two", 4049)):
        call(client, "POST", "/api/devices", {"type": "ddp", "config": {"name": name, "pixel_count": 10, "ip_address": "1.2.3.4", "port": port}})
    answer = call(client, "PUT", "/api/devices/two", {"config": {"port": 4048}})[1]
    assert answer["payload"]["reason"] == "ip_address: 1.2.3.4 is already one's, with the same port 4048 and destination_id"
    assert Device.objects.get(id="two").config["port"] == 4049
    assert call(client, "PUT", "/api/devices/two", {"config": {"pixel_count": 20}})[1]["status"] == "success"  # its own port is no clash


@pytest.mark.parametrize(
    "device_type, config, accepted",
    [
        ("e131", {"universe": 63999, "pixel_count": 170}, True),  # 510 channels: one universe, the last
        ("e131", {"universe": 63999, "pixel_count": 171}, False),
        ("artnet", {"universe": 32766, "pixel_count": 340}, True),  # two universes of 510
        ("artnet", {"universe": 32766, "pixel_count": 341}, False),
    ],
)
def test_a_strip_must_end_by_the_last_universe(client, device_type, config, accepted):
    body = {"type": device_type, "config": {"name": "Wall", "ip_address": "1.2.3.4", **config}}
    answer = call(client, "POST", "/api/devices", body)[1]
    assert (answer["status"] == "success") == accepted, answer
    if not accepted:
        assert answer["payload"]["reason"].startswith(f"universe: {config['pixel_count']} pixels from universe {config['universe']} need universes up to ")
