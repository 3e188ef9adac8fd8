"""E1.31 (streaming ACN, "sACN"): DMX512 universes over UDP port 5568, to multicast group
239.255.<universe high byte>.<universe low byte> or to one address (unicast).

A frame's channels (3 per pixel), after `channel_offset` empty channels, fill consecutive
universes of `universe_size` channels from `universe`; each universe goes out as one
E1.31 data packet of 512 slots (channels past universe_size are 0), as LedFx's sender does.
A data packet (ANSI E1.31-2016, section 4.1) is 126 bytes of header and 512 slots:
- root layer: preamble size 0x0010, post-amble size 0, the ACN packet identifier
  "ASC-E1.17\\0\\0\\0", flags and length (0x7000 | bytes from here to the end), vector
  VECTOR_ROOT_E131_DATA (4), and the sender's CID (a UUID);
- framing layer: flags and length, vector VECTOR_E131_DATA_PACKET (2), source name (64
  bytes, UTF-8, NUL-padded), priority (0-200), synchronisation address (0), sequence
  number (per universe, wrapping at 256), options (0), universe;
- DMP layer: flags and length, vector VECTOR_DMP_SET_PROPERTY (2), address and data type
  0xa1, first property address 0, address increment 1, property value count (513), then
  the DMX start code 0 and the 512 slots.
"""

import socket
import struct
import uuid

from effects.outputs import UdpSender, output_type

E131_PORT = 5568
MULTICAST = "multicast"
ACN_PACKET_IDENTIFIER = b"ASC-E1.17\x00\x00\x00"
VECTOR_ROOT_E131_DATA = 0x00000004
VECTOR_E131_DATA_PACKET = 0x00000002
VECTOR_DMP_SET_PROPERTY = 0x02
DMX_SLOTS = 512
HEADER = struct.Struct(">HH12sHI16sHI64sBHBBHHBBHHHB")
PACKET_LENGTH = HEADER.size + DMX_SLOTS  # 638
ROOT_START, FRAMING_START, DMP_START = 16, 38, 115


def flags_and_length(start):
    return 0x7000 | (PACKET_LENGTH - start)


def e131_packet(*, cid, source_name, priority, sequence, universe, slots):
    """One E1.31 data packet carrying `slots` (at most 512 bytes; the rest are 0)."""
    header = HEADER.pack(
        0x0010, 0x0000, ACN_PACKET_IDENTIFIER, flags_and_length(ROOT_START), VECTOR_ROOT_E131_DATA, cid,
        flags_and_length(FRAMING_START), VECTOR_E131_DATA_PACKET, source_name.encode()[:63], priority, 0, sequence, 0, universe,
        flags_and_length(DMP_START), VECTOR_DMP_SET_PROPERTY, 0xA1, 0x0000, 0x0001, DMX_SLOTS + 1, 0x00,
    )
    return header + slots + bytes(DMX_SLOTS - len(slots))


def universe_chunks(channels, *, universe, universe_size, channel_offset):
    """[(universe, its channels)] of a frame's channels laid from channel_offset on."""
    laid = bytes(channel_offset) + channels
    return [(universe + number, laid[start : start + universe_size]) for number, start in enumerate(range(0, len(laid), universe_size))]


def multicast_group(universe):
    return f"239.255.{universe >> 8}.{universe & 0xFF}"


@output_type("e131")
class E131Output(UdpSender):
    """Unicast to `ip_address` (port `port`, 5568 by default), or multicast when the address
    is "multicast": one group per universe, so one unconnected socket sends to each."""

    default_port = E131_PORT

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.cid = uuid.uuid4().bytes
        self.source_name = f"ledfxsite {self.device_id}"
        self.sequences = {}

    def packets(self, rgb):
        return [packet for _, packet in self.universe_packets(rgb)]

    def universe_packets(self, rgb):
        """[(universe, packet)] of one frame."""
        chunks = universe_chunks(
            rgb,
            universe=self.config.get("universe", 1),
            universe_size=self.config.get("universe_size", 510),
            channel_offset=self.config.get("channel_offset", 0),
        )
        packets = []
        for universe, slots in chunks:
            self.sequences[universe] = (self.sequences.get(universe, -1) + 1) % 256
            packet = e131_packet(
                cid=self.cid,
                source_name=self.source_name,
                priority=self.config.get("packet_priority", 100),
                sequence=self.sequences[universe],
                universe=universe,
                slots=slots,
            )
            packets.append((universe, packet))
        return packets

    async def open(self):
        if self.host.lower() != MULTICAST:
            await super().open()
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)  # the LAN only
        self.sock = sock

    def send(self):
        if self.host.lower() != MULTICAST:
            super().send()
            return
        if self.sock is None:
            return
        for universe, packet in self.universe_packets(self.frame.tobytes()):
            try:
                self.sock.sendto(packet, (multicast_group(universe), self.port))
            except BlockingIOError:
                break
            except OSError as exc:
                self.error(exc)
                return
