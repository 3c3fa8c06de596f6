from django.contrib import admin

from linli.reports.models import ReportRun, ReportTemplate


@admin.register(ReportTemplate)
class ReportTemplateAdmin(admin.ModelAdmin):
    """Templates are data: departments' columns and filters change without a code change.
    ``ReportTemplate.clean`` checks every definition and says what is wrong."""

    list_display = ("title", "department", "code", "version", "active")
    list_filter = ("department", "active")
    readonly_fields = ("version", "builtin", "updated_at")


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ("template", "scope_code", "generated_by", "generated_at", "rows")
    readonly_fields = [f.name for f in ReportRun._meta.fields]

    def has_add_permission(self, request):
        return False
