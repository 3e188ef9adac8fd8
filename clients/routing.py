from django.urls import path, re_path

from clients.consumers import ClientConsumer, RefusingConsumer

websocket_urlpatterns = [
    path("api/websocket", ClientConsumer.as_asgi()),
    re_path(r"", RefusingConsumer.as_asgi()),
]
