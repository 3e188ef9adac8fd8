"""daphne's websocket transport (autobahn), set up for PROTOCOL.md §2's close codes."""

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
