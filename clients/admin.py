from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils.functional import cached_property

from clients.models import ClientConnection, ServerInstance
from ledfxsite.admin import ReadOnlyAdmin

COUNT_CAP = 10000


class CappedCountPaginator(Paginator):
    """Counts at most COUNT_CAP rows, so a history of millions pages without a full COUNT(*)."""

    @cached_property
    def count(self):
        return self.object_list.values("pk")[: COUNT_CAP + 1].count()


class OpenClosedFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Connected now"), ("closed", "Disconnected")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(disconnected_at__isnull=True)
        if self.value() == "closed":
            return queryset.filter(disconnected_at__isnull=False)
        return queryset


@admin.register(ClientConnection)
class ClientConnectionAdmin(ReadOnlyAdmin):
    list_display = ["client_id", "ip", "name", "client_type", "user", "connected_at", "disconnected_at", "duration_display", "server_instance"]
    list_filter = [OpenClosedFilter, ("connected_at", admin.DateFieldListFilter), "client_type"]
    search_fields = ["=client_id", "^ip"]
    search_help_text = "Search by the full client id, or the start of an IP address."
    paginator = CappedCountPaginator
    show_full_result_count = False
    list_select_related = ["server_instance"]
    list_per_page = 100
    readonly_fields = [field.name for field in ClientConnection._meta.fields] + ["duration_display"]

    @admin.display(description="duration")
    def duration_display(self, obj):
        seconds = int(obj.duration.total_seconds())
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        text = f"{hours}:{minutes:02d}:{seconds:02d}"
        return text if not obj.is_open else f"{text} (open)"


@admin.register(ServerInstance)
class ServerInstanceAdmin(ReadOnlyAdmin):
    list_display = ["id", "hostname", "pid", "started_at", "last_seen", "stopped_at", "open_connections"]
    list_filter = [("stopped_at", admin.EmptyFieldListFilter)]
    search_fields = ["^id", "^hostname"]
    paginator = CappedCountPaginator
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            open_count=Count("connections", filter=Q(connections__disconnected_at__isnull=True))
        )

    @admin.display(description="open connections", ordering="open_count")
    def open_connections(self, obj):
        return obj.open_count
