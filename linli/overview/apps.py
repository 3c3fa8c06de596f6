from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OverviewConfig(AppConfig):
    """The one-screen overview (一屏统览). It reads only: the apps register their counters and
    layers into ``linli.overview.registry`` from their own ``ready()``."""

    name = "linli.overview"
    label = "overview"
    verbose_name = _("One-screen overview")
