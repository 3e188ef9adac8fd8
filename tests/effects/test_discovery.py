"""GET/POST /api/find_devices: WLEDs announced over mDNS are added as devices. A stand-in
responder announces `_wled._tcp` on the loopback, pointing at a stand-in WLED web API."""

import json
import socket
import time

import pytest
from zeroconf import ServiceInfo, Zeroconf

from effects.discovery import wled_finder
from effects.models import Device, HistoryEntry
from tests.effects.standins import WledWebApi, fixture

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def announced_wled(settings):
    """A WLED web API (0.15.3's /json/info) that a responder announces on 127.0.0.1."""
    settings.MDNS_INTERFACES = ["127.0.0.1"]
    settings.DEVICE_DISCOVERY_SECONDS = 1.5
    web_api = WledWebApi(fixture("0.15.3")).start()
    responder = Zeroconf(interfaces=["127.0.0.1"])
    responder.register_service(
        ServiceInfo("_wled._tcp.local.", "Porch._wled._tcp.local.", addresses=[socket.inet_aton("127.0.0.1")], port=web_api.port, server="porch.local.")
    )
    yield web_api
    responder.close()
    web_api.stop()
    scan_over()


def scan_over(timeout=15.0):
    deadline = time.monotonic() + timeout
    while wled_finder.scanning.locked():
        assert time.monotonic() < deadline, "the scan did not end"
        time.sleep(0.05)


def call(client, method, body=None):
    response = client.generic(method, "/api/find_devices", json.dumps(body) if body is not None else "", content_type="application/json")
    return response.status_code, response.json()


def test_an_announced_wled_is_added_once(client, announced_wled):
    assert call(client, "GET") == (200, {"status": "success", "payload": {"type": "info", "reason": "Looking for WLED devices for 1.5 s"}})
    assert call(client, "GET")[1]["payload"]["reason"] == "Already looking for WLED devices for 1.5 s"
    scan_over()
    device = Device.objects.get()
    assert (device.type, device.ip_address, device.name, device.pixel_count, device.online) == ("wled", announced_wled.address, "WLED", 30, True)
    assert HistoryEntry.objects.get(object_type="device", kind="created").source == "rest"
    call(client, "GET")
    scan_over()
    assert Device.objects.count() == 1


def test_post_names_the_icons_of_the_devices_found(client, announced_wled):
    assert call(client, "POST", {"name_to_icon": {"WLED": "mdi:lamp"}})[1]["status"] == "success"
    scan_over()
    assert Device.objects.get().config["icon_name"] == "mdi:lamp"


def test_post_needs_name_to_icon(client):
    assert call(client, "POST", {}) == (200, {"status": "failed", "payload": {"type": "error", "reason": 'Required attribute "name_to_icon" was not provided'}})
    assert not wled_finder.scanning.locked()
