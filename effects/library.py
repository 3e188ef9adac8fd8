"""What ships with the server for LedFx's UI to offer: named colours and gradients, and
presets for each effect (our own choices, in LedFx's shapes: GET /api/colors,
/api/effects/<type>/presets). Users add their own in the database (effects.models)."""

from effects.base import EFFECTS

BUILTIN_COLORS = {
    "red": "#ff0000",
    "orange": "#ff8000",
    "amber": "#ffbf00",
    "yellow": "#ffff00",
    "lime": "#80ff00",
    "green": "#00ff00",
    "spring": "#00ff80",
    "cyan": "#00ffff",
    "azure": "#0080ff",
    "blue": "#0000ff",
    "violet": "#8000ff",
    "magenta": "#ff00ff",
    "rose": "#ff0080",
    "white": "#ffffff",
    "warm-white": "#fff4d6",
    "candle": "#ff9329",
    "black": "#000000",
}

BUILTIN_GRADIENTS = {
    "Rainbow": "linear-gradient(90deg, #ff0000 0%, #ffff00 17%, #00ff00 33%, #00ffff 50%, #0000ff 67%, #ff00ff 83%, #ff0000 100%)",
    "Sunset": "linear-gradient(90deg, #1a0033 0%, #b3005a 40%, #ff6600 75%, #ffd000 100%)",
    "Ocean": "linear-gradient(90deg, #000040 0%, #0050a0 45%, #00c0c0 80%, #e0ffff 100%)",
    "Forest": "linear-gradient(90deg, #002000 0%, #108010 50%, #a0e040 100%)",
    "Fire": "linear-gradient(90deg, #000000 0%, #800000 30%, #ff4000 65%, #ffd040 100%)",
    "Ice": "linear-gradient(90deg, #ffffff 0%, #a0e0ff 50%, #0040ff 100%)",
    "Neon": "linear-gradient(90deg, #ff00ff 0%, #00ffff 50%, #ffff00 100%)",
}

# {effect type: {preset id: {"name", "config"}}}: the options a preset sets; the rest
# take the effect's defaults when it is applied.
BUILTIN_PRESETS = {
    "rainbow": {
        "slow-wash": {"name": "Slow wash", "config": {"speed": 0.2, "frequency": 0.5}},
        "party": {"name": "Party", "config": {"speed": 4.0, "frequency": 3.0}},
        # LedFx's own "cascade", whose values LedFx's API tests (virtual_config) check.
        "cascade": {"name": "Cascade", "config": {"speed": 0.3, "frequency": 0.32, "blur": 7.7, "mirror": True}},
    },
    "gradient": {
        "sunset-drift": {"name": "Sunset drift", "config": {"gradient": BUILTIN_GRADIENTS["Sunset"], "gradient_roll": 1.0, "speed": 0.2}},
        "ocean-flow": {"name": "Ocean flow", "config": {"gradient": BUILTIN_GRADIENTS["Ocean"], "gradient_roll": 2.0}},
    },
    "singleColor": {
        "warm-white": {"name": "Warm white", "config": {"color": BUILTIN_COLORS["warm-white"]}},
        "candle": {"name": "Candle", "config": {"color": BUILTIN_COLORS["candle"], "brightness": 0.6}},
    },
    "scan": {
        "police": {"name": "Police", "config": {"color_scan": "#0000ff", "background_color": "#200000", "scan_width": 20, "speed": 80, "count": 2}},
        "cylon": {"name": "Cylon", "config": {"color_scan": "#ff0000", "scan_width": 8, "speed": 40, "color_intensity": False}},
    },
    "fire": {
        "embers": {"name": "Embers", "config": {"speed": 0.02, "intensity": 4, "fade_chance": 0.8}},
        "blaze": {"name": "Blaze", "config": {"speed": 0.1, "intensity": 20, "fade_chance": 0.2}},
    },
    "twinkle": {
        "starry-night": {"name": "Starry night", "config": {"color": "#fff4d6", "density": 0.3, "decay": 1.0}},
        "confetti": {"name": "Confetti", "config": {"rainbow": True, "density": 3.0, "decay": 0.3}},
    },
    "noise2d": {
        "lava": {"name": "Lava", "config": {"gradient": BUILTIN_GRADIENTS["Fire"], "speed": 0.5, "zoom": 3.0}},
        "aurora": {"name": "Aurora", "config": {"gradient": BUILTIN_GRADIENTS["Forest"], "speed": 1.5, "zoom": 8.0}},
    },
    "plasma2d": {
        "ocean": {"name": "Ocean", "config": {"gradient": BUILTIN_GRADIENTS["Ocean"], "radius": 0.5}},
        "psychedelic": {"name": "Psychedelic", "config": {"gradient": BUILTIN_GRADIENTS["Neon"], "twist": 0.25, "density": 1.5}},
    },
    "game_of_life": {
        "calm": {"name": "Calm", "config": {"base_game_speed": 5, "beat_inject": False}},
        "busy": {"name": "Busy", "config": {"base_game_speed": 60, "impulse_decay": 0.01}},
    },
    "digitalrain2d": {
        "matrix": {"name": "Matrix", "config": {"gradient": "linear-gradient(90deg, #00ff41 0%, #008f11 100%)", "add_speed": 15.0}},
        "storm": {"name": "Storm", "config": {"gradient": BUILTIN_GRADIENTS["Ice"], "count": 3.0, "run_seconds": 1.0, "tail": 30}},
    },
}


def builtin_presets(effect_type):
    """{preset id: {"name", "config"}} of an effect, whole configs: "reset" (the defaults,
    as LedFx offers it) and our presets."""
    effect = EFFECTS[effect_type]
    presets = {"reset": {"name": "reset", "config": effect.validate({})}}
    for preset_id, preset in BUILTIN_PRESETS.get(effect_type, {}).items():
        presets[preset_id] = {"name": preset["name"], "config": effect.validate(preset["config"])}
    return presets
