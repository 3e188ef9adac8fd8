"""Render loops: one render thread per worker renders every active virtual.

The database says what should render; `Renderer.reconcile()` (on the event loop) makes the
running loops match it. The render thread renders each virtual at its devices' refresh
rate against absolute deadlines (so a late wake-up shortens the next sleep instead of
lowering the rate), writes the frame into its devices' buffers and sends them (UDP sends
never block), all without the event loop: per frame there is one wake-up, of this thread.
Only what is rare goes back to the event loop, with call_soon_threadsafe: virtual_diag /
general_diag once a second, previews while someone watches them (effects.previews), and
the outputs' online/offline and device-info reports.

An asyncio task per virtual that handed every frame to a thread pool and back woke the
event loop twice a frame; bench/render.py's per-thread CPU shows what that cost
(bench/results/render-20261127T050028Z.md, before, against render-latest.md).
"""

import asyncio
import collections
import json
import logging
import math
import threading
import time
from dataclasses import dataclass

import numpy as np
from channels.db import database_sync_to_async
from django.utils import timezone

from diagnostics.logsec import LogSec, unknown_phy
from effects import services
from effects.audio_effects import AudioFeed
from effects.base import EFFECTS
from effects.calibration import calibrate
from effects.flashes import Flash, flashed
from effects.history import WORKER, acting
from effects.leases import LeaseKeeper
from effects.models import CoreConfig, Device, Virtual, columns_of, pixel_count_of
from effects.outputs import OUTPUTS
from effects.previews import Previews
from effects.transitions import Transition
from ledfxsite.audio import MAX_FREQUENCY, MIN_FREQUENCY
from ledfxsite.constants import DEFAULT_REFRESH_RATE
from ledfxsite.events import afire_event
from ledfxsite.layers import ALL_VIRTUALS
from ledfxsite.streaks import FailureStreak

logger = logging.getLogger(__name__)

DIAGNOSTICS_PERIOD = 1.0
# Online/offline changes waiting to be recorded (the database is down, or slower than a
# device flaps): beyond this, the oldest are dropped, and that is logged.
MAX_QUEUED_TRANSITIONS = 10_000


@dataclass(frozen=True)
class DeviceSpec:
    id: str
    type: str
    pixel_count: int
    rows: int
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
    max_brightness: float = 1.0
    preview_only: bool = False
    fallback_until: float | None = None  # time.time() when the effect before comes back
    grouping: int = 1
    center_offset: int = 0
    transition_seconds: float = 0.0
    transition_mode: str = "None"
    mapping: str = "span"
    rotate: int = 0
    frequencies: tuple = (MIN_FREQUENCY, MAX_FREQUENCY)
    calibrating: bool = False
    highlight: tuple = ()  # (device_id, start, stop, flip) while one is highlighted

    @property
    def pixel_count(self):
        return pixel_count_of(self.segments, self.mapping)

    @property
    def columns(self):
        return columns_of(self.pixel_count, self.rows)

    @property
    def refresh_rate(self):
        return min((device.refresh_rate for device in self.devices), default=DEFAULT_REFRESH_RATE)

    @property
    def effect_config(self):
        return json.loads(self.effect_config_json)

    @property
    def rendered_shape(self):
        """(rows, columns) the effect renders: the virtual's, or with grouping a strip of
        one pixel per group."""
        if self.grouping <= 1:
            return self.rows, self.columns
        return 1, math.ceil(self.pixel_count / self.grouping)

    def same_layout(self, other):
        """The same pixels, turned and heard the same way: another config or effect is
        applied in place (another effect through the virtual's transition)."""
        return (self.rows, self.segments, self.devices, self.grouping, self.mapping, self.rotate, self.frequencies) == (
            other.rows,
            other.segments,
            other.devices,
            other.grouping,
            other.mapping,
            other.rotate,
            other.frequencies,
        )


def resampled(frame, length):
    """A frame stretched or shrunk to `length` pixels, each channel interpolated linearly."""
    if len(frame) == length:
        return frame
    positions = np.linspace(0, len(frame) - 1, length)
    return np.stack([np.interp(positions, np.arange(len(frame)), frame[:, channel]) for channel in range(3)], axis=1).astype(np.uint8)


def spread(frame, *, pixel_count, grouping, center_offset):
    """A rendered frame onto the virtual's pixels (LedFx's virtual options): each rendered
    pixel repeated `grouping` times, then all of them shifted along by `center_offset`."""
    if grouping > 1:
        frame = np.repeat(frame, grouping, axis=0)[:pixel_count]
    if center_offset:
        frame = np.roll(frame, center_offset, axis=0)
    return frame


def rendering_state():
    """({virtual id: VirtualSpec} of every virtual that should render now, the CoreConfig)."""
    core = CoreConfig.current()
    if core.paused:
        return {}, core
    devices = {
        device.id: DeviceSpec(
            device.id,
            device.type,
            device.pixel_count,
            device.rows,
            device.refresh_rate,
            device.ip_address,
            json.dumps(device.config, sort_keys=True),
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
        config = virtual.config
        specs[virtual.id] = VirtualSpec(
            virtual.id,
            max(1, virtual.rows),
            segments,
            virtual.effect_type,
            json.dumps(virtual.effect_config, sort_keys=True),
            used,
            config["max_brightness"],
            config["preview_only"],
            virtual.fallback_until.timestamp() if virtual.fallback_until else None,
            max(1, config["grouping"]),
            config["center_offset"],
            config["transition_time"],
            config["transition_mode"],
            config["mapping"],
            config["rotate"],
            (config["frequency_min"], config["frequency_max"]),
            virtual.calibrating,
            tuple(virtual.highlight),
        )
    return specs, core


class Renderer:
    """The render loops and device outputs of this worker, and its render thread; also the
    outputs' reporter, turning what they notice (online or not, device info) into database
    writes on the event loop.

    Shared with the render thread: `running` (a tuple, replaced, never changed in place),
    each loop's `spec` and `stopped`, and the outputs. `lock` is held while a frame is
    written and sent, and while loops stop and outputs close, so nothing is sent through
    a closed output.
    """

    def __init__(self):
        self.loops = {}
        self.outputs = {}  # device id -> (DeviceSpec, Output)
        self.running = ()
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.thread = None
        self.stopping = False
        self.event_loop = None
        self.background = set()
        self.brightness = 1.0  # global_brightness, read by the render thread
        self.previews = Previews()
        self.audio = AudioFeed()
        self.leases = LeaseKeeper()
        self.fallback_timers = {}  # virtual id -> (deadline, asyncio.TimerHandle)
        self.transitions = collections.deque()  # (device id, online, reason, seen at), to record
        self.recording_transitions = False
        self.dropped_transitions = 0
        self.report_streak = FailureStreak(logger, "recording device status")
        self.thread_streak = FailureStreak(logger, "render thread")

    async def reconcile(self):
        """Match the loops to the database: of the virtuals that should render, those this
        worker should render (effects.leases) and holds the lease of."""
        specs, core = await database_sync_to_async(rendering_state)()
        self.brightness = core.global_brightness
        self.audio.select(core.audio_device_name)
        self.previews.configure(fps=core.visualisation_fps, maxlen=core.visualisation_maxlen, mode=core.transmission_mode)
        mine = await self.leases.mine(list(specs))
        await self.apply({virtual_id: spec for virtual_id, spec in specs.items() if virtual_id in mine & self.leases.held})
        await self.leases.release(self.leases.held - mine)  # only once their loops have stopped
        held = await self.leases.claim(mine, specs)
        await self.apply({virtual_id: spec for virtual_id, spec in specs.items() if virtual_id in held})
        self.schedule_fallbacks({virtual_id: specs[virtual_id].fallback_until for virtual_id in held if specs[virtual_id].fallback_until})

    def flash(self, virtual_id, flash):
        """Lay a flash over the frames of a virtual this worker renders (ALL_VIRTUALS: of
        each), or end its flashes (flash None). A flash holds for one frame at least, so
        that one of no length (the force_color tool) shows once."""
        with self.lock:
            for loop in self.loops.values():
                if virtual_id in (ALL_VIRTUALS, loop.spec.id):
                    if flash is None:
                        loop.flashes = ()
                    else:
                        hold = max(flash["hold"], loop.period)
                        loop.flashes = (*loop.flashes, Flash(tuple(flash["color"]), flash["ramp"], hold, flash["fade"], time.monotonic()))

    def schedule_fallbacks(self, deadlines):
        """At each {virtual id: time.time()} deadline, the virtual's effect from before its
        fallback comes back (a service; it does nothing if the fallback ended or moved)."""
        for virtual_id, (until, handle) in list(self.fallback_timers.items()):
            if deadlines.get(virtual_id) != until:
                handle.cancel()
                del self.fallback_timers[virtual_id]
        loop = asyncio.get_running_loop()
        for virtual_id, until in deadlines.items():
            if virtual_id not in self.fallback_timers:
                handle = loop.call_later(max(0.0, until - time.time()), self.end_fallback, virtual_id)
                self.fallback_timers[virtual_id] = (until, handle)

    def end_fallback(self, virtual_id):
        self.fallback_timers.pop(virtual_id, None)
        self.background_task(self.run_service(services.virtual_fallback_end, {"virtual_id": virtual_id}))

    async def apply(self, specs):
        self.event_loop = asyncio.get_running_loop()
        with self.lock:
            for virtual_id in list(self.loops):
                spec = specs.get(virtual_id)
                loop = self.loops[virtual_id]
                if spec is None or not spec.same_layout(loop.spec):
                    loop.stopped = True
                    del self.loops[virtual_id]
                    logger.info("stopped rendering %s", virtual_id)
            self.close_unused_outputs(specs)
        for virtual_id, spec in specs.items():
            if virtual_id in self.loops:
                self.loops[virtual_id].reconfigure(spec)
            else:
                outputs = {device.id: await self.output(device) for device in spec.devices}
                self.loops[virtual_id] = VirtualLoop(spec, outputs, self)
                logger.info("rendering %s: %s on %d pixels at %d fps", virtual_id, spec.effect_type, spec.pixel_count, spec.refresh_rate)
        running = tuple(self.loops.values())
        if running != self.running:
            self.running = running
            self.start_thread()
            self.wake.set()

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

    # --- the render thread

    def start_thread(self):
        if self.thread is None:
            self.stopping = False
            self.thread = threading.Thread(target=self.render_forever, name="render", daemon=True)
            self.thread.start()

    def render_forever(self):
        """Render every loop whose deadline has come, then sleep until the next deadline
        (or until `wake`: loops were added or removed, or the renderer stops)."""
        while not self.stopping:
            self.wake.clear()
            running = self.running
            for loop in running:
                if loop.deadline <= time.perf_counter() and not loop.stopped:
                    try:
                        loop.frame()
                    except Exception as exc:  # a bug, not a failing effect: keep rendering the rest
                        self.thread_streak.failed(exc)
                    else:
                        self.thread_streak.succeeded()
            next_deadline = min((loop.deadline for loop in running), default=None)
            self.wake.wait(None if next_deadline is None else max(0.0, next_deadline - time.perf_counter()))

    def soon(self, callback, *args):
        """Run callback(*args) on the event loop (from any thread). A closed loop (the
        process is shutting down) drops it."""
        try:
            self.event_loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:
            pass

    # --- on the event loop

    def fire(self, events, streak):
        """Fire [(event type, fields)] in order, off the render thread; a failing event bus
        never stops rendering."""

        async def run():
            try:
                for event_type, fields in events:
                    await afire_event(event_type, **fields)
            except Exception as exc:
                streak.failed(exc)
            else:
                streak.succeeded()

        self.background_task(run())

    def device_online(self, device_id, online, reason):
        """An output saw its device go offline or come back (from any thread). Changes are
        queued with the time they were seen and recorded in batches, one batch at a time."""
        self.soon(self.queue_transition, (device_id, online, reason, timezone.now()))

    def queue_transition(self, transition):
        if len(self.transitions) == MAX_QUEUED_TRANSITIONS:
            self.transitions.popleft()
            self.dropped_transitions += 1
            if self.dropped_transitions == 1:
                logger.error("recording device status falls behind: dropping the oldest online/offline changes")
        self.transitions.append(transition)
        if not self.recording_transitions:
            self.recording_transitions = True
            self.background_task(self.record_transitions())

    async def record_transitions(self):
        """Record the queued changes, all of them in one transaction; the changes seen
        meanwhile make the next batch. A failed batch (its transaction rolled back) is
        tried again a second later, until the renderer stops."""
        try:
            while self.transitions:
                batch = list(self.transitions)
                self.transitions.clear()
                if not await self.run_service(services.devices_record_online, {"transitions": batch}) and not self.stopping:
                    self.transitions.extendleft(reversed(batch))
                    await asyncio.sleep(1.0)
        finally:
            self.recording_transitions = False

    def device_info(self, device_id, info):
        self.soon(self.record_info, device_id, info)

    def record_info(self, device_id, info):
        self.background_task(self.run_service(services.device_record_info, {"device_id": device_id, "info": info}))

    async def run_service(self, service, kwargs):
        """Run a service for the worker, off the render path; a failure is logged, never
        raised. Returns whether it succeeded."""
        try:
            with acting(WORKER):
                await database_sync_to_async(service)(**kwargs)
        except Exception as exc:
            self.report_streak.failed(exc)
            return False
        self.report_streak.succeeded()
        return True

    def background_task(self, coroutine):
        task = asyncio.get_running_loop().create_task(coroutine)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def stop(self):
        for _, handle in self.fallback_timers.values():
            handle.cancel()
        self.fallback_timers.clear()
        with self.lock:
            for loop in self.loops.values():
                loop.stopped = True
            self.loops.clear()
            self.running = ()
        self.stopping = True
        if self.thread is not None:
            self.wake.set()
            await asyncio.to_thread(self.thread.join)
            self.thread = None
        await asyncio.gather(*self.background, return_exceptions=True)
        self.close_unused_outputs({})
        await self.leases.stop()


def new_effect(spec):
    rows, columns = spec.rendered_shape
    return EFFECTS[spec.effect_type](rows=rows, columns=columns, config=spec.effect_config, rotate=spec.rotate, frequencies=spec.frequencies)


class VirtualLoop:
    """One virtual's rendering, run by the render thread: `frame()` when `deadline` comes.
    The event loop only sets `spec` (applied at the next frame boundary) and `stopped`."""

    def __init__(self, spec, outputs, renderer):
        self.spec = spec  # the latest wanted; the render thread applies it
        self.applied = spec  # what the effect renders now
        self.outputs = outputs
        self.renderer = renderer
        self.effect = new_effect(spec)
        self.transition = None  # from the effect before, while it lasts
        self.flashes = ()  # changed under the renderer's lock
        self.stopped = False
        self.audio_seen = None  # the audio feed's count at this loop's last frame
        self.logsec = LogSec()
        self.render_streak = FailureStreak(logger, f"rendering {spec.id}")
        self.event_streak = FailureStreak(logger, f"diagnostics of {spec.id}")
        self.preview_streak = FailureStreak(logger, f"previews of {spec.id}")
        self.period = 1.0 / spec.refresh_rate
        self.started = self.deadline = time.perf_counter()
        self.next_diagnostics = self.started + DIAGNOSTICS_PERIOD

    def reconfigure(self, spec):
        """Take a new config at the next frame boundary (the effect may be mid-render)."""
        if spec != self.spec:
            self.spec = spec

    def apply_spec(self, spec):
        was_diag = self.effect.config["diag"]
        if spec.effect_type == self.applied.effect_type:
            if spec.effect_config_json != self.applied.effect_config_json:  # not for calibration, say
                self.effect.update(spec.effect_config)
        else:
            old, self.effect = self.effect, new_effect(spec)
            self.transition = None
            if spec.transition_seconds > 0 and spec.transition_mode != "None":
                self.transition = Transition(
                    old_effect=old, mode=spec.transition_mode, seconds=spec.transition_seconds, started=time.perf_counter(), pixel_count=old.pixel_count
                )
        if self.effect.config["diag"] and not was_diag:
            self.logsec = LogSec()  # no report until a whole second has been measured anew
        self.applied = spec

    def frame(self):
        """Render, write and send one frame, report, and set the next deadline."""
        spec = self.spec
        if spec is not self.applied:
            self.apply_spec(spec)
        try:
            effects = [self.effect, *([self.transition.old_effect] if self.transition else [])]
            if any(effect.listens for effect in effects):
                audio, self.audio_seen = self.renderer.audio.for_frame(self.audio_seen)
                for effect in effects:
                    effect.audio = audio
            render_start = time.perf_counter()
            frame = self.effect.pixels(render_start - self.started)
            if self.transition is not None:
                done = self.transition.done(render_start)
                old_frame = self.transition.old_effect.pixels(render_start - self.started)
                frame = self.transition.blend(frame, old_frame, done)
                if done >= 1.0:
                    self.transition = None
            layout = self.applied
            frame = spread(frame, pixel_count=layout.pixel_count, grouping=layout.grouping, center_offset=layout.center_offset)
            render_end = time.perf_counter()
            with self.renderer.lock:
                if self.stopped:
                    return
                if self.flashes:
                    frame, self.flashes = flashed(frame, self.flashes, time.monotonic())
                previews = ()
                if self.renderer.leases.valid():  # else another worker may take it over any moment
                    self.write(frame)
                    previews = self.renderer.previews.frames(self.applied, frame, self.outputs, render_end)
        except Exception as exc:
            self.render_streak.failed(exc)
        else:
            self.render_streak.succeeded()
            if previews:
                self.renderer.soon(self.renderer.fire, previews, self.preview_streak)
            report_general = render_end >= self.next_diagnostics
            if report_general:
                self.next_diagnostics = max(self.next_diagnostics + DIAGNOSTICS_PERIOD, render_end)
            self.report(render_start, render_end, report_general)
        self.deadline += self.period
        now = time.perf_counter()
        if self.deadline < now - self.period:  # more than a frame behind: do not race to catch up
            self.deadline = now

    def write(self, frame):
        """Lay the virtual's pixels onto its devices' segments (end to end, or each a copy of
        the whole), at the global brightness times its own, and send them (unless it
        renders previews only). In calibration mode the devices show the segments instead,
        at full brightness (effects.calibration)."""
        if self.applied.preview_only:
            return
        if self.applied.calibrating:
            calibrate(self.outputs, self.applied.segments, self.applied.highlight, time.perf_counter() - self.started)
        else:
            self.lay_out(frame)
        for output in self.outputs.values():
            output.send()

    def lay_out(self, frame):
        brightness = self.renderer.brightness * self.applied.max_brightness
        if brightness < 1.0:
            frame = (frame * brightness).astype(np.uint8)
        offset = 0
        for device_id, first, last, invert in self.applied.segments:
            length = last - first + 1
            if self.applied.mapping == "copy":
                part = resampled(frame[: self.applied.pixel_count], length)
            else:
                part = frame[offset : offset + length]
                offset += length
            self.outputs[device_id].frame[first : first + len(part)] = part[::-1] if invert else part

    def phy(self):
        """The device's physical info when the virtual drives exactly one device."""
        if len(self.outputs) == 1:
            return next(iter(self.outputs.values())).phy()
        return unknown_phy()

    def report(self, render_start, render_end, report_general):
        """virtual_diag when a second is complete and diag is on; general_diag once a
        second from effects that have something to say; both fired on the event loop."""
        report = self.logsec.frame(render_start, render_end)
        events = []
        if report is not None and self.effect.config["diag"]:
            events.append(("virtual_diag", {"virtual_id": self.spec.id, **report.fields(), "phy": self.phy()}))
        if report_general and (text := self.effect.diagnostics()) is not None:
            events.append(("general_diag", {"debug": text, "scroll": False}))
        if events:
            self.renderer.soon(self.renderer.fire, events, self.event_streak)
