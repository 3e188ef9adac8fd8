"""Device outputs: where a device's frames go. One module per transport; this one holds the
registry and the dummy device, which keeps the last frame it was given."""

import numpy as np

OUTPUTS = {}


def output_type(name):
    def register(output_class):
        OUTPUTS[name] = output_class
        return output_class

    return register


class Output:
    """A device's frame buffer: virtuals write their segments into it, then it is sent."""

    def __init__(self, *, device_id, pixel_count, ip_address="", config=None):
        self.device_id = device_id
        self.pixel_count = pixel_count
        self.frame = np.zeros((pixel_count, 3), dtype=np.uint8)

    def send(self):
        """Hand the current frame to the device; must never block."""

    def close(self):
        pass


@output_type("dummy")
class DummyOutput(Output):
    def send(self):
        self.sent = self.frame.copy()


def output_for(device):
    return OUTPUTS[device.type](
        device_id=device.id, pixel_count=device.pixel_count, ip_address=device.ip_address, config=device.config
    )
