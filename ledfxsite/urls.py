from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import LoginView, LogoutView
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from ledfxsite.health import healthz, livez
from ledfxsite.operator import operator_page, operator_state
from ledfxsite.views import api_not_found, web_ui

# The web UI at /: index.html and the files beside it (its /static/ is STATICFILES_DIRS).
# Without one, / leads to the admin.
if settings.WEB_UI_DIR:
    web_ui_patterns = [
        path("", web_ui),
        re_path(r"^(?P<path>(?:modules|fonts|favicon)/.+|[^/]+\.(?:json|js|css|png|ico|xml|txt))$", web_ui),
    ]
else:
    web_ui_patterns = [path("", RedirectView.as_view(url="/admin/", permanent=False))]

urlpatterns = [
    # Before the admin's own URLs, which would take any admin/... path.
    path("admin/operator/", operator_page, name="operator"),
    path("admin/operator/state", operator_state, name="operator-state"),
    path("admin/", admin.site.urls),
    path("livez", livez),
    path("healthz", healthz),
    # Django's own login, for the web UI when AUTH_REQUIRED is on (ledfxsite.access).
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("", include("clients.urls")),
    path("", include("effects.urls")),
    # Last: any other /api path answers a JSON 404.
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    *web_ui_patterns,
]
