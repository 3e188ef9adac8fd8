from django.urls import path

from clients import views

urlpatterns = [
    path("api/websocket", views.websocket_without_upgrade, name="websocket-without-upgrade"),
]
