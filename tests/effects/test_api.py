"""LedFx-compatible REST for devices, virtuals and effects: paths, bodies, status codes."""

import json

import pytest

from effects.models import Device, Virtual

pytestmark = pytest.mark.django_db


def call(client, method, path, body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body) if body is not None else "")
    response = client.generic(method, path, data, content_type="application/json")
    return response.status_code, response.json()


def create_matrix(client, name="Matrix 1", pixel_count=1024, rows=32):
    return call(client, "POST", "/api/devices", {"type": "dummy", "config": {"name": name, "pixel_count": pixel_count, "rows": rows}})


def test_info_describes_the_server(client):
    status, body = call(client, "GET", "/api/info")
    assert status == 200
    assert list(body) == ["url", "name", "version", "github_sha", "is_release", "developer_mode", "features"]
    assert body["url"] == "http://testserver"


def test_creating_a_device_answers_like_ledfx(client):
    status, body = create_matrix(client)
    assert status == 200
    assert body == {
        "status": "success",
        "payload": {"type": "success", "reason": "Created device Matrix 1"},
        "device": {
            "type": "dummy",
            "config": {"name": "Matrix 1", "pixel_count": 1024, "rows": 32, "refresh_rate": 62, "icon_name": "mdi:led-strip", "center_offset": 0},
            "id": "matrix-1",
            "virtuals": [],
        },
    }


def test_a_new_device_gets_its_own_full_length_virtual(client):
    create_matrix(client)
    virtual = Virtual.objects.get(id="matrix-1")
    assert (virtual.is_device, virtual.rows, virtual.segments, virtual.active) == ("matrix-1", 32, [["matrix-1", 0, 1023, False]], False)


def test_device_ids_follow_ledfx_and_never_collide(client):
    for name in ("My Strip", "My Strip", "my strip!!", "***"):
        call(client, "POST", "/api/devices", {"type": "dummy", "config": {"name": name, "pixel_count": 10}})
    assert list(Device.objects.values_list("id", flat=True)) == ["default", "my-strip", "my-strip-1", "my-strip-2"]


@pytest.mark.parametrize(
    "body, reason",
    [
        ({}, 'Required attribute "config" was not provided'),
        ({"type": "dummy"}, 'Required attribute "config" was not provided'),
        ({"config": {"name": "x"}}, 'Required attribute "type" was not provided'),
        ({"type": "toaster", "config": {"name": "x"}}, "type: unknown device type 'toaster' (types: dummy, wled, ddp, e131, artnet, udp)"),
        ({"type": "dummy", "config": {"pixel_count": 4}}, "name: is required"),
        ({"type": "dummy", "config": {"name": "x", "pixel_count": 0}}, "pixel_count: must be a whole number between 1 and 16384 (got 0)"),
        ({"type": "dummy", "config": {"name": "x", "pixel_count": 8, "rows": 9}}, "rows: must be a whole number between 1 and 8 (got 9)"),
        ({"type": "dummy", "config": {"name": "x", "pixel_count": "8"}}, "pixel_count: must be a whole number between 1 and 16384 (got '8')"),
        ({"type": "dummy", "config": ["x"]}, "config: must be an object (got list)"),
        ({"type": "dummy", "config": {"name": " "}}, "name: must not be empty"),
    ],
)
def test_bad_device_bodies_are_refused_with_a_reason_and_nothing_created(client, body, reason):
    assert call(client, "POST", "/api/devices", body) == (200, {"status": "failed", "payload": {"type": "error", "reason": reason}})
    assert not Device.objects.exists()


@pytest.mark.parametrize("raw, status, body", [
    ("{bad", 400, {"status": "failed", "reason": "JSON decoding failed"}),
    ("[1]", 400, {"status": "failed", "payload": {"type": "error", "reason": "Request body must be a JSON object"}}),
])
def test_undecodable_bodies_are_400(client, raw, status, body):
    assert call(client, "POST", "/api/devices", raw=raw) == (status, body)


def test_listing_devices(client):
    create_matrix(client)
    call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "plasma2d"})
    status, body = call(client, "GET", "/api/devices")
    assert body["devices"]["matrix-1"] == {
        "config": {"name": "Matrix 1", "pixel_count": 1024, "rows": 32, "refresh_rate": 62, "icon_name": "mdi:led-strip", "center_offset": 0},
        "id": "matrix-1",
        "type": "dummy",
        "online": True,
        "virtuals": ["matrix-1"],
        "active_virtuals": ["matrix-1"],
    }


def test_a_device_lists_only_the_virtuals_streaming_to_it_and_a_strip_has_no_rows(client):
    call(client, "POST", "/api/devices", {"type": "dummy", "config": {"name": "Strip", "pixel_count": 30}})
    assert call(client, "GET", "/api/devices")[1]["devices"]["strip"] == {
        "config": {"name": "Strip", "pixel_count": 30, "refresh_rate": 62, "icon_name": "mdi:led-strip", "center_offset": 0},
        "id": "strip",
        "type": "dummy",
        "online": True,
        "virtuals": [],
        "active_virtuals": [],
    }


def test_get_device_is_its_bare_config(client):
    create_matrix(client)
    assert call(client, "GET", "/api/devices/matrix-1") == (
        200,
        {"name": "Matrix 1", "pixel_count": 1024, "rows": 32, "refresh_rate": 62, "icon_name": "mdi:led-strip", "center_offset": 0},
    )


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_unknown_devices_are_named(client, method):
    assert call(client, method, "/api/devices/nope", {"config": {}}) == (
        200,
        {"status": "failed", "payload": {"type": "error", "reason": "Device with ID nope not found"}},
    )


def test_updating_a_device_resizes_its_own_virtual(client):
    create_matrix(client, pixel_count=64, rows=8)
    assert call(client, "PUT", "/api/devices/matrix-1", {"config": {"pixel_count": 32, "rows": 4}}) == (200, {"status": "success"})
    assert Virtual.objects.get(id="matrix-1").segments == [["matrix-1", 0, 31, False]]
    assert call(client, "GET", "/api/devices/matrix-1")[1]["pixel_count"] == 32


def test_a_bad_device_update_changes_nothing(client):
    create_matrix(client)
    assert call(client, "PUT", "/api/devices/matrix-1", {"config": {"refresh_rate": 1000}})[1]["payload"]["reason"] == (
        "refresh_rate: must be a whole number between 1 and 240 (got 1000)"
    )
    assert Device.objects.get(id="matrix-1").refresh_rate == 62


def test_deleting_a_device_removes_virtuals_left_empty(client):
    create_matrix(client)
    assert call(client, "DELETE", "/api/devices/matrix-1") == (200, {"status": "success"})
    assert not Device.objects.exists() and not Virtual.objects.exists()


def test_virtual_listing_and_detail(client):
    create_matrix(client)
    status, listing = call(client, "GET", "/api/virtuals")
    assert list(listing) == ["status", "virtuals", "paused"]
    shown = listing["virtuals"]["matrix-1"]
    assert list(shown) == ["config", "id", "is_device", "auto_generated", "segments", "pixel_count", "active", "streaming", "last_effect", "effect"]
    assert call(client, "GET", "/api/virtuals/matrix-1") == (200, {"status": "success", "matrix-1": shown})


def test_unknown_virtuals_are_named(client):
    assert call(client, "GET", "/api/virtuals/nope/effects")[1]["payload"]["reason"] == "Virtual with ID nope not found"


def test_setting_an_effect_validates_stores_and_activates(client):
    create_matrix(client)
    status, body = call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "noise2d", "config": {"diag": True, "speed": 2}})
    assert status == 200
    assert body["effect"]["type"] == "noise2d" and body["effect"]["name"] == "Noise"
    assert body["effect"]["config"]["diag"] is True and body["effect"]["config"]["speed"] == 2.0
    virtual = Virtual.objects.get(id="matrix-1")
    assert (virtual.effect_type, virtual.active) == ("noise2d", True)
    assert call(client, "GET", "/api/virtuals/matrix-1/effects") == (200, {"effect": body["effect"]})


def test_a_refused_effect_leaves_the_current_one_running(client):
    create_matrix(client)
    call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "rainbow"})
    for body, reason in [
        ({"type": "nope"}, "type: unknown effect 'nope' (effects: "),
        ({"type": "rainbow", "config": {"speed": 99}}, "Invalid config for rainbow: speed: must be a number between 0.1 and 20 (got 99)"),
        ({}, 'Required attribute "type" was not provided'),
    ]:
        status, answer = call(client, "POST", "/api/virtuals/matrix-1/effects", body)
        assert status == 200 and answer["status"] == "failed" and answer["payload"]["reason"].startswith(reason)
    assert Virtual.objects.get(id="matrix-1").effect_type == "rainbow"


def test_updating_an_effect_merges_its_config(client):
    create_matrix(client)
    call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "rainbow", "config": {"frequency": 3}})
    status, body = call(client, "PUT", "/api/virtuals/matrix-1/effects", {"type": "rainbow", "config": {"speed": 2.5}})
    assert (body["effect"]["config"]["speed"], body["effect"]["config"]["frequency"]) == (2.5, 3.0)


def test_updating_without_an_effect_is_refused(client):
    create_matrix(client)
    assert call(client, "PUT", "/api/virtuals/matrix-1/effects", {"type": "rainbow"})[1]["payload"]["reason"] == (
        "Virtual matrix-1 has no active effect"
    )


def test_clearing_an_effect(client):
    create_matrix(client)
    call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "rainbow"})
    assert call(client, "DELETE", "/api/virtuals/matrix-1/effects") == (200, {"status": "success", "effect": {}})
    assert call(client, "GET", "/api/virtuals/matrix-1/effects") == (200, {"effect": {}})
    assert Virtual.objects.get(id="matrix-1").active is False


def test_pausing_and_resuming_a_virtual(client):
    create_matrix(client)
    assert call(client, "PUT", "/api/virtuals/matrix-1", {"active": True})[1]["payload"]["reason"] == (
        "Virtual matrix-1: Cannot activate, no configured effect"
    )
    call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "rainbow"})
    assert call(client, "PUT", "/api/virtuals/matrix-1", {"active": False}) == (200, {"status": "success", "active": False})
    assert call(client, "GET", "/api/virtuals/matrix-1/effects")[1]["effect"]["type"] == "rainbow"


def test_deleting_a_devices_virtual_deletes_the_device(client):
    create_matrix(client)
    assert call(client, "DELETE", "/api/virtuals/matrix-1") == (200, {"status": "success"})
    assert not Device.objects.exists()


def test_creating_a_virtual_over_two_devices(client):
    create_matrix(client, "Left", 10, 1)
    create_matrix(client, "Right", 10, 1)
    status, body = call(
        client, "POST", "/api/virtuals", {"config": {"name": "Both"}, "segments": [["left", 0, 9, False], ["right", 0, 4, True]]}
    )
    assert body["payload"]["reason"] == "Created Virtual both"
    assert Virtual.objects.get(id="both").pixel_count == 15


def test_virtual_segments_are_checked(client):
    create_matrix(client, "Left", 10, 1)
    body = call(client, "POST", "/api/virtuals", {"config": {"name": "Bad"}, "segments": [["left", 0, 10, False], ["nope", 0, 1, False]]})[1]
    assert body["payload"]["reason"] == "segments[0]: pixels must satisfy 0 <= first <= last < 10; segments[1]: no device 'nope'"


def test_effects_lists_running_effects(client):
    create_matrix(client)
    call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "singleColor", "config": {"color": "#00ff00"}})
    body = call(client, "GET", "/api/effects")[1]
    assert body["effects"]["matrix-1"]["effect_type"] == "singleColor"
    assert body["effects"]["matrix-1"]["effect_config"]["color"] == "#00ff00"


def test_schema_describes_every_effect_the_device_types_and_the_audio_input(client):
    body = call(client, "GET", "/api/schema")[1]
    assert set(body) == {"devices", "effects", "virtuals", "audio"}
    assert body["devices"]["dummy"]["schema"]["required"] == ["name", "pixel_count"]
    assert body["devices"]["wled"]["schema"]["required"] == ["name", "pixel_count", "ip_address"]
    assert body["devices"]["wled"]["schema"]["properties"]["sync_mode"]["enum"] == ["DDP", "UDP"]
    assert body["devices"]["ddp"]["schema"]["properties"]["port"]["default"] == 4048
    speed = body["effects"]["rainbow"]["schema"]["properties"]["speed"]
    assert speed == {"type": "number", "minimum": 0.1, "maximum": 20.0, "title": "Speed", "description": speed["description"], "default": 1.0}
    assert body["effects"]["noise2d"]["schema"]["properties"]["test"]["type"] == "boolean"
    assert len(body["effects"]) >= 10


@pytest.mark.parametrize("method, path", [("DELETE", "/api/info"), ("PATCH", "/api/devices"), ("POST", "/api/effects")])
def test_other_methods_are_405(client, method, path):
    assert client.generic(method, path).status_code == 405


JSON_VALUES = [None, 0, -1, 1.5, "x", "", True, [], [1], {}, {"a": 1}, [[1, 2]]]
WRITES = [
    ("POST", "/api/devices", ["type", "config"]),
    ("PUT", "/api/devices/matrix-1", ["config"]),
    ("POST", "/api/virtuals", ["id", "config", "segments"]),
    ("PUT", "/api/virtuals/matrix-1", ["active"]),
    ("POST", "/api/virtuals/matrix-1/effects", ["type", "config"]),
    ("PUT", "/api/virtuals/matrix-1/effects", ["type", "config"]),
]


@pytest.mark.parametrize("method, path, keys", WRITES)
def test_no_body_shape_causes_a_server_error(client, method, path, keys):
    create_matrix(client)
    call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "rainbow"})
    for key in keys:
        for value in JSON_VALUES:
            for nested in (value, {"name": value, "pixel_count": value, "rows": value, "speed": value}):
                body = {other: "rainbow" if other == "type" else {"name": "n"} for other in keys if other != key} | {key: nested}
                response = client.generic(method, path, json.dumps(body), content_type="application/json")
                assert response.status_code in (200, 400), (body, response.status_code, response.content[:300])
                assert response.json()["status"] in ("success", "failed")
