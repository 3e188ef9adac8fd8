"""E1.31 and Art-Net as a receiver gets them: the embedded worker renders a 200-pixel
strip (600 channels: a universe boundary crossed) at 62 fps to a UDP socket, and every
packet is checked byte for byte against the frame the virtual shows."""

import asyncio
import time

import pytest

from tests.conftest import open_socket, rest, wait_until

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


class Receiver(asyncio.DatagramProtocol):
    def __init__(self):
        self.packets = []  # (arrival, bytes)

    def datagram_received(self, data, address):
        self.packets.append((time.monotonic(), data))


async def receiver():
    transport, protocol = await asyncio.get_running_loop().create_datagram_endpoint(Receiver, local_addr=("127.0.0.1", 0))
    return transport, protocol, transport.get_extra_info("sockname")[1]


async def strip_on(server, device_type, config):
    transport, protocol, port = await receiver()
    await open_socket(server)  # starts the server process and its render worker
    body = {"type": device_type, "config": {"name": "Strip", "pixel_count": 200, "ip_address": "127.0.0.1", "port": port, **config}}
    assert (await rest(server, "POST", "/api/devices", body))["status"] == "success"
    assert (await rest(server, "POST", "/api/virtuals/strip/effects", {"type": "singleColor", "config": {"color": "#102030"}}))["status"] == "success"
    await wait_until(lambda: len(protocol.packets) >= 10, what="packets")
    await asyncio.sleep(1.0)
    transport.close()
    return protocol.packets[5:]  # from after the first frames


async def test_e131_sends_each_universe_of_every_frame(server):
    packets = await strip_on(server, "e131", {"universe": 7, "packet_priority": 150})
    channels = bytes([0x10, 0x20, 0x30]) * 200
    by_universe = {}
    for _, packet in packets:
        assert len(packet) == 638 and packet[4:16] == b"ASC-E1.17\x00\x00\x00" and packet[108] == 150
        by_universe.setdefault(int.from_bytes(packet[113:115], "big"), []).append(packet)
    assert sorted(by_universe) == [7, 8]
    assert {packet[126:] for packet in by_universe[7]} == {channels[:510] + bytes(2)}
    assert {packet[126:] for packet in by_universe[8]} == {channels[510:] + bytes(512 - 90)}
    for universe_packets in by_universe.values():
        sequences = [packet[111] for packet in universe_packets]
        assert all((later - earlier) % 256 == 1 for earlier, later in zip(sequences, sequences[1:])), sequences
    seconds = packets[-1][0] - packets[0][0]
    assert len(by_universe[7]) / seconds > 31  # at 62 fps, give or take a busy machine


async def test_artnet_sends_each_universe_of_every_frame(server):
    packets = await strip_on(server, "artnet", {"universe": 0x101, "packet_size": 510})
    channels = bytes([0x10, 0x20, 0x30]) * 200
    by_universe = {}
    for _, packet in packets:
        assert packet[:12] == b"Art-Net\x00\x00\x50\x00\x0e"
        by_universe.setdefault(packet[14] | packet[15] << 8, []).append(packet)
    assert sorted(by_universe) == [0x101, 0x102]
    assert {packet[16:] for packet in by_universe[0x101]} == {(510).to_bytes(2, "big") + channels[:510]}
    assert {packet[16:] for packet in by_universe[0x102]} == {(90).to_bytes(2, "big") + channels[510:]}
