from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "linli.alerts"
    label = "alerts"
    verbose_name = "Alerts (告警处置)"
