"""Devices and virtuals in the admin: created and edited through the services, with
readable validation errors, start/stop and diag actions."""

import pytest

from effects import services
from effects.models import CoreConfig, Device, Scene, UserColor, Virtual

pytestmark = pytest.mark.django_db

DEVICES = "/admin/effects/device/"
VIRTUALS = "/admin/effects/virtual/"


@pytest.fixture
def matrix():
    return services.device_create(device_type="dummy", config={"name": "Matrix", "pixel_count": 64, "rows": 8})


def virtual_form(virtual, **changes):
    data = {
        "name": virtual.name,
        "rows": virtual.rows,
        "segments": '[["matrix", 0, 63, false]]',
        "options": "{}",
        "effect_type": virtual.effect_type,
        "effect_config": "{}",
        "active": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_adding_a_device_creates_its_virtual(admin_client):
    response = admin_client.post(
        DEVICES + "add/",
        {"name": "Desk Strip", "type": "dummy", "pixel_count": 30, "rows": 1, "refresh_rate": 62, "ip_address": "", "config": "{}"},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert Device.objects.get(id="desk-strip").pixel_count == 30
    assert Virtual.objects.get(id="desk-strip").segments == [["desk-strip", 0, 29, False]]


def test_a_bad_device_is_refused_with_the_reason(admin_client):
    response = admin_client.post(
        DEVICES + "add/", {"name": "X", "type": "dummy", "pixel_count": 4, "rows": 9, "refresh_rate": 62, "ip_address": "", "config": "{}"}
    )
    assert response.status_code == 200
    assert "rows: must be a whole number between 1 and 4 (got 9)" in response.content.decode()
    assert not Device.objects.exists()


def test_setting_an_effect_in_the_admin(admin_client, matrix):
    virtual = Virtual.objects.get(id="matrix")
    response = admin_client.post(
        VIRTUALS + "matrix/change/", virtual_form(virtual, effect_type="noise2d", effect_config='{"diag": true}', active="on")
    )
    assert response.status_code == 302
    virtual.refresh_from_db()
    assert (virtual.effect_type, virtual.effect_config["diag"], virtual.active) == ("noise2d", True, True)


def test_a_bad_effect_config_names_the_field(admin_client, matrix):
    virtual = Virtual.objects.get(id="matrix")
    response = admin_client.post(VIRTUALS + "matrix/change/", virtual_form(virtual, effect_type="noise2d", effect_config='{"zoom": 0}'))
    assert response.status_code == 200
    assert "zoom: must be a number between 0.5 and 20 (got 0)" in response.content.decode()
    virtual.refresh_from_db()
    assert virtual.effect_type == ""


def test_start_stop_and_diag_actions(admin_client, matrix):
    virtual = services.virtual_effect_set(virtual=Virtual.objects.get(id="matrix"), effect_type="rainbow", config={})
    admin_client.post(VIRTUALS, {"action": "stop_rendering", "_selected_action": ["matrix"]})
    virtual.refresh_from_db()
    assert virtual.active is False
    admin_client.post(VIRTUALS, {"action": "start_rendering", "_selected_action": ["matrix"]})
    admin_client.post(VIRTUALS, {"action": "toggle_diag", "_selected_action": ["matrix"]})
    virtual.refresh_from_db()
    assert (virtual.active, virtual.effect_config["diag"]) == (True, True)


def test_starting_a_virtual_without_effect_says_why(admin_client, matrix):
    response = admin_client.post(VIRTUALS, {"action": "start_rendering", "_selected_action": ["matrix"]}, follow=True)
    assert "Virtual matrix: Cannot activate, no configured effect" in response.content.decode()


def test_the_virtual_list_shows_effect_and_diag(admin_client, matrix):
    services.virtual_effect_set(virtual=Virtual.objects.get(id="matrix"), effect_type="plasma2d", config={"diag": True})
    content = admin_client.get(VIRTUALS).content.decode()
    assert "plasma2d" in content and "icon-yes.svg" in content


def test_the_device_page_shows_what_a_wled_last_said(admin_client, matrix):
    services.device_record_info(device_id="matrix", info={"fps": 42, "ver": "0.15.3", "n": 64, "name": "W", "rssi": -55, "qual": 90})
    content = admin_client.get(DEVICES + "matrix/change/").content.decode()
    assert "firmware 0.15.3, signal 90 %, RSSI -55 dBm, LED fps 42" in content
    assert "Info read at" in content


CORE_CONFIG = {"global_brightness": "1.0", "visualisation_fps": "30", "visualisation_maxlen": "81", "transmission_mode": "compressed"}


def test_the_core_config_is_edited_within_its_bounds(admin_client):
    CoreConfig.current()
    page = admin_client.post("/admin/effects/coreconfig/1/change/", {**CORE_CONFIG, "visualisation_fps": "61"})
    assert page.status_code == 200 and b"visualisation_fps: must be" in page.content
    assert CoreConfig.current().visualisation_fps == 30
    admin_client.post("/admin/effects/coreconfig/1/change/", {**CORE_CONFIG, "visualisation_fps": "60", "global_brightness": "0.5"})
    assert (CoreConfig.current().visualisation_fps, CoreConfig.current().global_brightness) == (60, 0.5)


def test_scenes_are_listed_and_activated_from_the_admin(admin_client, matrix):
    virtual = Virtual.objects.get(id="matrix")
    services.virtual_effect_set(virtual=virtual, effect_type="rainbow", config={"speed": 3})
    services.scene_save(name="Bright")
    services.virtual_effect_clear(virtual=virtual)
    assert b"Bright" in admin_client.get("/admin/effects/scene/").content
    admin_client.post("/admin/effects/scene/", {"action": "activate", "_selected_action": ["bright"]})
    virtual.refresh_from_db()
    assert (virtual.effect_type, virtual.effect_config["speed"]) == ("rainbow", 3.0)
    assert Scene.objects.get().name == "Bright"


def test_a_named_colour_added_in_the_admin_is_checked(admin_client):
    admin_client.post("/admin/effects/usercolor/add/", {"name": "teal-ish", "value": "rgb(0, 128, 128)"})
    assert UserColor.objects.get().value == "#008080"
    page = admin_client.post("/admin/effects/usercolor/add/", {"name": "bad", "value": "nonsense"})
    assert page.status_code == 200 and b"is not a colour" in page.content and UserColor.objects.count() == 1
