"""The operator's page and the state it polls, through Django's test client."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clients.models import ClientConnection, ServerInstance
from effects import services
from effects.models import Lease, Virtual, Worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def deployment():
    now = timezone.now()
    live = ServerInstance.objects.create(id="web-1:10:aa", hostname="web-1", pid=10, last_seen=now)
    ServerInstance.objects.create(id="web-2:11:bb", hostname="web-2", pid=11, last_seen=now - timedelta(minutes=5))
    ClientConnection.objects.create(client_id="c-1", ip="10.0.0.7", server_instance=live, name="Phone")
    ClientConnection.objects.create(client_id="c-2", ip="10.0.0.8", server_instance=live, disconnected_at=now)
    Worker.objects.beat(worker_id="w-1:20:cc", hostname="w-1", pid=20)
    Worker.objects.create(worker_id="w-2:21:dd", hostname="w-2", pid=21, beat_at=now - timedelta(seconds=30))
    for name in ("Porch", "Stage"):
        device = services.device_create(device_type="dummy", config={"name": name, "pixel_count": 10})
        services.virtual_effect_set(virtual=Virtual.objects.get(is_device=device.id), effect_type="rainbow", config={})
    Lease.objects.claim(worker_id="w-1:20:cc", virtual_ids=["porch"], lease_seconds=30)
    Lease.objects.create(virtual_id="stage", worker_id="w-2:21:dd", expires_at=now - timedelta(seconds=20))


def test_the_page_is_for_staff_only(client, admin_client):
    assert client.get("/admin/operator/").status_code == 302
    assert client.get("/admin/operator/state").status_code == 302
    page = admin_client.get("/admin/operator/")
    assert page.status_code == 200 and b"Operator&#x27;s view" in page.content


def test_the_admin_index_links_to_it(admin_client):
    assert b'href="/admin/operator/"' in admin_client.get("/admin/").content


def test_the_state_tells_live_processes_and_workers_from_dead_ones(admin_client, deployment):
    state = admin_client.get("/admin/operator/state").json()
    assert [(server["id"], server["alive"], server["connections"]) for server in state["servers"]] == [("web-1:10:aa", True, 1), ("web-2:11:bb", False, 0)]
    assert [(worker["id"], worker["alive"], worker["leases"]) for worker in state["workers"]] == [("w-1:20:cc", True, 1), ("w-2:21:dd", False, 0)]


def test_the_state_lists_open_connections_and_who_renders_each_virtual(admin_client, deployment):
    state = admin_client.get("/admin/operator/state").json()
    assert [(row["client_id"], row["name"], row["ip"], row["server"]) for row in state["connections"]] == [("c-1", "Phone", "10.0.0.7", "web-1:10:aa")]
    assert state["open_connections"] == 1
    assert {virtual["id"]: (virtual["rendering"], virtual["worker"]) for virtual in state["virtuals"]} == {
        "porch": (True, "w-1:20:cc"),
        "stage": (True, None),  # its worker's lease expired
    }
