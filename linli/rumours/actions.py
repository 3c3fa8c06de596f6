"""Keeping the verified facts, queueing suspected rumours, reviewing them, and the three-party
clarification released as a notice.

Every change checks its own permission, runs in one transaction and is audited. Matching is
``linli.rumours.matching`` (no Django); the sign-off rules are ``linli.rumours.signoff``.
"""

from __future__ import annotations

import datetime
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit
from linli.core.access import require
from linli.places.models import Level, Place
from linli.places.rules import ancestor_paths
from linli.rumours import matching, signoff
from linli.rumours.access import DRAFT, FACTS, RELEASE, REPORT, REVIEW, SIGN, VERIFY
from linli.rumours.models import (
    Clarification,
    Fact,
    FactVersion,
    Sighting,
    Signature,
    Suspect,
    SuspectStatus,
    Verdict,
)
from linli.tasks.actions import clean_text

EXAMPLES = 5  # messages kept on a queue item, as they came (the latest)
MAX_EXPLANATION = 2000
MAX_BODY = 4800  # room in the notice for the three parties' names
NOTICE_DAYS = 3  # the released notice asks to be read within three days

REFUSALS = {
    "released": _("This clarification has already been released."),
    "unknown_party": _("Choose the government office, the expert or media and communications."),
    "already_signed": _("This party has already signed this version."),
    "two_parties": _("You already signed this clarification for another party: each party needs a different person."),
    "incomplete": _("All three parties must sign the current version before it is released."),
}


def _error(field_name: str, message: Any, code: str) -> ValidationError:
    return ValidationError({field_name: [ValidationError(message, code=code)]})


def _refused(exc: signoff.Refused) -> ValidationError:
    return ValidationError(REFUSALS[exc.code], code=exc.code)


# --- the fact base ----------------------------------------------------------------------------------

@dataclass
class FactInput:
    claim: str
    verdict: str
    explanation: str
    source: str
    wordings: str = ""


def _check_fact(data: FactInput) -> dict[str, str]:
    if data.verdict not in Verdict.values:
        raise _error("verdict", _("Choose true, false or misleading."), "verdict")
    clean = {"claim": clean_text(data.claim, "claim", 200, required=True),
             "wordings": clean_text(data.wordings, "wordings", 2000, lines=True),
             "explanation": clean_text(data.explanation, "explanation", MAX_EXPLANATION, required=True, lines=True),
             "source": clean_text(data.source, "source", 200, required=True), "verdict": data.verdict}
    if not matching.tokens(clean["claim"]):
        raise _error("claim", _("Write the claim in words."), "no_words")
    return clean


def _fact_version(fact: Fact, user: Any, note: str = "") -> None:
    FactVersion.objects.create(fact=fact, number=fact.version, claim=fact.claim, wordings=fact.wordings,
                               verdict=fact.verdict, explanation=fact.explanation, source=fact.source, note=note,
                               written_by=user, path=fact.path)


@transaction.atomic
def do_add_fact(area: Place, data: FactInput, *, acting_user: Any) -> Fact:
    """A fact kept by the office of ``area`` (a street or a community); it counts once signed off."""
    if area.level not in (Level.DISTRICT, Level.STREET, Level.COMMUNITY):
        raise _error("area", _("Choose a district, street or community office."), "area_level")
    require(acting_user, FACTS, area)
    fact = Fact.objects.create(area=area, path=area.path, written_by=acting_user, **_check_fact(data))
    _fact_version(fact, acting_user)
    audit.record("rumours.fact_add", actor=acting_user, obj=fact, detail={"verdict": fact.verdict})
    return fact


@transaction.atomic
def do_edit_fact(fact: Fact, data: FactInput, *, acting_user: Any, note: str = "") -> Fact:
    """A changed fact is a new version, and needs a new sign-off before it counts again."""
    require(acting_user, FACTS, fact)
    clean = _check_fact(data)
    note = clean_text(note, "note", 200)
    fact = Fact.objects.select_for_update().get(pk=fact.pk)
    if all(getattr(fact, k) == v for k, v in clean.items()):
        raise _error("claim", _("Nothing changed."), "unchanged")
    for name, value in clean.items():
        setattr(fact, name, value)
    fact.version += 1
    fact.written_by = acting_user
    fact.save()
    _fact_version(fact, acting_user, note)
    audit.record("rumours.fact_edit", actor=acting_user, obj=fact, detail={"version": fact.version})
    return fact


@transaction.atomic
def do_sign_off_fact(fact: Fact, *, acting_user: Any) -> Fact:
    """Four eyes: someone other than the last writer vouches for the fact's current version."""
    require(acting_user, VERIFY, fact)
    fact = Fact.objects.select_for_update().get(pk=fact.pk)
    if fact.signed:
        raise ValidationError(_("This version is already signed off."), code="signed")
    if fact.written_by_id == acting_user.pk:
        raise ValidationError(_("You wrote this version: someone else must sign it off."), code="own_fact")
    fact.signed_version, fact.signed_by, fact.signed_at = fact.version, acting_user, timezone.now()
    fact.save(update_fields=["signed_version", "signed_by", "signed_at", "updated_at"])
    audit.record("rumours.fact_sign_off", actor=acting_user, obj=fact, detail={"version": fact.version})
    return fact


# --- matching against a community's facts ----------------------------------------------------------------

def facts_for(community: Place) -> Any:
    """The signed facts that count in a community: its own and those of the offices above it."""
    return Fact.objects.filter(Q(path__in=[*ancestor_paths(community.path), community.path])
                               | Q(path__startswith=community.path), signed_version=F("version"))


_INDEXES: OrderedDict[tuple[tuple[int, str], ...], matching.Index[int]] = OrderedDict()
_CACHED = 32
_INDEXES_LOCK = threading.Lock()


def index_for(community: Place) -> tuple[matching.Index[int], dict[int, Fact]]:
    """The BM25 index of the community's facts, kept while none of their wordings changes."""
    facts = {f.pk: f for f in facts_for(community).order_by("pk")}
    key = tuple((pk, hashlib.blake2b("\n".join(f.texts()).encode(), digest_size=8).hexdigest())
                for pk, f in facts.items())
    with _INDEXES_LOCK:  # the server's threads share the cache
        index = _INDEXES.get(key)
        if index is not None:
            _INDEXES.move_to_end(key)
            return index, facts
    index = matching.Index((pk, f.texts()) for pk, f in facts.items())
    with _INDEXES_LOCK:
        _INDEXES[key] = index
        while len(_INDEXES) > _CACHED:
            _INDEXES.popitem(last=False)
    return index, facts


@dataclass(frozen=True)
class Seen:
    text: str
    group: str
    sent_at: datetime.datetime
    ref: str
    similarity: float = 0.0


def _example(seen: Seen) -> dict[str, str]:
    local = timezone.localtime(seen.sent_at)
    return {"text": seen.text[:500], "group": seen.group[:100], "sent_at": local.isoformat(),
            "at": local.strftime("%Y-%m-%d %H:%M"), "ref": seen.ref[:100]}


def _suspect_for(community: Place, fact: Fact, first: Seen) -> Suspect:
    """The community's queue item of this fact, locked; made on its first sighting."""
    found = Suspect.objects.select_for_update().filter(community=community, fact=fact).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Suspect.objects.create(community=community, fact=fact, text=first.text[:500], path=community.path,
                                          first_seen=first.sent_at, last_seen=first.sent_at)
    except IntegrityError:  # made meanwhile by another import
        return Suspect.objects.select_for_update().get(community=community, fact=fact)


def count_sightings(suspect: Suspect, seen: list[Seen]) -> None:
    """Add messages to a queue item: its count, the first few as examples, the tally per day."""
    suspect.count += len(seen)
    suspect.first_seen = min([suspect.first_seen, *(s.sent_at for s in seen)])
    suspect.last_seen = max([suspect.last_seen, *(s.sent_at for s in seen)])
    suspect.similarity = max([suspect.similarity, *(s.similarity for s in seen)])
    # the latest few, newest first (a message reported by hand shows at once)
    latest = sorted(seen, key=lambda s: s.sent_at, reverse=True)[:EXAMPLES]
    examples = [*suspect.examples, *(_example(s) for s in latest)]
    suspect.examples = sorted(examples, key=lambda e: e["sent_at"], reverse=True)[:EXAMPLES]
    suspect.save()
    days: dict[datetime.date, int] = {}
    for s in seen:
        day = timezone.localdate(s.sent_at)
        days[day] = days.get(day, 0) + 1
    for day, n in days.items():
        updated = Sighting.objects.filter(suspect=suspect, day=day).update(count=F("count") + n)
        if not updated:
            Sighting.objects.create(suspect=suspect, day=day, count=n, path=suspect.path)


def queue_matches(community: Place, texts: list[Seen]) -> int:
    """Match messages against the community's facts and count those repeating a false or
    misleading claim on its queue item. Returns how many messages were queued."""
    index, facts = index_for(community)
    by_fact: dict[int, list[Seen]] = {}
    for seen, found in zip(texts, index.match([s.text for s in texts]), strict=True):
        if found is not None and facts[found.key].is_rumour:
            by_fact.setdefault(found.key, []).append(
                Seen(seen.text, seen.group, seen.sent_at, seen.ref, found.similarity))
    for fact_pk in sorted(by_fact):
        messages = by_fact[fact_pk]
        count_sightings(_suspect_for(community, facts[fact_pk], messages[0]), messages)
    return sum(len(v) for v in by_fact.values())


# --- reporting and reviewing ---------------------------------------------------------------------------------

@transaction.atomic
def do_report(community: Place, text: str, *, acting_user: Any, group: str = "") -> Suspect:
    """A message a staff member saw, pasted by hand: counted on the fact it repeats, or queued on
    its own when it repeats none (a new claim for the fact base). Phone and ID numbers are masked."""
    if community.level != Level.COMMUNITY:
        raise _error("community", _("Choose a community."), "community")
    require(acting_user, REPORT, community)
    text = matching.scrub(clean_text(text, "text", 500, required=True, lines=True))
    group = clean_text(group, "group", 100)
    seen = Seen(text, group, timezone.now(), f"report:{acting_user.pk}")
    index, facts = index_for(community)
    [found] = index.match([text])
    if found is not None and facts[found.key].is_rumour:
        suspect = _suspect_for(community, facts[found.key], seen)
        seen = Seen(text, group, seen.sent_at, seen.ref, found.similarity)
    else:
        suspect = Suspect.objects.create(community=community, text=text, path=community.path, first_seen=seen.sent_at,
                                         last_seen=seen.sent_at, reported_by=acting_user)
    count_sightings(suspect, [seen])
    audit.record("rumours.report", actor=acting_user, obj=suspect,
                 detail={"fact": suspect.fact_id, "similarity": seen.similarity})
    return suspect


@transaction.atomic
def do_review(suspect: Suspect, *, confirm: bool, acting_user: Any, note: str = "") -> Suspect:
    """Confirm a suspect as a rumour to be clarified, or dismiss it (a wrong match, a joke)."""
    require(acting_user, REVIEW, suspect)
    note = clean_text(note, "note", 200, required=not confirm)
    suspect = Suspect.objects.select_for_update().get(pk=suspect.pk)
    if suspect.status != SuspectStatus.OPEN:
        raise ValidationError(_("This suspected rumour has already been reviewed; reload the page."), code="reviewed")
    suspect.status = SuspectStatus.CONFIRMED if confirm else SuspectStatus.DISMISSED
    suspect.reviewed_by, suspect.reviewed_at, suspect.review_note = acting_user, timezone.now(), note
    suspect.save()
    audit.record("rumours.review", actor=acting_user, obj=suspect, detail={"status": suspect.status})
    return suspect


# --- the clarification and its three signatures ----------------------------------------------------------------

def text_hash(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()


def _signed(clarification: Clarification) -> list[signoff.Signed]:
    return [signoff.Signed(party, version, by) for party, version, by in
            clarification.signatures.values_list("party", "version", "by_id")]


def draft_text(suspect: Suspect) -> tuple[str, str]:
    """A first title and text from the fact the rumour contradicts."""
    fact = suspect.fact
    if fact is None:
        return "辟谣", ""
    return f"辟谣：{fact.claim[:90]}", f"近期群里流传“{fact.claim}”。\n\n{fact.explanation}\n\n信息来源：{fact.source}"


def _clean_clarification(title: str, body: str) -> tuple[str, str]:
    return (clean_text(title, "title", 100, required=True),
            clean_text(body, "body", MAX_BODY, required=True, lines=True))


@transaction.atomic
def do_draft_clarification(suspect: Suspect, *, acting_user: Any, title: str, body: str) -> Clarification:
    require(acting_user, DRAFT, suspect)
    title, body = _clean_clarification(title, body)
    suspect = Suspect.objects.select_for_update().get(pk=suspect.pk)
    if suspect.status != SuspectStatus.CONFIRMED:
        raise ValidationError(_("Only a confirmed rumour gets a clarification."), code="not_confirmed")
    if Clarification.objects.filter(suspect=suspect).exists():
        raise ValidationError(_("This rumour already has a clarification; edit it instead."), code="exists")
    clarification = Clarification.objects.create(suspect=suspect, title=title, body=body, written_by=acting_user,
                                                 path=suspect.path)
    audit.record("rumours.clarification_draft", actor=acting_user, obj=clarification,
                 detail={"suspect": suspect.pk, "sha256": text_hash(title, body)})
    return clarification


@transaction.atomic
def do_edit_clarification(clarification: Clarification, *, acting_user: Any, title: str, body: str) -> Clarification:
    """A changed text is a new version: the signatures given so far no longer count."""
    require(acting_user, DRAFT, clarification)
    title, body = _clean_clarification(title, body)
    clarification = Clarification.objects.select_for_update().get(pk=clarification.pk)
    try:
        signoff.check_edit(released=clarification.released_at is not None)
    except signoff.Refused as exc:
        raise _refused(exc) from exc
    if (title, body) == (clarification.title, clarification.body):
        raise _error("body", _("Nothing changed."), "unchanged")
    voided = clarification.signatures.filter(version=clarification.version).count()
    clarification.title, clarification.body, clarification.written_by = title, body, acting_user
    clarification.version += 1
    clarification.save()
    audit.record("rumours.clarification_edit", actor=acting_user, obj=clarification,
                 detail={"version": clarification.version, "signatures_voided": voided,
                         "sha256": text_hash(title, body)})
    return clarification


@transaction.atomic
def do_sign(clarification: Clarification, party: str, *, acting_user: Any, version: int,
            comment: str = "") -> Signature:
    """One party signs the version it read (``version``: refused if the text changed since)."""
    if party not in SIGN:
        raise _refused(signoff.Refused("unknown_party"))
    require(acting_user, SIGN[party], clarification)
    comment = clean_text(comment, "comment", 200)
    clarification = Clarification.objects.select_for_update().get(pk=clarification.pk)
    if version != clarification.version:
        raise ValidationError(_("The text has changed since you read it: read the new version and sign again."),
                              code="stale")
    try:
        signoff.check_sign(party, acting_user.pk, clarification.version, _signed(clarification),
                           released=clarification.released_at is not None)
    except signoff.Refused as exc:
        raise _refused(exc) from exc
    digest = text_hash(clarification.title, clarification.body)
    signature = Signature.objects.create(clarification=clarification, party=party, version=clarification.version,
                                         text_sha256=digest, by=acting_user, comment=comment, path=clarification.path)
    audit.record("rumours.sign", actor=acting_user, obj=clarification,
                 detail={"party": party, "version": clarification.version, "sha256": digest})
    return signature


def shortened_reason(clarification: Clarification) -> str:
    return (f"三方联合辟谣（政府、专家、媒体）已签发第{clarification.version}版原文，"
            f"跳过编辑步骤以免改动已签文本；谣言传播快，需尽快发布")[:200]


@transaction.atomic
def do_release(clarification: Clarification, *, acting_user: Any, category: str = "epidemic") -> Clarification:
    """Release the text all three parties signed as an urgent notice to the rumour's community.

    The notice is drafted and submitted by the releasing officer and then goes through the
    notices' own review: fact-check (核实) and publish (发布) by two other people. It takes the
    urgent, shortened path, which skips only the editing step (编辑): editing would change the
    text the three parties signed. The reason is recorded on the notice."""
    from linli.notices import actions as notices
    from linli.notices.models import Urgency

    require(acting_user, RELEASE, clarification)
    clarification = Clarification.objects.select_for_update().get(pk=clarification.pk)
    signatures = _signed(clarification)
    try:
        signoff.check_release(signatures, clarification.version, released=clarification.released_at is not None)
    except signoff.Refused as exc:
        raise _refused(exc) from exc
    suspect = Suspect.objects.select_for_update().get(pk=clarification.suspect_id)
    signers = signoff.current(signatures, clarification.version)
    names = {s.by_id: str(s.by) for s in
             clarification.signatures.filter(version=clarification.version).select_related("by")}
    credits = "；".join(f"{label}：{names.get(signers[p], '')}" for p, label in
                       (("office", "政府部门"), ("expert", "专家"), ("media", "媒体")))
    notice = notices.do_draft_notice(notices.NoticeInput(
        title=clarification.title, body=f"{clarification.body}\n\n（三方联合发布 — {credits}）"[:notices.MAX_BODY],
        category=category, urgency=Urgency.URGENT,
        deadline=timezone.now() + datetime.timedelta(days=NOTICE_DAYS), places=[suspect.community]),
        acting_user=acting_user)
    notices.do_submit(notice, acting_user=acting_user, shortened_reason=shortened_reason(clarification))
    clarification.notice, clarification.released_by, clarification.released_at = notice, acting_user, timezone.now()
    clarification.save()
    suspect.status = SuspectStatus.RELEASED
    suspect.save(update_fields=["status", "updated_at"])
    audit.record("rumours.release", actor=acting_user, obj=clarification,
                 detail={"notice": notice.pk, "version": clarification.version,
                         "sha256": text_hash(clarification.title, clarification.body)})
    return clarification
