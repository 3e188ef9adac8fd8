"""Data migrations, run on the database the suite uses (SQLite, and PostgreSQL in CI)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.fixture(autouse=True)
def latest_schema_after():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_devices_from_before_get_ledfxs_icon_and_offset_and_keep_the_rest():
    old = migrate(("effects", "0009_history"))
    old.get_model("effects", "Device").objects.create(id="porch", name="Porch", type="ddp", pixel_count=10, config={"port": 4048})
    old.get_model("effects", "Device").objects.create(id="desk", name="Desk", type="dummy", pixel_count=10, config={"icon_name": "mdi:desk"})
    old.get_model("effects", "Virtual").objects.create(id="porch", name="Porch", is_device="porch", options={"max_brightness": 0.5})
    old.get_model("effects", "Virtual").objects.create(id="desk", name="Desk", is_device="desk", options={})
    new = migrate(("effects", "0010_device_icon_and_center_offset"))
    devices = dict(new.get_model("effects", "Device").objects.values_list("id", "config"))
    virtuals = dict(new.get_model("effects", "Virtual").objects.values_list("id", "options"))
    assert devices == {"porch": {"icon_name": "mdi:led-strip", "center_offset": 0, "port": 4048}, "desk": {"icon_name": "mdi:desk", "center_offset": 0}}
    assert virtuals == {"porch": {"max_brightness": 0.5, "icon_name": "mdi:led-strip"}, "desk": {"icon_name": "mdi:desk"}}


def test_stored_gradients_keep_their_motion_in_ledfxs_options():
    old = migrate(("effects", "0011_virtual_fallback"))
    Virtual = old.get_model("effects", "Virtual")
    Virtual.objects.create(id="strip", name="Strip", segments=[["strip", 0, 59, False]], effect_type="gradient", effect_config={"gradient": "#f00,#00f", "speed": 0.5}, effect_configs={"gradient": {"gradient": "#f00,#00f", "speed": 0.5}, "rainbow": {"speed": 2.0}})
    Virtual.objects.create(id="done", name="Done", segments=[["done", 0, 9, False]], effect_type="gradient", effect_config={"gradient": "#f00,#00f", "gradient_roll": 3.0, "speed": 2.0})
    old.get_model("effects", "UserPreset").objects.create(effect_type="gradient", preset_id="mine", name="Mine", config={"gradient": "#f00,#00f", "speed": 0.2})
    old.get_model("effects", "Scene").objects.create(id="night", name="Night", virtuals={"strip": {"type": "gradient", "config": {"speed": 2.0}}, "gone": {"type": "rainbow", "config": {"speed": 3.0}}})
    new = migrate(("effects", "0012_gradient_as_ledfx"))
    strip = new.get_model("effects", "Virtual").objects.get(id="strip")
    assert strip.effect_config == {"gradient": "#f00,#00f", "gradient_roll": 3.0, "speed": 1.0}  # 0.5 lengths/s of 60 pixels: 30 px/s, 3 a step
    assert strip.effect_configs == {"gradient": {"gradient": "#f00,#00f", "gradient_roll": 3.0, "speed": 1.0}, "rainbow": {"speed": 2.0}}
    assert new.get_model("effects", "Virtual").objects.get(id="done").effect_config == {"gradient": "#f00,#00f", "gradient_roll": 3.0, "speed": 2.0}
    assert new.get_model("effects", "UserPreset").objects.get().config == {"gradient": "#f00,#00f", "gradient_roll": 2.0, "speed": 1.0}  # 100 pixels assumed
    assert new.get_model("effects", "Scene").objects.get().virtuals == {
        "strip": {"type": "gradient", "config": {"speed": 1.0, "gradient_roll": 10.0}},  # 12 a step, at most 10
        "gone": {"type": "rainbow", "config": {"speed": 3.0}},
    }


def test_stored_effect_configs_take_ledfxs_option_names_and_are_valid_after():
    from effects.base import EFFECTS

    old = migrate(("effects", "0012_gradient_as_ledfx"))
    Virtual = old.get_model("effects", "Virtual")
    Virtual.objects.create(
        id="strip",
        name="Strip",
        segments=[["strip", 0, 59, False]],
        effect_type="scan",
        effect_config={"color": "#00ff00", "background": "#000010", "width": 0.25, "speed": 2.0, "blur": 1.0},
        effect_configs={"fire": {"cooling": 0.5, "sparking": 0.2, "speed": 30.0, "mirror": True}, "rainbow": {"speed": 2.0}},
        fallback_effect={"type": "magnitude", "config": {"frequency_range": "mids_power", "color": "#ff00ff"}},
    )
    old.get_model("effects", "UserPreset").objects.create(effect_type="noise2d", preset_id="mine", name="Mine", config={"zoom": 32.0, "speed": 9.0, "gradient": "#f00,#00f"})
    old.get_model("effects", "Scene").objects.create(id="night", name="Night", virtuals={"strip": {"type": "digitalrain2d", "config": {"speed": 20.0, "tail": 8, "color": "#00ff41"}}})
    new = migrate(("effects", "0013_effect_options_as_ledfx"))
    strip = new.get_model("effects", "Virtual").objects.get(id="strip")
    assert strip.effect_config == {"color_scan": "#00ff00", "scan_width": 25, "blur": 1.0}
    assert strip.effect_configs == {"fire": {"mirror": True}, "rainbow": {"speed": 2.0}}
    assert strip.fallback_effect == {"type": "magnitude", "config": {"frequency_range": "Mids"}}
    preset = new.get_model("effects", "UserPreset").objects.get()
    assert preset.config == {"zoom": 20.0, "speed": 5.0, "gradient": "#f00,#00f"}
    assert new.get_model("effects", "Scene").objects.get().virtuals == {"strip": {"type": "digitalrain2d", "config": {}}}
    for effect_type, config in [("scan", strip.effect_config), ("fire", strip.effect_configs["fire"]), ("magnitude", strip.fallback_effect["config"]), ("noise2d", preset.config)]:
        EFFECTS[effect_type].validate(config)
