"""Writes to devices and virtuals (HackSoft style: keyword-only, noun_verb).

Each one validates, writes in one transaction, and after the commit fires the events
PROTOCOL.md §4 lists and tells the render worker. Problems a user can fix raise
ServiceError with a readable reason.
"""

import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from effects.audio_inputs import input_devices
from effects.base import EFFECTS
from effects.history import record
from effects.library import BUILTIN_COLORS, BUILTIN_GRADIENTS, builtin_presets
from effects.models import (
    CORE_SETTINGS,
    DEVICE_CONFIG,
    MODEL_FIELDS,
    SEGMENTS,
    UI_PREFERENCES,
    VIRTUAL_CONFIG,
    VIRTUAL_OPTIONS,
    CoreConfig,
    Device,
    Lease,
    Scene,
    UserColor,
    UserPreset,
    Virtual,
    scene_action,
)
from effects.ddp import DDP_PORT
from effects.wled import DISCOVERY_TIMEOUT, WledError, device_fields_from_info, fetch_info, phy_from_info
from effects.wled_udp import WLED_UDP_PORT
from ledfxsite.colors import parse_color, parse_gradient
from ledfxsite.events import fire_event
from ledfxsite.layers import ALL_VIRTUALS, notify_renderer
from ledfxsite.schema import Field, Invalid, Schema


class ServiceError(ValueError):
    """A request that cannot be carried out; the message says why, for the user."""


def generate_id(name, taken):
    """LedFx's ids: non-alphanumerics become '-', lower case; "-1", "-2", ... when taken."""
    base = re.sub(" +", " ", re.sub("[^a-zA-Z0-9]", " ", name)).strip().lower().replace(" ", "-") or "default"
    candidate, counter = base, 1
    while candidate in taken:
        candidate, counter = f"{base}-{counter}", counter + 1
    return candidate


def make_room(model, *, adding=1):
    """Refuse a write that would store more than MAX_STORED_PER_KIND objects of a kind (no
    request may fill the disk)."""
    limit = settings.MAX_STORED_PER_KIND
    if model.objects.count() + adding > limit:
        raise ServiceError(f"At most {limit} {model._meta.verbose_name_plural} can be stored")


def after_commit(*, events=(), virtual_ids=()):
    def announce():
        for event_type, fields in events:
            fire_event(event_type, **fields)
        for virtual_id in virtual_ids:
            notify_renderer(virtual_id=virtual_id)

    transaction.on_commit(announce)


def cleaned(schema, data):
    """schema.clean(data), with a problem a user can fix raised as ServiceError."""
    try:
        return schema.clean(data)
    except Invalid as error:
        raise ServiceError(str(error)) from None


UNIVERSE_TYPES = ("e131", "artnet")
LAST_UNIVERSE = {"e131": 63999, "artnet": 32767}


def device_fields(device_type, config):
    """Validated model fields and the rest of the config, from a LedFx device config."""
    config = cleaned(DEVICE_CONFIG[device_type], config)
    cleaned(Schema(Field("rows", "int", minimum=1, maximum=config["pixel_count"])), {"rows": config["rows"]})
    if device_type in LAST_UNIVERSE:
        size, offset = (config["universe_size"], config["channel_offset"]) if device_type == "e131" else (config["packet_size"], config["dmx_start_address"] - 1)
        last = config["universe"] + (offset + config["pixel_count"] * 3 - 1) // size
        if last > LAST_UNIVERSE[device_type]:
            raise ServiceError(f"universe: {config['pixel_count']} pixels from universe {config['universe']} need universes up to {last}; the last is {LAST_UNIVERSE[device_type]}")
    fields = {name: config.pop(name) for name in MODEL_FIELDS}
    fields["ip_address"] = fields["ip_address"].strip()
    return fields, config


def device_create(*, device_type, config):
    """A device and its own full-length virtual (same id when free, as LedFx). A WLED is
    asked for its name, pixel count and matrix size first; one that does not answer is
    still saved, offline, with the reason in its info."""
    if not isinstance(device_type, str) or device_type not in DEVICE_CONFIG:
        raise ServiceError(f"type: unknown device type {device_type!r} (types: {', '.join(DEVICE_CONFIG)})")
    if not isinstance(config, dict):
        raise ServiceError(f"config: must be an object (got {type(config).__name__})")
    discovered, info, online = {}, {}, True
    if device_type == "wled":
        address = cleaned(Schema(DEVICE_CONFIG["wled"].fields["ip_address"], extra="ignore"), config)["ip_address"].strip()
        try:
            answer = fetch_info(address, timeout=DISCOVERY_TIMEOUT)
        except WledError as exc:
            # Saved all the same (offline, named after its address unless named): it may be switched off.
            discovered, info, online = {"name": address}, {"error": f"WLED at {address}: {exc}"}, False
        else:
            discovered, info = device_fields_from_info(answer), phy_from_info(answer)
    return device_store(device_type=device_type, config={**discovered, **config}, info=info, online=online)


def sending_port(device_type, options):
    """The UDP port a device's frames go to, or None (a dummy sends nothing)."""
    if device_type == "wled":
        return options.get("port") or (DDP_PORT if options.get("sync_mode", "DDP") == "DDP" else WLED_UDP_PORT)
    return options.get("port")


def sharing_problem(new_type, new_options, other):
    """Why a new device cannot share its address with `other` (LedFx's rules), or None:
    one WLED per address; sACN and Art-Net devices apart by their first universe; DDP
    devices by port or destination id; others by port."""
    clash = f"{other.ip_address} is already {other.name}'s"
    if new_type == other.type == "wled":
        return f"ip_address: {clash}, the same WLED"
    if new_type in UNIVERSE_TYPES and other.type in UNIVERSE_TYPES:
        universe = new_options["universe"]
        return f"ip_address: {clash}, with the same first universe {universe}" if universe == other.config.get("universe") else None
    if new_type == other.type == "ddp":
        same = (new_options["port"], new_options["destination_id"]) == (other.config.get("port"), other.config.get("destination_id", 1))
        return f"ip_address: {clash}, with the same port {new_options['port']} and destination_id" if same else None
    new_port, other_port = sending_port(new_type, new_options), sending_port(other.type, other.config)
    if new_port is None or other_port is None:
        return f"ip_address: {clash}, and nothing keeps their frames apart"
    return f"ip_address: {clash}, with the same port {new_port}" if new_port == other_port else None


def check_address_free(device_type, fields, options, *, device_id=None):
    if not fields["ip_address"]:
        return
    for other in Device.objects.filter(ip_address__iexact=fields["ip_address"]).exclude(id=device_id):
        problem = sharing_problem(device_type, options, other)
        if problem:
            raise ServiceError(problem)


@transaction.atomic
def device_store(*, device_type, config, info, online):
    fields, options = device_fields(device_type, config)
    check_address_free(device_type, fields, options)
    make_room(Device)
    make_room(Virtual)
    device = Device.objects.create(
        id=generate_id(fields["name"], set(Device.objects.values_list("id", flat=True))),
        type=device_type,
        config=options,
        info=info,
        info_read_at=timezone.now() if info and "error" not in info else None,
        online=online,
        **fields,
    )
    virtual = Virtual.objects.create(
        id=generate_id(fields["name"], set(Virtual.objects.values_list("id", flat=True))),
        name=device.name,
        rows=device.rows,
        segments=[[device.id, 0, device.pixel_count - 1, False]],
        is_device=device.id,
        options={"icon_name": device.config["icon_name"]},  # as LedFx: the device's icon
    )
    record(object_type="device", object_id=device.id, kind="created", type=device_type, config=device.as_ledfx()["config"])
    record(object_type="virtual", object_id=virtual.id, kind="created", device=device.id)
    after_commit(
        events=[("device_created", {"device_name": device.name}), ("devices_updated", {"device_id": device.id})],
        virtual_ids=[virtual.id],
    )
    return device


def wled_found(*, address, name_to_icon):
    """Add a WLED that discovery found, unless a device has its address already; its icon
    is name_to_icon's for its name, if any (LedFx's find_devices). Returns the device added."""
    if Device.objects.filter(ip_address=address).exists():
        return None
    device = device_create(device_type="wled", config={"ip_address": address})
    if device.name in name_to_icon:
        device = device_update(device=device, config={"icon_name": name_to_icon[device.name]})
    return device


@transaction.atomic
def devices_record_online(*, transitions):
    """Record devices going offline (and why) and coming back, as the render worker saw
    them: [(device id, online, reason, seen at)], in order, in one transaction. A change
    to the state a device is in already records nothing."""
    states = dict(Device.objects.select_for_update().filter(id__in={transition[0] for transition in transitions}).values_list("id", "online"))
    changed = {}
    for device_id, online, reason, seen_at in transitions:
        if device_id in states and states[device_id] != online:
            states[device_id] = changed[device_id] = online
            record(object_type="device", object_id=device_id, kind="online" if online else "offline", at=seen_at, **({"reason": reason} if reason else {}))
    for device_id, online in changed.items():
        Device.objects.filter(id=device_id).update(online=online)
    after_commit(events=[("devices_updated", {"device_id": device_id}) for device_id in changed])


@transaction.atomic
def leases_claim(*, worker_id, virtual_ids, lease_seconds):
    """Renew and take a worker's leases (Lease.objects.claim); returns the virtuals it holds.
    Taking a virtual over from another worker is recorded in the virtual's history."""
    left = Lease.objects.left_by_others(worker_id=worker_id, virtual_ids=virtual_ids)
    held = Lease.objects.claim(worker_id=worker_id, virtual_ids=virtual_ids, lease_seconds=lease_seconds)
    for virtual_id in sorted(held & left.keys()):
        previous, released = left[virtual_id]
        record(object_type="virtual", object_id=virtual_id, kind="worker_took_over", worker=worker_id, previous=previous, why="released" if released else "its lease expired")
    return held


def device_record_info(*, device_id, info):
    Device.objects.filter(id=device_id).update(info=info, info_read_at=timezone.now())


@transaction.atomic
def device_update(*, device, config):
    """Merge a partial config; the device's own virtuals follow a new pixel count."""
    if not isinstance(config, dict):
        raise ServiceError(f"config: must be an object (got {type(config).__name__})")
    before = Device.objects.get(pk=device.pk).as_ledfx()["config"]  # the admin's form has changed `device` already
    fields, options = device_fields(device.type, {**device.as_ledfx()["config"], **config})
    check_address_free(device.type, fields, options, device_id=device.id)
    for name, value in fields.items():
        setattr(device, name, value)
    device.config = options
    device.save()
    after = device.as_ledfx()["config"]
    record(object_type="device", object_id=device.id, kind="edited", changed={key: value for key, value in after.items() if before.get(key) != value})
    own = list(Virtual.objects.filter(is_device=device.id))
    for virtual in own:
        virtual.segments = [[device.id, 0, device.pixel_count - 1, False]]
        virtual.updated_at = timezone.now()
        virtual.save(update_fields=["segments", "updated_at"])
    after_commit(events=[("devices_updated", {"device_id": device.id})], virtual_ids=[virtual.id for virtual in own])
    return device


@transaction.atomic
def device_delete(*, device):
    """Remove the device from every virtual; virtuals left without segments go too."""
    events, changed = [], []
    for virtual in Virtual.objects.all():
        segments = [segment for segment in virtual.segments if segment[0] != device.id]
        if segments == virtual.segments:
            continue
        changed.append(virtual.id)
        if segments:
            virtual.segments = segments
            virtual.save(update_fields=["segments"])
        else:
            if virtual.effect_type:
                events.append(("effect_cleared", {"virtual_id": virtual.id}))
            record(object_type="virtual", object_id=virtual.id, kind="deleted", name=virtual.name)
            virtual.delete()
    events.append(("devices_updated", {"device_id": device.id}))
    record(object_type="device", object_id=device.id, kind="deleted", name=device.name)
    device.delete()  # clears device.id
    after_commit(events=events, virtual_ids=changed)


def validated_effect(effect_type, config):
    effect_class = EFFECTS.get(effect_type) if isinstance(effect_type, str) else None
    if effect_class is None:
        raise ServiceError(f"type: unknown effect {effect_type!r} (effects: {', '.join(sorted(EFFECTS))})")
    try:
        return effect_class, effect_class.validate(config if config is not None else {})
    except Invalid as error:
        raise ServiceError(f"Invalid config for {effect_type}: {error}") from None


def effect_set_event(virtual, effect_class):
    return (
        "effect_set",
        {
            "effect_name": effect_class.name,
            "effect_id": effect_class.id,
            "effect_config": virtual.effect_config,
            "virtual_id": virtual.id,
            "effect_type": effect_class.id,
            "active": virtual.active,
            "streaming": False,
        },
    )


@transaction.atomic
def virtual_effect_set(*, virtual, effect_type, config, cause=None, fallback=None):
    """Replace the virtual's effect (and switch the virtual on, as LedFx does). `cause`,
    (kind, details), names a scene or preset, recorded instead of a plain effect_set.
    With `fallback` seconds, the effect running now (or none) comes back then (the first
    one, when fallbacks follow each other: each only moves the time); an effect set without
    a fallback ends any."""
    effect_class, config = validated_effect(effect_type, config)
    if fallback is None:
        virtual.fallback_until, virtual.fallback_effect = None, {}
    else:
        if virtual.fallback_until is None:
            running = virtual.effect_type and virtual.active
            virtual.fallback_effect = {"type": virtual.effect_type, "config": virtual.effect_config} if running else {}
        virtual.fallback_until = timezone.now() + timedelta(seconds=fallback)
    if cause is not None:
        kind, details = cause
        record(object_type="virtual", object_id=virtual.id, kind=kind, effect_type=effect_type, config=config, **details)
    elif effect_type == virtual.effect_type and virtual.active:
        changed = {key: value for key, value in config.items() if virtual.effect_config.get(key) != value}
        record(object_type="virtual", object_id=virtual.id, kind="effect_changed", effect_type=effect_type, changed=changed)
    else:
        record(object_type="virtual", object_id=virtual.id, kind="effect_set", effect_type=effect_type, config=config)
    virtual.effect_type, virtual.effect_config, virtual.active = effect_type, config, True
    virtual.last_effect = effect_type
    virtual.effect_configs = {**virtual.effect_configs, effect_type: config}
    virtual.updated_at = timezone.now()
    virtual.save()
    after_commit(events=[effect_set_event(virtual, effect_class)], virtual_ids=[virtual.id])
    return virtual


def virtual_effect_update(*, virtual, effect_type, config):
    """Change the running effect's config (merged), or switch to another effect type."""
    if not virtual.effect_type:
        raise ServiceError(f"Virtual {virtual.id} has no active effect")
    if effect_type == virtual.effect_type and isinstance(config, dict):
        config = {**virtual.effect_config, **config}
    return virtual_effect_set(virtual=virtual, effect_type=effect_type, config=config)


@transaction.atomic
def virtual_effect_clear(*, virtual, cause=None):
    had_effect = bool(virtual.effect_type)
    if had_effect:
        kind, details = cause or ("effect_cleared", {})
        record(object_type="virtual", object_id=virtual.id, kind=kind, effect_type=virtual.effect_type, **details)
    virtual.effect_type, virtual.effect_config, virtual.active = "", {}, False
    virtual.fallback_until, virtual.fallback_effect = None, {}
    virtual.updated_at = timezone.now()
    virtual.save()
    after_commit(events=[("effect_cleared", {"virtual_id": virtual.id})] if had_effect else [], virtual_ids=[virtual.id])
    return virtual


@transaction.atomic
def virtual_fallback_end(*, virtual_id):
    """A virtual's fallback time has come (the render worker calls this): the effect from
    before comes back, or none. Nothing happens if the fallback ended or moved meanwhile."""
    virtual = Virtual.objects.select_for_update().filter(id=virtual_id, fallback_until__lte=timezone.now()).first()
    if virtual is None:
        return None
    earlier = virtual.fallback_effect
    if earlier.get("type") in EFFECTS:
        return virtual_effect_set(virtual=virtual, effect_type=earlier["type"], config=earlier["config"], cause=("effect_set", {"after_fallback": True}))
    return virtual_effect_clear(virtual=virtual)


@transaction.atomic
def virtual_effect_copy(*, source, target_ids):
    """Set the source virtual's effect, with its config, on each target that exists (LedFx's
    "copy" tool); returns the virtuals changed."""
    if not source.effect_type:
        raise ServiceError("Virtual copy failed, no active effect on source virtual")
    targets = Virtual.objects.in_bulk([target_id for target_id in target_ids if isinstance(target_id, str)])
    if not targets:
        raise ServiceError("Virtual copy failed, no valid targets")
    return [virtual_effect_set(virtual=target, effect_type=source.effect_type, config=source.effect_config) for target in targets.values()]


@transaction.atomic
def virtual_effect_delete(*, virtual, effect_type):
    """Forget an effect on a virtual (LedFx's effects/delete): cleared if it runs, and its
    remembered config dropped, so that it comes back with its defaults."""
    if virtual.effect_type == effect_type:
        virtual_effect_clear(virtual=virtual)
    virtual.effect_configs = {kept: config for kept, config in virtual.effect_configs.items() if kept != effect_type}
    virtual.save(update_fields=["effect_configs"])
    return virtual


@transaction.atomic
def virtual_set_active(*, virtual, active):
    """Switch a virtual on or off; switched on after its effect was cleared, it plays its
    last effect again, with that effect's last config (LedFx's "play last")."""
    if active and not virtual.effect_type and virtual.last_effect in EFFECTS and virtual.segments:
        return virtual_effect_set(
            virtual=virtual, effect_type=virtual.last_effect, config=virtual.effect_configs.get(virtual.last_effect, {})
        )
    if active and not virtual.effect_type:
        raise ServiceError(f"Virtual {virtual.id}: Cannot activate, no configured effect")
    if active and not virtual.segments:
        raise ServiceError(f"Virtual {virtual.id}: Cannot activate, no configured device segments")
    if active != virtual.active:
        record(object_type="virtual", object_id=virtual.id, kind="resumed" if active else "paused")
    virtual.active = active
    virtual.updated_at = timezone.now()
    virtual.save(update_fields=["active", "updated_at"])
    after_commit(events=[("virtual_pause", {"virtual_id": virtual.id, "paused": not active})], virtual_ids=[virtual.id])
    return virtual


@transaction.atomic
def virtual_calibration_set(*, virtual, on):
    """LedFx's calibration mode on or off (effects.calibration); off ends the highlight."""
    virtual.calibrating = on
    if not on:
        virtual.highlight = []
    virtual.save(update_fields=["calibrating", "highlight"])
    after_commit(virtual_ids=[virtual.id])
    return virtual


@transaction.atomic
def virtual_highlight_set(*, virtual, device_id=None, start=0, stop=0, flip=False):
    """Highlight pixels start..stop of a device while the virtual calibrates (LedFx's
    "highlight" tool), or end the highlight (device_id None)."""
    if not virtual.calibrating:
        raise ServiceError(f"highlight error: Cannot set highlight when {virtual.name} is not in calibration mode")
    if device_id is None:
        virtual.highlight = []
    else:
        device = Device.objects.filter(id=str(device_id).lower()).first()
        if device is None:
            raise ServiceError(f"highlight error: Device {device_id} not found")
        if not 0 <= start <= stop < device.pixel_count:
            raise ServiceError(f"highlight error: start and stop must satisfy 0 <= start <= stop < {device.pixel_count}")
        virtual.highlight = [device.id, start, stop, flip]
    virtual.save(update_fields=["highlight"])
    after_commit(virtual_ids=[virtual.id])
    return virtual


@transaction.atomic
def virtual_save(*, virtual_id=None, config, segments):
    """Create a virtual (virtual_id None) or change one's name, rows and segments."""
    config = cleaned(VIRTUAL_CONFIG, config)
    segments = cleaned(Schema(SEGMENTS), {"segments": segments})["segments"]
    if virtual_id is None:
        make_room(Virtual)
        virtual = Virtual(id=generate_id(config["name"], set(Virtual.objects.values_list("id", flat=True))))
    else:
        virtual = Virtual.objects.get(id=virtual_id)
    virtual.name, virtual.rows, virtual.segments = config["name"], config["rows"], segments
    virtual.options = {name: config[name] for name in VIRTUAL_OPTIONS}
    problems = virtual.segment_problems(Device.objects.in_bulk({segment[0] for segment in segments}))
    if problems:
        raise ServiceError("; ".join(problems))
    created = virtual._state.adding
    virtual.updated_at = timezone.now()
    virtual.save()
    record(object_type="virtual", object_id=virtual.id, kind="created" if created else "edited", config=virtual.as_ledfx()["config"], segments=segments)
    after_commit(
        events=[("virtual_config_update", {"virtual_id": virtual.id, "config": virtual.as_ledfx()["config"]})],
        virtual_ids=[virtual.id],
    )
    return virtual


@transaction.atomic
def virtual_delete(*, virtual):
    """Delete a virtual; a device's own virtual takes its device with it (as LedFx)."""
    events = [("effect_cleared", {"virtual_id": virtual.id})] if virtual.effect_type else []
    device = Device.objects.filter(id=virtual.is_device).first() if virtual.is_device else None
    after_commit(events=events, virtual_ids=[virtual.id])
    record(object_type="virtual", object_id=virtual.id, kind="deleted", name=virtual.name)
    virtual.delete()  # clears virtual.id
    if device is not None:
        device_delete(device=device)


@transaction.atomic
def core_config_update(*, changes):
    """Change some of the server-wide settings (CORE_SETTINGS), UI preferences and the
    audio input ("audio", as LedFx nests it); every value is checked before anything is
    saved; the render worker applies them at once."""
    unknown = [key for key in changes if key not in CORE_SETTINGS.fields and key not in UI_PREFERENCES.fields and key != "audio"]
    if unknown:
        known = ", ".join([*CORE_SETTINGS.fields, *UI_PREFERENCES.fields, "audio"])
        raise ServiceError(f"Unknown or read-only config keys: {', '.join(unknown)} (keys that can be changed: {known})")
    if "audio" in changes:
        audio = changes["audio"]
        if isinstance(audio, dict) and isinstance(audio.get("audio_device"), str) and audio["audio_device"].isdecimal():
            audio = {**audio, "audio_device": int(audio["audio_device"])}  # /api/schema's enum keys are strings, as LedFx's
        audio_device_select(index=cleaned(AUDIO_CONFIG, audio)["audio_device"])
    config = CoreConfig.current()
    values = cleaned(CORE_SETTINGS, {**config.settings(), **{key: value for key, value in changes.items() if key in CORE_SETTINGS.fields}})
    preferences = cleaned(UI_PREFERENCES, {**config.preferences(), **{key: value for key, value in changes.items() if key in UI_PREFERENCES.fields}})
    for name, value in values.items():
        setattr(config, name, value)
    config.ui_preferences = preferences
    config.save()
    after_commit(events=[("base_config_update", {"config": changes})], virtual_ids=[ALL_VIRTUALS])
    return config


# Of LedFx's audio config, what we honour: the input, by its index in input_devices().
AUDIO_CONFIG = Schema(Field("audio_device", "int", required=True, minimum=0))


@transaction.atomic
def audio_device_select(*, index):
    """Make the input listed at `index` (effects.audio_inputs.input_devices) the one that
    audio-reactive effects follow."""
    devices = input_devices()
    if index not in devices:
        raise ServiceError(f"Invalid device index [{index}]")
    config = CoreConfig.current()
    config.audio_device_name = devices[index]
    config.save(update_fields=["audio_device_name"])
    after_commit(events=[("audio_input_device_changed", {"audio_input_device_name": devices[index]})], virtual_ids=[ALL_VIRTUALS])
    return config


@transaction.atomic
def virtuals_pause_toggle():
    """Global pause: every virtual stops rendering (each keeps its effect), or all resume."""
    config = CoreConfig.current()
    config.paused = not config.paused
    config.save(update_fields=["paused"])
    after_commit(events=[("global_pause", {"paused": config.paused})], virtual_ids=[ALL_VIRTUALS])
    return config.paused


def virtual_preset_apply(*, virtual, category, effect_type, preset_id):
    """Set a built-in ("ledfx_presets") or user preset's effect on a virtual."""
    if category not in ("ledfx_presets", "user_presets"):
        raise ServiceError(f'Category {category} is not "ledfx_presets" or "user_presets"')
    if effect_type not in EFFECTS:
        raise ServiceError(f"Effect {effect_type} does not exist in category {category}")
    if category == "ledfx_presets":
        preset = builtin_presets(effect_type).get(preset_id)
        config = preset and preset["config"]
    else:
        config = UserPreset.objects.filter(effect_type=effect_type, preset_id=preset_id).values_list("config", flat=True).first()
    if config is None:
        raise ServiceError(f"Preset {preset_id} does not exist for effect {effect_type} in category {category}")
    cause = ("preset_applied", {"category": category, "preset_id": preset_id})
    return virtual_effect_set(virtual=virtual, effect_type=effect_type, config=config, cause=cause)


def virtual_preset_save(*, virtual, name):
    """Save the virtual's current effect config as a user preset; the same name replaces it."""
    if not virtual.effect_type:
        raise ServiceError(f"Virtual {virtual.id} has no active effect")
    name = cleaned(Schema(Field("name", "string", required=True, blank=False, max_length=200)), {"name": name})["name"]
    preset_id = generate_id(name, set())
    if not UserPreset.objects.filter(effect_type=virtual.effect_type, preset_id=preset_id).exists():
        make_room(UserPreset)
    preset, _ = UserPreset.objects.update_or_create(
        effect_type=virtual.effect_type,
        preset_id=preset_id,
        defaults={"name": name, "config": virtual.effect_config},
    )
    return preset


def user_preset_delete(*, effect_type, preset_id):
    if effect_type not in EFFECTS:
        raise ServiceError(f"Effect {effect_type} does not exist")
    if not UserPreset.objects.filter(effect_type=effect_type, preset_id=preset_id).delete()[0]:
        raise ServiceError(f"Preset {preset_id} does not exist for effect {effect_type} in user presets")


def named_color(value):
    """(value as kept, is a gradient) of a colour (kept as #rrggbb) or a gradient; ValueError."""
    try:
        return "#%02x%02x%02x" % parse_color(value), False
    except ValueError:
        parse_gradient(value)
        return value.strip(), True


@transaction.atomic
def user_colors_save(*, colors):
    """Name colours ("#rrggbb", a CSS name, rgb(...)) and gradients; built-in names stay as
    they are. Returns the names saved."""
    problems, saved = [], []
    for name, value in colors.items():
        if name in BUILTIN_COLORS or name in BUILTIN_GRADIENTS:
            problems.append(f"{name}: a built-in colour or gradient keeps its value")
            continue
        try:
            saved.append((name, *named_color(value)))
        except ValueError as error:
            problems.append(f"{name}: {error}")
    if problems:
        raise ServiceError("; ".join(problems))
    make_room(UserColor, adding=len({name for name, _, _ in saved} - set(UserColor.objects.values_list("name", flat=True))))
    for name, value, is_gradient in saved:
        UserColor.objects.update_or_create(name=name, defaults={"value": value, "is_gradient": is_gradient})
    after_commit(events=[("colors_updated", {})])
    return [name for name, _, _ in saved]


@transaction.atomic
def user_colors_delete(*, names):
    deleted = [name for name in names if UserColor.objects.filter(name=name).delete()[0]]
    if not deleted:
        raise ServiceError(f"Color or gradient {', '.join(map(str, names))} not found")
    after_commit(events=[("colors_updated", {})])
    return deleted


SCENE_ENTRY = Schema(
    Field("action", "choice", choices=("activate", "stop", "ignore")),
    Field("type", "string"),
    Field("config", "object"),
    extra="ignore",
)


def scene_entries(virtuals):
    """A scene's {virtual id: entry}, each checked: an effect that exists with a valid config."""
    if not isinstance(virtuals, dict):
        raise ServiceError("virtuals: must be an object of virtual id: {type, config}")
    entries = {}
    for virtual_id, entry in virtuals.items():
        entry = {key: value for key, value in cleaned(SCENE_ENTRY, entry).items() if value is not None}
        if entry.get("type") is not None:
            _, entry["config"] = validated_effect(entry["type"], entry.get("config"))
        entries[virtual_id] = entry
    return entries


def current_effects():
    """Every virtual's effect now, as a scene keeps it ({} for a virtual without one)."""
    return {
        virtual.id: {"type": virtual.effect_type, "config": virtual.effect_config} if virtual.effect_type else {}
        for virtual in Virtual.objects.all()
    }


SCENE_FIELDS = ("scene_image", "scene_tags", "scene_puturl", "scene_payload", "scene_midiactivate")


@transaction.atomic
def scene_save(*, scene_id=None, name=None, virtuals=None, snapshot=False, **fields):
    """Create a scene (the current effects of every virtual unless `virtuals` is given),
    or change one: only what is given changes; `snapshot` takes the current effects."""
    if scene_id is None:
        if not name:
            raise ServiceError("Required attribute 'name' was not provided")
        make_room(Scene)
        scene = Scene(id=generate_id(name, set(Scene.objects.values_list("id", flat=True))))
    else:
        scene = Scene.objects.filter(id=scene_id).first()
        if scene is None:
            raise ServiceError(f"Scene with id '{scene_id}' does not exist. To create a new scene, omit the 'id' field.")
    if name:
        scene.name = name
    if virtuals is not None and not snapshot:
        scene.virtuals = scene_entries(virtuals)
    elif snapshot or scene_id is None:
        scene.virtuals = current_effects()
    for field in SCENE_FIELDS:
        if fields.get(field) is not None:
            setattr(scene, field, fields[field])
    scene.save()
    return scene


@transaction.atomic
def scene_activate(*, scene):
    """Set every effect the scene names, clear those it stops; virtuals gone since are skipped."""
    virtuals = Virtual.objects.in_bulk(list(scene.virtuals))
    for virtual_id, entry in sorted(scene.virtuals.items()):  # one order whatever the database keeps
        virtual = virtuals.get(virtual_id)
        action = scene_action(entry)
        if virtual is None or action == "ignore":
            continue
        cause = ("scene_activated", {"scene_id": scene.id, "scene_name": scene.name, "action": action})
        if action == "stop":
            virtual_effect_clear(virtual=virtual, cause=cause)
        else:
            virtual_effect_set(virtual=virtual, effect_type=entry["type"], config=entry.get("config") or {}, cause=cause)
    after_commit(events=[("scene_activated", {"scene_id": scene.id})])


@transaction.atomic
def scene_deactivate(*, scene):
    """Clear the effect of every virtual the scene sets."""
    virtuals = Virtual.objects.in_bulk(list(scene.virtuals))
    for virtual_id, entry in scene.virtuals.items():
        if virtual_id in virtuals and scene_action(entry) == "activate":
            virtual_effect_clear(virtual=virtuals[virtual_id])
