from django.apps import AppConfig


class EffectsConfig(AppConfig):
    name = "effects"
    verbose_name = "Effects, devices and virtuals"

    def ready(self):
        from effects import matrix_effects, strip_effects  # noqa: F401 -- register the effects
