from django.apps import AppConfig


class EffectsConfig(AppConfig):
    name = "effects"
    verbose_name = "Effects, devices and virtuals"

    def ready(self):
        from effects import audio_effects, ddp, matrix_effects, strip_effects, wled  # noqa: F401 -- register effects and outputs
