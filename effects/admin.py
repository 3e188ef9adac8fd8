"""Devices, virtuals, scenes, presets, colours and the core config in the admin. Every save
goes through effects.services, so the admin fires the same events and tells the render
worker, as the REST API does."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime

from effects import services
from effects.base import EFFECTS
from effects.models import CORE_SETTINGS, MODEL_FIELDS, CoreConfig, Device, HistoryEntry, Scene, UserColor, UserPreset, Virtual
from effects.services import ServiceError
from ledfxsite.admin import ReadOnlyAdmin


class DeviceForm(forms.ModelForm):
    class Meta:
        model = Device
        fields = ["name", "type", "pixel_count", "rows", "refresh_rate", "ip_address", "config"]

    def clean(self):
        cleaned = super().clean()
        device_type = cleaned.get("type") or self.instance.type
        try:
            services.device_fields(device_type, {**(cleaned.get("config") or {}), **{key: cleaned.get(key) for key in MODEL_FIELDS}})
        except ServiceError as error:
            raise ValidationError(str(error)) from None
        return cleaned


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    form = DeviceForm
    list_display = ["id", "name", "type", "pixel_count", "rows", "refresh_rate", "online", "device_info"]
    list_filter = ["type", "online"]
    search_fields = ["id", "name", "ip_address"]
    readonly_fields = ["id", "online", "device_info", "info_read_at", "created_at", "uptime", "last_failure", "history"]

    @admin.display(description="uptime, last 24 hours")
    def uptime(self, obj):
        share = HistoryEntry.objects.uptime(device_id=obj.id, online_now=obj.online, existing_since=obj.created_at)
        return f"{share:.1%}"

    @admin.display(description="last failure")
    def last_failure(self, obj):
        failure = HistoryEntry.objects.filter(object_type="device", object_id=obj.id, kind="offline").first()
        return "—" if failure is None else f"{localtime(failure.at):%Y-%m-%d %H:%M:%S}: {failure.details.get('reason', 'no reason given')}"

    @admin.display(description="history")
    def history(self, obj):
        return history_link("device", obj.id)

    @admin.display(description="latest info")
    def device_info(self, obj):
        """What the device last said about itself (WLED: firmware, signal, LED fps)."""
        info = obj.info
        if not info:
            return "—"
        if "error" in info:
            return info["error"]
        parts = [
            ("firmware", info.get("ver"), ""),
            ("signal", info.get("qual"), " %"),
            ("RSSI", info.get("rssi"), " dBm"),
            ("LED fps", info.get("fps"), ""),
        ]
        return ", ".join(f"{label} {value}{unit}" for label, value, unit in parts if value is not None)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["type"] if obj else [])

    def save_model(self, request, obj, form, change):
        config = {**form.cleaned_data["config"], **{key: form.cleaned_data[key] for key in MODEL_FIELDS}}
        if change:
            services.device_update(device=obj, config=config)
        else:
            created = services.device_create(device_type=form.cleaned_data["type"], config=config)
            obj.pk = created.pk

    def delete_model(self, request, obj):
        services.device_delete(device=obj)

    def delete_queryset(self, request, queryset):
        for device in queryset:
            services.device_delete(device=device)


def effect_choices():
    return [("", "— no effect —")] + [(effect_id, f"{effect.name} ({effect_id})") for effect_id, effect in sorted(EFFECTS.items())]


class VirtualForm(forms.ModelForm):
    effect_type = forms.ChoiceField(choices=effect_choices, required=False)

    class Meta:
        model = Virtual
        fields = ["name", "rows", "segments", "options", "effect_type", "effect_config", "active"]
        help_texts = {"effect_config": "Options of the effect as JSON, e.g. {\"speed\": 2, \"diag\": true}; missing ones take their defaults."}

    def clean(self):
        cleaned = super().clean()
        effect_type = cleaned.get("effect_type")
        if effect_type:
            try:
                services.validated_effect(effect_type, cleaned.get("effect_config") or {})
            except ServiceError as error:
                self.add_error("effect_config", str(error))
        elif cleaned.get("active"):
            self.add_error("active", "A virtual without an effect cannot be active.")
        return cleaned


@admin.register(Virtual)
class VirtualAdmin(admin.ModelAdmin):
    form = VirtualForm
    list_display = ["id", "name", "effect_type", "active", "diag", "pixel_count", "rows", "is_device"]
    list_filter = ["active", "effect_type"]
    search_fields = ["id", "name"]
    readonly_fields = ["id", "is_device", "calibrating", "highlight", "updated_at", "history"]
    actions = ["start_rendering", "stop_rendering", "toggle_diag"]

    @admin.display(description="history")
    def history(self, obj):
        return history_link("virtual", obj.id)

    @admin.display(boolean=True, description="diag")
    def diag(self, obj):
        return bool(obj.effect_config.get("diag"))

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            virtual = services.virtual_save(
                virtual_id=obj.pk if change else None,
                config={**(data["options"] or {}), "name": data["name"], "rows": data["rows"]},
                segments=data["segments"],
            )
            if data["effect_type"]:
                services.virtual_effect_set(virtual=virtual, effect_type=data["effect_type"], config=data["effect_config"] or {})
                services.virtual_set_active(virtual=virtual, active=data["active"])
            else:
                services.virtual_effect_clear(virtual=virtual)
        except ServiceError as error:
            messages.error(request, str(error))
            return
        obj.pk = virtual.pk

    def delete_model(self, request, obj):
        services.virtual_delete(virtual=obj)

    def delete_queryset(self, request, queryset):
        for virtual in queryset:
            services.virtual_delete(virtual=virtual)

    def apply(self, request, queryset, change, done):
        changed = 0
        for virtual in queryset:
            try:
                change(virtual)
            except ServiceError as error:
                messages.error(request, str(error))
            else:
                changed += 1
        if changed:
            messages.success(request, f"{done}: {changed} virtual(s).")

    @admin.action(description="Start rendering the selected virtuals")
    def start_rendering(self, request, queryset):
        self.apply(request, queryset, lambda virtual: services.virtual_set_active(virtual=virtual, active=True), "Started")

    @admin.action(description="Stop rendering the selected virtuals")
    def stop_rendering(self, request, queryset):
        self.apply(request, queryset, lambda virtual: services.virtual_set_active(virtual=virtual, active=False), "Stopped")

    @admin.action(description="Toggle diagnostics (virtual_diag) of the selected virtuals")
    def toggle_diag(self, request, queryset):
        def toggle(virtual):
            if not virtual.effect_type:
                raise ServiceError(f"Virtual {virtual.id} has no effect")
            config = {**virtual.effect_config, "diag": not virtual.effect_config.get("diag", False)}
            services.virtual_effect_update(virtual=virtual, effect_type=virtual.effect_type, config=config)

        self.apply(request, queryset, toggle, "Toggled diag")


@admin.register(CoreConfig)
class CoreConfigAdmin(admin.ModelAdmin):
    """The one row of server-wide settings; saved through the same service as PUT /api/config."""

    fields = [*CORE_SETTINGS.fields, "paused", "ui_preferences"]
    readonly_fields = ["paused", "ui_preferences"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            services.core_config_update(changes={name: form.cleaned_data[name] for name in CORE_SETTINGS.fields})
        except ServiceError as error:
            messages.error(request, str(error))


@admin.register(Scene)
class SceneAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "virtual_count", "created_at"]
    search_fields = ["id", "name"]
    readonly_fields = ["id", "virtuals", "created_at"]
    fields = ["id", "name", "virtuals", "scene_image", "scene_tags", "scene_puturl", "scene_payload", "scene_midiactivate", "created_at"]
    actions = ["activate"]

    def has_add_permission(self, request):
        return False  # scenes are the effects of a moment: saved from LedFx's UI or POST /api/scenes

    @admin.display(description="virtuals")
    def virtual_count(self, obj):
        return len(obj.virtuals)

    @admin.action(description="Activate the selected scenes")
    def activate(self, request, queryset):
        for scene in queryset:
            services.scene_activate(scene=scene)
        messages.success(request, f"Activated {queryset.count()} scene(s).")


@admin.register(UserPreset)
class UserPresetAdmin(admin.ModelAdmin):
    list_display = ["name", "effect_type", "preset_id", "created_at"]
    list_filter = ["effect_type"]
    readonly_fields = ["effect_type", "preset_id", "config", "created_at"]

    def has_add_permission(self, request):
        return False  # saved from a virtual's running effect (LedFx's UI, POST /api/virtuals/<id>/presets)


class UserColorForm(forms.ModelForm):
    class Meta:
        model = UserColor
        fields = ["name", "value"]

    def clean_value(self):
        try:
            services.named_color(self.cleaned_data["value"])
        except ValueError as error:
            raise ValidationError(str(error)) from None
        return self.cleaned_data["value"]


@admin.register(UserColor)
class UserColorAdmin(admin.ModelAdmin):
    form = UserColorForm
    list_display = ["name", "value", "is_gradient"]
    list_filter = ["is_gradient"]
    readonly_fields = ["is_gradient"]

    def get_readonly_fields(self, request, obj=None):
        return ["name", "is_gradient"] if obj else ["is_gradient"]

    def save_model(self, request, obj, form, change):
        try:
            services.user_colors_save(colors={obj.name: obj.value})
        except ServiceError as error:
            messages.error(request, str(error))

    def delete_model(self, request, obj):
        services.user_colors_delete(names=[obj.name])

    def delete_queryset(self, request, queryset):
        services.user_colors_delete(names=list(queryset.values_list("name", flat=True)))


RECENT_HISTORY = 10


def history_link(object_type, object_id):
    """A link to the object's whole history, then its latest entries."""
    entries = HistoryEntry.objects.filter(object_type=object_type, object_id=object_id)
    url = reverse("admin:effects_historyentry_changelist") + f"?object_type__exact={object_type}&object_id={object_id}"
    count = entries.count()
    link = format_html('<a href="{}">{} {}</a>', url, count, "entry" if count == 1 else "entries")
    if not count:
        return link
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (f"{localtime(entry.at):%Y-%m-%d %H:%M:%S}", entry.get_kind_display(), entry.source, entry.user or entry.client_ip or "—", json.dumps(entry.details)[:200])
            for entry in entries.select_related("user")[:RECENT_HISTORY]
        ),
    )
    return format_html(
        '{}, the latest:<table class="recent-history"><thead><tr><th>at</th><th>what</th><th>source</th><th>who</th><th>details</th></tr></thead><tbody>{}</tbody></table>',
        link,
        rows,
    )


@admin.register(HistoryEntry)
class HistoryEntryAdmin(ReadOnlyAdmin):
    """Entries are written by the services alone, with the changes they record."""

    list_display = ["at", "object_type", "object_id", "kind", "source", "user", "client_ip", "details"]
    list_filter = ["object_type", "kind", "source", "at"]
    search_fields = ["object_id", "client_ip", "client_id", "user__username"]
    date_hierarchy = "at"
    list_select_related = ["user"]

    def lookup_allowed(self, lookup, value, request):
        return lookup == "object_id" or super().lookup_allowed(lookup, value, request)
