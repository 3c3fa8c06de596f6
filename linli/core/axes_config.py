"""django-axes under a Chinese name in the admin (its own name is "Axes")."""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    verbose_name = _("Sign-in attempts and lockouts")
