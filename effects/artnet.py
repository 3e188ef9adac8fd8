"""Art-Net 4 ArtDmx: DMX512 universes over UDP port 6454, several universes per address.

A frame's channels (3 per pixel), from DMX address `dmx_start_address` (1-based) of the
first universe on, fill consecutive universes (15-bit port-addresses) of `packet_size`
channels from `universe`. Each universe goes out as one ArtDmx packet: "Art-Net\\0", the
OpCode 0x5000 (little-endian), protocol version 14 (big-endian), a sequence number (1-255,
wrapping; 0 would switch reordering off), physical port 0, SubUni (the port-address's low
byte) and Net (its high 7 bits), the data length (big-endian; made even when
`even_packet_size`, as the specification asks), then the data.
"""

import struct

from effects.e131 import universe_chunks
from effects.outputs import UdpSender, output_type

ARTNET_PORT = 6454
ARTNET_ID = b"Art-Net\x00"
OP_DMX = 0x5000
PROTOCOL_VERSION = 14


def artdmx_packet(*, universe, sequence, data, even=True):
    if even and len(data) % 2:
        data += b"\x00"
    return ARTNET_ID + struct.pack("<H", OP_DMX) + struct.pack(">HBBBBH", PROTOCOL_VERSION, sequence, 0, universe & 0xFF, (universe >> 8) & 0x7F, len(data)) + data


@output_type("artnet")
class ArtnetOutput(UdpSender):
    default_port = ARTNET_PORT

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sequence = 0

    def packets(self, rgb):
        self.sequence = self.sequence % 255 + 1
        chunks = universe_chunks(
            rgb,
            universe=self.config.get("universe", 0),
            universe_size=self.config.get("packet_size", 510),
            channel_offset=self.config.get("dmx_start_address", 1) - 1,
        )
        even = self.config.get("even_packet_size", True)
        return [artdmx_packet(universe=universe, sequence=self.sequence, data=data, even=even) for universe, data in chunks]
