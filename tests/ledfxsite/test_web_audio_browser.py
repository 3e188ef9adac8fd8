"""A browser's microphone drives the lights: LedFx 2.2.1's own web UI, in Chromium whose fake
microphone plays a click track, streams it through its web-audio button; the user picks
that input in Settings > Audio, and the beat strobe on a DDP device flashes with the clicks.

The clicks come at 100 BPM, not at the 120 BPM that audio-reactive effects fall back to
without a source, so flashes in time with them can only come from the browser's audio."""

import statistics
import wave

import numpy as np
import pytest

from tests.browser import Browser, chromium
from tests.conftest import http, wait_until
from tests.effects.standins import ddp_listener

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

CLICK_BPM = 100
CLICK_INTERVAL = 60 / CLICK_BPM
STREAM_NAME = "kitchen"


def write_click_track(path, *, seconds=6.0, rate=48000):
    """Decaying 100 Hz bursts on every beat; a whole number of beats, so that the browser's
    looping of the file keeps the tempo."""
    samples = np.zeros(int(seconds * rate))
    length = int(0.05 * rate)
    burst = 0.9 * np.sin(2 * np.pi * 100 * np.arange(length) / rate) * np.exp(-np.arange(length) / (0.01 * rate))
    for start in range(0, samples.size - length, int(CLICK_INTERVAL * rate)):
        samples[start : start + length] += burst
    with wave.open(str(path), "wb") as track:
        track.setnchannels(1)
        track.setsampwidth(2)
        track.setframerate(rate)
        track.writeframes((samples * 32767).astype("<i2").tobytes())


def flash_times(frames, *, threshold=200):
    """When the strip went from dark to lit, from (arrival time, frame) pairs; a flash
    already showing when they begin does not count."""
    times, lit = [], True
    for arrived, frame in frames:
        if frame[0] >= threshold and not lit:
            times.append(arrived)
        lit = frame[0] >= threshold
    return times


async def selected_input(server):
    return (await http("GET", server.http + "/api/audio/devices")).json()["active_device_name"]


async def test_the_ui_streams_its_microphone_and_the_strobe_flashes_with_its_clicks(live_servers, tmp_path):
    server = live_servers(REDIS_URL="")
    transport, listener, port = await ddp_listener()
    created = await http("POST", server.http + "/api/devices", json={"type": "ddp", "config": {"name": "Strip", "pixel_count": 30, "ip_address": "127.0.0.1", "port": port}})
    assert created.json()["status"] == "success", created.text
    # LedFx's BPM strobe, white, a flash a beat: (1 - phase) ** 2, over 200 for its first tenth
    white = "linear-gradient(90deg, #ffffff 0%, #ffffff 100%)"
    strobe = {"type": "strobe", "config": {"gradient": white, "strobe_frequency": "1/1 (.,. )", "strobe_decay": 1.0, "beat_decay": 0.0}}
    assert (await http("POST", server.http + "/api/virtuals/strip/effects", json=strobe)).json()["status"] == "success"
    track = tmp_path / "clicks.wav"
    write_click_track(track)
    microphone = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={track}", "--autoplay-policy=no-user-gesture-required"]

    async with chromium(microphone) as context:
        browser = Browser(context, server.http)
        page = await browser.open("#/settings")
        await page.get_by_text("Expert Mode", exact=True).click()  # the Features panel
        await page.get_by_text("Beta Mode", exact=True).click()  # its WebAudio switch
        await page.get_by_text("Features", exact=True).click()
        await page.locator("div", has=page.locator("label", has_text="WebAudio")).last.locator("input[type=checkbox]").check()
        await page.get_by_text("Audio", exact=True).first.click()
        await page.locator("[data-webaud]").click()
        await page.locator("#client-name").fill(STREAM_NAME)
        await page.locator(".MuiPopover-paper button").last.click()  # start
        await page.locator("#grouped-select").click()  # the Audio Device menu, listing the stream once it started
        await page.get_by_role("option", name=STREAM_NAME).click()
        await wait_until(lambda: _is(selected_input(server), f"WEB AUDIO: {STREAM_NAME}"), what="the browser's input selected")
        await browser.shot(page, "web-audio-selected")

        # the first beat comes once the analyser has heard enough clicks to know the tempo
        await wait_until(lambda: listener.frames and listener.frames[-1][1][0] >= 200, timeout=15, what="a first flash")
        first = len(listener.frames)
        await page.wait_for_timeout(6000)
        last = len(listener.frames)
        await browser.shot(page, "web-audio-streaming")
        assert browser.errors == []
    transport.close()
    flashes = flash_times(zip(listener.arrivals[first:last], (frame for _, frame in listener.frames[first:last])))
    intervals = np.diff(flashes)
    assert 9 <= len(flashes) <= 11, flashes  # 6 s after a flash: 10 clicks, give or take the edges
    assert abs(statistics.median(intervals) - CLICK_INTERVAL) < 0.05, intervals
    server.assert_clean_log()


async def _is(awaitable, expected):
    return await awaitable == expected
