"""Reading ASGI scopes."""


def header(scope, name):
    """A request header's value (the first, as latin-1 text), or "" when it is absent."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return ""
