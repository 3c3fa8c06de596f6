from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "linli.alerts"
    label = "alerts"
    verbose_name = "Alerts (告警处置)"

    def ready(self) -> None:
        from linli.alerts import intake
        from linli.alerts import overview as on_the_overview
        from linli.alerts.today import items
        from linli.core import today
        from linli.devices import hooks

        hooks.on_events(intake.handle_events)
        hooks.on_silence(intake.handle_silence)
        today.register("alerts", items)
        on_the_overview.register()
