from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "linli.ledger"
    label = "ledger"
    verbose_name = _("Shared ledger")

    def ready(self) -> None:
        from linli.core.audit import AnchorStore, register_anchor_store
        from linli.ledger.anchoring import anchor_audit_head, audit_anchors

        # `linli audit verify` checks the audit chain against the heads written here.
        register_anchor_store(AnchorStore("ledger", audit_anchors, anchor_audit_head))
