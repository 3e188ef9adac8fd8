"""POST /api/clients (PROTOCOL.md §5): the action registry and the request rules.

A new action is one registry entry, not a new branch.
"""

from clients.events import afire_event
from ledfxsite.rest import UnreadableBody, failed, json_object

ACTIONS = {}


def action(name):
    def register(handler):
        ACTIONS[name] = handler
        return handler

    return register


@action("sync")
async def sync(body):
    await afire_event("client_sync", client_id=body.get("client_id", "unknown"))
    return {"status": "success", "action": "sync"}


async def run_action(raw_body):
    """(HTTP status, response object) for a POST body. LedFx answers a failed action
    with 200 so that its UI shows the reason; bodies that are not JSON objects get 400."""
    try:
        body = json_object(raw_body)
    except UnreadableBody as error:
        return error.status, error.payload
    name = body.get("action")
    if name is None:
        return 200, failed('Required attribute "action" was not provided')
    if not isinstance(name, str) or name not in ACTIONS:
        return 200, failed(f"Action {name} is not in {list(ACTIONS)}")
    return 200, await ACTIONS[name](body)
