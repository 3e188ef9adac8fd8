"""WLED and DDP devices through real sockets: a UDP listener and a web API on 127.0.0.1
standing in for a WLED, the render worker running in the server process."""

import asyncio
import json
import logging
import time

import numpy as np
import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async

from effects.models import Device
from effects.worker import RenderWorker
from effects.wled import WledError, fetch_info, phy_from_info
from tests.conftest import open_socket, rest, wait_until
from tests.effects.standins import FIXTURE_VERSIONS, WledWebApi, ddp_listener, fixture

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest_asyncio.fixture
async def udp():
    transport, listener, port = await ddp_listener()
    yield listener, port
    transport.close()


@pytest.fixture
def web_api():
    standins = []

    def start(info):
        standins.append(WledWebApi(info).start())
        return standins[-1]

    yield start
    for standin in standins:
        if standin.mode != "down":
            standin.stop()


def render_loops(application):
    """The render loops of the server process's embedded worker, by virtual id."""
    return application.process.part(RenderWorker).renderer.loops


async def test_ddp_frames_arrive_exactly_as_rendered_in_order(server, udp):
    listener, port = udp
    await open_socket(server)  # starts the server process and its render worker
    created = await rest(server, "POST", "/api/devices", {"type": "ddp", "config": {"name": "Strip", "pixel_count": 1024, "ip_address": "127.0.0.1", "port": port}})
    assert created["status"] == "success", created
    await rest(server, "POST", "/api/virtuals/strip/effects", {"type": "rainbow", "config": {"speed": 2.0}})
    loop = await wait_until(lambda: render_loops(server).get("strip"), what="the strip's render loop")
    rendered, render = [], loop.effect.render

    def recording_render(t):
        frame = render(t)
        if len(rendered) < 30:
            rendered.append(frame.tobytes())
        return frame

    loop.effect.render = recording_render
    await wait_until(lambda: len(rendered) == 30, what="30 rendered frames")
    await wait_until(lambda: rendered[-1] in [frame for _, frame in listener.frames], what="the last recorded frame to arrive")
    await rest(server, "DELETE", "/api/virtuals/strip/effects")

    received = [frame for _, frame in listener.frames]
    start = received.index(rendered[0])
    assert received[start : start + len(rendered)] == rendered
    sequences = [sequence for sequence, _ in listener.frames]
    assert all(later == earlier % 15 + 1 for earlier, later in zip(sequences, sequences[1:]))
    # Packets may still be arriving for a frame after the snapshot: check the last complete one.
    packets = [(flags & 1, offset) for _, flags, offset, _ in listener.packets]
    last_push = len(packets) - 1 - packets[::-1].index((1, 2880))
    assert packets[last_push - 2 : last_push + 1] == [(0, 0), (0, 1440), (1, 2880)]


@pytest.mark.parametrize("version", FIXTURE_VERSIONS)
async def test_adding_a_wled_reads_its_json_info(server, web_api, version):
    standin = web_api(fixture(version))
    created = await rest(server, "POST", "/api/devices", {"type": "wled", "config": {"ip_address": standin.address}})
    assert created["status"] == "success", created
    device = await Device.objects.aget(id="wled")
    assert (device.name, device.pixel_count, device.rows, device.online) == ("WLED", 30, 1, True)
    assert device.info == phy_from_info(fixture(version)) and device.info["ver"] == version
    assert device.info_read_at is not None


async def test_a_wled_matrix_gets_its_rows(server, web_api):
    info = fixture("0.15.3")
    info["leds"] = {**info["leds"], "count": 256, "matrix": {"w": 16, "h": 16}}
    standin = web_api(info)
    await rest(server, "POST", "/api/devices", {"type": "wled", "config": {"ip_address": standin.address, "name": "Panel"}})
    device = await Device.objects.aget(id="panel")
    assert (device.pixel_count, device.rows) == (256, 16)


async def test_a_wled_that_does_not_answer_is_saved_offline_with_the_reason(server, web_api):
    standin = web_api(fixture("0.15.3"))
    await asyncio.to_thread(standin.set_mode, "down")
    created = await rest(server, "POST", "/api/devices", {"type": "wled", "config": {"ip_address": standin.address, "name": "Porch", "pixel_count": 60}})
    assert created["status"] == "success"
    assert created["payload"] == {
        "type": "warning",
        "reason": f"Created device Porch, but it is offline: WLED at {standin.address}: connection refused or host unreachable",
    }
    device = await Device.objects.aget(id="porch")
    assert (device.online, device.pixel_count, device.info["error"]) == (False, 60, f"WLED at {standin.address}: connection refused or host unreachable")


async def test_a_wled_that_does_not_answer_given_only_its_address_is_named_after_it(server, web_api):
    standin = web_api(fixture("0.15.3"))
    await asyncio.to_thread(standin.set_mode, "down")
    created = await rest(server, "POST", "/api/devices", {"type": "wled", "config": {"ip_address": standin.address}})
    assert (created["status"], created["device"]["config"]["name"], created["payload"]["type"]) == ("success", standin.address, "warning")
    device = await Device.objects.aget(name=standin.address)
    assert (device.online, device.pixel_count) == (False, 1)


async def diag_reports(sock, count):
    reports = []
    while len(reports) < count:
        event = json.loads(await sock.receive_from(timeout=5))
        if event.get("event_type") == "virtual_diag":
            reports.append(event)
    return reports


async def wled_rendering_with_diag(server, web_api, udp):
    _, port = udp
    standin = web_api(fixture("0.15.3"))
    sock, _ = await open_socket(server)
    for number, event_type in enumerate(("virtual_diag", "devices_updated"), 1):
        await sock.send_to(text_data=json.dumps({"id": number, "type": "subscribe_event", "event_type": event_type}))
    await rest(server, "POST", "/api/devices", {"type": "wled", "config": {"ip_address": standin.address, "port": port}})
    await rest(server, "POST", "/api/virtuals/wled/effects", {"type": "scan", "config": {"diag": True}})
    return standin, sock


async def test_phy_in_virtual_diag_comes_from_the_wled(server, web_api, udp):
    standin, sock = await wled_rendering_with_diag(server, web_api, udp)
    reports = await diag_reports(sock, 2)
    assert reports[-1]["phy"] == {"fps": 2, "ver": "0.15.3", "n": 30, "name": "WLED", "rssi": -55, "qual": 90}
    await sock.disconnect()


@pytest.mark.parametrize("failure", ["hang", "error", "garbage", "down"])
async def test_a_failing_wled_api_disturbs_nothing_else(server, web_api, udp, caplog, failure):
    caplog.set_level(logging.INFO, logger="effects")
    standin, sock = await wled_rendering_with_diag(server, web_api, udp)
    undisturbed = await diag_reports(sock, 3)
    good_phy = undisturbed[-1]["phy"]
    assert good_phy["ver"] == "0.15.3"

    # (stopping the stand-in's HTTP server blocks for up to half a second: not in this loop)
    await asyncio.to_thread(standin.set_mode, failure)
    disturbed = await diag_reports(sock, 4)
    await asyncio.to_thread(standin.set_mode, "ok")
    recovered = await diag_reports(sock, 2)
    await sock.disconnect()

    mean = lambda reports: np.mean([report["fps"] for report in reports])  # noqa: E731
    assert abs(mean(disturbed) - mean(undisturbed)) <= 0.05 * mean(undisturbed), (disturbed, undisturbed)
    assert all(report["phy"] == good_phy for report in disturbed)
    assert recovered[-1]["phy"] == good_phy
    failures = [record for record in caplog.records if "reading /json/info of wled" in record.getMessage()]
    assert [record.levelname for record in failures] == ["ERROR", "WARNING"], [record.getMessage() for record in failures]
    assert (await Device.objects.aget(id="wled")).online is True


async def test_an_unreachable_wled_goes_offline_and_comes_back(server, web_api, udp):
    standin, sock = await wled_rendering_with_diag(server, web_api, udp)
    await diag_reports(sock, 1)
    await asyncio.to_thread(standin.set_mode, "down")
    await wait_for_status(sock, "wled", False)
    await asyncio.to_thread(standin.set_mode, "ok")
    await wait_for_status(sock, "wled", True)
    await sock.disconnect()


async def wait_for_status(sock, device_id, online, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        event = json.loads(await sock.receive_from(timeout=max(0.1, deadline - time.monotonic())))
        if event.get("event_type") == "devices_updated" and event["device_id"] == device_id:
            if (await sync_to_async(Device.objects.get)(id=device_id)).online is online:
                return


async def test_an_unreachable_ddp_receiver_goes_offline_and_comes_back(server):
    transport, _, port = await ddp_listener()
    transport.close()  # nothing listens: sends are refused
    sock, _ = await open_socket(server)
    await sock.send_to(text_data=json.dumps({"id": 1, "type": "subscribe_event", "event_type": "devices_updated"}))
    await rest(server, "POST", "/api/devices", {"type": "ddp", "config": {"name": "Far", "pixel_count": 30, "ip_address": "127.0.0.1", "port": port}})
    await rest(server, "POST", "/api/virtuals/far/effects", {"type": "rainbow"})
    await wait_for_status(sock, "far", False)
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(asyncio.DatagramProtocol, local_addr=("127.0.0.1", port))
    await wait_for_status(sock, "far", True)
    transport.close()
    await sock.disconnect()


class Datagrams(asyncio.DatagramProtocol):
    def __init__(self):
        self.received = []

    def datagram_received(self, data, addr):
        self.received.append(data)


async def test_wled_udp_sync_mode_sends_drgb(server, web_api):
    transport, sink = await asyncio.get_running_loop().create_datagram_endpoint(Datagrams, local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    standin = web_api(fixture("0.15.3"))
    await open_socket(server)
    await rest(server, "POST", "/api/devices", {"type": "wled", "config": {"ip_address": standin.address, "sync_mode": "UDP", "port": port}})
    await rest(server, "POST", "/api/virtuals/wled/effects", {"type": "singleColor", "config": {"color": "#102030"}})
    await wait_until(lambda: len(sink.received) >= 5, what="5 frames at the sink")
    transport.close()
    assert sink.received[-1] == bytes([2, 1]) + bytes([16, 32, 48]) * 30


@pytest.mark.parametrize(
    "mode, reason",
    [
        ("redirect", "answered with a redirect, which is not followed"),
        ("huge", "answered more than 64 KiB"),
        ("drip", "no answer within 0.8 s"),
        ("garbage", "answered something that is not JSON"),
        ("error", "answered HTTP 500"),
    ],
)
async def test_asking_an_address_that_is_not_a_wled_says_only_what_was_wrong(web_api, mode, reason):
    standin = web_api(fixture(FIXTURE_VERSIONS[0]))
    standin.set_mode(mode)
    started = time.monotonic()
    with pytest.raises(WledError) as refused:
        await asyncio.to_thread(fetch_info, standin.address)
    assert str(refused.value) == reason
    assert time.monotonic() - started < 1.5
