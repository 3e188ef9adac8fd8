"""daphne's websocket transport (autobahn): PROTOCOL.md §2's close codes, and less work per connection."""

import inspect

from daphne.ws_protocol import WebSocketFactory


def close_protocol_errors_with_a_handshake():
    """Frames over daphne's --websocket-max-message-size must close with 1009.

    autobahn enforces that limit, but by default it drops the TCP connection instead
    (the client sees 1006), and it refuses any close code an application sends other than
    1000 and 3000-4999, so only autobahn itself can send 1009. With failByDrop off it
    performs the closing handshake with the proper code (1009 too big, 1002 protocol
    error, 1007 invalid UTF-8).
    """
    if getattr(WebSocketFactory, "closes_with_handshake", False):
        return
    reset = WebSocketFactory.resetProtocolOptions

    def reset_with_closing_handshake(self):
        reset(self)
        self.failByDrop = False

    WebSocketFactory.resetProtocolOptions = reset_with_closing_handshake
    WebSocketFactory.closes_with_handshake = True


class WhenFormatted:
    """A log argument computed only when the log line is formatted."""

    __slots__ = ("function", "args", "kwargs")

    def __init__(self, function, args, kwargs):
        self.function = function
        self.args = args
        self.kwargs = kwargs

    def __format__(self, spec):
        return format(self.function(*self.args, **self.kwargs), spec)

    def __str__(self):
        return str(self.function(*self.args, **self.kwargs))

    __repr__ = __str__


def lighter_websocket_connections():
    """Two per-connection costs of autobahn (daphne's websocket layer) that buy nothing here.

    autobahn computes the arguments of its debug log lines whether debug logging is on or
    not: a pprint of its ~40 protocol options for every new connection, and highlighted
    names for every frame sent. They are computed when a line is logged.

    Every connection also copied those options from the factory into its own __dict__;
    they are class attributes of a subclass per factory instead, the same values.
    """
    if getattr(WebSocketFactory, "shares_protocol_options", False):
        return
    import pprint

    from autobahn.twisted import websocket as autobahn_twisted
    from autobahn.websocket import protocol as autobahn_protocol

    for module in (autobahn_protocol, autobahn_twisted):
        for name in ("hltype", "hlval", "pformat"):
            if hasattr(module, name):
                setattr(module, name, lambda *args, _function=getattr(module, name), **kwargs: WhenFormatted(_function, args, kwargs))
    autobahn_protocol.Timings.__str__ = lambda self: pprint.pformat(self._timings)

    build = WebSocketFactory.buildProtocol

    def build_sharing_options(self, addr):
        protocol = build(self, addr)
        if protocol is not None:
            protocol.__class__ = protocol_class_with_options(self, type(protocol))
        return protocol

    WebSocketFactory.buildProtocol = build_sharing_options
    WebSocketFactory.shares_protocol_options = True


def protocol_class_with_options(factory, protocol_class):
    options = tuple((name, getattr(factory, name)) for name in protocol_class.CONFIG_ATTRS)
    cached = factory.__dict__.get("protocol_class_with_options")
    if cached is None or cached[0] != options or cached[1].__base__ is not protocol_class:
        # A function option (perMessageCompressionAccept, which browsers' permessage-deflate
        # offers reach) must stay a plain function, not become a method of the class.
        attributes = {name: staticmethod(value) if inspect.isfunction(value) else value for name, value in options}
        subclass = type(protocol_class.__name__, (protocol_class,), attributes)
        cached = factory.protocol_class_with_options = (options, subclass)
    return cached[1]
