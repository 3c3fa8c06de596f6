from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """The shell: the home page, the menu, and the assembly of every app's URLs and API.

    The top floor: it may import any app, and no app imports it.
    """

    name = "linli.web"
    label = "web"
    verbose_name = _("Web shell")
