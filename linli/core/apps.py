from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "linli.core"
    label = "core"
    verbose_name = _("Accounts, roles and audit")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from linli.core import (
            checks,  # noqa: F401 - registers the role checks
            signins,
        )
        from linli.core.access import declare_core
        from linli.core.roles import sync_builtin_roles

        # Every app's access.py registers its actions and declares its models' policies.
        declare_core()
        autodiscover_modules("access")
        post_migrate.connect(sync_builtin_roles, sender=self, dispatch_uid="linli_sync_roles")
        signins.connect_lockouts()
