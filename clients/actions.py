"""POST /api/clients actions: a registry, so a new action is one entry (PROTOCOL.md §5)."""

from clients.events import fire_event

ACTIONS = {}


def action(name):
    def register(handler):
        ACTIONS[name] = handler
        return handler

    return register


@action("sync")
def sync(body):
    fire_event("client_sync", client_id=body.get("client_id", "unknown"))
    return {"status": "success", "action": "sync"}
