from django.urls import path, re_path

from clients.consumers import ClientConsumer, ClientsApiConsumer, RefusingConsumer

websocket_urlpatterns = [
    path("api/websocket", ClientConsumer.as_asgi()),
    re_path(r"", RefusingConsumer.as_asgi()),
]

http_urlpatterns = [
    path("api/clients", ClientsApiConsumer.as_asgi()),
]
