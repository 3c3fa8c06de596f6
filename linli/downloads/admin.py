from django.contrib import admin

from linli.downloads.models import Download


@admin.register(Download)
class DownloadAdmin(admin.ModelAdmin):
    """Read-only, without the file itself: a record of who made which file when."""

    list_display = ["pk", "title", "scope", "created_by", "status", "created_at"]
    list_filter = ["status", "kind"]
    exclude = ["content"]
    readonly_fields = ["kind", "action", "created_by", "scope", "path", "params", "title", "status", "stage",
                       "progress_done", "progress_total", "file_name", "content_type", "size", "error", "ip",
                       "finished_at", "run_id", "worker", "lease_until", "full_values_of", "needs_approval",
                       "approve_by", "decided_by", "decided_at", "refusal_reason"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
