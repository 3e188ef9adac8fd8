from django.http import JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def websocket_without_upgrade(request):
    """A plain GET on the websocket URL: say so, and record no client."""
    return JsonResponse(
        {"status": "failed", "reason": "This URL serves websockets: connect with an Upgrade: websocket request"},
        status=426,
        headers={"Upgrade": "websocket"},
    )
