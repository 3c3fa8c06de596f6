from django.contrib import admin

from linli.imports.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Read-only: batches change only through the import steps."""

    list_display = ["pk", "file_name", "scope", "created_by", "status", "created_at"]
    list_filter = ["status"]
    exclude = ["content"]
    readonly_fields = ["kind", "created_by", "scope", "path", "file_name", "file_size", "file_sha256", "sheets",
                       "status", "stage", "progress_done", "progress_total", "counts", "fingerprint", "on_match",
                       "allow_rejected", "error", "checked_at", "committed_at"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
