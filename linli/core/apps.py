from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "linli.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from linli.core.roles import sync_builtin_roles

        post_migrate.connect(sync_builtin_roles, sender=self, dispatch_uid="linli_sync_roles")
