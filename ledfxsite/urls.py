from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from ledfxsite.views import api_not_found

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("", include("clients.urls")),
    path("", include("effects.urls")),
    # Last: any other /api path answers a JSON 404.
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
]
