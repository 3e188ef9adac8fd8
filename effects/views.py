"""LedFx's REST API for devices, virtuals and effects: same paths, bodies and status codes
as LedFx 2.2, with its failures made readable (a bad value names its field, never a
Python error text, never a 500, and a refused effect leaves the current one running)."""

from functools import wraps

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from effects import services
from effects.base import EFFECTS
from effects.models import DEVICE_TYPES, NETWORK_TYPES, Device, Virtual
from effects.services import ServiceError
from ledfxsite.rest import UnreadableBody, failed, json_object

API_VERSION = "2.2.1"


def refused(reason):
    """LedFx answers a refused request with 200 so that its UI shows the reason."""
    return JsonResponse(failed(reason))


def succeeded(**fields):
    return JsonResponse({"status": "success", **fields})


def ledfx_endpoint(*methods):
    """CSRF-exempt (LedFx clients send no token), method-checked; a JSON body, when the
    method has one, arrives parsed as `body`; ServiceError becomes a failed response."""

    def decorate(view):
        @csrf_exempt
        @require_http_methods(list(methods))
        @wraps(view)
        def endpoint(request, **kwargs):
            if request.method in ("POST", "PUT"):
                try:
                    kwargs["body"] = json_object(request.body)
                except UnreadableBody as error:
                    return JsonResponse(error.payload, status=error.status)
            try:
                return view(request, **kwargs)
            except ServiceError as error:
                return refused(str(error))

        return endpoint

    return decorate


def required(body, *names):
    missing = [name for name in names if body.get(name) is None]
    if missing:
        noun = "attribute" if len(missing) == 1 else "attributes"
        raise ServiceError(f"Required {noun} {', '.join(repr(name) for name in missing)} {'was' if len(missing) == 1 else 'were'} not provided")


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


@ledfx_endpoint("GET", "POST")
def devices(request, body=None):
    if request.method == "GET":
        virtuals = list(Virtual.objects.all())
        return succeeded(devices={device.id: device_listing(device, virtuals) for device in Device.objects.all()})
    required(body, "config", "type")
    device = services.device_create(device_type=body["type"], config=body["config"])
    shown = device.as_ledfx()
    payload = {"type": "success", "reason": f"Created device {device.name}"}
    if not device.online:
        payload = {"type": "warning", "reason": f"Created device {device.name}, but it is offline: {device.info.get('error')}"}
    return succeeded(
        payload=payload,
        device={"type": device.type, "config": shown["config"], "id": device.id, "virtuals": []},
    )


@ledfx_endpoint("GET", "PUT", "DELETE")
def device(request, device_id, body=None):
    device = device_or_error(device_id)
    if request.method == "GET":
        return JsonResponse(device.as_ledfx()["config"])
    if request.method == "PUT":
        required(body, "config")
        services.device_update(device=device, config=body["config"])
        return succeeded()
    services.device_delete(device=device)
    return succeeded()


@ledfx_endpoint("GET", "POST")
def virtuals(request, body=None):
    if request.method == "GET":
        return succeeded(virtuals={virtual.id: virtual.as_ledfx() for virtual in Virtual.objects.all()}, paused=False)
    required(body, "config")
    config = body["config"]
    if not isinstance(config, dict):
        raise ServiceError("config: must be an object")
    existing = virtual_or_error(body["id"]) if body.get("id") is not None else None
    virtual = services.virtual_save(
        virtual_id=existing.id if existing else None,
        name=config.get("name", existing.name if existing else None),
        rows=config.get("rows", existing.rows if existing else 1),
        segments=body.get("segments", existing.segments if existing else []),
    )
    verb = "Updated" if existing else "Created"
    return succeeded(
        payload={"type": "success", "reason": f"{verb} Virtual {virtual.id}"},
        virtual={key: value for key, value in virtual.as_ledfx().items() if key in ("config", "id", "is_device")},
    )


@ledfx_endpoint("GET", "PUT", "DELETE")
def virtual(request, virtual_id, body=None):
    virtual = virtual_or_error(virtual_id)
    if request.method == "GET":
        return succeeded(**{virtual.id: virtual.as_ledfx()})
    if request.method == "PUT":
        required(body, "active")
        services.virtual_set_active(virtual=virtual, active=bool(body["active"]))
        return succeeded(active=bool(body["active"]))
    services.virtual_delete(virtual=virtual)
    return succeeded()


@ledfx_endpoint("GET", "POST", "PUT", "DELETE")
def virtual_effects(request, virtual_id, body=None):
    virtual = virtual_or_error(virtual_id)
    if request.method == "GET":
        return JsonResponse({"effect": virtual.effect_as_ledfx()})
    if request.method == "DELETE":
        services.virtual_effect_clear(virtual=virtual)
        return succeeded(effect={})
    if request.method == "PUT" and not virtual.effect_type:
        raise ServiceError(f"Virtual {virtual.id} has no active effect")
    required(body, "type")
    change = services.virtual_effect_set if request.method == "POST" else services.virtual_effect_update
    virtual = change(virtual=virtual, effect_type=body["type"], config=body.get("config"))
    return succeeded(effect=virtual.effect_as_ledfx())


@ledfx_endpoint("GET")
def effects(request):
    running = Virtual.objects.exclude(effect_type="")
    return succeeded(
        effects={virtual.id: {"effect_type": virtual.effect_type, "effect_config": virtual.effect_config} for virtual in running}
    )


def json_schema(properties, required_names=()):
    schema = {"properties": properties}
    if required_names:
        schema["required"] = list(required_names)
    return schema


DEVICE_SCHEMA = json_schema(
    {
        "name": {"type": "string", "title": "Name", "description": "Friendly name for the device"},
        "pixel_count": {"type": "integer", "minimum": 1, "maximum": 16384, "title": "Pixel Count", "description": "Number of individual pixels", "default": 1},
        "rows": {"type": "integer", "minimum": 1, "title": "Rows", "description": "Rows of a matrix; 1 for a strip", "default": 1},
        "refresh_rate": {"type": "integer", "minimum": 1, "maximum": 240, "title": "Refresh Rate", "description": "Target rate that pixels are sent to the device", "default": 62},
        "ip_address": {"type": "string", "title": "Ip Address", "description": "Hostname or IP address of the device"},
    },
    ["name", "pixel_count"],
)

VIRTUAL_SCHEMA = json_schema(
    {
        "name": {"type": "string", "title": "Name", "description": "Friendly name for the virtual"},
        "rows": {"type": "integer", "minimum": 1, "title": "Rows", "description": "Amount of rows. > 1 if this virtual is a matrix", "default": 1},
    },
    ["name"],
)


@ledfx_endpoint("GET")
def schema(request):
    return JsonResponse(
        {
            "devices": {
                device_type: {
                    "schema": json_schema(
                        {**DEVICE_SCHEMA["properties"], **{option.name: option.schema() for option in services.TYPE_OPTIONS[device_type]}},
                        DEVICE_SCHEMA["required"] + (["ip_address"] if device_type in NETWORK_TYPES else []),
                    ),
                    "id": device_type,
                }
                for device_type, _ in DEVICE_TYPES
            },
            "effects": {
                effect_id: {
                    "schema": json_schema({option.name: option.schema() for option in effect.all_options()}),
                    "id": effect_id,
                    "name": effect.name,
                    "category": "Matrix" if effect.category == "2D" else "Non-Reactive",
                }
                for effect_id, effect in sorted(EFFECTS.items())
            },
            "virtuals": {"schema": VIRTUAL_SCHEMA},
        }
    )
