"""Who may see what lower offices sent up: the office holding ``exchange.import`` for the
area the files come from. Files and their figures name places by code."""

from django.utils.translation import gettext_lazy as _

from linli.core.access import CodeScope, declare, register_actions
from linli.exchange.models import ExchangeFigure, ExchangeSnapshot, TrustedOffice

register_actions({
    "exchange.import": _("import the signed figures lower offices send up"),
})

declare(TrustedOffice, {"exchange.import": CodeScope(field="place_code")})
declare(ExchangeSnapshot, {"exchange.import": CodeScope(field="scope_code")})
declare(ExchangeFigure, {"exchange.import": CodeScope(field="snapshot__scope_code")})
