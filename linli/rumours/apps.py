from django.apps import AppConfig


class RumoursConfig(AppConfig):
    name = "linli.rumours"
    label = "rumours"
    verbose_name = "Rumours and verified facts (辟谣库)"
