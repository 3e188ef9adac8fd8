"""daphne's own floor: the least an ASGI app can do for bench/wsload.py, served by daphne.

    daphne -b 127.0.0.1 -p 8892 bench.daphne_floor:application      (from the project root)

bench/realtime.sh measures it with the same client as LedFx and ledfxsite, so whatever
ledfxsite costs above this app's figures is ours, and what this app costs is daphne's
(Twisted, autobahn, the ASGI hand-over) plus the few lines below:

  websocket   accept, send {"event_type": "client_id", "client_id": <uuid4>}; then
              subscribe_event adds a subscription, anything else gets one error frame
  POST        /api/clients: parse the JSON body, write a client_sync frame to every
              subscriber directly (no channel layer, no hub, no database), answer
              {"status": "success", "action": "sync"}

With FLOOR_RENDER=1 a dedicated thread renders ledfxsite's noise2d at 32x32 at 62 fps
(effects/matrix_effects.py, numpy only) against absolute deadlines, the same load as the
servers under test, and a virtual_diag event with the frames rendered in the last second
goes to virtual_diag subscribers once a second (bench/wsload.py --watch-diag checks it).
"""

import asyncio
import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# event type -> {send callable: subscription id}
SUBSCRIBERS = {}


def start_rendering(loop, fps=62, rows=32, columns=32):
    from effects.matrix_effects import Noise2d

    effect = Noise2d(rows=rows, columns=columns)
    period = 1.0 / fps

    def run():
        started = deadline = time.perf_counter()
        frames, second = 0, started + 1.0
        while True:
            effect.render(time.perf_counter() - started)
            frames += 1
            now = time.perf_counter()
            if now >= second:
                body = {"virtual_id": "floor", "fps": frames}
                loop.call_soon_threadsafe(lambda body=body: asyncio.ensure_future(fan_out("virtual_diag", body)))
                frames, second = 0, second + 1.0
            deadline += period
            if deadline < now - period:
                deadline = now
            time.sleep(max(0.0, deadline - now))

    threading.Thread(target=run, name="render", daemon=True).start()


async def fan_out(event_type, fields):
    body = json.dumps(fields)[1:]
    for send, subscription_id in list(SUBSCRIBERS.get(event_type, {}).items()):
        text = f'{{"id": {subscription_id}, "type": "event", "event_type": "{event_type}", {body}'
        await send({"type": "websocket.send", "text": text})


async def websocket(scope, receive, send):
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": json.dumps({"event_type": "client_id", "client_id": str(uuid.uuid4())})})
    mine = []
    try:
        while True:
            message = await receive()
            if message["type"] != "websocket.receive":
                return
            request = json.loads(message.get("text") or "{}")
            if request.get("type") == "subscribe_event":
                SUBSCRIBERS.setdefault(request["event_type"], {})[send] = request["id"]
                mine.append(request["event_type"])
            else:
                error = {"id": request.get("id"), "success": False, "error": {"message": "Unknown command type."}}
                await send({"type": "websocket.send", "text": json.dumps(error)})
    finally:
        for event_type in mine:
            SUBSCRIBERS.get(event_type, {}).pop(send, None)


async def http(scope, receive, send):
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["method"] == "POST" and scope["path"] == "/api/clients":
        request = json.loads(body)
        await fan_out("client_sync", {"client_id": request.get("client_id", "unknown")})
        status, payload = 200, {"status": "success", "action": "sync"}
    else:
        status, payload = 404, {"status": "failed"}
    response = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(response)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": response})


def start_rendering_when_daphne_runs():
    if os.environ.get("FLOOR_RENDER") != "1" or "daphne.server" not in sys.modules:
        return
    from twisted.internet import reactor

    reactor.callLater(0, lambda: start_rendering(asyncio.get_running_loop()))


start_rendering_when_daphne_runs()


async def application(scope, receive, send):
    if scope["type"] == "websocket":
        await websocket(scope, receive, send)
    elif scope["type"] == "http":
        await http(scope, receive, send)
