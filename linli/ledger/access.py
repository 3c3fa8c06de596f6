"""Who may read the shared ledger: each office the entries of its area (``ledger.view``);
auditors (``ledger.audit``) the whole log with its checkpoints, as any witness could."""

from django.utils.translation import gettext_lazy as _

from linli.core.access import Anywhere, PlaceScope, declare, register_actions
from linli.ledger.models import Checkpoint, Cosignature, LedgerEntry, Party, Payload, PendingEntry

register_actions({
    "ledger.view": _("see the shared ledger's entries in one's area"),
    "ledger.audit": _("read the whole shared ledger to audit it"),
    "ledger.submit": _("submit ledger entries signed by one's department"),
})

WHOLE_LOG = Anywhere()

declare(PendingEntry, {"ledger.view": PlaceScope(), "ledger.audit": WHOLE_LOG})
declare(LedgerEntry, {"ledger.view": PlaceScope(),
                      "ledger.audit": WHOLE_LOG})
declare(Payload, {"ledger.audit": WHOLE_LOG})
for model in (Checkpoint, Cosignature, Party):
    declare(model, {"ledger.view": Anywhere(), "ledger.audit": WHOLE_LOG})
