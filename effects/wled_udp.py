"""WLED's UDP realtime protocol (port 21324): DRGB for up to 490 LEDs in one packet,
DNRGB (with a 16-bit start index) for longer strips, 489 LEDs per packet.

Byte 0 is the protocol, byte 1 the timeout: seconds WLED keeps the realtime frame before
returning to its own effects (255: until the next packet).
"""

import struct

from effects.outputs import UdpSender, output_type

WLED_UDP_PORT = 21324
DRGB = 2
DNRGB = 4
DRGB_MAX_PIXELS = 490
DNRGB_MAX_PIXELS = 489


def wled_udp_packets(rgb, timeout=1):
    """The packets of one frame; rgb is the frame's bytes (3 per pixel)."""
    if len(rgb) // 3 <= DRGB_MAX_PIXELS:
        return [bytes((DRGB, timeout)) + rgb]
    return dnrgb_packets(rgb, timeout)


def dnrgb_packets(rgb, timeout=1):
    chunk = DNRGB_MAX_PIXELS * 3
    return [
        struct.pack(">BBH", DNRGB, timeout, offset // 3) + rgb[offset : offset + chunk]
        for offset in range(0, len(rgb), chunk)
    ]


class WledUdpOutput(UdpSender):
    default_port = WLED_UDP_PORT

    def packets(self, rgb):
        return wled_udp_packets(rgb, self.config.get("timeout", 1))


@output_type("udp")
class UdpOutput(UdpSender):
    """LedFx's plain UDP device: WLED's realtime packets to any receiver. DRGB falls back to
    DNRGB past 490 pixels, as LedFx does."""

    default_port = WLED_UDP_PORT

    def packets(self, rgb):
        timeout = self.config.get("timeout", 1)
        if self.config.get("udp_packet_type", "DRGB") == "DNRGB":
            return dnrgb_packets(rgb, timeout)
        return wled_udp_packets(rgb, timeout)
