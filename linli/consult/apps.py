from django.apps import AppConfig


class ConsultConfig(AppConfig):
    name = "linli.consult"
    label = "consult"
    verbose_name = "Consultations (协商)"
