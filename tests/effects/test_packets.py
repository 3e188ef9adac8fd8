"""Byte-exact DDP and WLED UDP realtime packets."""

import struct

import pytest

from effects.ddp import ddp_packets, next_sequence
from effects.wled_udp import wled_udp_packets


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
