"""Byte-exact DDP and WLED UDP realtime packets."""

import struct

import pytest

from effects.artnet import artdmx_packet
from effects.ddp import ddp_packets, next_sequence
from effects.e131 import e131_packet, multicast_group, universe_chunks
from effects.wled_udp import dnrgb_packets, wled_udp_packets


def frame(pixels):
    return bytes(i % 251 for i in range(pixels * 3))


def header(packet):
    return struct.unpack(">BBBBIH", packet[:10])


@pytest.mark.parametrize(
    "pixels, expected",
    [
        (1, [(0x41, 3, 0x0B, 1, 0, 3)]),
        (480, [(0x41, 3, 0x0B, 1, 0, 1440)]),
        (481, [(0x40, 3, 0x0B, 1, 0, 1440), (0x41, 3, 0x0B, 1, 1440, 3)]),
        (960, [(0x40, 3, 0x0B, 1, 0, 1440), (0x41, 3, 0x0B, 1, 1440, 1440)]),
        (1024, [(0x40, 3, 0x0B, 1, 0, 1440), (0x40, 3, 0x0B, 1, 1440, 1440), (0x41, 3, 0x0B, 1, 2880, 192)]),
    ],
)
def test_ddp_headers(pixels, expected):
    packets = ddp_packets(frame(pixels), sequence=3)
    assert [header(packet) for packet in packets] == expected
    assert b"".join(packet[10:] for packet in packets) == frame(pixels)


def test_ddp_packet_bytes_exactly():
    assert ddp_packets(bytes([1, 2, 3, 4, 5, 6]), sequence=15, destination=7) == [
        bytes([0x41, 15, 0x0B, 7, 0, 0, 0, 0, 0, 6, 1, 2, 3, 4, 5, 6])
    ]


def test_ddp_push_only_on_the_last_packet_and_no_empty_trailer():
    packets = ddp_packets(frame(960), sequence=1)
    assert len(packets) == 2 and [packet[0] & 1 for packet in packets] == [0, 1]
    assert all(len(packet) > 10 for packet in packets)


def test_ddp_sequence_runs_1_to_15_and_wraps():
    sequence, seen = 15, []
    for _ in range(17):
        sequence = next_sequence(sequence)
        seen.append(sequence)
    assert seen == [*range(1, 16), 1, 2]


def test_drgb_for_up_to_490_pixels():
    assert wled_udp_packets(bytes([9, 8, 7]), timeout=2) == [bytes([2, 2, 9, 8, 7])]
    [packet] = wled_udp_packets(frame(490))
    assert packet[:2] == bytes([2, 1]) and packet[2:] == frame(490)


def test_dnrgb_with_start_indexes_beyond_490_pixels():
    packets = wled_udp_packets(frame(1024), timeout=255)
    assert [packet[:4] for packet in packets] == [
        bytes([4, 255, 0, 0]),
        bytes([4, 255, 489 >> 8, 489 & 255]),
        bytes([4, 255, 978 >> 8, 978 & 255]),
    ]
    assert [len(packet) - 4 for packet in packets] == [489 * 3, 489 * 3, 46 * 3]
    assert b"".join(packet[4:] for packet in packets) == frame(1024)


# --- E1.31 (sACN), from ANSI E1.31-2016 section 4.1's table, byte by byte

CID = bytes(range(16))


def e131_expected(universe, sequence, priority, slots):
    """A 638-byte E1.31 data packet, written out from the standard's table."""
    source = b"ledfxsite porch".ljust(64, b"\x00")
    return (
        b"\x00\x10" + b"\x00\x00" + b"ASC-E1.17\x00\x00\x00"  # preamble size, post-amble size, ACN packet identifier
        + bytes([0x72, 0x6E]) + b"\x00\x00\x00\x04" + CID  # root: flags | 622, VECTOR_ROOT_E131_DATA, CID
        + bytes([0x72, 0x58]) + b"\x00\x00\x00\x02" + source  # framing: flags | 600, VECTOR_E131_DATA_PACKET, source name
        + bytes([priority]) + b"\x00\x00" + bytes([sequence]) + b"\x00" + universe.to_bytes(2, "big")  # priority, sync address, sequence, options, universe
        + bytes([0x72, 0x0B]) + b"\x02\xa1" + b"\x00\x00" + b"\x00\x01" + b"\x02\x01"  # DMP: flags | 523, vector, type, first address, increment, 513 values
        + b"\x00" + slots.ljust(512, b"\x00")  # start code, 512 slots
    )


def test_e131_packet_bytes_exactly():
    packet = e131_packet(cid=CID, source_name="ledfxsite porch", priority=150, sequence=7, universe=258, slots=b"\x01\x02\x03")
    assert packet == e131_expected(258, 7, 150, b"\x01\x02\x03")
    assert len(packet) == 638


@pytest.mark.parametrize(
    "pixels, size, offset, expected",
    [
        (170, 510, 0, [(5, 510)]),  # exactly one universe
        (171, 510, 0, [(5, 510), (6, 3)]),  # one channel past it: the next universe
        (200, 510, 0, [(5, 510), (6, 90)]),
        (100, 510, 300, [(5, 510), (6, 90)]),  # 300 empty channels first
        (4, 6, 0, [(5, 6), (6, 6)]),
    ],
)
def test_e131_frames_fill_consecutive_universes(pixels, size, offset, expected):
    chunks = universe_chunks(frame(pixels), universe=5, universe_size=size, channel_offset=offset)
    assert [(universe, len(data)) for universe, data in chunks] == expected
    assert b"".join(data for _, data in chunks) == bytes(offset) + frame(pixels)


def test_e131_multicast_groups_follow_the_universe():
    assert (multicast_group(1), multicast_group(258), multicast_group(63999)) == ("239.255.0.1", "239.255.1.2", "239.255.249.255")


# --- Art-Net ArtDmx, from the Art-Net 4 specification's ArtDmx table


def test_artdmx_packet_bytes_exactly():
    packet = artdmx_packet(universe=0x1234, sequence=9, data=b"\x0a\x0b\x0c")
    assert packet == (
        b"Art-Net\x00" + b"\x00\x50" + b"\x00\x0e"  # ID, OpDmx (little-endian), protocol version 14
        + bytes([9, 0, 0x34, 0x12]) + b"\x00\x04"  # sequence, physical, SubUni, Net, length 4 (made even)
        + b"\x0a\x0b\x0c\x00"
    )


def test_artdmx_keeps_an_odd_length_when_asked():
    assert artdmx_packet(universe=1, sequence=1, data=b"\x01\x02\x03", even=False)[16:] == b"\x00\x03\x01\x02\x03"


# --- LedFx's plain UDP device: WLED's realtime packets


def test_udp_device_sends_dnrgb_when_asked_and_drgb_up_to_490_pixels():
    assert dnrgb_packets(bytes([1, 2, 3]), timeout=2) == [bytes([4, 2, 0, 0, 1, 2, 3])]
    assert wled_udp_packets(frame(490))[0][:2] == bytes([2, 1]) and len(wled_udp_packets(frame(491))) == 2
