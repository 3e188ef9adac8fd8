"""Error codes and limits, each with its reason. README.md ("Limits and error codes") and
PROTOCOL.md §2's extension list document every one; a test checks that the README does."""

# Machine-readable `code` of websocket error frames (PROTOCOL.md §2, Ext).
ERR_INVALID_FORMAT = "invalid_format"  # a frame or a command's fields do not fit the protocol
ERR_UNKNOWN_COMMAND = "unknown_command"  # no command of that `type`
ERR_NOT_SUBSCRIBABLE = "not_subscribable"  # device_update (LedFx sends previews as visualisation_update)
ERR_TOO_LARGE = "too_large"  # over a limit below: broadcast payload, subscriptions
ERR_NAME_TAKEN = "name_taken"  # update_client_info with another connected client's name
ERR_NO_TARGETS = "no_targets"  # a broadcast that matched no connected client
ERR_SERVER_ERROR = "server_error"  # our fault, logged with a traceback; the socket stays open
ERR_RATE_LIMITED = "rate_limited"  # over WEBSOCKET_MESSAGES_PER_SECOND: the message is not handled
ERR_NO_AUDIO_STREAM = "no_audio_stream"  # audio_stream_config/data without audio_stream_start, or for another client name

# Close codes of our own, from the private-use range 4000-4999 (daphne's autobahn lets an
# application send no other code than 1000): 40xx echoes the nearest RFC 6455 code.
# A websocket whose connection cannot be recorded (the database is down); clients reconnect.
CLOSE_TRY_AGAIN_LATER = 4013
# RFC 6455's "going away": the server process is shutting down (SIGTERM); reconnect.
CLOSE_GOING_AWAY = 1001
# A websocket that does not read what it is sent (WEBSOCKET_MAX_QUEUED_BYTES wait for it).
CLOSE_SLOW_READER = 4008
# A websocket that goes on sending after RATE_LIMITED_BEFORE_CLOSE refusals in a row (HTTP's 429).
CLOSE_RATE_LIMITED = 4029
RATE_LIMITED_BEFORE_CLOSE = 100

# Websocket frames above this are closed with 1009 (daphne's --websocket_max_message_size default).
MAX_WEBSOCKET_MESSAGE_BYTES = 1024 * 1024
# LedFx 2.2's limit on a broadcast's payload, as JSON.
MAX_BROADCAST_PAYLOAD_BYTES = 2048
# Client names are shown in lists and in the admin; LedFx 2.2 sets no limit.
MAX_CLIENT_NAME_LENGTH = 100
# "Name (2)" ... "Name (1000)", then set_client_info gives up.
NAME_CONFLICT_ATTEMPTS = 1000

# POST /api/log (a client's log line into ours), as LedFx 2.2: printable ASCII, cut to this
# length, at most one line per second from a client address.
MAX_CLIENT_LOG_LENGTH = 200
CLIENT_LOG_SECONDS = 1.0

# Devices: the largest WLED build drives 16384 LEDs; 240 fps is beyond any LED protocol's use.
MAX_PIXELS = 16384
MAX_REFRESH_RATE = 240
DEFAULT_REFRESH_RATE = 62  # LedFx's default, and what WLED over DDP keeps up with

# Words read as true in query strings and environment variables.
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})
