import asyncio
import signal

from channels.management.commands.runworker import Command as ChannelsRunworker

from effects.worker import RenderWorker

# `runworker effects` runs the render worker; other channel names, Channels' own worker.
RENDER_WORKER_CHANNEL = "effects"


class Command(ChannelsRunworker):
    help = "Run a Channels worker; `runworker effects` runs the render worker."

    def handle(self, *args, **options):
        if options["channels"] != [RENDER_WORKER_CHANNEL]:
            return super().handle(*args, **options)
        asyncio.run(serve_until_signalled(RenderWorker()))


async def serve_until_signalled(worker):
    """Serve until SIGTERM or SIGINT, then stop cleanly: the worker releases its leases,
    so that the others take its virtuals over at once."""
    serving = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, serving.cancel)
    try:
        await worker.serve_forever()
    except asyncio.CancelledError:
        pass
