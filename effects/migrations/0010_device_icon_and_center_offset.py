"""Devices made before LedFx's icon_name and center_offset were declared get their
defaults, and a device's own virtual takes the device's icon, as new ones do."""

from django.db import migrations


def fill_defaults(apps, schema_editor):
    Device = apps.get_model("effects", "Device")
    Virtual = apps.get_model("effects", "Virtual")
    for device in Device.objects.all():
        config = {"icon_name": "mdi:led-strip", "center_offset": 0, **device.config}
        if config != device.config:
            device.config = config
            device.save(update_fields=["config"])
        for virtual in Virtual.objects.filter(is_device=device.id):
            if "icon_name" not in virtual.options:
                virtual.options = {**virtual.options, "icon_name": config["icon_name"]}
                virtual.save(update_fields=["options"])


class Migration(migrations.Migration):
    dependencies = [("effects", "0009_history")]

    operations = [migrations.RunPython(fill_defaults, migrations.RunPython.noop)]
