import socket

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from effects.models import Worker


class Command(BaseCommand):
    help = "Exit 0 when a render worker on this host beat within RENDER_LEASE_SECONDS (a container health check)."

    def handle(self, *args, **options):
        hostname = socket.gethostname()[:200]
        live = Worker.objects.live(lease_seconds=settings.RENDER_LEASE_SECONDS).filter(hostname=hostname)
        if not live.exists():
            raise CommandError(f"no render worker on {hostname} beat within {settings.RENDER_LEASE_SECONDS:g} s")
        self.stdout.write(", ".join(live.values_list("worker_id", flat=True)))
