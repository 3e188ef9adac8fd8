"""Render loops: one asyncio task per active virtual, its effect rendered in a thread.

The database says what should render; `Renderer.reconcile()` makes the running loops
match it. A loop renders at its devices' refresh rate against absolute deadlines (so a
late wake-up shortens the next sleep instead of lowering the rate), writes the frame into
its devices' buffers, sends them, and reports virtual_diag / general_diag once a second.
"""

import asyncio
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from channels.db import database_sync_to_async

from diagnostics.logsec import LogSec, unknown_phy
from effects import services
from effects.base import EFFECTS
from effects.models import Device, Virtual, columns_of, pixel_count_of
from effects.outputs import OUTPUTS
from ledfxsite.constants import DEFAULT_REFRESH_RATE
from ledfxsite.events import afire_event
from ledfxsite.streaks import FailureStreak

logger = logging.getLogger(__name__)

DIAGNOSTICS_PERIOD = 1.0


@dataclass(frozen=True)
class DeviceSpec:
    id: str
    type: str
    pixel_count: int
    refresh_rate: int
    ip_address: str
    config_json: str

    def output(self, reporter):
        return OUTPUTS[self.type](
            device_id=self.id,
            pixel_count=self.pixel_count,
            ip_address=self.ip_address,
            config=json.loads(self.config_json),
            reporter=reporter,
        )


@dataclass(frozen=True)
class VirtualSpec:
    """Everything a render loop needs, read from the database in one go; comparable, so
    that a reconcile restarts only the loops whose virtual changed."""

    id: str
    rows: int
    segments: tuple
    effect_type: str
    effect_config_json: str
    devices: tuple

    @property
    def pixel_count(self):
        return pixel_count_of(self.segments)

    @property
    def columns(self):
        return columns_of(self.pixel_count, self.rows)

    @property
    def refresh_rate(self):
        return min((device.refresh_rate for device in self.devices), default=DEFAULT_REFRESH_RATE)

    @property
    def effect_config(self):
        return json.loads(self.effect_config_json)

    def same_layout(self, other):
        """Same effect on the same pixels: a config change is applied in place."""
        return (self.rows, self.segments, self.effect_type, self.devices) == (
            other.rows,
            other.segments,
            other.effect_type,
            other.devices,
        )


def rendering_specs():
    """{virtual id: VirtualSpec} of every virtual that should render now."""
    devices = {
        device.id: DeviceSpec(
            device.id, device.type, device.pixel_count, device.refresh_rate, device.ip_address, json.dumps(device.config, sort_keys=True)
        )
        for device in Device.objects.all()
    }
    specs = {}
    for virtual in Virtual.objects.filter(active=True).exclude(effect_type=""):
        if virtual.effect_type not in EFFECTS or not virtual.segments:
            continue
        segments = tuple(tuple(segment) for segment in virtual.segments)
        if any(device_id not in devices for device_id, *_ in segments):
            continue
        used = tuple(sorted({devices[device_id] for device_id, *_ in segments}, key=lambda device: device.id))
        specs[virtual.id] = VirtualSpec(
            virtual.id, max(1, virtual.rows), segments, virtual.effect_type, json.dumps(virtual.effect_config, sort_keys=True), used
        )
    return specs


class Renderer:
    """The render loops and device outputs of this worker; also the outputs' reporter,
    turning what they notice (online or not, device info) into database writes."""

    def __init__(self, *, render_threads=4):
        self.loops = {}
        self.outputs = {}  # device id -> (DeviceSpec, Output)
        self.executor = ThreadPoolExecutor(max_workers=render_threads, thread_name_prefix="render")
        self.background = set()
        self.report_streak = FailureStreak(logger, "recording device status")

    async def reconcile(self):
        await self.apply(await database_sync_to_async(rendering_specs)())

    async def apply(self, specs):
        for virtual_id in list(self.loops):
            spec = specs.get(virtual_id)
            loop = self.loops[virtual_id]
            if spec is None or not spec.same_layout(loop.spec):
                loop.stop()
                del self.loops[virtual_id]
        self.close_unused_outputs(specs)
        for virtual_id, spec in specs.items():
            if virtual_id in self.loops:
                self.loops[virtual_id].reconfigure(spec)
            else:
                outputs = {device.id: await self.output(device) for device in spec.devices}
                self.loops[virtual_id] = VirtualLoop(spec, outputs, self.executor)
                logger.info("rendering %s: %s on %d pixels at %d fps", virtual_id, spec.effect_type, spec.pixel_count, spec.refresh_rate)

    async def output(self, device):
        if device.id not in self.outputs:
            output = device.output(self)
            await output.open()
            self.outputs[device.id] = (device, output)
        return self.outputs[device.id][1]

    def close_unused_outputs(self, specs):
        wanted = {device.id: device for spec in specs.values() for device in spec.devices}
        for device_id, (device, output) in list(self.outputs.items()):
            if wanted.get(device_id) != device:
                output.close()
                del self.outputs[device_id]

    def device_online(self, device_id, online):
        self.record(services.device_set_online, device_id=device_id, online=online)

    def device_info(self, device_id, info):
        self.record(services.device_record_info, device_id=device_id, info=info)

    def record(self, service, **kwargs):
        """Run a service off the render path; a failure is logged, never raised."""

        async def run():
            try:
                await database_sync_to_async(service)(**kwargs)
            except Exception as exc:
                self.report_streak.failed(exc)
            else:
                self.report_streak.succeeded()

        task = asyncio.create_task(run())
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def stop(self):
        for loop in self.loops.values():
            loop.stop()
        await asyncio.gather(*(loop.task for loop in self.loops.values()), *self.background, return_exceptions=True)
        self.loops.clear()
        self.close_unused_outputs({})
        self.executor.shutdown(wait=False, cancel_futures=True)


def timed_render(effect, t):
    start = time.perf_counter()
    frame = effect.render(t)
    return frame, start, time.perf_counter()


class VirtualLoop:
    def __init__(self, spec, outputs, executor):
        self.spec = spec
        self.outputs = outputs
        self.executor = executor
        self.effect = EFFECTS[spec.effect_type](rows=spec.rows, columns=spec.columns, config=spec.effect_config)
        self.next_spec = None
        self.logsec = LogSec()
        self.render_streak = FailureStreak(logger, f"rendering {spec.id}")
        self.event_streak = FailureStreak(logger, f"diagnostics of {spec.id}")
        self.task = asyncio.create_task(self.run(), name=f"render-{spec.id}")

    def reconfigure(self, spec):
        """Take a new config at the next frame boundary (the effect may be mid-render)."""
        if spec != self.spec:
            self.next_spec = spec

    def stop(self):
        self.task.cancel()

    def apply_next_spec(self):
        spec, self.next_spec = self.next_spec, None
        was_diag = self.effect.config["diag"]
        self.effect.update(spec.effect_config)
        if self.effect.config["diag"] and not was_diag:
            self.logsec = LogSec()  # no report until a whole second has been measured anew
        self.spec = spec

    async def run(self):
        loop = asyncio.get_running_loop()
        period = 1.0 / self.spec.refresh_rate
        started = time.perf_counter()
        deadline = started
        next_diagnostics = started + DIAGNOSTICS_PERIOD
        while True:
            if self.next_spec is not None:
                self.apply_next_spec()
            try:
                frame, render_start, render_end = await loop.run_in_executor(
                    self.executor, timed_render, self.effect, time.perf_counter() - started
                )
                self.write(frame)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.render_streak.failed(exc)
            else:
                self.render_streak.succeeded()
                report_general = render_end >= next_diagnostics
                if report_general:
                    next_diagnostics = max(next_diagnostics + DIAGNOSTICS_PERIOD, render_end)
                await self.report(render_start, render_end, report_general)
            deadline += period
            now = time.perf_counter()
            if deadline < now - period:  # more than a frame behind: do not race to catch up
                deadline = now
            await asyncio.sleep(max(0.0, deadline - now))

    def write(self, frame):
        """Lay the virtual's pixels onto its devices' segments, end to end, and send them."""
        offset = 0
        for device_id, first, last, invert in self.spec.segments:
            length = last - first + 1
            part = frame[offset : offset + length]
            self.outputs[device_id].frame[first : first + len(part)] = part[::-1] if invert else part
            offset += length
        for output in self.outputs.values():
            output.send()

    def phy(self):
        """The device's physical info when the virtual drives exactly one device."""
        if len(self.outputs) == 1:
            return next(iter(self.outputs.values())).phy()
        return unknown_phy()

    async def report(self, render_start, render_end, report_general):
        """virtual_diag when a second is complete and diag is on; general_diag once a
        second from effects that have something to say. A failing event bus never stops
        rendering."""
        report = self.logsec.frame(render_start, render_end)
        text = self.effect.diagnostics() if report_general else None
        try:
            if report is not None and self.effect.config["diag"]:
                await afire_event("virtual_diag", virtual_id=self.spec.id, **report.fields(), phy=self.phy())
            if text is not None:
                await afire_event("general_diag", debug=text, scroll=False)
        except Exception as exc:
            self.event_streak.failed(exc)
        else:
            self.event_streak.succeeded()
