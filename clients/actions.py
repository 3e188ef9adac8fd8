"""POST /api/clients (PROTOCOL.md §5): the action registry and the request rules.

A new action is one registry entry, not a new branch.
"""

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
async def sync(body):
    await afire_event("client_sync", client_id=body.get("client_id", "unknown"))
    return {"status": "success", "action": "sync"}


async def run_action(raw_body):
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
    return 200, await ACTIONS[body["action"]](body)
