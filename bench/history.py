"""History under a flapping device (issue 12): 1000 offline/online flaps recorded as 2000
entries while the demo virtual renders, and that virtual's fps with and without them.

    make bench-history
    python bench/history.py [--database-url postgres://...] [--flaps 1000] [--rounds 3] [--seconds 10] [--out FILE]

The server is `make run`'s: embedded (in-memory layers, the render worker inside the
process), a fresh DATA_DIR with its SQLite file (or the PostgreSQL database given, emptied
first), `migrate`, `create_demo` (a 32x32 dummy matrix rendering noise2d at 62 fps), and a
second dummy device, "Porch", that flaps. The application runs in this process, so that
the flaps can be handed to the render worker where its outputs hand them:
`renderer.device_online(device, online, reason)`, called from another thread, as the
render thread's senders call it. A real DDP device cannot flap faster than once every 2 s
(effects.outputs.UdpSender), so the flaps come here at 100 a second (2 changes each
10 ms): a stress on the recording, not a model of a device.

Each round: QUIET seconds without flaps, then the flaps spread over the same length of
time; fps is what the server reports in its own virtual_diag events (one per second of
rendering; --seconds of them per phase), read from a websocket to the application.
Entries are counted in the database once the last change is recorded; "batches" counts
the devices_updated events (one per recorded batch). Writes bench/results/history-<time>.md
and .json (`bench/history.sh` runs it on SQLite and on PostgreSQL and writes
history-latest.md).
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
TRANSITION_KINDS = ("online", "offline")
OFFLINE_REASON = "ConnectionRefusedError: [Errno 111] Connection refused"


def configure(database_url):
    """Settings as `make run` has them (the database aside), then Django."""
    for name in ("REDIS_URL", "RENDER_IN_SERVER", "DJANGO_SETTINGS_MODULE"):
        os.environ.pop(name, None)
    os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="ledfxsite-history-")
    os.environ["DATABASE_URL"] = database_url or ""
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "ledfxsite.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("create_demo", verbosity=0)


def flap(renderer, flaps, seconds):
    """2 x flaps changes of "porch", evenly spread over `seconds`, from this thread."""
    period = seconds / (2 * flaps)
    start = time.perf_counter()
    for change in range(2 * flaps):
        delay = start + change * period - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        online = change % 2 == 1
        renderer.device_online("porch", online, "sends succeed again" if online else OFFLINE_REASON)


class Listener:
    """Reads the application's websocket: the demo's virtual_diag fps, devices_updated."""

    def __init__(self, communicator):
        self.communicator = communicator
        self.fps = []  # (arrival, fps)
        self.batches = []  # arrival of each devices_updated

    async def run(self):
        while True:
            frame = json.loads(await self.communicator.receive_from(timeout=30))
            if frame.get("event_type") == "virtual_diag" and frame.get("virtual_id") == "demo-matrix":
                self.fps.append((time.monotonic(), frame["fps"]))
            elif frame.get("event_type") == "devices_updated":
                self.batches.append(time.monotonic())

    async def reports(self, count):
        """The next `count` fps reports."""
        start = len(self.fps)
        while len(self.fps) < start + count:
            await asyncio.sleep(0.05)
        return [fps for _, fps in self.fps[start : start + count]]


async def measure(args):
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator

    from effects import services
    from effects.models import HistoryEntry, Virtual
    from effects.worker import RenderWorker
    from ledfxsite.asgi import application

    await sync_to_async(services.device_create)(device_type="dummy", config={"name": "Porch", "pixel_count": 50})
    communicator = WebsocketCommunicator(application, "/api/websocket")
    communicator.scope["client"] = ("127.0.0.1", 50000)
    assert (await communicator.connect(timeout=10))[0]
    await communicator.receive_from(timeout=10)  # client_id
    for number, event_type in enumerate(("virtual_diag", "devices_updated"), start=1):
        await communicator.send_to(text_data=json.dumps({"id": number, "type": "subscribe_event", "event_type": event_type}))
    await communicator.send_to(text_data=json.dumps({"id": 99, "type": "probe"}))  # answered once the subscriptions are in place
    while json.loads(await communicator.receive_from(timeout=10)).get("id") != 99:
        pass
    demo = await Virtual.objects.aget(id="demo-matrix")
    await sync_to_async(services.virtual_effect_update)(virtual=demo, effect_type="noise2d", config={"diag": True})
    renderer = application.process.part(RenderWorker).renderer
    listener = Listener(communicator)
    reader = asyncio.create_task(listener.run())
    await listener.reports(args.warmup)

    async def recorded():
        return await HistoryEntry.objects.filter(object_id="porch", kind__in=TRANSITION_KINDS).acount()

    rounds = []
    for number in range(args.rounds):
        quiet = await listener.reports(args.seconds)
        before, batches_before = await recorded(), len(listener.batches)
        flapper = threading.Thread(target=flap, args=(renderer, args.flaps, args.seconds))
        flapper.start()
        flapping = await listener.reports(args.seconds)
        await asyncio.to_thread(flapper.join)
        last_change = time.monotonic()
        while await recorded() < before + 2 * args.flaps and time.monotonic() - last_change < 60:
            await asyncio.sleep(0.01)
        caught_up = time.monotonic() - last_change
        await asyncio.sleep(0.5)
        rounds.append(
            {
                "round": number + 1,
                "quiet_fps": quiet,
                "flapping_fps": flapping,
                "entries": await recorded() - before,
                "recorded_after_last_change_s": round(caught_up, 3),
                "batches": len(listener.batches) - batches_before,
            }
        )
        print(f"round {number + 1}: quiet {statistics.mean(quiet):.2f} fps, flapping {statistics.mean(flapping):.2f} fps, "
              f"{rounds[-1]['entries']} entries, {rounds[-1]['batches']} batches", file=sys.stderr)
    reader.cancel()
    await communicator.disconnect()
    await application.stop()
    return rounds


def summary(rounds):
    quiet = [fps for entry in rounds for fps in entry["quiet_fps"]]
    flapping = [fps for entry in rounds for fps in entry["flapping_fps"]]
    return {
        "quiet_mean": statistics.mean(quiet),
        "quiet_min": min(quiet),
        "flapping_mean": statistics.mean(flapping),
        "flapping_min": min(flapping),
        "change": statistics.mean(flapping) / statistics.mean(quiet) - 1,
    }


def markdown(result):
    lines = [
        f"# History under a flapping device, {result['at']}",
        "",
        f"`{result['command']}` on {result['machine']}; database: {result['database']}.",
        f"{result['flaps']} flaps (offline, then online) per round, spread over {result['seconds']} s; "
        "fps = the demo virtual's (32x32 noise2d, 62 fps target) own virtual_diag reports, one a second.",
        "",
        "| round | fps quiet (mean, min) | fps flapping (mean, min) | change | entries | recorded within (s after the last change) | batches |",
        "|---|---|---|---|---|---|---|",
    ]
    for entry in result["rounds"]:
        quiet, flapping = entry["quiet_fps"], entry["flapping_fps"]
        change = statistics.mean(flapping) / statistics.mean(quiet) - 1
        lines.append(
            f"| {entry['round']} | {statistics.mean(quiet):.2f}, {min(quiet)} | {statistics.mean(flapping):.2f}, {min(flapping)} | "
            f"{change:+.1%} | {entry['entries']} | {entry['recorded_after_last_change_s']} | {entry['batches']} |"
        )
    total = result["summary"]
    lines += [
        f"| all | {total['quiet_mean']:.2f}, {total['quiet_min']} | {total['flapping_mean']:.2f}, {total['flapping_min']} | {total['change']:+.1%} | | | |",
        "",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="a PostgreSQL database to empty and use (default: SQLite, as make run)")
    parser.add_argument("--flaps", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10, help="length of each phase, in fps reports")
    parser.add_argument("--warmup", type=int, default=3, help="fps reports skipped at the start")
    parser.add_argument("--out", help="the .md to write (default: bench/results/history-<time>.md)")
    args = parser.parse_args()
    configure(args.database_url)
    rounds = asyncio.run(measure(args))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result = {
        "at": stamp,
        "command": " ".join(["python", "bench/history.py", *sys.argv[1:]]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "database": "PostgreSQL" if args.database_url else "SQLite (make run)",
        "flaps": args.flaps,
        "seconds": args.seconds,
        "rounds": rounds,
        "summary": summary(rounds),
    }
    out = Path(args.out) if args.out else PROJECT_DIR / "bench" / "results" / f"history-{stamp}.md"
    out.write_text(markdown(result))
    out.with_suffix(".json").write_text(json.dumps(result, indent=1))
    print(markdown(result))


if __name__ == "__main__":
    main()
