"""Views of no app: the JSON answer for /api paths that no endpoint serves."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ledfxsite.rest import failed


@csrf_exempt
def api_not_found(request, rest):
    """A JSON 404 that LedFx's UI can show, never Django's HTML page."""
    return JsonResponse(failed(f"No API endpoint at {request.path}"), status=404)
