from django.core.management.base import BaseCommand

from effects.history import PRUNE_BATCH_SIZE, prune


def positive(value):
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Delete device and virtual history older than HISTORY_RETENTION_DAYS, in batches "
        "(the render worker does it once a day)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=positive, help="keep this many days instead of HISTORY_RETENTION_DAYS")
        parser.add_argument("--batch-size", type=positive, default=PRUNE_BATCH_SIZE, help=f"entries per delete (default {PRUNE_BATCH_SIZE})")

    def handle(self, *args, days, batch_size, **options):
        cutoff, deleted, batches = prune(retention_days=days, batch_size=batch_size)
        self.stdout.write(f"deleted {deleted} history entries older than {cutoff.isoformat(timespec='seconds')} in {batches} batches")
