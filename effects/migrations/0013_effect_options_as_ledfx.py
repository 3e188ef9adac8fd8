"""Effects take LedFx's option names: stored configs (of virtuals, their remembered and
fallback effects, user presets and scenes) lose the options that no longer exist or
whose meaning changed, keep a translated value where one option became another, and
take the new defaults for the rest."""

from django.db import migrations

# {effect type: options dropped}
DROPPED = {
    "scan": {"color", "background", "width", "speed"},
    "fire": {"cooling", "sparking", "speed"},
    "noise2d": set(),
    "plasma2d": {"speed", "frequency", "saturation"},
    "game_of_life": {"speed", "color", "density"},
    "digitalrain2d": {"speed", "tail", "color"},
    "energy": {"fall_time"},
    "magnitude": {"color"},
    "strobe": {"color", "decay"},
    "bands_matrix": {"gradient_bottom", "gradient_top"},
}
OLD_FREQUENCY_RANGES = {"beat_power": "Beat", "bass_power": "Bass", "lows_power": "Lows (beat+bass)", "mids_power": "Mids", "high_power": "High"}


def as_ledfx(effect_type, config):
    if effect_type not in DROPPED or not isinstance(config, dict):
        return config
    new = {key: value for key, value in config.items() if key not in DROPPED[effect_type]}
    if effect_type == "scan":
        if "color" in config:
            new["color_scan"] = config["color"]
        if isinstance(config.get("width"), (int, float)):
            new["scan_width"] = min(100, max(1, round(config["width"] * 100)))
    if effect_type == "noise2d":
        for key, top in (("speed", 5.0), ("zoom", 20.0)):
            if isinstance(config.get(key), (int, float)):
                new[key] = min(top, config[key])
    if effect_type == "magnitude" and config.get("frequency_range") in OLD_FREQUENCY_RANGES:
        new["frequency_range"] = OLD_FREQUENCY_RANGES[config["frequency_range"]]
    return new


def convert(apps, schema_editor):
    Virtual = apps.get_model("effects", "Virtual")
    UserPreset = apps.get_model("effects", "UserPreset")
    Scene = apps.get_model("effects", "Scene")
    for virtual in Virtual.objects.all():
        virtual.effect_config = as_ledfx(virtual.effect_type, virtual.effect_config)
        virtual.effect_configs = {effect_type: as_ledfx(effect_type, config) for effect_type, config in virtual.effect_configs.items()}
        if isinstance(virtual.fallback_effect, dict) and virtual.fallback_effect.get("type"):
            fallback = virtual.fallback_effect
            virtual.fallback_effect = {**fallback, "config": as_ledfx(fallback["type"], fallback.get("config"))}
        virtual.save(update_fields=["effect_config", "effect_configs", "fallback_effect"])
    for preset in UserPreset.objects.filter(effect_type__in=list(DROPPED)):
        preset.config = as_ledfx(preset.effect_type, preset.config)
        preset.save(update_fields=["config"])
    for scene in Scene.objects.all():
        scene.virtuals = {
            virtual_id: {**entry, "config": as_ledfx(entry.get("type"), entry.get("config"))} if isinstance(entry, dict) else entry
            for virtual_id, entry in scene.virtuals.items()
        }
        scene.save(update_fields=["virtuals"])


class Migration(migrations.Migration):
    dependencies = [("effects", "0012_gradient_as_ledfx")]

    operations = [migrations.RunPython(convert, migrations.RunPython.noop)]
