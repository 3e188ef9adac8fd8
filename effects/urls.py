from django.urls import path

from effects import views

urlpatterns = [
    path("api/info", views.info),
    path("api/devices", views.devices),
    path("api/devices/<str:device_id>", views.device),
    path("api/virtuals", views.virtuals),
    path("api/virtuals/<str:virtual_id>", views.virtual),
    path("api/virtuals/<str:virtual_id>/effects", views.virtual_effects),
    path("api/effects", views.effects),
    path("api/schema", views.schema),
    path("api/config", views.config),
    path("api/check_for_updates", views.check_for_updates),
]
