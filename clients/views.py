import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from clients.actions import ACTIONS
from clients.models import ClientConnection

TRUE_WORDS = {"1", "true", "yes"}


def failed(reason, status=200):
    """LedFx answers a failed action with HTTP 200 so that its UI shows the reason."""
    return JsonResponse({"status": "failed", "payload": {"type": "error", "reason": reason}}, status=status)


@csrf_exempt  # an API for LedFx clients, which send no CSRF token (as with LedFx)
@require_http_methods(["GET", "POST"])
def clients(request):
    if request.method == "GET":
        if request.GET.get("detail", "").lower() in TRUE_WORDS:
            return JsonResponse(ClientConnection.objects.live_detail())
        return JsonResponse(ClientConnection.objects.live_map())
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"status": "failed", "reason": "JSON decoding failed"}, status=400)
    if not isinstance(body, dict):
        return failed("Request body must be a JSON object", status=400)
    name = body.get("action")
    if name is None:
        return failed('Required attribute "action" was not provided')
    if not isinstance(name, str) or name not in ACTIONS:
        return failed(f"Action {name} is not in {list(ACTIONS)}")
    return JsonResponse(ACTIONS[name](body))


@require_GET
def websocket_without_upgrade(request):
    """A plain GET on the websocket URL: say so, and record no client."""
    return JsonResponse(
        {"status": "failed", "reason": "This URL serves websockets: connect with an Upgrade: websocket request"},
        status=426,
        headers={"Upgrade": "websocket"},
    )
