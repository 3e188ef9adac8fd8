"""LedFx's REST API for devices, virtuals and effects: same paths, bodies and status codes
as LedFx 2.2, with its failures made readable (a bad value names its field, never a
Python error text, never a 500, and a refused effect leaves the current one running)."""

from functools import wraps

from django.http import JsonResponse
from django.http.request import split_domain_port
from django.views.decorators.csrf import csrf_exempt

from effects import services
from effects.base import EFFECTS
from effects.models import DEVICE_CONFIG, VIRTUAL_CONFIG, CoreConfig, Device, Virtual
from effects.services import ServiceError
from ledfxsite.rest import UnreadableBody, body_refusal, failed, json_object
from ledfxsite.schema import Field, Invalid, Schema

API_VERSION = "2.2.1"
# The version of LedFx 2.2.1's stored configuration, which its UI reads from /api/config.
CONFIGURATION_VERSION = "2.3.6"


def refused(reason):
    """LedFx answers a refused request with 200 so that its UI shows the reason."""
    return JsonResponse(failed(reason))


def succeeded(**fields):
    return JsonResponse({"status": "success", **fields})


def method_not_allowed(request, methods):
    reason = f"Method {request.method} is not allowed on {request.path} (allowed: {', '.join(methods)})"
    response = JsonResponse(failed(reason), status=405)
    response["Allow"] = ", ".join(methods)
    return response


def ledfx_endpoint(*methods, bodies=None):
    """CSRF-exempt (LedFx clients send no token), method-checked. A POST or PUT body must
    be a JSON object fitting the Schema `bodies` declares for the method; it arrives
    cleaned as `body`. ServiceError becomes a failed response."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def endpoint(request, **kwargs):
            if request.method not in methods:
                return method_not_allowed(request, methods)
            try:
                if request.method in ("POST", "PUT"):
                    kwargs["body"] = bodies[request.method].clean(json_object(request.body))
                return view(request, **kwargs)
            except UnreadableBody as error:
                return JsonResponse(error.payload, status=error.status)
            except Invalid as error:
                return refused(body_refusal(error))
            except ServiceError as error:
                return refused(str(error))

        return endpoint

    return decorate


def body(*fields):
    """A REST body: the declared fields, other keys passed on as they are."""
    return Schema(*fields, extra="keep")


CONFIG = Field("config", "object", required=True)


def device_or_error(device_id):
    device = Device.objects.filter(id=device_id).first()
    if device is None:
        raise ServiceError(f"Device with ID {device_id} not found")
    return device


def virtual_or_error(virtual_id):
    virtual = Virtual.objects.filter(id=virtual_id).first()
    if virtual is None:
        raise ServiceError(f"Virtual with ID {virtual_id} not found")
    return virtual


def device_listing(device, virtuals):
    on_device = [virtual for virtual in virtuals if any(segment[0] == device.id for segment in virtual.segments)]
    return {
        "config": device.as_ledfx()["config"],
        "id": device.id,
        "type": device.type,
        "online": device.online,
        "virtuals": [virtual.id for virtual in on_device],
        "active_virtuals": [virtual.id for virtual in on_device if virtual.active],
    }


@ledfx_endpoint("GET")
def info(request):
    return JsonResponse(
        {
            "url": request.build_absolute_uri("/").rstrip("/"),
            "name": "ledfxsite",
            "version": API_VERSION,
            "github_sha": "unknown",
            "is_release": "true",
            "developer_mode": False,
            "features": {"sendspin": False},
        }
    )


@ledfx_endpoint("GET", "POST", bodies={"POST": body(CONFIG, Field("type", "string", required=True))})
def devices(request, body=None):
    if request.method == "GET":
        virtuals = list(Virtual.objects.all())
        return succeeded(devices={device.id: device_listing(device, virtuals) for device in Device.objects.all()})
    device = services.device_create(device_type=body["type"], config=body["config"])
    shown = device.as_ledfx()
    payload = {"type": "success", "reason": f"Created device {device.name}"}
    if not device.online:
        payload = {"type": "warning", "reason": f"Created device {device.name}, but it is offline: {device.info.get('error')}"}
    return succeeded(
        payload=payload,
        device={"type": device.type, "config": shown["config"], "id": device.id, "virtuals": []},
    )


@ledfx_endpoint("GET", "PUT", "DELETE", bodies={"PUT": body(CONFIG)})
def device(request, device_id, body=None):
    device = device_or_error(device_id)
    if request.method == "GET":
        return JsonResponse(device.as_ledfx()["config"])
    if request.method == "PUT":
        services.device_update(device=device, config=body["config"])
        return succeeded()
    services.device_delete(device=device)
    return succeeded()


@ledfx_endpoint(
    "GET", "POST", "PUT", bodies={"POST": body(CONFIG, Field("id", "string"), Field("segments", "list")), "PUT": body()}
)
def virtuals(request, body=None):
    """List, create or change virtuals; PUT toggles the global pause (LedFx ignores its body)."""
    if request.method == "GET":
        return succeeded(
            virtuals={virtual.id: virtual.as_ledfx() for virtual in Virtual.objects.all()}, paused=CoreConfig.current().paused
        )
    if request.method == "PUT":
        return succeeded(paused=services.virtuals_pause_toggle())
    existing = virtual_or_error(body["id"]) if body["id"] is not None else None
    current = existing.as_ledfx() if existing else {"config": {}, "segments": []}
    virtual = services.virtual_save(
        virtual_id=existing.id if existing else None,
        config={**current["config"], **body["config"]},
        segments=current["segments"] if body["segments"] is None else body["segments"],
    )
    verb = "Updated" if existing else "Created"
    return succeeded(
        payload={"type": "success", "reason": f"{verb} Virtual {virtual.id}"},
        virtual={key: value for key, value in virtual.as_ledfx().items() if key in ("config", "id", "is_device")},
    )


@ledfx_endpoint("GET", "PUT", "DELETE", bodies={"PUT": body(Field("active", "bool", required=True))})
def virtual(request, virtual_id, body=None):
    virtual = virtual_or_error(virtual_id)
    if request.method == "GET":
        return succeeded(**{virtual.id: virtual.as_ledfx()})
    if request.method == "PUT":
        services.virtual_set_active(virtual=virtual, active=body["active"])
        return succeeded(active=body["active"])
    services.virtual_delete(virtual=virtual)
    return succeeded()


EFFECT_BODY = body(Field("type", "string", required=True), Field("config", "object"))


@ledfx_endpoint("GET", "POST", "PUT", "DELETE", bodies={"POST": EFFECT_BODY, "PUT": EFFECT_BODY})
def virtual_effects(request, virtual_id, body=None):
    virtual = virtual_or_error(virtual_id)
    if request.method == "GET":
        return JsonResponse({"effect": virtual.effect_as_ledfx()})
    if request.method == "DELETE":
        services.virtual_effect_clear(virtual=virtual)
        return succeeded(effect={})
    if request.method == "PUT" and not virtual.effect_type:
        raise ServiceError(f"Virtual {virtual.id} has no active effect")
    change = services.virtual_effect_set if request.method == "POST" else services.virtual_effect_update
    virtual = change(virtual=virtual, effect_type=body["type"], config=body["config"])
    return succeeded(effect=virtual.effect_as_ledfx())


@ledfx_endpoint("GET")
def effects(request):
    running = Virtual.objects.exclude(effect_type="")
    return succeeded(
        effects={virtual.id: {"effect_type": virtual.effect_type, "effect_config": virtual.effect_config} for virtual in running}
    )


@ledfx_endpoint("GET")
def schema(request):
    """Every input's schema, from the same declarations that validate it."""
    return JsonResponse(
        {
            "devices": {device_type: {"schema": config.json_schema(), "id": device_type} for device_type, config in DEVICE_CONFIG.items()},
            "effects": {
                effect_id: {
                    "schema": effect.config_schema.json_schema(),
                    "id": effect_id,
                    "name": effect.name,
                    "category": "Matrix" if effect.category == "2D" else "Non-Reactive",
                }
                for effect_id, effect in sorted(EFFECTS.items())
            },
            "virtuals": {"schema": VIRTUAL_CONFIG.json_schema()},
        }
    )


@ledfx_endpoint("GET", "PUT", bodies={"PUT": body()})
def config(request, body=None):
    """LedFx's core config: GET the keys its UI reads, PUT some of CORE_SETTINGS and
    UI_PREFERENCES (the others are read-only here)."""
    if request.method == "PUT":
        services.core_config_update(changes=body)
        return succeeded(payload={"type": "success", "reason": "Configuration Updated"})
    return JsonResponse(core_config_as_ledfx(request, CoreConfig.current()))


def core_config_as_ledfx(request, core):
    host, port = split_domain_port(request.get_host())
    return {
        "host": host,
        "port": int(port) if port else int(request.get_port()),
        **core.settings(),
        **core.preferences(),
        "configuration_version": CONFIGURATION_VERSION,
        "devices": [{"id": device.id, "type": device.type, "config": device.as_ledfx()["config"]} for device in Device.objects.all()],
        "virtuals": [virtual.config_as_ledfx() for virtual in Virtual.objects.all()],
        "ledfx_presets": {},
        "user_presets": {},
        "scenes": {},
        "user_colors": {},
        "user_gradients": {},
        "audio": {},
        "melbanks": {},
        "integrations": [],
        "playlists": {},
        "wled_preferences": {},
    }


@ledfx_endpoint("GET")
def check_for_updates(request):
    """We do not call out to look for releases: an honest "no check"."""
    return succeeded(payload={"type": "info", "reason": "ledfxsite does not check for updates; its README says where releases are."})
