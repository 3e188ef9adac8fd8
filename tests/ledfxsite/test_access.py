"""Optional authentication (ledfxsite/access.py): off, the server is open as LedFx is; on,
a logged-in browser session or an API token is needed, and changing things needs the
`ledfxsite.control` permission. Through the ASGI application: real handshakes and requests."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Permission, User
from django.test import Client

from clients.models import ClientConnection
from effects.models import Device
from ledfxsite.models import ApiToken
from tests.conftest import asgi_request, communicator_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

DEVICE = json.dumps({"type": "dummy", "config": {"name": "Strip", "pixel_count": 10}}).encode()


@pytest.fixture
def auth_on(settings):
    settings.AUTH_REQUIRED = True


@sync_to_async
def make_user(name, *, control):
    user = User.objects.create_user(name, password="pw")
    if control:
        user.user_permissions.add(Permission.objects.get(codename="control", content_type__app_label="ledfxsite"))
    return user


@sync_to_async
def token_for(user, name="script"):
    token = ApiToken(user=user, name=name)
    secret = token.issue()
    token.save()
    return token, secret


@sync_to_async
def session_cookie(name):
    """A logged-in browser's cookie, made by Django's own login."""
    browser = Client()
    assert browser.login(username=name, password="pw")
    return f"sessionid={browser.cookies['sessionid'].value}".encode()


async def handshake(server, headers=(), path="/api/websocket"):
    communicator = communicator_for(server, headers=list(headers), path=path)
    connected, _ = await communicator.connect(timeout=5)
    if connected:
        await communicator.disconnect()
    return connected


async def test_without_auth_required_everything_is_open_as_in_ledfx(server):
    assert (await asgi_request(server, "POST", "/api/devices", DEVICE))[0] == 200
    assert await handshake(server)


async def test_anonymous_requests_and_handshakes_are_refused(server, auth_on):
    status, body, headers = await asgi_request(server, "GET", "/api/devices")
    assert (status, headers[b"www-authenticate"]) == (401, b"Bearer")
    assert json.loads(body)["payload"]["reason"] == "Authentication required: log in at /login/ or send Authorization: Bearer <token>"
    assert (await asgi_request(server, "POST", "/api/devices", DEVICE))[0] == 401
    assert (await asgi_request(server, "POST", "/api/clients", b'{"action": "sync"}'))[0] == 401
    assert not await handshake(server)
    assert not await sync_to_async(Device.objects.exists)()


async def test_the_ui_page_sends_an_anonymous_browser_to_the_login_page(server, auth_on):
    status, _, headers = await asgi_request(server, "GET", "/")
    assert (status, headers[b"location"]) == (302, b"/login/?next=/")


async def test_a_logged_in_browser_session_may_use_the_api_and_the_websocket(server, auth_on):
    await make_user("ann", control=True)
    cookie = [(b"cookie", await session_cookie("ann"))]
    assert (await asgi_request(server, "POST", "/api/devices", DEVICE, headers=cookie))[0] == 200
    assert await handshake(server, headers=cookie)
    assert (await asgi_request(server, "GET", "/api/devices", headers=cookie))[0] == 200


async def test_a_token_authenticates_by_header_or_websocket_query_and_its_use_is_recorded(server, auth_on):
    token, secret = await token_for(await make_user("ha", control=True))
    bearer = [(b"authorization", f"Bearer {secret}".encode())]
    assert (await asgi_request(server, "POST", "/api/devices", DEVICE, headers=bearer))[0] == 200
    assert await handshake(server, headers=bearer)
    assert await handshake(server, path=f"/api/websocket?token={secret}")
    await token.arefresh_from_db()
    assert token.last_used_at is not None
    assert secret not in (token.lookup, token.hashed)  # only its start and its hash are kept


async def test_a_revoked_or_wrong_token_is_refused(server, auth_on):
    token, secret = await token_for(await make_user("ha", control=True))
    await sync_to_async(token.revoke)()
    for wrong in (secret, secret[:-1] + ("A" if secret[-1] != "A" else "B"), "lfx_nope", "nope"):
        assert (await asgi_request(server, "GET", "/api/devices", headers=[(b"authorization", f"Bearer {wrong}".encode())]))[0] == 401
        assert not await handshake(server, path=f"/api/websocket?token={wrong}")


async def test_users_without_the_control_permission_may_watch_but_not_change(server, auth_on):
    viewer = await make_user("viewer", control=False)
    _, secret = await token_for(viewer)
    bearer = [(b"authorization", f"Bearer {secret}".encode())]
    assert (await asgi_request(server, "GET", "/api/devices", headers=bearer))[0] == 200
    assert await handshake(server, headers=bearer)
    status, body, _ = await asgi_request(server, "POST", "/api/devices", DEVICE, headers=bearer)
    assert (status, json.loads(body)["payload"]["reason"]) == (403, "viewer may watch but not change anything")
    assert not await sync_to_async(Device.objects.exists)()


async def test_an_inactive_users_token_is_refused(server, auth_on):
    user = await make_user("gone", control=True)
    _, secret = await token_for(user)
    user.is_active = False
    await user.asave()
    assert (await asgi_request(server, "GET", "/api/devices", headers=[(b"authorization", f"Bearer {secret}".encode())]))[0] == 401


async def test_strict_sync_lets_a_user_sync_their_own_connection_from_anywhere(server, auth_on, settings):
    settings.STRICT_CLIENT_SYNC = True
    ann, bob = await make_user("ann", control=True), await make_user("bob", control=True)
    (_, ann_secret), (_, bob_secret) = await token_for(ann), await token_for(bob)
    communicator = communicator_for(server, ip="10.0.0.9", headers=[(b"authorization", f"Bearer {ann_secret}".encode())])
    assert (await communicator.connect(timeout=5))[0]
    client_id = json.loads(await communicator.receive_from(timeout=5))["client_id"]
    await communicator.send_to(text_data='{"id": 1, "type": "probe"}')
    await communicator.receive_from(timeout=5)  # answered: the row is written
    row = await sync_to_async(ClientConnection.objects.get)(client_id=client_id)
    assert row.user_id == ann.pk
    sync = json.dumps({"action": "sync", "client_id": client_id}).encode()
    as_ann = (await asgi_request(server, "POST", "/api/clients", sync, headers=[(b"authorization", f"Bearer {ann_secret}".encode())]))[1]
    as_bob = (await asgi_request(server, "POST", "/api/clients", sync, headers=[(b"authorization", f"Bearer {bob_secret}".encode())]))[1]
    assert json.loads(as_ann) == {"status": "success", "action": "sync"}
    assert json.loads(as_bob)["payload"]["reason"] == f"Client {client_id} is not connected from 127.0.0.1"
    await communicator.disconnect()
