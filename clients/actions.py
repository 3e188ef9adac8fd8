"""POST /api/clients (PROTOCOL.md §5): the action registry and the request rules.

A new action is one registry entry, not a new branch.
"""

from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.conf import settings
from django.db.models import Q

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
async def sync(body, caller):
    """client_sync for a client id; with STRICT_CLIENT_SYNC only for a client connected
    from the caller's address or by the caller's own user (no one can sync another's)."""
    client_id = body.get("client_id", "unknown")
    if settings.STRICT_CLIENT_SYNC and not await belongs_to(client_id, caller):
        return failed(f"Client {client_id} is not connected from {caller.ip}")
    await afire_event("client_sync", client_id=client_id)
    return {"status": "success", "action": "sync"}


@database_sync_to_async
def belongs_to(client_id, caller):
    if not isinstance(client_id, str):
        return False
    mine = Q(ip=caller.ip) | Q(user_id=caller.user_id) if caller.user_id is not None else Q(ip=caller.ip)
    return ClientConnection.objects.open().filter(mine, client_id=client_id).exists()


@dataclass(frozen=True)
class Caller:
    ip: str
    user_id: int | None


async def run_action(raw_body, *, caller_ip, caller_user_id=None):
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
    return 200, await ACTIONS[body["action"]](body, Caller(caller_ip, caller_user_id))
