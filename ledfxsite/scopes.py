"""Plain ASGI: reading a request's headers, and answering with JSON before any handler."""

import ipaddress
import json


def header(scope, name):
    """A request header's value (the first, as latin-1 text), or "" when it is absent."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return ""


async def send_json(send, status, payload, headers=()):
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


def client_ip(scope, trusted_proxies):
    """The TCP peer, or the first X-Forwarded-For hop when the peer is a trusted proxy."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    if peer not in trusted_proxies:
        return peer
    forwarded = header(scope, b"x-forwarded-for")
    first_hop = forwarded.split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(first_hop))
    except ValueError:
        return peer


def request_ip(request, trusted_proxies):
    """client_ip of a Django request: from its ASGI scope, or REMOTE_ADDR (a WSGI request,
    such as the test client's)."""
    scope = getattr(request, "scope", None) or {"client": (request.META.get("REMOTE_ADDR", ""), 0)}
    return client_ip(scope, trusted_proxies)
