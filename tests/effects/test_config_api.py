"""What LedFx's web UI needs beyond devices and effects: /api/config, the global pause,
"play last", the virtual config keys it edits, and JSON answers for every /api path."""

import pytest

from effects.models import CoreConfig, Virtual
from tests.effects.test_api import call, create_matrix

pytestmark = pytest.mark.django_db

VIRTUAL_CONFIG_KEYS = [
    "name",
    "rows",
    "max_brightness",
    "preview_only",
    "mapping",
    "icon_name",
    "complex_segments",
    "grouping",
    "center_offset",
    "transition_time",
    "transition_mode",
    "frequency_min",
    "frequency_max",
    "rotate",
]


def test_config_has_what_the_ui_reads(client):
    create_matrix(client)
    call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "rainbow"})
    status, config = call(client, "GET", "/api/config")
    assert status == 200
    # LedFx's UI shows its "No LedFx-Core found" dialog unless `host` is set.
    assert (config["host"], config["port"]) == ("testserver", 80)
    assert (config["global_brightness"], config["visualisation_fps"], config["visualisation_maxlen"]) == (1.0, 30, 81)
    assert config["transmission_mode"] == "compressed"
    assert config["configuration_version"] == "2.3.6"
    assert config["devices"] == [{"id": "matrix-1", "type": "dummy", "config": call(client, "GET", "/api/devices/matrix-1")[1]}]
    (virtual,) = config["virtuals"]
    assert (virtual["id"], virtual["last_effect"], virtual["effect"]["type"]) == ("matrix-1", "rainbow", "rainbow")
    assert virtual["effects"]["rainbow"]["config"] == virtual["effect"]["config"]
    assert list(virtual["config"]) == VIRTUAL_CONFIG_KEYS


@pytest.mark.parametrize(
    "change, stored",
    [
        ({"visualisation_fps": 1}, ("visualisation_fps", 1)),
        ({"visualisation_fps": 60}, ("visualisation_fps", 60)),
        ({"visualisation_maxlen": 5}, ("visualisation_maxlen", 5)),
        ({"visualisation_maxlen": 16384}, ("visualisation_maxlen", 16384)),
        ({"global_brightness": 0}, ("global_brightness", 0.0)),
        ({"global_brightness": 0.25}, ("global_brightness", 0.25)),
        ({"transmission_mode": "uncompressed"}, ("transmission_mode", "uncompressed")),
    ],
)
def test_config_changes_within_bounds_are_kept(client, change, stored):
    assert call(client, "PUT", "/api/config", change) == (
        200,
        {"status": "success", "payload": {"type": "success", "reason": "Configuration Updated"}},
    )
    name, value = stored
    assert call(client, "GET", "/api/config")[1][name] == value
    assert getattr(CoreConfig.current(), name) == value


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"visualisation_fps": 0}, "visualisation_fps: must be"),
        ({"visualisation_fps": 61}, "visualisation_fps: must be"),
        ({"visualisation_fps": 30.5}, "visualisation_fps: must be"),
        ({"visualisation_maxlen": 4}, "visualisation_maxlen: must be"),
        ({"visualisation_maxlen": 16385}, "visualisation_maxlen: must be"),
        ({"global_brightness": 1.01}, "global_brightness: must be"),
        ({"global_brightness": -0.1}, "global_brightness: must be"),
        ({"transmission_mode": "zip"}, "transmission_mode: must be"),
        ({"host": "0.0.0.0"}, "Unknown or read-only config keys: host"),
    ],
)
def test_bad_config_changes_are_refused_and_change_nothing(client, change, reason):
    status, answer = call(client, "PUT", "/api/config", {"global_brightness": 0.5, **change})
    assert status == 200 and answer["status"] == "failed" and answer["payload"]["reason"].startswith(reason), answer
    assert CoreConfig.current().global_brightness == 1.0


def test_ui_preferences_are_kept_and_shown(client):
    assert call(client, "GET", "/api/config")[1]["scan_on_startup"] is False
    call(client, "PUT", "/api/config", {"scan_on_startup": True, "ui_brightness_boost": 0.5})
    config = call(client, "GET", "/api/config")[1]
    assert (config["scan_on_startup"], config["ui_brightness_boost"]) == (True, 0.5)


def test_global_pause_toggles_and_is_listed(client):
    assert call(client, "GET", "/api/virtuals")[1]["paused"] is False
    assert call(client, "PUT", "/api/virtuals", {}) == (200, {"status": "success", "paused": True})
    assert call(client, "GET", "/api/virtuals")[1]["paused"] is True
    assert call(client, "PUT", "/api/virtuals", {}) == (200, {"status": "success", "paused": False})


def test_last_effect_survives_a_stop_and_plays_again_as_it_was(client):
    create_matrix(client)
    call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "rainbow", "config": {"speed": 2.5}})
    call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "noise2d"})
    call(client, "DELETE", "/api/virtuals/matrix-1/effects")
    shown = call(client, "GET", "/api/virtuals/matrix-1")[1]["matrix-1"]
    assert (shown["effect"], shown["last_effect"], shown["active"]) == ({}, "noise2d", False)
    call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "rainbow", "config": {}})  # an empty config: its defaults, as LedFx
    call(client, "DELETE", "/api/virtuals/matrix-1/effects")
    assert call(client, "PUT", "/api/virtuals/matrix-1", {"active": True}) == (200, {"status": "success", "active": True})
    virtual = Virtual.objects.get(id="matrix-1")
    assert (virtual.effect_type, virtual.active, virtual.effect_config["speed"]) == ("rainbow", True, 1.0)


@pytest.mark.parametrize("config, speed", [({}, 1.0), (None, 2.5), ({"frequency": 2.0}, 1.0)])
def test_an_effect_set_without_a_config_takes_its_last_one_on_that_virtual(client, config, speed):
    create_matrix(client)
    call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "rainbow", "config": {"speed": 2.5}})
    call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "noise2d"})
    body = {"type": "rainbow"} if config is None else {"type": "rainbow", "config": config}
    assert call(client, "POST", "/api/virtuals/matrix-1/effects", body)[1]["effect"]["config"]["speed"] == speed


@pytest.mark.parametrize("forget, speed", [(False, 2.5), (True, 1.0)])
def test_deleting_an_effect_from_a_virtual_forgets_its_config(client, forget, speed):
    create_matrix(client)
    call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "rainbow", "config": {"speed": 2.5}})
    call(client, "DELETE", "/api/virtuals/matrix-1/effects")
    if forget:
        assert call(client, "POST", "/api/virtuals/matrix-1/effects/delete", {"type": "rainbow"}) == (200, {"status": "success"})
    call(client, "PUT", "/api/virtuals/matrix-1", {"active": True})  # plays the last effect, with its remembered config if any
    assert call(client, "GET", "/api/virtuals/matrix-1/effects")[1]["effect"]["config"]["speed"] == speed


def test_deleting_the_running_effect_stops_it_and_another_is_left_alone(client):
    create_matrix(client)
    call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "rainbow", "config": {"speed": 2.5}})
    call(client, "POST", "/api/virtuals/matrix-1/effects", {"type": "noise2d"})
    call(client, "POST", "/api/virtuals/matrix-1/effects/delete", {"type": "rainbow"})
    assert call(client, "GET", "/api/virtuals/matrix-1/effects")[1]["effect"]["type"] == "noise2d"
    assert call(client, "POST", "/api/virtuals/matrix-1/effects/delete", {"type": "noise2d"}) == (200, {"status": "success"})
    assert call(client, "GET", "/api/virtuals/matrix-1/effects")[1] == {"effect": {}}
    assert Virtual.objects.get(id="matrix-1").effect_configs == {}


@pytest.mark.parametrize(
    "path, body, reason",
    [
        ("/api/virtuals/matrix-1/effects/delete", {}, 'Required attribute "type" was not provided'),
        ("/api/virtuals/nope/effects/delete", {"type": "rainbow"}, "Virtual with ID nope not found"),
    ],
)
def test_deleting_an_effect_needs_its_type_and_a_virtual(client, path, body, reason):
    create_matrix(client)
    assert call(client, "POST", path, body) == (200, {"status": "failed", "payload": {"type": "error", "reason": reason}})


def test_the_virtual_config_keys_the_ui_edits_are_kept(client):
    create_matrix(client)
    status, answer = call(
        client, "POST", "/api/virtuals", {"id": "matrix-1", "config": {"max_brightness": 0.5, "icon_name": "mdi:star", "rotate": 3}}
    )
    assert answer["status"] == "success", answer
    config = call(client, "GET", "/api/virtuals/matrix-1")[1]["matrix-1"]["config"]
    assert list(config) == VIRTUAL_CONFIG_KEYS
    assert (config["max_brightness"], config["icon_name"], config["rotate"], config["name"], config["rows"]) == (0.5, "mdi:star", 3, "Matrix 1", 32)


@pytest.mark.parametrize(
    "change, reason",
    [({"max_brightness": 1.5}, "max_brightness: must be"), ({"mapping": "mirror"}, "mapping: must be"), ({"rotate": 4}, "rotate: must be")],
)
def test_bad_virtual_config_values_are_refused(client, change, reason):
    create_matrix(client)
    answer = call(client, "POST", "/api/virtuals", {"id": "matrix-1", "config": change})[1]
    assert answer["status"] == "failed" and answer["payload"]["reason"].startswith(reason), answer
    assert Virtual.objects.get(id="matrix-1").config["max_brightness"] == 1.0


@pytest.mark.parametrize("path", ["/api/nope", "/api/virtuals/x/nope/deeper", "/api/"])
def test_unknown_api_paths_answer_json_404(client, path):
    response = client.get(path)
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json() == {"status": "failed", "payload": {"type": "error", "reason": f"No API endpoint at {path}"}}


def test_methods_an_endpoint_lacks_answer_json_405_with_allow(client):
    response = client.delete("/api/info")
    assert (response.status_code, response["Allow"], response["Content-Type"]) == (405, "GET", "application/json")
    assert response.json()["payload"]["reason"] == "Method DELETE is not allowed on /api/info (allowed: GET)"


def test_check_for_updates_says_honestly_that_it_does_not(client):
    status, answer = call(client, "GET", "/api/check_for_updates")
    assert (status, answer["status"], answer["payload"]["type"]) == (200, "success", "info")
    assert "does not check for updates" in answer["payload"]["reason"]


def test_posting_segments_to_a_virtual_replaces_them(client):
    for name in ("Left", "Right"):
        call(client, "POST", "/api/devices", {"type": "dummy", "config": {"name": name, "pixel_count": 64}})
    call(client, "POST", "/api/virtuals", {"config": {"name": "Both"}})
    segments = [["left", 0, 63, False], ["right", 10, 19, True]]
    assert call(client, "POST", "/api/virtuals/both", {"segments": segments}) == (200, {"status": "success", "segments": segments})
    shown = call(client, "GET", "/api/virtuals/both")[1]["both"]
    assert (shown["segments"], shown["pixel_count"], shown["config"]["name"]) == (segments, 74, "Both")


@pytest.mark.parametrize(
    "body, reason",
    [
        ({}, 'Required attribute "segments" was not provided'),
        ({"segments": [["left", 0, 64, False]]}, "segments[0]: pixels must satisfy 0 <= first <= last < 64"),
        ({"segments": [["nope", 0, 1, False]]}, "segments[0]: no device 'nope'"),
    ],
)
def test_bad_segments_are_refused_and_change_nothing(client, body, reason):
    call(client, "POST", "/api/devices", {"type": "dummy", "config": {"name": "Left", "pixel_count": 64}})
    assert call(client, "POST", "/api/virtuals/left", body) == (200, {"status": "failed", "payload": {"type": "error", "reason": reason}})
    assert Virtual.objects.get(id="left").segments == [["left", 0, 63, False]]


def test_a_created_virtual_is_answered_as_ledfx_does(client):
    status, answer = call(client, "POST", "/api/virtuals", {"config": {"name": "first virt", "rows": 1}})
    assert set(answer["virtual"]) == {"config", "id", "is_device", "auto_generated"}
    assert (answer["virtual"]["id"], answer["virtual"]["is_device"], answer["virtual"]["auto_generated"]) == ("first-virt", False, False)


def test_the_copy_tool_sets_the_effect_on_the_targets_that_exist(client):
    for name in ("One", "Two", "Three"):
        call(client, "POST", "/api/devices", {"type": "dummy", "config": {"name": name, "pixel_count": 10}})
    call(client, "POST", "/api/virtuals/two/effects", {"type": "rainbow", "config": {"speed": 0.3, "mirror": True}})
    answer = call(client, "PUT", "/api/virtuals_tools/two", {"tool": "copy", "target": ["one", "nope", "three"]})
    assert answer == (200, {"status": "success", "tool": "copy"})
    for virtual_id in ("one", "three"):
        effect = call(client, "GET", f"/api/virtuals/{virtual_id}/effects")[1]["effect"]
        assert (effect["type"], effect["config"]["speed"], effect["config"]["mirror"]) == ("rainbow", 0.3, True)


@pytest.mark.parametrize(
    "source_effect, body, reason",
    [
        (True, {"tool": "copy"}, "Required attribute for copy, target was not provided"),
        (True, {"tool": "copy", "target": "one"}, "Required attribute for copy, target must be a list"),
        (True, {"tool": "copy", "target": ["nope", 5]}, "Virtual copy failed, no valid targets"),
        (False, {"tool": "copy", "target": ["one"]}, "Virtual copy failed, no active effect on source virtual"),
        (True, {"tool": "sharpen"}, "Tool sharpen is not in ['force_color', 'calibration', 'highlight', 'oneshot', 'copy']"),
        (True, {}, 'Required attribute "tool" was not provided'),
    ],
)
def test_the_copy_tool_refuses_what_it_cannot_do_and_changes_nothing(client, source_effect, body, reason):
    for name in ("One", "Two"):
        call(client, "POST", "/api/devices", {"type": "dummy", "config": {"name": name, "pixel_count": 10}})
    if source_effect:
        call(client, "POST", "/api/virtuals/two/effects", {"type": "rainbow"})
    assert call(client, "PUT", "/api/virtuals_tools/two", body) == (200, {"status": "failed", "payload": {"type": "error", "reason": reason}})
    assert call(client, "GET", "/api/virtuals/one/effects")[1] == {"effect": {}}
