"""Presets, named colours and scenes through LedFx's REST paths, as its web UI uses them."""

import pytest

from effects.models import Scene, UserColor, UserPreset, Virtual
from tests.conftest import EFFECT_BASE_DEFAULTS
from tests.effects.test_api import call, create_matrix

pytestmark = pytest.mark.django_db


def set_effect(client, effect_type, config=None, virtual_id="matrix-1"):
    answer = call(client, "POST", f"/api/virtuals/{virtual_id}/effects", {"type": effect_type, "config": config or {}})[1]
    assert answer["status"] == "success", answer


# ---------------------------------------------------------------- presets


def test_a_virtuals_presets_are_those_of_its_effect_with_the_running_one_marked(client):
    create_matrix(client)
    set_effect(client, "rainbow", {"speed": 4.0, "frequency": 3.0})  # our "party" preset, whole
    status, answer = call(client, "GET", "/api/virtuals/matrix-1/presets")
    assert (status, answer["status"], answer["virtual"], answer["effect"]) == (200, "success", "matrix-1", "rainbow")
    presets = answer["ledfx_presets"]
    assert list(presets) == ["reset", "slow-wash", "party", "cascade"]
    assert presets["reset"] == {"name": "reset", "config": {**EFFECT_BASE_DEFAULTS, "speed": 1.0, "frequency": 1.0}, "active": False}
    assert presets["party"]["active"] is True and presets["slow-wash"]["active"] is False
    assert answer["user_presets"] == {}


def test_a_virtual_without_an_effect_has_no_presets_to_show(client):
    create_matrix(client)
    assert call(client, "GET", "/api/virtuals/matrix-1/presets")[1]["payload"]["reason"] == "Virtual matrix-1 has no active effect"


def test_applying_a_builtin_preset_sets_its_whole_config(client):
    create_matrix(client)
    set_effect(client, "noise2d", {"speed": 4.5})
    body = {"category": "ledfx_presets", "effect_id": "rainbow", "preset_id": "slow-wash"}
    status, answer = call(client, "PUT", "/api/virtuals/matrix-1/presets", body)
    assert (status, answer["status"], answer["effect"]["type"]) == (200, "success", "rainbow")
    virtual = Virtual.objects.get(id="matrix-1")
    assert (virtual.effect_type, virtual.effect_config) == ("rainbow", {**EFFECT_BASE_DEFAULTS, "speed": 0.2, "frequency": 0.5})


def test_ledfxs_cascade_preset_is_ledfxs_config(client):
    create_matrix(client)
    call(client, "PUT", "/api/virtuals/matrix-1/presets", {"category": "ledfx_presets", "effect_id": "rainbow", "preset_id": "cascade"})
    assert call(client, "GET", "/api/virtuals/matrix-1/effects")[1]["effect"]["config"] == {
        "background_brightness": 1.0,
        "background_color": "#000000",
        "blur": 7.7,
        "brightness": 1.0,
        "flip": False,
        "frequency": 0.32,
        "mirror": True,
        "speed": 0.3,
        "diag": False,
    }


@pytest.mark.parametrize(
    "body, reason",
    [
        ({"category": "mine", "effect_id": "rainbow", "preset_id": "party"}, 'Category mine is not "ledfx_presets" or "user_presets"'),
        ({"category": "ledfx_presets", "effect_id": "nope", "preset_id": "party"}, "Effect nope does not exist in category ledfx_presets"),
        ({"category": "ledfx_presets", "effect_id": "rainbow", "preset_id": "nope"}, "Preset nope does not exist for effect rainbow in category ledfx_presets"),
        ({"category": "user_presets", "effect_id": "rainbow", "preset_id": "party"}, "Preset party does not exist for effect rainbow in category user_presets"),
        ({"effect_id": "rainbow", "preset_id": "party"}, 'Required attribute "category" was not provided'),
    ],
)
def test_applying_a_preset_that_is_not_there_is_refused_and_changes_nothing(client, body, reason):
    create_matrix(client)
    set_effect(client, "noise2d")
    assert call(client, "PUT", "/api/virtuals/matrix-1/presets", body)[1]["payload"]["reason"] == reason
    assert Virtual.objects.get(id="matrix-1").effect_type == "noise2d"


def test_saving_a_user_preset_then_applying_and_deleting_it(client):
    create_matrix(client)
    set_effect(client, "rainbow", {"speed": 7.5})
    status, answer = call(client, "POST", "/api/virtuals/matrix-1/presets", {"name": "My Fast One!"})
    assert answer == {"status": "success", "preset": {"id": "my-fast-one", "name": "My Fast One!", "config": {**EFFECT_BASE_DEFAULTS, "speed": 7.5, "frequency": 1.0}}}
    assert call(client, "POST", "/api/virtuals/matrix-1/presets", {"name": "my fast one"})[1]["preset"]["id"] == "my-fast-one"
    assert UserPreset.objects.count() == 1  # the same id replaces it
    set_effect(client, "noise2d")
    call(client, "PUT", "/api/virtuals/matrix-1/presets", {"category": "user_presets", "effect_id": "rainbow", "preset_id": "my-fast-one"})
    assert Virtual.objects.get(id="matrix-1").effect_config["speed"] == 7.5
    listed = call(client, "GET", "/api/effects/rainbow/presets")[1]
    assert (listed["effect"], list(listed["user_presets"]), "active" in listed["user_presets"]["my-fast-one"]) == ("rainbow", ["my-fast-one"], False)
    assert call(client, "DELETE", "/api/effects/rainbow/presets/my-fast-one") == (200, {"status": "success"})
    assert call(client, "DELETE", "/api/effects/rainbow/presets/my-fast-one")[1]["payload"]["reason"] == (
        "Preset my-fast-one does not exist for effect rainbow in user presets"
    )


def test_every_builtin_preset_is_a_valid_config_of_its_effect(client):
    for effect_type in call(client, "GET", "/api/schema")[1]["effects"]:
        presets = call(client, "GET", f"/api/effects/{effect_type}/presets")[1]
        assert "reset" in presets["ledfx_presets"], effect_type


# ---------------------------------------------------------------- colours


def test_colors_lists_builtins_and_what_users_named(client):
    answer = call(client, "POST", "/api/colors", {"my-red": "rgb(255, 0, 0)", "dusk": "#102030,#ff8000"})[1]
    assert answer == {"status": "success", "payload": {"type": "success", "reason": "Saved my-red, dusk"}}
    colors = call(client, "GET", "/api/colors")[1]
    assert colors["colors"]["user"] == {"my-red": "#ff0000"}
    assert colors["gradients"]["user"] == {"dusk": "#102030,#ff8000"}
    assert colors["colors"]["builtin"]["red"] == "#ff0000" and "Rainbow" in colors["gradients"]["builtin"]
    config = call(client, "GET", "/api/config")[1]
    assert (config["user_colors"], config["user_gradients"]) == ({"my-red": "#ff0000"}, {"dusk": "#102030,#ff8000"})


@pytest.mark.parametrize("colors, reason", [({"red": "#00ff00"}, "red: a built-in"), ({"mine": "not a colour"}, "mine: ")])
def test_bad_colors_are_refused_and_none_saved(client, colors, reason):
    answer = call(client, "POST", "/api/colors", {"fine": "#123456", **colors})[1]
    assert answer["status"] == "failed" and answer["payload"]["reason"].startswith(reason), answer
    assert not UserColor.objects.exists()


def test_deleting_named_colors(client):
    call(client, "POST", "/api/colors", {"a": "#000001", "b": "#000002", "c": "#000003"})
    assert call(client, "DELETE", "/api/colors", raw='["a", "b"]')[1]["payload"]["reason"] == "Deleted a, b"
    assert call(client, "DELETE", "/api/colors/c")[1]["payload"]["reason"] == "Deleted c"
    assert call(client, "DELETE", "/api/colors/c")[1]["payload"]["reason"] == "Color or gradient c not found"
    assert call(client, "DELETE", "/api/colors", raw='{"a": 1}')[1]["payload"]["reason"] == "The body must be a list of colour or gradient names"


# ---------------------------------------------------------------- scenes


def test_a_new_scene_keeps_the_current_effects_and_comes_back_after_a_change(client):
    create_matrix(client)
    create_matrix(client, name="Strip", pixel_count=60, rows=1)
    set_effect(client, "noise2d", {"speed": 2.0})
    status, answer = call(client, "POST", "/api/scenes", {"name": "Chill Out!"})
    assert (status, answer["scene"]["id"]) == (200, "chill-out")
    assert answer["scene"]["config"]["virtuals"] == {
        "matrix-1": {"type": "noise2d", "config": Virtual.objects.get(id="matrix-1").effect_config},
        "strip": {},
    }
    assert call(client, "GET", "/api/scenes")[1]["scenes"]["chill-out"]["active"] is True
    set_effect(client, "noise2d", {"speed": 3.0})  # the same effect, another config
    assert call(client, "GET", "/api/scenes")[1]["scenes"]["chill-out"]["active"] is False
    set_effect(client, "rainbow")
    set_effect(client, "fire", virtual_id="strip")
    assert call(client, "GET", "/api/scenes")[1]["scenes"]["chill-out"]["active"] is False
    assert call(client, "PUT", "/api/scenes", {"id": "chill-out", "action": "activate"})[1] == {
        "status": "success",
        "payload": {"type": "info", "reason": "Activated Chill Out!"},
    }
    matrix, strip = Virtual.objects.get(id="matrix-1"), Virtual.objects.get(id="strip")
    assert (matrix.effect_type, matrix.effect_config["speed"], strip.effect_type) == ("noise2d", 2.0, "fire")
    assert call(client, "GET", "/api/scenes")[1]["scenes"]["chill-out"]["active"] is True


def test_scene_names_become_unique_ids(client):
    assert [call(client, "POST", "/api/scenes", {"name": "Party"})[1]["scene"]["id"] for _ in range(3)] == ["party", "party-1", "party-2"]


def test_a_scene_with_given_virtuals_can_stop_one_and_is_validated(client):
    create_matrix(client)
    set_effect(client, "rainbow")
    bad = call(client, "POST", "/api/scenes", {"name": "Bad", "virtuals": {"matrix-1": {"type": "rainbow", "config": {"speed": 99}}}})[1]
    assert bad["status"] == "failed" and "speed" in bad["payload"]["reason"] and not Scene.objects.exists()
    call(client, "POST", "/api/scenes", {"name": "Dark", "virtuals": {"matrix-1": {"action": "stop"}}})
    assert call(client, "GET", "/api/scenes")[1]["scenes"]["dark"]["active"] is False
    call(client, "PUT", "/api/scenes", {"id": "dark", "action": "activate"})
    assert Virtual.objects.get(id="matrix-1").effect_type == ""
    assert call(client, "GET", "/api/scenes")[1]["scenes"]["dark"]["active"] is True


def test_renaming_deactivating_and_deleting_scenes(client):
    create_matrix(client)
    set_effect(client, "rainbow")
    call(client, "POST", "/api/scenes", {"name": "One"})
    assert call(client, "PUT", "/api/scenes", {"id": "one", "action": "rename", "name": "Uno"})[1]["payload"]["reason"] == "Renamed One to Uno"
    assert call(client, "GET", "/api/scenes/one")[1]["scene"]["config"]["name"] == "Uno"
    call(client, "PUT", "/api/scenes", {"id": "one", "action": "deactivate"})
    assert Virtual.objects.get(id="matrix-1").effect_type == ""
    assert call(client, "DELETE", "/api/scenes/one")[1]["payload"]["reason"] == "Scene 'one' deleted."
    call(client, "POST", "/api/scenes", {"name": "Two"})
    assert call(client, "DELETE", "/api/scenes", {"id": "two"}) == (200, {"status": "success"})
    assert not Scene.objects.exists()


@pytest.mark.parametrize(
    "method, body, reason",
    [
        ("PUT", {"id": "nope", "action": "activate"}, "Scene nope does not exist"),
        ("PUT", {"id": "nope", "action": "dance"}, "action: must be one of"),
        ("PUT", {"action": "activate"}, 'Required attribute "id" was not provided'),
        ("POST", {}, "Required attribute 'name' was not provided"),
        ("POST", {"id": "nope", "name": "x"}, "Scene with id 'nope' does not exist. To create a new scene, omit the 'id' field."),
        ("DELETE", {"id": "nope"}, "Scene nope does not exist"),
    ],
)
def test_scene_requests_that_cannot_be_done_are_refused(client, method, body, reason):
    answer = call(client, method, "/api/scenes", body)[1]
    assert answer["status"] == "failed" and answer["payload"]["reason"].startswith(reason), answer


def test_no_kind_grows_past_its_limit(client, settings):
    settings.MAX_STORED_PER_KIND = 2
    assert create_matrix(client, name="One")[1]["status"] == "success"
    call(client, "POST", "/api/virtuals", {"config": {"name": "Half"}, "segments": [["one", 0, 9, False]]})
    assert create_matrix(client, name="Two")[1]["payload"]["reason"] == "At most 2 virtuals can be stored"
    assert Virtual.objects.count() == 2 and not Virtual.objects.filter(id="two").exists()
    for number in (1, 2):
        assert call(client, "POST", "/api/scenes", {"name": f"S{number}"})[1]["status"] == "success"
    assert call(client, "POST", "/api/scenes", {"name": "S3"})[1]["payload"]["reason"] == "At most 2 scenes can be stored"
    assert call(client, "POST", "/api/colors", {"a": "#000001", "b": "#000002"})[1]["status"] == "success"
    assert call(client, "POST", "/api/colors", {"a": "#000003"})[1]["status"] == "success"  # a change, not one more
    assert call(client, "POST", "/api/colors", {"c": "#000004"})[1]["payload"]["reason"] == "At most 2 user colors can be stored"
