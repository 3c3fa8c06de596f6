"""Who sees and works the opinion analysis.

A community's office uploads its groups' exports (``opinion.import``), reads the analysis
(``opinion.view``), files or dismisses the demands found (``opinion.demand``; filing also needs
``tickets.submit``) and generates and sends the monthly report (``opinion.report``). The street
holds the same over its communities, and generates the street's report.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from linli.core.access import PlaceScope, declare, register_actions
from linli.opinion.models import (
    ChatGroup,
    ChatImport,
    ChatMessage,
    DailyVolume,
    Demand,
    MonthAnalysis,
    OpinionReport,
    Topic,
)
from linli.places.models import Place

VIEW, IMPORT, DEMAND, REPORT = "opinion.view", "opinion.import", "opinion.demand", "opinion.report"

register_actions({
    VIEW: _("see the opinion analysis of one's area: volume, topics, sentiment, places, demands, reports"),
    IMPORT: _("upload the exports of the community's chat groups for analysis"),
    DEMAND: _("file the demands found in the chat groups as requests, or dismiss them"),
    REPORT: _("generate the monthly opinion report and send it to the street"),
})

PLACE = PlaceScope()
declare(ChatGroup, {VIEW: PLACE})
declare(ChatImport, {VIEW: PLACE, IMPORT: PLACE})
declare(ChatMessage, {VIEW: PLACE})
declare(DailyVolume, {VIEW: PLACE})
declare(MonthAnalysis, {VIEW: PLACE})
declare(Topic, {VIEW: PLACE})
declare(Demand, {VIEW: PLACE, DEMAND: PLACE})
declare(OpinionReport, {VIEW: PLACE, REPORT: PLACE})
# The communities (and streets) one uploads for, reads and reports on.
declare(Place, {VIEW: PLACE, IMPORT: PLACE, DEMAND: PLACE, REPORT: PLACE})
