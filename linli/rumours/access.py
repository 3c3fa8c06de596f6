"""Who keeps the facts, reviews the suspected rumours and signs the clarifications.

A fact lies in the area of the office that keeps it (a street or a community) and counts for
every community below: whoever may see rumours somewhere below sees it (``Reach``), and those
whose scope covers it write it (``rumours.facts``) and sign it off (``rumours.verify``, someone
other than its last writer). The queue, its tallies, the clarifications and their signatures lie
in a community: the offices see them (``rumours.view``), report a message by hand
(``rumours.report``), confirm or dismiss a suspect (``rumours.review``) and write the
clarification (``rumours.draft``); each of the three parties signs with its own action
(``rumours.sign_office``, ``rumours.sign_expert``, ``rumours.sign_media``); the office releases
the signed text as a notice (``rumours.release``, with the notices' own ``notices.draft``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from linli.core.access import PlaceScope, Reach, declare, register_actions
from linli.places.models import Place
from linli.rumours.models import Clarification, Fact, FactVersion, Sighting, Signature, Suspect

VIEW, FACTS, VERIFY, REPORT, REVIEW, DRAFT = (
    "rumours.view", "rumours.facts", "rumours.verify", "rumours.report", "rumours.review", "rumours.draft")
SIGN_OFFICE, SIGN_EXPERT, SIGN_MEDIA, RELEASE = (
    "rumours.sign_office", "rumours.sign_expert", "rumours.sign_media", "rumours.release")
SIGN = {"office": SIGN_OFFICE, "expert": SIGN_EXPERT, "media": SIGN_MEDIA}

register_actions({
    VIEW: _("see the verified facts and the suspected rumours of one's area"),
    FACTS: _("write and edit the verified facts of one's area"),
    VERIFY: _("sign off a verified fact written by someone else"),
    REPORT: _("report a suspected rumour seen in a group chat"),
    REVIEW: _("confirm or dismiss the suspected rumours of one's area"),
    DRAFT: _("write and edit the clarification of a rumour"),
    SIGN_OFFICE: _("sign a clarification for the government office"),
    SIGN_EXPERT: _("sign a clarification as the health or subject expert"),
    SIGN_MEDIA: _("sign a clarification for media and communications"),
    RELEASE: _("release a clarification signed by the three parties as a notice"),
})

PLACE = PlaceScope()
SUSPECT_ACTIONS = {a: PLACE for a in (VIEW, REPORT, REVIEW, DRAFT, *SIGN.values(), RELEASE)}

# A fact kept by the street counts in its communities: their staff see it (in scope or above).
declare(Fact, {VIEW: Reach(), FACTS: PLACE, VERIFY: PLACE})
declare(FactVersion, {VIEW: Reach()})
declare(Suspect, SUSPECT_ACTIONS)
declare(Sighting, {VIEW: PLACE})
declare(Clarification, SUSPECT_ACTIONS)
declare(Signature, {VIEW: PLACE})
# The office a fact is filed under, and the community a message is reported in.
declare(Place, {FACTS: PLACE, REPORT: PLACE})
