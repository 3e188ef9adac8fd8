"""POST /api/clients (PROTOCOL.md §5): the action registry and the request rules.

A new action is one registry entry, not a new branch.
"""

from channels.db import database_sync_to_async
from django.conf import settings

from clients.models import ClientConnection
from ledfxsite.events import afire_event
from ledfxsite.rest import UnreadableBody, body_refusal, failed, json_object
from ledfxsite.schema import Field, Invalid, Schema

ACTIONS = {}
# The action's own fields are the action's business: keep them.
BODY = Schema(Field("action", "any", required=True), extra="keep")


def action(name):
    def register(handler):
        ACTIONS[name] = handler
        return handler

    return register


@action("sync")
async def sync(body, caller_ip):
    """client_sync for a client id; with STRICT_CLIENT_SYNC only for a client connected
    from the caller's address (no one can sync another's client)."""
    client_id = body.get("client_id", "unknown")
    if settings.STRICT_CLIENT_SYNC and not await connected_from(client_id, caller_ip):
        return failed(f"Client {client_id} is not connected from {caller_ip}")
    await afire_event("client_sync", client_id=client_id)
    return {"status": "success", "action": "sync"}


@database_sync_to_async
def connected_from(client_id, ip):
    return isinstance(client_id, str) and ClientConnection.objects.open().filter(client_id=client_id, ip=ip).exists()


async def run_action(raw_body, *, caller_ip):
    """(HTTP status, response object) for a POST body. LedFx answers a failed action
    with 200 so that its UI shows the reason; bodies that are not JSON objects get 400."""
    try:
        body = BODY.clean(json_object(raw_body))
    except UnreadableBody as error:
        return error.status, error.payload
    except Invalid as error:
        return 200, failed(body_refusal(error))
    if not isinstance(body["action"], str) or body["action"] not in ACTIONS:
        return 200, failed(f"Action {body['action']} is not in {list(ACTIONS)}")
    return 200, await ACTIONS[body["action"]](body, caller_ip)
