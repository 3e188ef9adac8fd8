"""A sound card input through PortAudio, for real: ALSA's null device (silence, as fast as
it is read), configured by an .asoundrc in the server's HOME, opened by the render worker
of an embedded server."""

import pytest

from tests.conftest import http, wait_until, ws_connect, ws_json, ws_subscribe

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ASOUNDRC = """pcm.silence {
    type null
    hint { show on description "Silence" }
}
"""


async def test_a_sound_card_input_is_listed_first_and_read_by_the_worker(live_servers, tmp_path):
    (tmp_path / ".asoundrc").write_text(ASOUNDRC)
    server = live_servers(REDIS_URL="", HOME=str(tmp_path))
    devices = (await http("GET", server.http + "/api/audio/devices")).json()["devices"]
    assert devices["0"] == "ALSA: silence"
    watcher, _ = await ws_connect(server.ws)
    await ws_subscribe(watcher, 1, "audio_diag")
    assert (await http("PUT", server.http + "/api/audio/devices", json={"audio_device": 0})).json() == {"status": "success"}
    event = await ws_json(watcher, timeout=10)
    assert (event["event_type"], event["source"], event["block_rate"]) == ("audio_diag", "ALSA: silence", 60.0)
    assert event["blocks"] > 0
    await watcher.close()
    await wait_until(lambda: "recording ALSA: silence" in server.log_text(), what="the worker's log line")
    server.assert_clean_log()
