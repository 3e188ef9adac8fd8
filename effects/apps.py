from django.apps import AppConfig


class EffectsConfig(AppConfig):
    name = "effects"
    verbose_name = "Effects, devices and virtuals"

    def ready(self):
        from effects import artnet, audio_effects, ddp, e131, level_effects, matrix_effects, strip_effects, wled, wled_udp  # noqa: F401 -- register effects and outputs
