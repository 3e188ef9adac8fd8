"""Views of no app: the web UI's files, and the JSON answer for /api paths that no
endpoint serves."""

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.static import serve

from ledfxsite.rest import failed


@csrf_exempt
def api_not_found(request, rest):
    """A JSON 404 that LedFx's UI can show, never Django's HTML page."""
    return JsonResponse(failed(f"No API endpoint at {request.path}"), status=404)


def web_ui(request, path="index.html"):
    """A file of the web UI build (WEB_UI_DIR); its /static/ files go through the
    staticfiles handler like the admin's."""
    response = serve(request, path, document_root=settings.WEB_UI_DIR)
    if path == "index.html":
        response["Cache-Control"] = "no-cache"  # it names the current build's hashed files
    return response
