"""Every write path (LedFx REST, the admin, management commands) fires its events after the
commit, seen here on a real websocket subscribed to each event type, and tells the render
worker which virtuals to re-read. A refused write fires nothing and tells nobody."""

import json

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.core.management import call_command

from effects import services
from effects.models import Virtual
from ledfxsite.events import afire_event
from ledfxsite.layers import EVENTS_LAYER, RENDER_GROUP
from tests.conftest import SINGLE_COLOR_DEFAULTS, open_socket, rest, subscribe

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

SUBSCRIBED = (
    "effect_set",
    "effect_cleared",
    "virtual_config_update",
    "virtual_pause",
    "devices_updated",
    "device_created",
    "global_pause",
    "base_config_update",
    "scene_activated",
    "colors_updated",
    "client_sync",
)
SENTINEL = "end-of-write"
GREEN = {**SINGLE_COLOR_DEFAULTS, "color": "#00ff00"}  # singleColor's config with its defaults


class Watcher:
    """What one write caused: the event frames a subscriber received and the virtuals the
    render worker was told about, each read up to a sentinel sent after the write (and
    what came before the write read away first), so that an event fired twice shows."""

    def __init__(self, communicator, worker_channel):
        self.communicator = communicator
        self.layer = get_channel_layer(EVENTS_LAYER)
        self.worker_channel = worker_channel  # in the render workers' group, as a worker's

    async def after(self, write):
        await self.caught_up()
        await write
        return await self.caught_up()

    async def caught_up(self):
        """(events, notified virtual ids) since the last call."""
        await afire_event("client_sync", client_id=SENTINEL)
        await self.layer.group_send(RENDER_GROUP, {"type": "sentinel"})
        events = []
        while (frame := json.loads(await self.communicator.receive_from(timeout=5))).get("client_id") != SENTINEL:
            assert (frame["id"], frame["type"]) == (SUBSCRIBED.index(frame["event_type"]), "event")
            events.append({key: value for key, value in frame.items() if key not in ("id", "type")})
        notified = []
        while (message := await self.layer.receive(self.worker_channel))["type"] != "sentinel":
            assert message["type"] == "virtual.changed"
            notified.append(message["virtual_id"])
        return events, notified


@pytest_asyncio.fixture
async def watch(server, settings):
    """The server without its embedded worker (the test listens as a worker instead)."""
    settings.RENDER_IN_SERVER = False
    layer = get_channel_layer(EVENTS_LAYER)
    worker_channel = await layer.new_channel()
    await layer.group_add(RENDER_GROUP, worker_channel)
    communicator, _ = await open_socket(server)
    for subscription_id, event_type in enumerate(SUBSCRIBED):
        await subscribe(communicator, subscription_id, event_type)
    yield Watcher(communicator, worker_channel)
    await layer.group_discard(RENDER_GROUP, worker_channel)
    await communicator.disconnect()


async def make_strip(name="Strip", pixel_count=10):
    return await sync_to_async(services.device_create)(device_type="dummy", config={"name": name, "pixel_count": pixel_count})


async def set_green(virtual_id):
    virtual = await Virtual.objects.aget(id=virtual_id)
    await sync_to_async(services.virtual_effect_set)(virtual=virtual, effect_type="singleColor", config={"color": "#00ff00"})


def virtual_config(name):
    """LedFx's 14 virtual config keys, the defaults but for the name."""
    return {
        "name": name,
        "rows": 1,
        "max_brightness": 1.0,
        "preview_only": False,
        "mapping": "span",
        "icon_name": "mdi:led-strip-variant",
        "complex_segments": False,
        "grouping": 1,
        "center_offset": 0,
        "transition_time": 0.4,
        "transition_mode": "Add",
        "frequency_min": 20,
        "frequency_max": 15000,
        "rotate": 0,
    }


# LedFx names the device in device_created (its UI shows it), and its id in devices_updated.
DESK_CREATED = [{"event_type": "device_created", "device_name": "Desk"}, {"event_type": "devices_updated", "device_id": "desk"}]


def effect_set(virtual_id, config=GREEN):
    return {
        "event_type": "effect_set",
        "effect_name": "Single Color",
        "effect_id": "singleColor",
        "effect_config": config,
        "virtual_id": virtual_id,
        "effect_type": "singleColor",
        "active": True,
        "streaming": False,
    }


# ------------------------------------------------------------------------- LedFx REST


async def test_rest_global_pause_and_resume(server, watch):
    answer = watch.after(rest(server, "PUT", "/api/virtuals", {}))
    assert await answer == ([{"event_type": "global_pause", "paused": True}], ["*"])
    answer = watch.after(rest(server, "PUT", "/api/virtuals", {}))
    assert await answer == ([{"event_type": "global_pause", "paused": False}], ["*"])


async def test_rest_changing_the_core_config(server, watch):
    answer = watch.after(rest(server, "PUT", "/api/config", {"visualisation_fps": 20}))
    assert await answer == ([{"event_type": "base_config_update", "config": {"visualisation_fps": 20}}], ["*"])


async def test_rest_refusing_a_core_config_change_fires_nothing(server, watch):
    assert await watch.after(rest(server, "PUT", "/api/config", {"visualisation_fps": 61})) == ([], [])


async def test_rest_activating_a_scene(server, watch):
    await make_strip()
    await set_green("strip")
    await rest(server, "POST", "/api/scenes", {"name": "Green"})
    answer = watch.after(rest(server, "PUT", "/api/scenes", {"id": "green", "action": "activate"}))
    assert await answer == ([effect_set("strip"), {"event_type": "scene_activated", "scene_id": "green"}], ["strip"])


async def test_rest_naming_a_colour(server, watch):
    answer = watch.after(rest(server, "POST", "/api/colors", {"mine": "#123456"}))
    assert await answer == ([{"event_type": "colors_updated"}], [])


async def test_rest_adding_a_device(server, watch):
    answer = watch.after(rest(server, "POST", "/api/devices", {"type": "dummy", "config": {"name": "Desk", "pixel_count": 30}}))
    assert await answer == (DESK_CREATED, ["desk"])


async def test_rest_changing_a_device(server, watch):
    await make_strip()
    answer = watch.after(rest(server, "PUT", "/api/devices/strip", {"config": {"pixel_count": 20}}))
    assert await answer == ([{"event_type": "devices_updated", "device_id": "strip"}], ["strip"])


async def test_rest_deleting_a_device_clears_the_effect_of_its_virtual(server, watch):
    await make_strip()
    await set_green("strip")
    answer = watch.after(rest(server, "DELETE", "/api/devices/strip"))
    events = [{"event_type": "effect_cleared", "virtual_id": "strip"}, {"event_type": "devices_updated", "device_id": "strip"}]
    assert await answer == (events, ["strip"])


async def test_rest_creating_a_virtual(server, watch):
    await make_strip()
    answer = watch.after(rest(server, "POST", "/api/virtuals", {"config": virtual_config("Half"), "segments": [["strip", 0, 4, False]]}))
    assert await answer == ([{"event_type": "virtual_config_update", "virtual_id": "half", "config": virtual_config("Half")}], ["half"])


async def test_rest_changing_a_virtual(server, watch):
    await make_strip()
    answer = watch.after(rest(server, "POST", "/api/virtuals", {"id": "strip", "config": {"name": "Renamed"}}))
    assert await answer == ([{"event_type": "virtual_config_update", "virtual_id": "strip", "config": {**virtual_config("Renamed"), "icon_name": "mdi:led-strip"}}], ["strip"])


@pytest.mark.parametrize("active, paused", [(False, True), (True, False)])
async def test_rest_pausing_and_resuming_a_virtual(server, watch, active, paused):
    await make_strip()
    await set_green("strip")
    answer = watch.after(rest(server, "PUT", "/api/virtuals/strip", {"active": active}))
    assert await answer == ([{"event_type": "virtual_pause", "virtual_id": "strip", "paused": paused}], ["strip"])


async def test_rest_deleting_a_virtual_with_an_effect(server, watch):
    await make_strip()
    await rest(server, "POST", "/api/virtuals", {"config": {"name": "Half"}, "segments": [["strip", 0, 4, False]]})
    await set_green("half")
    answer = watch.after(rest(server, "DELETE", "/api/virtuals/half"))
    assert await answer == ([{"event_type": "effect_cleared", "virtual_id": "half"}], ["half"])


async def test_rest_setting_an_effect(server, watch):
    await make_strip()
    answer = watch.after(rest(server, "POST", "/api/virtuals/strip/effects", {"type": "singleColor", "config": {"color": "#00ff00"}}))
    assert await answer == ([effect_set("strip")], ["strip"])


async def test_rest_changing_an_effect_merges_its_config(server, watch):
    await make_strip()
    await set_green("strip")
    answer = watch.after(rest(server, "PUT", "/api/virtuals/strip/effects", {"type": "singleColor", "config": {"brightness": 0.5}}))
    assert await answer == ([effect_set("strip", {**GREEN, "brightness": 0.5})], ["strip"])


async def test_rest_clearing_an_effect(server, watch):
    await make_strip()
    await set_green("strip")
    answer = watch.after(rest(server, "DELETE", "/api/virtuals/strip/effects"))
    assert await answer == ([{"event_type": "effect_cleared", "virtual_id": "strip"}], ["strip"])


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("POST", "/api/devices", {"type": "dummy", "config": {"name": "Big", "pixel_count": 16385}}),
        ("PUT", "/api/devices/strip", {"config": {"rows": 11}}),
        ("POST", "/api/virtuals", {"config": {"name": "Bad"}, "segments": [["strip", 0, 10, False]]}),
        ("POST", "/api/virtuals/strip/effects", {"type": "singleColor", "config": {"color": "nope"}}),
        ("PUT", "/api/virtuals/strip", {"active": True}),
    ],
)
async def test_a_refused_rest_write_fires_nothing(server, watch, method, path, body):
    await make_strip()
    answer = watch.after(rest(server, method, path, body))
    assert await answer == ([], [])


# ------------------------------------------------------------------------- the admin


@pytest.fixture
def admin(admin_client):
    """The admin's test client, posting from a thread as Django's sync views run."""
    return sync_to_async(admin_client.post)


def device_form(**fields):
    return {"name": "Desk", "type": "dummy", "pixel_count": 30, "rows": 1, "refresh_rate": 62, "ip_address": "", "config": "{}", **fields}


def virtual_form(**fields):
    return {"name": "Strip", "rows": 1, "segments": '[["strip", 0, 9, false]]', "options": "{}", "effect_type": "", "effect_config": "{}", **fields}


async def test_admin_adding_a_device(watch, admin):
    assert await watch.after(admin("/admin/effects/device/add/", device_form())) == (DESK_CREATED, ["desk"])


async def test_admin_changing_a_device(watch, admin):
    await make_strip()
    answer = watch.after(admin("/admin/effects/device/strip/change/", device_form(name="Strip", pixel_count=20)))
    assert await answer == ([{"event_type": "devices_updated", "device_id": "strip"}], ["strip"])


async def test_admin_deleting_a_device(watch, admin):
    await make_strip()
    await set_green("strip")
    answer = watch.after(admin("/admin/effects/device/strip/delete/", {"post": "yes"}))
    events = [{"event_type": "effect_cleared", "virtual_id": "strip"}, {"event_type": "devices_updated", "device_id": "strip"}]
    assert await answer == (events, ["strip"])


async def test_admin_setting_an_effect_on_a_virtual(watch, admin):
    await make_strip()
    form = virtual_form(effect_type="singleColor", effect_config='{"color": "#00ff00"}', active="on")
    events = [
        {"event_type": "virtual_config_update", "virtual_id": "strip", "config": virtual_config("Strip")},
        effect_set("strip"),
        {"event_type": "virtual_pause", "virtual_id": "strip", "paused": False},
    ]
    assert await watch.after(admin("/admin/effects/virtual/strip/change/", form)) == (events, ["strip", "strip", "strip"])


async def test_admin_clearing_the_effect_of_a_virtual(watch, admin):
    await make_strip()
    await set_green("strip")
    events = [
        {"event_type": "virtual_config_update", "virtual_id": "strip", "config": virtual_config("Strip")},
        {"event_type": "effect_cleared", "virtual_id": "strip"},
    ]
    assert await watch.after(admin("/admin/effects/virtual/strip/change/", virtual_form())) == (events, ["strip", "strip"])


async def test_admin_deleting_a_virtual(watch, admin):
    await make_strip()
    await make_green_half_virtual()
    answer = watch.after(admin("/admin/effects/virtual/half/delete/", {"post": "yes"}))
    assert await answer == ([{"event_type": "effect_cleared", "virtual_id": "half"}], ["half"])


async def make_green_half_virtual():
    virtual = await sync_to_async(services.virtual_save)(config={"name": "Half"}, segments=[["strip", 0, 4, False]])
    await set_green(virtual.id)


@pytest.mark.parametrize(
    "action, event",
    [
        ("stop_rendering", {"event_type": "virtual_pause", "virtual_id": "strip", "paused": True}),
        ("start_rendering", {"event_type": "virtual_pause", "virtual_id": "strip", "paused": False}),
        ("toggle_diag", effect_set("strip", {**GREEN, "diag": True})),
    ],
)
async def test_admin_virtual_actions(watch, admin, action, event):
    await make_strip()
    await set_green("strip")
    answer = watch.after(admin("/admin/effects/virtual/", {"action": action, "_selected_action": ["strip"]}))
    assert await answer == ([event], ["strip"])


async def test_admin_refusing_a_bad_effect_config_fires_nothing(watch, admin):
    await make_strip()
    form = virtual_form(effect_type="singleColor", effect_config='{"color": "nope"}')
    assert await watch.after(admin("/admin/effects/virtual/strip/change/", form)) == ([], [])


# ------------------------------------------------------------------------- management commands


async def test_create_demo(watch):
    answer = watch.after(sync_to_async(call_command)("create_demo"))
    events, notified = await answer
    assert [event["event_type"] for event in events] == ["device_created", "devices_updated", "effect_set"]
    assert events[1] == {"event_type": "devices_updated", "device_id": "demo-matrix"}
    assert (events[2]["effect_id"], events[2]["virtual_id"]) == ("noise2d", "demo-matrix")
    assert notified == ["demo-matrix", "demo-matrix"]
