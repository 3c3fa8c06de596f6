from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "linli.exchange"
    label = "exchange"
    verbose_name = "Upward exchange"
