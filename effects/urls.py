from django.urls import path

from effects import views

urlpatterns = [
    path("api/info", views.info),
    path("api/devices", views.devices),
    path("api/devices/<str:device_id>", views.device),
    path("api/devices/<str:device_id>/history", views.history, {"object_type": "device"}),
    path("api/virtuals", views.virtuals),
    path("api/virtuals/<str:virtual_id>", views.virtual),
    path("api/virtuals/<str:virtual_id>/effects", views.virtual_effects),
    path("api/virtuals/<str:virtual_id>/effects/delete", views.virtual_effect_delete),
    path("api/virtuals_tools", views.all_virtuals_tools),
    path("api/virtuals_tools/<str:virtual_id>", views.virtual_tools),
    path("api/virtuals/<str:virtual_id>/history", views.history, {"object_type": "virtual"}),
    path("api/effects", views.effects),
    path("api/schema", views.schema),
    path("api/config", views.config),
    path("api/check_for_updates", views.check_for_updates),
    path("api/log", views.client_log),
    path("api/find_devices", views.find_devices),
    path("api/virtuals/<str:virtual_id>/presets", views.virtual_presets),
    path("api/effects/<str:effect_type>/presets", views.effect_presets),
    path("api/effects/<str:effect_type>/presets/<str:preset_id>", views.effect_preset),
    path("api/colors", views.colors),
    path("api/colors/<str:name>", views.color),
    path("api/scenes", views.scenes),
    path("api/scenes/<str:scene_id>", views.scene),
    path("api/audio/devices", views.audio_devices),
]
