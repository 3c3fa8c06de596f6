from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "linli.reports"
    label = "reports"
    verbose_name = _("Department reports")

    def ready(self) -> None:
        from linli.reports.builtin import install_builtin_templates
        from linli.reports.downloads import register_makers

        register_makers()
        post_migrate.connect(install_builtin_templates, sender=self, dispatch_uid="linli_report_templates")
