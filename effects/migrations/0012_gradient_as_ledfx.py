"""The gradient effect takes LedFx's options: its `speed` was gradient lengths scrolled per
second, and is now LedFx's step rate, the scroll being `gradient_roll` pixels per step
(ten steps a second at speed 1). Stored gradient configs of the old shape (no
gradient_roll) keep their motion: roll = old speed x pixels / 10 (at most 10), speed 1.
A virtual's pixels are its own; a user preset has no strip, 100 pixels are assumed."""

from django.db import migrations

STEPS_PER_SECOND = 10.0
PRESET_PIXELS = 100


def as_ledfx(config, pixels):
    if not isinstance(config, dict) or "gradient_roll" in config:
        return config
    roll = min(10.0, round(float(config.get("speed", 0.25)) * pixels / STEPS_PER_SECOND, 3))
    return {**config, "gradient_roll": roll, "speed": 1.0}


def pixels_of(virtual):
    lengths = [last - first + 1 for _, first, last, _ in virtual.segments]
    return (max(lengths, default=0) if virtual.options.get("mapping") == "copy" else sum(lengths)) or PRESET_PIXELS


def convert(apps, schema_editor):
    Virtual = apps.get_model("effects", "Virtual")
    UserPreset = apps.get_model("effects", "UserPreset")
    Scene = apps.get_model("effects", "Scene")
    pixels = {}
    for virtual in Virtual.objects.all():
        pixels[virtual.id] = count = pixels_of(virtual)
        if virtual.effect_type == "gradient":
            virtual.effect_config = as_ledfx(virtual.effect_config, count)
        if "gradient" in virtual.effect_configs:
            virtual.effect_configs = {**virtual.effect_configs, "gradient": as_ledfx(virtual.effect_configs["gradient"], count)}
        if virtual.fallback_effect.get("type") == "gradient":
            virtual.fallback_effect = {**virtual.fallback_effect, "config": as_ledfx(virtual.fallback_effect.get("config"), count)}
        virtual.save(update_fields=["effect_config", "effect_configs", "fallback_effect"])
    for preset in UserPreset.objects.filter(effect_type="gradient"):
        preset.config = as_ledfx(preset.config, PRESET_PIXELS)
        preset.save(update_fields=["config"])
    for scene in Scene.objects.all():
        scene.virtuals = {
            virtual_id: {**entry, "config": as_ledfx(entry.get("config"), pixels.get(virtual_id, PRESET_PIXELS))} if isinstance(entry, dict) and entry.get("type") == "gradient" else entry
            for virtual_id, entry in scene.virtuals.items()
        }
        scene.save(update_fields=["virtuals"])


class Migration(migrations.Migration):
    dependencies = [("effects", "0011_virtual_fallback")]

    operations = [migrations.RunPython(convert, migrations.RunPython.noop)]
