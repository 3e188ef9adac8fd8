"""DDP (Distributed Display Protocol), WLED's default realtime input on UDP port 4048.

Each packet: a 10-byte big-endian header, then RGB bytes. Header: flags (0x40 = version
1, | 0x01 PUSH on the last packet of a frame only), sequence 1-15 (the same for every
packet of a frame), data type 0x0B (RGB, 8 bits per channel), destination id, byte
offset of this chunk (4 bytes), data length (2 bytes). At most 480 pixels per packet.
"""

import struct

from effects.outputs import UdpSender, output_type

DDP_PORT = 4048
VERSION_1 = 0x40
PUSH = 0x01
RGB_8BIT = 0x0B
DEFAULT_DESTINATION = 1
MAX_PIXELS_PER_PACKET = 480
HEADER = struct.Struct(">BBBBIH")


def ddp_packets(rgb, sequence, destination=DEFAULT_DESTINATION):
    """The packets of one frame; rgb is the frame's bytes (3 per pixel)."""
    chunk = MAX_PIXELS_PER_PACKET * 3
    packets = []
    for offset in range(0, len(rgb), chunk):
        data = rgb[offset : offset + chunk]
        flags = VERSION_1 | (PUSH if offset + chunk >= len(rgb) else 0)
        packets.append(HEADER.pack(flags, sequence, RGB_8BIT, destination, offset, len(data)) + data)
    return packets


def next_sequence(sequence):
    """1, 2, ... 15, 1, ..."""
    return sequence % 15 + 1


@output_type("ddp")
class DdpOutput(UdpSender):
    """Any DDP receiver (WLED, ESPixelStick, FPP, ...)."""

    default_port = DDP_PORT

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sequence = 0
        self.destination = self.config.get("destination_id", DEFAULT_DESTINATION)

    def packets(self, rgb):
        self.sequence = next_sequence(self.sequence)
        return ddp_packets(rgb, self.sequence, self.destination)
