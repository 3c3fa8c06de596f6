from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "linli.ledger"
    label = "ledger"
    verbose_name = "Shared ledger (防疫账簿)"
