import asyncio

from channels.layers import get_channel_layer
from channels.management.commands.runworker import Command as ChannelsRunworker

from effects.worker import RenderWorker
from ledfxsite.layers import RENDER_CHANNEL


class Command(ChannelsRunworker):
    help = "Run a Channels worker; `runworker effects` runs the render worker."

    def handle(self, *args, **options):
        if options["channels"] != [RENDER_CHANNEL]:
            return super().handle(*args, **options)
        worker = RenderWorker(get_channel_layer(options["layer"]))
        try:
            asyncio.run(worker.serve_forever())
        except KeyboardInterrupt:
            pass
