from django.core.management.base import BaseCommand

from effects import services
from effects.models import Device, Virtual


class Command(BaseCommand):
    help = "Create a demo 32x32 dummy matrix running noise2d, unless there are devices already."

    def handle(self, *args, **options):
        if Device.objects.exists():
            self.stdout.write("Devices exist already: no demo created.")
            return
        device = services.device_create(device_type="dummy", config={"name": "Demo Matrix", "pixel_count": 1024, "rows": 32})
        services.virtual_effect_set(virtual=Virtual.objects.get(is_device=device.id), effect_type="noise2d", config={})
        self.stdout.write(f"Created device {device.id}: a 32x32 dummy matrix rendering noise2d.")
