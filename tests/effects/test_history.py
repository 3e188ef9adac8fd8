"""The device and virtual history: one entry per change, written with the change, with who
asked; read through the admin and GET /api/.../history."""

import asyncio
import json
import re
import time
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from effects import services
from effects.history import WORKER, acting
from effects.models import Device, HistoryEntry, Lease, Virtual
from effects.worker import RenderWorker
from tests.conftest import SINGLE_COLOR_DEFAULTS, open_socket, rest, subscribe, wait_until

pytestmark = pytest.mark.django_db


def call(client, method, path, body=None):
    response = client.generic(method, path, json.dumps(body) if body is not None else "", content_type="application/json")
    return response.status_code, response.json()


def entries(**filters):
    return list(HistoryEntry.objects.filter(**filters).order_by("id").values("object_type", "object_id", "kind", "source", "client_ip", "details"))


@pytest.fixture
def strip(client):
    call(client, "POST", "/api/devices", {"type": "dummy", "config": {"name": "Strip", "pixel_count": 10}})
    HistoryEntry.objects.all().delete()
    return Virtual.objects.get(id="strip")


def test_a_rest_effect_change_makes_one_entry_with_its_source_and_address(client, strip):
    call(client, "POST", "/api/virtuals/strip/effects", {"type": "singleColor", "config": {"color": "#00ff00"}})
    assert entries() == [
        {
            "object_type": "virtual",
            "object_id": "strip",
            "kind": "effect_set",
            "source": "rest",
            "client_ip": "127.0.0.1",
            "details": {"effect_type": "singleColor", "config": {**SINGLE_COLOR_DEFAULTS, "color": "#00ff00"}},
        }
    ]


def test_changing_the_running_effects_config_records_only_what_changed(client, strip):
    call(client, "POST", "/api/virtuals/strip/effects", {"type": "singleColor", "config": {"color": "#00ff00"}})
    call(client, "PUT", "/api/virtuals/strip/effects", {"type": "singleColor", "config": {"color": "#ff0000"}})
    assert [(entry["kind"], entry["details"]) for entry in entries()][1:] == [("effect_changed", {"effect_type": "singleColor", "changed": {"color": "#ff0000"}})]


def test_a_refused_request_records_nothing(client, strip):
    status, answer = call(client, "POST", "/api/virtuals/strip/effects", {"type": "singleColor", "config": {"color": "no colour"}})
    assert answer["status"] == "failed"
    assert entries() == []


def test_a_rolled_back_change_leaves_neither_the_change_nor_its_entry(strip):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.virtual_effect_set(virtual=strip, effect_type="rainbow", config={})
        raise RuntimeError("something after it failed")
    assert Virtual.objects.get(id="strip").effect_type == ""
    assert entries() == []


def test_an_admin_edit_is_recorded_with_the_admin_user(admin_client, admin_user, strip):
    device = Device.objects.get(id="strip")
    form = {"name": "Porch", "type": "dummy", "pixel_count": 10, "rows": 1, "refresh_rate": device.refresh_rate, "ip_address": "", "config": "{}"}
    assert admin_client.post(f"/admin/effects/device/{device.id}/change/", form).status_code == 302
    [entry] = HistoryEntry.objects.all()
    assert (entry.object_id, entry.kind, entry.source, entry.user, entry.details["changed"]) == ("strip", "edited", "admin", admin_user, {"name": "Porch"})


def test_a_management_command_is_the_source_when_nobody_asked(strip):
    services.virtual_effect_clear(virtual=strip)  # no effect: nothing happened, nothing recorded
    services.virtual_effect_set(virtual=strip, effect_type="rainbow", config={})
    assert [(entry["kind"], entry["source"]) for entry in entries()] == [("effect_set", "command")]


def test_applying_a_preset_is_one_entry_naming_it(client, strip):
    status, _ = call(client, "PUT", "/api/virtuals/strip/presets", {"category": "ledfx_presets", "effect_id": "rainbow", "preset_id": "reset"})
    assert status == 200
    [entry] = entries()
    assert (entry["kind"], entry["source"]) == ("preset_applied", "rest")
    assert entry["details"]["category"] == "ledfx_presets" and entry["details"]["preset_id"] == "reset" and entry["details"]["effect_type"] == "rainbow"


def test_activating_a_scene_is_one_entry_per_virtual_it_changes(client, strip):
    call(client, "POST", "/api/devices", {"type": "dummy", "config": {"name": "Porch", "pixel_count": 5}})
    call(client, "POST", "/api/virtuals/porch/effects", {"type": "rainbow", "config": {}})
    call(client, "POST", "/api/scenes", {"name": "Night", "virtuals": {"strip": {"type": "fire", "config": {}}, "porch": {"action": "stop"}}})
    HistoryEntry.objects.all().delete()
    status, _ = call(client, "PUT", "/api/scenes", {"id": "night", "action": "activate"})
    assert status == 200
    assert [(entry["object_id"], entry["kind"], entry["source"], entry["details"]["action"], entry["details"]["effect_type"]) for entry in entries()] == [
        ("porch", "scene_activated", "rest", "stop", "rainbow"),
        ("strip", "scene_activated", "rest", "activate", "fire"),
    ]
    assert {entry["details"]["scene_id"] for entry in entries()} == {"night"}


def test_a_worker_taking_over_a_virtual_records_whom_from_and_why():
    services.leases_claim(worker_id="a", virtual_ids=["v1", "v2"], lease_seconds=0.05)
    assert not HistoryEntry.objects.exists()  # new leases: nobody to take over from
    Lease.objects.release(worker_id="a", virtual_ids=["v1"])
    time.sleep(0.1)  # v2's lease expires
    with acting(WORKER):
        assert services.leases_claim(worker_id="b", virtual_ids=["v1", "v2"], lease_seconds=3) == {"v1", "v2"}
    assert entries() == [
        {"object_type": "virtual", "object_id": "v1", "kind": "worker_took_over", "source": "worker", "client_ip": "", "details": {"worker": "b", "previous": "a", "why": "released"}},
        {"object_type": "virtual", "object_id": "v2", "kind": "worker_took_over", "source": "worker", "client_ip": "", "details": {"worker": "b", "previous": "a", "why": "its lease expired"}},
    ]
    services.leases_claim(worker_id="b", virtual_ids=["v1", "v2"], lease_seconds=3)  # renewing takes nothing over
    assert services.leases_claim(worker_id="a", virtual_ids=["v1"], lease_seconds=3) == set()  # nor does being refused
    assert HistoryEntry.objects.count() == 2


def test_the_history_api_pages_newest_first(client, strip):
    for color in ("#000001", "#000002", "#000003"):
        call(client, "POST", "/api/virtuals/strip/effects", {"type": "singleColor", "config": {"color": color}})
    status, page = call(client, "GET", "/api/virtuals/strip/history?per_page=2")
    assert (status, page["total"], page["page"]) == (200, 3, 1)
    assert [entry["details"]["changed"]["color"] for entry in page["history"]] == ["#000003", "#000002"]
    status, second = call(client, "GET", "/api/virtuals/strip/history?per_page=2&page=2")
    assert [entry["kind"] for entry in second["history"]] == ["effect_set"]


@pytest.mark.parametrize("query", ["page=0", "per_page=501", "page=x"])
def test_the_history_api_refuses_a_bad_page(client, strip, query):
    status, answer = call(client, "GET", f"/api/virtuals/strip/history?{query}")
    assert answer["status"] == "failed"


def test_the_history_of_an_unknown_device_is_refused(client):
    status, answer = call(client, "GET", "/api/devices/nope/history")
    assert answer == {"status": "failed", "payload": {"type": "error", "reason": "Device with ID nope not found"}}


def test_uptime_counts_the_online_time_of_the_last_day():
    now = timezone.now()
    for hours_ago, kind in ((30, "online"), (12, "offline"), (6, "online")):
        HistoryEntry.objects.create(object_type="device", object_id="porch", kind=kind, source="worker", at=now - timedelta(hours=hours_ago))
    share = HistoryEntry.objects.uptime(device_id="porch", online_now=True, existing_since=now - timedelta(days=3))
    assert share == pytest.approx(18 / 24, abs=0.001)  # online from 24 h ago to 12 h ago, and for the last 6 h


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_device_the_worker_finds_offline_then_back_makes_one_entry_each(server):
    await rest(server, "POST", "/api/devices", {"type": "dummy", "config": {"name": "Strip", "pixel_count": 10}})
    communicator, _ = await open_socket(server)  # the server process runs, and its worker
    renderer = server.process.part(RenderWorker).renderer
    renderer.device_online("strip", False, "ConnectionRefusedError: [Errno 111] Connection refused")
    renderer.device_online("strip", False, "ConnectionRefusedError: again")  # no change: nothing to record
    renderer.device_online("strip", True, "sends succeed again")

    async def recorded():
        return await HistoryEntry.objects.filter(kind__in=("online", "offline")).acount() == 2

    await wait_until(recorded, what="two entries")
    await asyncio.sleep(0.2)
    found = [entry async for entry in HistoryEntry.objects.filter(kind__in=("online", "offline")).order_by("id")]
    assert [(entry.kind, entry.source, entry.details) for entry in found] == [
        ("offline", "worker", {"reason": "ConnectionRefusedError: [Errno 111] Connection refused"}),
        ("online", "worker", {"reason": "sends succeed again"}),
    ]
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_flapping_device_is_recorded_in_one_batch_with_the_times_it_was_seen(server):
    await rest(server, "POST", "/api/devices", {"type": "dummy", "config": {"name": "Strip", "pixel_count": 10}})
    communicator, _ = await open_socket(server)
    await subscribe(communicator, 1, "devices_updated")
    renderer = server.process.part(RenderWorker).renderer
    started = timezone.now()
    for flap in range(100):  # all seen before the recorder runs: they make one batch
        renderer.device_online("strip", False, f"flap {flap}")
        renderer.device_online("strip", True, "")

    async def recorded():
        return await HistoryEntry.objects.filter(kind__in=("online", "offline")).acount() == 200

    await wait_until(recorded, what="200 entries")
    found = [entry async for entry in HistoryEntry.objects.filter(kind__in=("online", "offline")).order_by("id")]
    assert [(entry.kind, entry.details) for entry in found[:3]] == [("offline", {"reason": "flap 0"}), ("online", {}), ("offline", {"reason": "flap 1"})]
    assert all(started <= found[0].at <= entry.at <= later.at for entry, later in zip(found, found[1:]))
    assert json.loads(await communicator.receive_from(timeout=5))["device_id"] == "strip"
    assert await communicator.receive_nothing(timeout=0.5)  # one devices_updated for the batch
    assert (await Device.objects.aget(id="strip")).online
    await communicator.disconnect()


def test_the_admin_lists_a_devices_history_read_only_and_its_page_shows_uptime(admin_client, client, strip):
    call(client, "POST", "/api/virtuals/strip/effects", {"type": "rainbow", "config": {}})
    HistoryEntry.objects.create(object_type="device", object_id="strip", kind="offline", source="worker", details={"reason": "no answer"})
    page = admin_client.get("/admin/effects/device/strip/change/").content.decode()
    assert "Uptime, last 24 hours" in page and "no answer" in page and "1 entry</a>" in page
    listed = admin_client.get("/admin/effects/historyentry/?object_type__exact=virtual&object_id=strip").context["cl"].result_list
    assert [(entry.object_id, entry.kind) for entry in listed] == [("strip", "effect_set")]
    assert admin_client.get("/admin/effects/historyentry/add/").status_code == 403


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_change_through_the_asgi_application_is_recorded_with_its_actor(server):
    await rest(server, "POST", "/api/devices", {"type": "dummy", "config": {"name": "Strip", "pixel_count": 10}})
    assert (await rest(server, "POST", "/api/virtuals/strip/effects", {"type": "rainbow", "config": {}}))["status"] == "success"
    entry = await HistoryEntry.objects.filter(kind="effect_set").aget()
    assert (entry.source, entry.client_ip, entry.user_id) == ("rest", "127.0.0.1", None)


def old_and_recent_entries(days):
    """Entries on both sides of `days` ago, a minute apart from it; returns the ids of the
    older ones and of the rest."""
    now = timezone.now()
    ages = {"older": [timedelta(days=400), timedelta(days=days, minutes=1), timedelta(days=days, minutes=2), timedelta(days=days, minutes=3), timedelta(days=days, minutes=4)],
            "newer": [timedelta(days=days, minutes=-1), timedelta(hours=1), timedelta(0)]}
    return {
        side: {HistoryEntry.objects.create(object_type="device", object_id="porch", kind="online", source="worker", at=now - age).id for age in side_ages}
        for side, side_ages in ages.items()
    }


def test_pruning_deletes_exactly_the_entries_older_than_the_retention_in_batches(settings, capsys):
    settings.HISTORY_RETENTION_DAYS = 30
    ids = old_and_recent_entries(30)
    with CaptureQueriesContext(connection) as queries:
        call_command("history_prune", "--batch-size", "2")
    assert set(HistoryEntry.objects.values_list("id", flat=True)) == ids["newer"]
    deleted_per_statement = [len(re.search(r"IN \(([^)]*)\)", query["sql"]).group(1).split(",")) for query in queries if query["sql"].startswith("DELETE")]
    assert deleted_per_statement == [2, 2, 1]
    assert capsys.readouterr().out.startswith("deleted 5 history entries older than ")


def test_pruning_keeps_the_days_asked_for(capsys):
    ids = old_and_recent_entries(7)
    call_command("history_prune", "--days", "7")
    assert set(HistoryEntry.objects.values_list("id", flat=True)) == ids["newer"]
    assert capsys.readouterr().out.endswith(" in 1 batches\n")


@pytest.mark.parametrize("option, value", [("--days", "0"), ("--days", "1.5"), ("--batch-size", "0")])
def test_pruning_refuses_a_bad_number(option, value):
    with pytest.raises(CommandError, match=f"argument {option}: invalid positive value: '{value}'"):
        call_command("history_prune", option, value)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_render_worker_prunes_when_it_starts(server, settings):
    settings.HISTORY_RETENTION_DAYS = 30
    ids = await sync_to_async(old_and_recent_entries)(30)
    communicator, _ = await open_socket(server)  # the server process starts, and its worker

    async def pruned():
        return {entry_id async for entry_id in HistoryEntry.objects.values_list("id", flat=True)} == ids["newer"]

    await wait_until(pruned, what="old entries deleted")
    await communicator.disconnect()
