"""WLED devices: what GET /json/info tells about them, the `phy` poller (off the render
path), and output over DDP or WLED's UDP realtime protocol."""

import asyncio
import json
import logging
import time

import requests

from diagnostics.logsec import unknown_phy
from effects.ddp import DdpOutput
from effects.outputs import Output, host_and_port, output_type
from effects.wled_udp import WledUdpOutput
from ledfxsite.streaks import FailureStreak

logger = logging.getLogger(__name__)

POLL_TIMEOUT = 0.8  # PROTOCOL.md §4.1
# A WLED's /json/info is 1-3 KiB; an address that answers more is not a WLED.
MAX_INFO_BYTES = 64 * 1024
# Adding a WLED waits this long for its /json/info before saving it offline.
DISCOVERY_TIMEOUT = 1.0
POLL_PERIOD = 1.0
OFFLINE_AFTER_FAILED_POLLS = 2
INFO_SAVE_PERIOD = 10.0
SENDERS = {"DDP": DdpOutput, "UDP": WledUdpOutput}


class WledError(Exception):
    """A WLED that did not answer /json/info usefully; the message says how."""


def fetch_info(address, timeout=POLL_TIMEOUT):
    """GET http://ADDRESS/json/info (ADDRESS: host or host:port), as a client of whatever a
    user typed: the whole answer within `timeout`, at most MAX_INFO_BYTES, no redirect
    followed, and nothing of a wrong answer passed on but what was wrong with it."""
    deadline = time.monotonic() + timeout
    try:
        with requests.get(f"http://{address}/json/info", timeout=timeout, allow_redirects=False, stream=True) as response:
            if response.is_redirect:
                raise WledError("answered with a redirect, which is not followed")
            response.raise_for_status()
            body = b""
            while chunk := response.raw.read1(8192):  # what has arrived, so the deadline holds
                body += chunk
                if len(body) > MAX_INFO_BYTES:
                    raise WledError(f"answered more than {MAX_INFO_BYTES // 1024} KiB")
                if time.monotonic() > deadline:
                    raise requests.Timeout
        info = json.loads(body)
    except requests.Timeout:
        raise WledError(f"no answer within {timeout:g} s") from None
    except requests.ConnectionError:
        raise WledError("connection refused or host unreachable") from None
    except requests.HTTPError as exc:
        raise WledError(f"answered HTTP {exc.response.status_code}") from None
    except (ValueError, RecursionError):
        raise WledError("answered something that is not JSON") from None
    if not isinstance(info, dict) or not isinstance(info.get("leds"), dict):
        raise WledError("answered JSON that is not a WLED /json/info")
    return info


def phy_from_info(info):
    """virtual_diag's `phy` from a /json/info (PROTOCOL.md §4.1); null where absent."""
    leds, wifi = info.get("leds") or {}, info.get("wifi") or {}
    return {
        "fps": leds.get("fps"),
        "ver": info.get("ver"),
        "n": leds.get("count"),
        "name": info.get("name"),
        "rssi": wifi.get("rssi"),
        "qual": wifi.get("signal"),
    }


def device_fields_from_info(info):
    """Name, pixel count and (for a matrix) rows, as a WLED describes itself."""
    leds = info["leds"]
    fields = {"name": info.get("name"), "pixel_count": leds.get("count")}
    matrix = leds.get("matrix")
    if isinstance(matrix, dict) and matrix.get("h"):
        fields["rows"] = matrix["h"]
    return {key: value for key, value in fields.items() if value is not None}


@output_type("wled")
class WledOutput(Output):
    """Frames go out over DDP (default) or WLED's UDP realtime protocol (config
    sync_mode); a poller reads /json/info about once a second for `phy` and decides
    whether the device is online."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        sender = SENDERS[self.config.get("sync_mode", "DDP")]
        host, _ = host_and_port(self.ip_address)
        self.sender = sender(
            device_id=self.device_id, pixel_count=self.pixel_count, ip_address=host, config=self.config, reporter=self
        )
        self.sender.frame = self.frame
        self.latest_phy = unknown_phy()
        self.online = None
        self.failed_polls = 0
        self.next_save = 0.0
        self.poller = None
        self.poll_streak = FailureStreak(logger, f"reading /json/info of {self.device_id} ({self.ip_address})")

    async def open(self):
        await self.sender.open()
        self.poller = asyncio.create_task(self.poll_loop(), name=f"poll-{self.device_id}")

    def send(self):
        self.sender.send()

    def phy(self):
        return dict(self.latest_phy)

    def device_online(self, device_id, online, reason):
        """Send errors of the sender: logged by it; the poller decides a WLED's status."""

    async def poll_loop(self):
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                info = await loop.run_in_executor(None, fetch_info, self.ip_address)
            except WledError as exc:
                self.poll_failed(exc)
            else:
                self.poll_succeeded(info)
            await asyncio.sleep(max(0.0, POLL_PERIOD - (loop.time() - started)))

    def poll_succeeded(self, info):
        self.poll_streak.succeeded()
        self.latest_phy = phy_from_info(info)
        self.failed_polls = 0
        if self.online is not True:
            self.online = True
            self.reporter.device_online(self.device_id, True, "its /json/info answers again")
        if time.monotonic() >= self.next_save:
            self.next_save = time.monotonic() + INFO_SAVE_PERIOD
            self.reporter.device_info(self.device_id, self.latest_phy)

    def poll_failed(self, exc):
        """Keep the last good phy; offline after a few failures in a row."""
        self.poll_streak.failed(exc)
        self.failed_polls += 1
        if self.failed_polls >= OFFLINE_AFTER_FAILED_POLLS and self.online is not False:
            self.online = False
            self.reporter.device_online(self.device_id, False, f"{OFFLINE_AFTER_FAILED_POLLS} reads of /json/info failed, the last: {exc}")

    def close(self):
        if self.poller:
            self.poller.cancel()
        self.sender.close()
