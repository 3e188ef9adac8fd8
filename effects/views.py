"""LedFx's REST API for devices, virtuals and effects: same paths, bodies and status codes
as LedFx 2.2, with its failures made readable (a bad value names its field, never a
Python error text, never a 500, and a refused effect leaves the current one running)."""

import logging
import threading
import time
from functools import wraps

from django.conf import settings
from django.http import JsonResponse
from django.http.request import split_domain_port
from django.views.decorators.csrf import csrf_exempt

from effects import services
from effects.audio_inputs import input_devices
from effects.base import EFFECTS
from effects.discovery import wled_finder
from effects.flashes import MAX_FLASH_MS
from effects.library import BUILTIN_COLORS, BUILTIN_GRADIENTS, builtin_presets
from effects.models import DEVICE_CONFIG, VIRTUAL_CONFIG, CoreConfig, Device, HistoryEntry, Scene, UserColor, UserPreset, Virtual
from effects.services import ServiceError
from ledfxsite.colors import parse_color
from ledfxsite.constants import CLIENT_LOG_SECONDS, MAX_CLIENT_LOG_LENGTH
from ledfxsite.layers import ALL_VIRTUALS, flash_virtuals
from ledfxsite.rest import UnreadableBody, body_refusal, failed, json_object, json_value
from ledfxsite.schema import Field, Invalid, Schema
from ledfxsite.scopes import request_ip

logger = logging.getLogger(__name__)

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
    """CSRF-exempt (LedFx clients send no token), method-checked. The body of a method
    `bodies` declares a Schema for must be a JSON object fitting it; it arrives cleaned as
    `body`. ServiceError becomes a failed response."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def endpoint(request, **kwargs):
            if request.method not in methods:
                return method_not_allowed(request, methods)
            try:
                if request.method in (bodies or {}):
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
    """As LedFx lists a device: its `virtuals` are those streaming to it now (LedFx
    registers a virtual's segments on a device when it starts and drops them when it
    stops), and so are its `active_virtuals`."""
    streaming = [virtual.id for virtual in virtuals if virtual.active and any(segment[0] == device.id for segment in virtual.segments)]
    return {
        "config": device.as_ledfx()["config"],
        "id": device.id,
        "type": device.type,
        "online": device.online,
        "virtuals": streaming,
        "active_virtuals": streaming,
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
        virtual={key: value for key, value in virtual.as_ledfx().items() if key in ("config", "id", "is_device", "auto_generated")},
    )


@ledfx_endpoint(
    "GET", "PUT", "POST", "DELETE", bodies={"PUT": body(Field("active", "bool", required=True)), "POST": body(Field("segments", "list", required=True))}
)
def virtual(request, virtual_id, body=None):
    """GET a virtual, PUT {active} switches it on or off, POST {segments} replaces its
    segments (as LedFx), DELETE removes it."""
    virtual = virtual_or_error(virtual_id)
    if request.method == "GET":
        return succeeded(**{virtual.id: virtual.as_ledfx()})
    if request.method == "PUT":
        services.virtual_set_active(virtual=virtual, active=body["active"])
        return succeeded(active=body["active"])
    if request.method == "POST":
        virtual = services.virtual_save(virtual_id=virtual.id, config=virtual.config, segments=body["segments"])
        return succeeded(segments=virtual.segments)
    services.virtual_delete(virtual=virtual)
    return succeeded()


MAX_FALLBACK_SECONDS = 86400


def fallback_seconds(value):
    """LedFx's `fallback`: true is 300 s, a positive number that many seconds (up to a day),
    anything else none."""
    if value is True:
        return 300.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    if value > MAX_FALLBACK_SECONDS:
        raise ServiceError(f"fallback: must be true or seconds up to {MAX_FALLBACK_SECONDS} (got {value})")
    return float(value)


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
    if request.method == "POST":
        # As LedFx: without a config, the effect's last config on this virtual; {} is its defaults.
        config = virtual.effect_configs.get(body["type"], {}) if body["config"] is None else body["config"]
        fallback = fallback_seconds(body.get("fallback"))
        virtual = services.virtual_effect_set(virtual=virtual, effect_type=body["type"], config=config, fallback=fallback)
    else:
        virtual = services.virtual_effect_update(virtual=virtual, effect_type=body["type"], config=body["config"])
    return succeeded(effect=virtual.effect_as_ledfx())


@ledfx_endpoint("POST", bodies={"POST": body(Field("type", "string", required=True))})
def virtual_effect_delete(request, virtual_id, body=None):
    """Forget an effect on a virtual: stopped if it runs, its remembered config dropped."""
    services.virtual_effect_delete(virtual=virtual_or_error(virtual_id), effect_type=body["type"])
    return JsonResponse({"status": "success"})


TOOL_BODY = body(Field("tool", "string", required=True))
FLASH = Schema(
    Field("color", "color", "white", "Colour of the flash"),
    *(Field(name, "float", 0.0, f"{name.capitalize()} of the flash, in milliseconds", 0.0, MAX_FLASH_MS) for name in ("ramp", "hold", "fade")),
    Field("brightness", "float", 1.0, "Brightness of the flash (cut to 0-1, as LedFx)"),
    extra="ignore",
)


@ledfx_endpoint("GET", "PUT", "POST", bodies={"PUT": TOOL_BODY, "POST": TOOL_BODY})
def virtual_tools(request, virtual_id, body=None):
    """A tool used on one virtual (LedFx's /api/virtuals_tools/<id>)."""
    virtual = virtual_or_error(virtual_id)
    if request.method == "GET":
        return succeeded(payload={"type": "info", "reason": f"Available tools: {list(VIRTUAL_TOOLS)}"})
    return use_tool(request.method, body, virtual)


@ledfx_endpoint("GET", "PUT", "POST", bodies={"PUT": TOOL_BODY, "POST": TOOL_BODY})
def all_virtuals_tools(request, body=None):
    """A tool used on every virtual (LedFx's /api/virtuals_tools)."""
    if request.method == "GET":
        return succeeded(payload={"type": "info", "reason": f"Available tools: {list(EVERY_VIRTUAL_TOOLS)}"})
    return use_tool(request.method, body, None)


def use_tool(method, body, virtual):
    """A tool of LedFx's, by name, on a virtual or (virtual None) every one: `oneshot` POST
    or PUT, the others PUT."""
    tool = body["tool"]
    tools = VIRTUAL_TOOLS if virtual else EVERY_VIRTUAL_TOOLS
    if tool not in tools:
        raise ServiceError(f"Tool {tool} is not in {list(tools)}")
    if method != "PUT" and tool != "oneshot":
        raise ServiceError(f"{tool}: use PUT")
    tools[tool](method, body, virtual)
    return succeeded(tool=tool)


def tool_oneshot(method, body, virtual):
    """POST {color, ramp, hold, fade, brightness}: a flash over the virtual's frames (every
    virtual's, without one); PUT: its flashes end."""
    flash = None
    if method == "POST":
        try:
            options = FLASH.clean(body)
        except Invalid as error:
            raise ServiceError(f"oneshot: {error}") from None
        strength = min(1.0, max(0.0, options["brightness"]))
        flash = {
            "color": [channel * strength for channel in parse_color(options["color"])],
            **{name: options[name] / 1000.0 for name in ("ramp", "hold", "fade")},
        }
    flash_virtuals(virtual_id=virtual.id if virtual else ALL_VIRTUALS, flash=flash)


def tool_copy(method, body, virtual):
    """{target: [virtual id, ...]}: the virtual's effect set on each target."""
    target = body.get("target")
    if target is None:
        raise ServiceError("Required attribute for copy, target was not provided")
    if not isinstance(target, list):
        raise ServiceError("Required attribute for copy, target must be a list")
    services.virtual_effect_copy(source=virtual, target_ids=target)


def tool_force_color(method, body, virtual):
    """{color}: one frame of the colour on the virtual's devices (every rendering virtual's,
    without one), as LedFx's force_color: an effect running paints over it at its next frame."""
    if body.get("color") is None:
        raise ServiceError("Required attribute for force_color, color was not provided")
    try:
        color = parse_color(body["color"])
    except ValueError as error:
        raise ServiceError(f"force_color: {error}") from None
    flash_virtuals(virtual_id=virtual.id if virtual else ALL_VIRTUALS, flash={"color": list(color), "ramp": 0.0, "hold": 0.0, "fade": 0.0})


def tool_calibration(method, body, virtual):
    """{mode: "on" | "off"}: the devices show the virtual's segments instead of its effect."""
    mode = body.get("mode")
    if mode not in ("on", "off"):
        raise ServiceError("Required attribute for calibration, mode:on or mode:off expected")
    services.virtual_calibration_set(virtual=virtual, on=mode == "on")


def tool_highlight(method, body, virtual):
    """{device, start, stop, flip} (LedFx's names): those pixels of the device in white while
    the virtual calibrates; {state: false}: the highlight ends."""
    if not body.get("state", True):
        services.virtual_highlight_set(virtual=virtual)
        return
    if body.get("device") is None:
        raise ServiceError("Required attribute for highlight, device was not provided")
    start, stop = body.get("start", -1), body.get("stop", -1)
    if type(start) is not int or type(stop) is not int:
        raise ServiceError("start and end must be integers")
    services.virtual_highlight_set(virtual=virtual, device_id=body.get("device"), start=start, stop=stop, flip=bool(body.get("flip", False)))


VIRTUAL_TOOLS = {
    "force_color": tool_force_color,
    "calibration": tool_calibration,
    "highlight": tool_highlight,
    "oneshot": tool_oneshot,
    "copy": tool_copy,
}
EVERY_VIRTUAL_TOOLS = {name: VIRTUAL_TOOLS[name] for name in ("force_color", "oneshot")}


@ledfx_endpoint("GET", "POST", bodies={"POST": body(Field("name_to_icon", "object", required=True))})
def find_devices(request, body=None):
    """Look for WLEDs on the LAN and add those found (in the background, as LedFx); POST
    gives icons for the found devices by name."""
    started = wled_finder.start(name_to_icon=body["name_to_icon"] if body else None)
    reason = "Looking for WLED devices" if started else "Already looking for WLED devices"
    return succeeded(payload={"type": "info", "reason": f"{reason} for {settings.DEVICE_DISCOVERY_SECONDS:g} s"})


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
            "audio": {"schema": audio_schema_as_ledfx()},
        }
    )


def audio_schema_as_ledfx():
    """LedFx's audio config schema, with the one key of it we honour: the input, an index
    into the listing of GET /api/audio/devices (LedFx's UI renders that enum as its menu)."""
    return {
        "type": "object",
        "properties": {"audio_device": {"type": "string", "enum": input_devices(), "title": "Audio Device", "default": None}},
        "permitted_keys": ["audio_device"],
    }


def audio_selection():
    """The inputs listed (index -> name), the selected one's index (None when it is not
    listed now) and its name."""
    devices = input_devices()
    selected = CoreConfig.current().audio_device_name
    return devices, next((index for index, name in devices.items() if name == selected), None), selected


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
    named = colors_listing()
    return {
        "host": host,
        "port": int(port) if port else int(request.get_port()),
        **core.settings(),
        **core.preferences(),
        "configuration_version": CONFIGURATION_VERSION,
        "devices": [{"id": device.id, "type": device.type, "config": device.as_ledfx()["config"]} for device in Device.objects.all()],
        "virtuals": [virtual.config_as_ledfx() for virtual in Virtual.objects.all()],
        "ledfx_presets": {effect_type: builtin_presets(effect_type) for effect_type in sorted(EFFECTS)},
        "user_presets": user_presets_by_effect(),
        "scenes": {scene_id: {key: value for key, value in scene.items() if key != "active"} for scene_id, scene in scenes_listing().items()},
        "user_colors": named["colors"]["user"],
        "user_gradients": named["gradients"]["user"],
        "audio": {"audio_device": audio_selection()[1], "audio_device_name": core.audio_device_name},
        "melbanks": {},
        "integrations": [],
        "playlists": {},
        "wled_preferences": {},
    }


def user_presets_by_effect():
    presets = {}
    for preset in UserPreset.objects.all():
        presets.setdefault(preset.effect_type, {})[preset.preset_id] = {"name": preset.name, "config": preset.config}
    return presets


@ledfx_endpoint("GET")
def check_for_updates(request):
    """We do not call out to look for releases: an honest "no check"."""
    return succeeded(payload={"type": "info", "reason": "ledfxsite does not check for updates; its README says where releases are."})


def presets_listing(effect_type, active_config=None):
    """LedFx's {"ledfx_presets": {...}, "user_presets": {...}} of an effect; with the
    running config, each preset says whether it is the one running."""

    def shown(name, config):
        preset = {"name": name, "config": config}
        if active_config is not None:
            preset["active"] = config == active_config
        return preset

    user = UserPreset.objects.filter(effect_type=effect_type)
    return {
        "ledfx_presets": {preset_id: shown(preset["name"], preset["config"]) for preset_id, preset in builtin_presets(effect_type).items()},
        "user_presets": {preset.preset_id: shown(preset.name, preset.config) for preset in user},
    }


PRESET_CHOICE = body(Field("category", "string", required=True), Field("effect_id", "string", required=True), Field("preset_id", "string", required=True))


@ledfx_endpoint("GET", "PUT", "POST", "DELETE", bodies={"PUT": PRESET_CHOICE, "POST": body(Field("name", "string", required=True))})
def virtual_presets(request, virtual_id, body=None):
    """A virtual's presets: GET those of its effect, PUT applies one, POST saves its
    effect as a user preset, DELETE clears its effect (as LedFx)."""
    virtual = virtual_or_error(virtual_id)
    if request.method == "PUT":
        virtual = services.virtual_preset_apply(
            virtual=virtual, category=body["category"], effect_type=body["effect_id"], preset_id=body["preset_id"]
        )
        return succeeded(effect=virtual.effect_as_ledfx())
    if request.method == "POST":
        preset = services.virtual_preset_save(virtual=virtual, name=body["name"])
        return succeeded(preset={"id": preset.preset_id, "name": preset.name, "config": preset.config})
    if request.method == "DELETE":
        services.virtual_effect_clear(virtual=virtual)
        return succeeded(effect={})
    if not virtual.effect_type:
        raise ServiceError(f"Virtual {virtual.id} has no active effect")
    return succeeded(virtual=virtual.id, effect=virtual.effect_type, **presets_listing(virtual.effect_type, virtual.effect_config))


def effect_or_error(effect_type):
    if effect_type not in EFFECTS:
        raise ServiceError(f"Effect {effect_type} does not exist")
    return effect_type


@ledfx_endpoint("GET")
def effect_presets(request, effect_type):
    return succeeded(effect=effect_or_error(effect_type), **presets_listing(effect_type))


@ledfx_endpoint("DELETE")
def effect_preset(request, effect_type, preset_id):
    services.user_preset_delete(effect_type=effect_type, preset_id=preset_id)
    return succeeded()


def colors_listing():
    user = list(UserColor.objects.all())
    return {
        "colors": {"builtin": BUILTIN_COLORS, "user": {color.name: color.value for color in user if not color.is_gradient}},
        "gradients": {"builtin": BUILTIN_GRADIENTS, "user": {color.name: color.value for color in user if color.is_gradient}},
    }


@ledfx_endpoint("GET", "POST", "DELETE", bodies={"POST": body()})
def colors(request, body=None):
    """GET the named colours and gradients; POST {name: value} names some; DELETE [names]."""
    if request.method == "GET":
        return JsonResponse(colors_listing())
    if request.method == "POST":
        saved = services.user_colors_save(colors=body)
        return succeeded(payload={"type": "success", "reason": f"Saved {', '.join(saved)}"})
    names = json_value(request.body)
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ServiceError("The body must be a list of colour or gradient names")
    deleted = services.user_colors_delete(names=names)
    return succeeded(payload={"type": "success", "reason": f"Deleted {', '.join(deleted)}"})


@ledfx_endpoint("DELETE")
def color(request, name):
    services.user_colors_delete(names=[name])
    return succeeded(payload={"type": "success", "reason": f"Deleted {name}"})


def scenes_listing():
    virtuals = Virtual.objects.in_bulk()
    return {scene.id: {**scene.as_ledfx(), "active": scene.is_active(virtuals)} for scene in Scene.objects.all()}


def scene_or_error(scene_id):
    scene = Scene.objects.filter(id=scene_id).first()
    if scene is None:
        raise ServiceError(f"Scene {scene_id} does not exist")
    return scene


SCENE_BODY = body(
    Field("id", "string"),
    Field("name", "string", max_length=200),
    Field("virtuals", "object"),
    Field("snapshot", "bool", False),
    *(Field(name, "any") for name in services.SCENE_FIELDS),
)
SCENE_ACTION = body(
    Field("id", "string", required=True),
    Field("action", "choice", required=True, choices=("activate", "deactivate", "rename")),
    Field("name", "string", max_length=200),
)


@ledfx_endpoint(
    "GET", "POST", "PUT", "DELETE", bodies={"POST": SCENE_BODY, "PUT": SCENE_ACTION, "DELETE": body(Field("id", "string", required=True))}
)
def scenes(request, body=None):
    """GET every scene; POST saves one (new without `id`); PUT {id, action}: activate,
    deactivate or rename; DELETE {id}."""
    if request.method == "GET":
        return succeeded(scenes=scenes_listing())
    if request.method == "POST":
        fields = {name: body[name] for name in services.SCENE_FIELDS}
        scene = services.scene_save(
            scene_id=body["id"], name=body["name"], virtuals=body["virtuals"], snapshot=body["snapshot"], **fields
        )
        return succeeded(scene={"id": scene.id, "config": scene.as_ledfx()})
    if request.method == "DELETE":
        scene_or_error(body["id"]).delete()
        return succeeded()
    scene = scene_or_error(body["id"])
    if body["action"] == "activate":
        services.scene_activate(scene=scene)
        return succeeded(payload={"type": "info", "reason": f"Activated {scene.name}"})
    if body["action"] == "deactivate":
        services.scene_deactivate(scene=scene)
        return succeeded(payload={"type": "info", "reason": f"Deactivated {scene.name}"})
    if not body["name"]:
        raise ServiceError('Required attribute "name" was not provided')
    old_name = scene.name
    services.scene_save(scene_id=scene.id, name=body["name"])
    return succeeded(payload={"type": "info", "reason": f"Renamed {old_name} to {body['name']}"})


@ledfx_endpoint("GET", "DELETE")
def scene(request, scene_id):
    scene = scene_or_error(scene_id)
    if request.method == "DELETE":
        scene.delete()
        return succeeded(payload={"type": "success", "reason": f"Scene '{scene_id}' deleted."})
    return succeeded(scene={"id": scene.id, "config": {**scene.as_ledfx(), "active": scene.is_active(Virtual.objects.in_bulk())}})


@ledfx_endpoint("GET", "PUT", bodies={"PUT": body(Field("audio_device", "int", required=True))})
def audio_devices(request, body=None):
    """LedFx's input devices: audio files and the web-audio streams of connected clients
    (effects.audio_inputs). PUT {"audio_device": index} selects one."""
    if request.method == "PUT":
        services.audio_device_select(index=body["audio_device"])
        return succeeded()
    devices, active, selected = audio_selection()
    return JsonResponse({"active_device_index": active, "active_device_name": selected, "devices": devices})


HISTORY_PAGE_SIZE = 50
HISTORY_MAX_PAGE_SIZE = 500
HISTORY_QUERY = Schema(
    Field("page", "int", 1, "Page, from 1: newest entries first", 1, 1_000_000),
    Field("per_page", "int", HISTORY_PAGE_SIZE, "Entries per page", 1, HISTORY_MAX_PAGE_SIZE),
)


@ledfx_endpoint("GET")
def history(request, object_type, device_id=None, virtual_id=None):
    """A device's or a virtual's history, newest first, a page at a time (our extension).
    It outlives the object: a deleted device's history can still be read."""
    object_id = device_id or virtual_id
    try:
        query = HISTORY_QUERY.clean({key: query_number(value) for key, value in request.GET.items()})
    except Invalid as error:
        return refused(body_refusal(error))
    entries = HistoryEntry.objects.filter(object_type=object_type, object_id=object_id)
    total = entries.count()
    if not total and not (Device if object_type == "device" else Virtual).objects.filter(id=object_id).exists():
        raise ServiceError(f"{object_type.capitalize()} with ID {object_id} not found")
    start = (query["page"] - 1) * query["per_page"]
    page = entries.select_related("user")[start : start + query["per_page"]]
    return succeeded(
        **{object_type: object_id},
        page=query["page"],
        per_page=query["per_page"],
        total=total,
        history=[entry.as_json() for entry in page],
    )


def query_number(value):
    """A query parameter as a number when it is one (else as it came, for the schema to refuse)."""
    try:
        return int(value)
    except ValueError:
        return value


class ClientLogLimit:
    """When each client address may next log a line (this process's count)."""

    def __init__(self):
        self.next_allowed = {}
        self.lock = threading.Lock()

    def allow(self, address):
        now = time.monotonic()
        with self.lock:
            self.next_allowed = {key: until for key, until in self.next_allowed.items() if until > now}
            if address in self.next_allowed:
                return False
            self.next_allowed[address] = now + CLIENT_LOG_SECONDS
            return True


client_log_limit = ClientLogLimit()


@ledfx_endpoint("POST")
def client_log(request):
    """A line of a client's log into ours (LedFx's POST /api/log {"text"}): its printable
    ASCII only, cut to MAX_CLIENT_LOG_LENGTH, one a second from a client address."""
    text = json_object(request.body).get("text", "")
    if not isinstance(text, str):
        raise ServiceError("Text must be an ASCII string.")
    line = "".join(character for character in text.strip() if " " <= character <= "~")[:MAX_CLIENT_LOG_LENGTH]
    if not line:
        raise ServiceError("Text must contain ASCII characters.")
    address = request_ip(request, settings.TRUSTED_PROXIES)
    if not client_log_limit.allow(address):
        return JsonResponse({"status": "failed", "payload": {"type": "warning", "reason": "Rate limit exceeded. Try again later."}})
    logger.info("client log from %s: %s", address, line)
    return JsonResponse({"status": "success"})
