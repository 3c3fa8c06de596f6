"""Running a consultation, and residents taking part in it.

Every change checks its own permission, runs in one transaction and is audited. A resident's
voice goes through ``voter``: the registry must say she lives in the area now, the staff who
run or see the consultation as an office may not speak in it, and her ``Participant`` row
(one per person, a unique constraint) carries every comment, vote and proposal of hers.
Votes are changed or withdrawn, never doubled (unique per participant and section or
proposal). Residents who took part are told of answers through the app push gateway, after
the commit (``linli.consult.tasks``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.consult import themes
from linli.consult.access import MANAGE, MODERATE, TAKE_PART, VIEW
from linli.consult.models import (
    AgeBand,
    Comment,
    Consultation,
    Outcome,
    Participant,
    Proposal,
    ProposalVote,
    Section,
    SectionVote,
    Stance,
    Status,
    Theme,
)
from linli.core import audit
from linli.core.access import PermissionDenied, allows, require
from linli.core.dates import age_on
from linli.people.models import Person
from linli.places.models import Level, Place
from linli.tasks.actions import clean_text

MAX_SECTIONS = 30
MAX_TEXT = 5000
MAX_COMMENT = 1000
MAX_DAYS = 90
AREA_LEVELS = (Level.STREET, Level.COMMUNITY, Level.COMPOUND)
COMPOUND_DEPTH = 6  # segments of a compound's path: 31/01/15/099/001/003/


def _error(field_name: str, message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError({field_name: [ValidationError(message, code=code, params=params or None)]})


def _lock(consultation: Consultation) -> Consultation:
    return Consultation.objects.select_for_update().get(pk=consultation.pk)


# --- drafting and running ------------------------------------------------------------------------------

@dataclass
class ConsultationInput:
    title: str
    summary: str
    area: Place
    opens_on: datetime.date
    closes_on: datetime.date
    threshold: int = 10
    sections: list[tuple[str, str]] = field(default_factory=list)  # (title, text)


def _check(data: ConsultationInput, user: Any) -> dict[str, Any]:
    clean = {"title": clean_text(data.title, "title", 100, required=True),
             "summary": clean_text(data.summary, "summary", MAX_TEXT, required=True, lines=True)}
    if data.area.level not in AREA_LEVELS:
        raise _error("area", _("Open it to a street, a community or a compound."), "area_level")
    require(user, MANAGE, data.area)
    if data.closes_on < data.opens_on:
        raise _error("closes_on", _("It cannot close before it opens."), "dates")
    if (data.closes_on - data.opens_on).days > MAX_DAYS:
        raise _error("closes_on", _("A consultation lasts at most %(days)d days."), "too_long", days=MAX_DAYS)
    if not 1 <= data.threshold <= 100_000:
        raise _error("threshold", _("The threshold is a number of supports from 1 to 100,000."), "threshold")
    sections = []
    for title, text in data.sections:
        title = clean_text(title, "sections", 100)
        text = clean_text(text, "sections", MAX_TEXT, lines=True)
        if title or text:
            if not (title and text):
                raise _error("sections", _("Each section needs a title and a text."), "section_half")
            sections.append((title, text))
    if not sections:
        raise _error("sections", _("Write at least one section."), "no_sections")
    if len(sections) > MAX_SECTIONS:
        raise _error("sections", _("At most %(n)d sections."), "too_many_sections", n=MAX_SECTIONS)
    return {**clean, "sections": sections}


def _write_sections(consultation: Consultation, sections: list[tuple[str, str]]) -> None:
    consultation.sections.all().delete()
    Section.objects.bulk_create([Section(consultation=consultation, number=n, title=t, text=x,
                                         path=consultation.path) for n, (t, x) in enumerate(sections, start=1)])


@transaction.atomic
def do_draft(data: ConsultationInput, *, acting_user: Any) -> Consultation:
    clean = _check(data, acting_user)
    consultation = Consultation.objects.create(
        area=data.area, path=data.area.path, title=clean["title"], summary=clean["summary"],
        opens_on=data.opens_on, closes_on=data.closes_on, threshold=data.threshold, created_by=acting_user)
    _write_sections(consultation, clean["sections"])
    audit.record("consult.draft", actor=acting_user, obj=consultation,
                 detail={"sections": len(clean["sections"])})
    return consultation


@transaction.atomic
def do_revise(consultation: Consultation, data: ConsultationInput, *, acting_user: Any) -> Consultation:
    require(acting_user, MANAGE, consultation)
    consultation = _lock(consultation)
    if consultation.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be changed: residents have read this text."), code="not_draft")
    clean = _check(data, acting_user)
    consultation.area, consultation.path = data.area, data.area.path
    consultation.title, consultation.summary = clean["title"], clean["summary"]
    consultation.opens_on, consultation.closes_on, consultation.threshold = data.opens_on, data.closes_on, data.threshold
    consultation.save()
    _write_sections(consultation, clean["sections"])
    audit.record("consult.revise", actor=acting_user, obj=consultation, detail={"sections": len(clean["sections"])})
    return consultation


def _move(consultation: Consultation, user: Any, want: str, to: str) -> Consultation:
    require(user, MANAGE, consultation)
    consultation = _lock(consultation)
    if consultation.status != want:
        raise ValidationError(_("This consultation is not at that step any more; reload the page."),
                              code="wrong_status")
    consultation.status = to
    return consultation


@transaction.atomic
def do_open(consultation: Consultation, *, acting_user: Any) -> Consultation:
    """Open it to the residents now, until its closing day."""
    consultation = _move(consultation, acting_user, Status.DRAFT, Status.OPEN)
    today = timezone.localdate()
    if consultation.closes_on < today:
        raise _error("closes_on", _("Its closing day has passed: choose a later one."), "closed_already")
    consultation.opens_on = min(consultation.opens_on, today)
    consultation.opened_at = timezone.now()
    consultation.save()
    audit.record("consult.open", actor=acting_user, obj=consultation)
    return consultation


@transaction.atomic
def do_close(consultation: Consultation, *, acting_user: Any) -> Consultation:
    """Close it: no more voices; the comments are grouped into themes for the answer."""
    consultation = _move(consultation, acting_user, Status.OPEN, Status.CLOSED)
    consultation.closed_at = timezone.now()
    consultation.closes_on = min(consultation.closes_on, timezone.localdate())
    consultation.save()
    found = find_themes(consultation)
    audit.record("consult.close", actor=acting_user, obj=consultation,
                 detail={"participants": consultation.participants.count(), "themes": found})
    return consultation


def find_themes(consultation: Consultation) -> int:
    """Group the visible comments into themes (``linli.consult.themes``) and keep them."""
    Comment.objects.filter(consultation=consultation).update(theme=None)
    consultation.themes.all().delete()
    comments = list(Comment.objects.filter(consultation=consultation, hidden_at__isnull=True)
                    .order_by("created_at", "pk").values_list("pk", "text"))
    found = themes.group(comments, min_size=max(2, len(comments) // 50))
    for number, theme in enumerate(found, start=1):
        row = Theme.objects.create(consultation=consultation, number=number, label=theme.label[:100],
                                   keywords=theme.keywords, size=theme.size, representatives=theme.representatives,
                                   path=consultation.path)
        Comment.objects.filter(pk__in=theme.members).update(theme=row)
    return len(found)


# --- taking part --------------------------------------------------------------------------------------------

def age_band(age: int | None) -> str:
    if age is None:
        return AgeBand.UNKNOWN
    for band, upper in ((AgeBand.UNDER_18, 18), (AgeBand.UNDER_30, 30), (AgeBand.UNDER_45, 45), (AgeBand.UNDER_60, 60),
                        (AgeBand.UNDER_75, 75)):
        if age < upper:
            return band
    return AgeBand.OLDER


REFUSED = {
    "closed": _("This consultation is not open for comments."),
    "no_record": _("Your account is not linked to a resident record: ask your community office."),
    "not_here": _("Only residents living in the consultation's area take part (by the registry)."),
    "staff": _("Staff who run this consultation cannot take part in it as residents."),
}


def _refuse(code: str) -> ValidationError:
    return ValidationError(REFUSED[code], code=code)


def voter(user: Any, consultation: Consultation) -> Participant:
    """The user's participant row in an open consultation, made on her first voice. Call inside
    the action's transaction: the consultation is locked while a new row takes its number."""
    consultation = Consultation.objects.get(pk=consultation.pk)  # its status now, not as the page loaded it
    require(user, TAKE_PART, consultation)
    if allows(user, VIEW, consultation) or user.is_superuser:
        raise _refuse("staff")
    today = timezone.localdate()
    if consultation.status != Status.OPEN or not consultation.opens_on <= today <= consultation.closes_on:
        raise _refuse("closed")
    person = Person.objects.filter(pk=getattr(user, "person_id", None) or 0).first()
    if person is None:
        raise _refuse("no_record")
    if not person.is_active or person.current_house_id is None or not person.path.startswith(consultation.path):
        raise _refuse("not_here")
    found = Participant.objects.filter(consultation=consultation, person=person).first()
    if found is not None:
        return found
    _lock(consultation)
    found = Participant.objects.filter(consultation=consultation, person=person).first()
    if found is not None:
        return found
    number = (Participant.objects.filter(consultation=consultation).aggregate(n=Max("number"))["n"] or 0) + 1
    compound_path = "/".join(person.path.split("/")[:COMPOUND_DEPTH]) + "/"
    compound = Place.objects.filter(path=compound_path).first()
    return Participant.objects.create(
        consultation=consultation, person=person, user=user, number=number, compound=compound,
        compound_name=compound.name if compound else "", path=person.path,
        age_band=age_band(age_on(person.birth_date, today)))


def _recount(model: type[Section] | type[Proposal], pk: int) -> None:
    votes = SectionVote if model is Section else ProposalVote
    key = "section_id" if model is Section else "proposal_id"
    counts = votes.objects.filter(**{key: pk}).aggregate(
        s=Count("pk", filter=Q(stance=Stance.SUPPORT)), o=Count("pk", filter=Q(stance=Stance.OPPOSE)))
    model.objects.filter(pk=pk).update(supports=counts["s"], opposes=counts["o"])


def _check_stance(stance: str) -> None:
    if stance not in ("", *Stance.values):
        raise _error("stance", _("Choose support or oppose."), "stance")


@transaction.atomic
def do_vote_section(section: Section, stance: str, *, acting_user: Any) -> SectionVote | None:
    """Support or oppose a section; the same again changes nothing, an empty stance withdraws."""
    _check_stance(stance)
    participant = voter(acting_user, section.consultation)
    vote = _vote(SectionVote, {"section": section}, participant, stance)
    _recount(Section, section.pk)
    audit.record("consult.vote", actor=acting_user, obj=section, path=section.path, detail={"stance": stance})
    return vote


@transaction.atomic
def do_vote_proposal(proposal: Proposal, stance: str, *, acting_user: Any) -> ProposalVote | None:
    _check_stance(stance)
    participant = voter(acting_user, proposal.consultation)
    if proposal.hidden_at is not None:
        raise _error("stance", _("This proposal was hidden by the moderators."), "hidden")
    vote = _vote(ProposalVote, {"proposal": proposal}, participant, stance)
    _recount(Proposal, proposal.pk)
    audit.record("consult.vote", actor=acting_user, obj=proposal, path=proposal.path, detail={"stance": stance})
    return vote


def _vote(model: Any, target: dict[str, Any], participant: Participant, stance: str) -> Any:
    rows = model.objects.filter(participant=participant, **target)
    if not stance:
        rows.delete()
        return None
    vote, _ = model.objects.update_or_create(participant=participant, **target,
                                             defaults={"stance": stance, "path": participant.consultation.path})
    return vote


@transaction.atomic
def do_comment(section: Section, text: str, *, acting_user: Any) -> Comment:
    text = clean_text(text, "text", MAX_COMMENT, required=True, lines=True)
    participant = voter(acting_user, section.consultation)
    comment = Comment.objects.create(consultation_id=section.consultation_id, section=section,
                                     participant=participant, text=text, path=section.path)
    audit.record("consult.comment", actor=acting_user, obj=comment, detail={"section": section.number})
    return comment


@transaction.atomic
def do_propose(consultation: Consultation, title: str, text: str, *, acting_user: Any) -> Proposal:
    title = clean_text(title, "title", 80, required=True)
    text = clean_text(text, "text", MAX_COMMENT, required=True, lines=True)
    participant = voter(acting_user, consultation)
    proposal = Proposal.objects.create(consultation=consultation, participant=participant, title=title, text=text,
                                       path=consultation.path)
    audit.record("consult.propose", actor=acting_user, obj=proposal)
    return proposal


# --- moderation and answers ----------------------------------------------------------------------------------

@transaction.atomic
def do_hide(item: Comment | Proposal, reason: str, *, acting_user: Any) -> Comment | Proposal:
    """Hide an abusive text; the reason is shown to everyone in its place. The text is kept
    (the audit and an appeal may need it); it leaves the themes and the report."""
    require(acting_user, MODERATE, item)
    reason = clean_text(reason, "reason", 200, required=True)
    item = type(item).objects.select_for_update().get(pk=item.pk)
    if item.hidden_at is not None:
        raise _error("reason", _("It is hidden already."), "hidden")
    item.hidden_at, item.hidden_reason, item.hidden_by = timezone.now(), reason, acting_user
    item.save(update_fields=["hidden_at", "hidden_reason", "hidden_by", "updated_at"])
    audit.record("consult.hide", actor=acting_user, obj=item, detail={"reason": reason})
    return item


def needs_answer(consultation: Consultation) -> Any:
    """The proposals that reached the threshold (visible ones)."""
    return consultation.proposals.filter(hidden_at__isnull=True, supports__gte=consultation.threshold)


def _check_outcome(outcome: str) -> None:
    if outcome not in Outcome.values:
        raise _error("outcome", _("Choose accepted, partly accepted or not adopted."), "outcome")


@transaction.atomic
def do_answer(proposal: Proposal, outcome: str, text: str, *, acting_user: Any) -> Proposal:
    """The official answer to a proposal that reached the threshold; its author and those
    who supported it are told after the commit."""
    require(acting_user, MANAGE, proposal)
    _check_outcome(outcome)
    text = clean_text(text, "answer", MAX_TEXT, required=True, lines=True)
    proposal = Proposal.objects.select_for_update().select_related("consultation").get(pk=proposal.pk)
    consultation = proposal.consultation
    if proposal.hidden_at is not None:
        raise _error("answer", _("This proposal was hidden by the moderators."), "hidden")
    if proposal.supports < consultation.threshold:
        raise _error("answer", _("This proposal has %(n)d supports; it needs %(t)d for an official answer."),
                     "below_threshold", n=proposal.supports, t=consultation.threshold)
    first = not proposal.answered_at
    proposal.outcome, proposal.answer = outcome, text
    proposal.answered_at, proposal.answered_by = timezone.now(), acting_user
    proposal.save()
    audit.record("consult.answer", actor=acting_user, obj=proposal, detail={"outcome": outcome, "first": first})
    supporters = proposal.votes.filter(stance=Stance.SUPPORT).values_list("participant_id", flat=True)
    _tell(consultation, {proposal.participant_id, *supporters},
          str(_("Your proposal has an official answer") if first else _("The answer to a proposal was changed")),
          f"{consultation.title}：{proposal.title}（{Outcome(outcome).label}）")
    return proposal


@transaction.atomic
def do_respond_theme(theme: Theme, outcome: str, response: str, *, acting_user: Any) -> Theme:
    """What was done with a theme of the comments (你说我改)."""
    require(acting_user, MANAGE, theme)
    _check_outcome(outcome)
    theme.response = clean_text(response, "response", MAX_TEXT, required=True, lines=True)
    theme.outcome = outcome
    theme.save(update_fields=["outcome", "response", "updated_at"])
    audit.record("consult.respond", actor=acting_user, obj=theme, detail={"outcome": outcome})
    return theme


@transaction.atomic
def do_report_upward(consultation: Consultation, *, acting_user: Any) -> Consultation:
    """Freeze the summary report and send it to the offices above (they see it by scope)."""
    from linli.consult import report
    from linli.core.push import publish

    require(acting_user, MANAGE, consultation)
    consultation = _lock(consultation)
    if consultation.status == Status.DRAFT or consultation.status == Status.OPEN:
        raise ValidationError(_("Close the consultation before reporting its summary."), code="wrong_status")
    consultation.report = report.summary(consultation).as_json()
    consultation.reported_at, consultation.reported_by = timezone.now(), acting_user
    consultation.save(update_fields=["report", "reported_at", "reported_by", "updated_at"])
    audit.record("consult.report", actor=acting_user, obj=consultation,
                 detail={"participants": consultation.report.get("participants", 0)})
    parent = consultation.area.parent
    publish("consult.reported", {"id": consultation.pk, "title": consultation.title, "notify": False},
            path=parent.path if parent else consultation.path, action=VIEW)
    return consultation


@transaction.atomic
def do_announce(consultation: Consultation, text: str, *, acting_user: Any, notice: bool = False) -> Consultation:
    """The final announcement: each theme and each answered proposal with what was done. Every
    participant is told; with ``notice`` a notice draft carries it to the households through
    the notices' own review."""
    require(acting_user, MANAGE, consultation)
    text = clean_text(text, "announcement", MAX_TEXT, required=True, lines=True)
    consultation = _lock(consultation)
    if consultation.status != Status.CLOSED:
        raise ValidationError(_("Only a closed consultation is announced."), code="wrong_status")
    waiting = needs_answer(consultation).filter(answered_at__isnull=True).count()
    if waiting:
        raise _error("announcement", _("%(n)d proposals that reached the threshold still wait for an answer."),
                     "unanswered", n=waiting)
    if consultation.themes.filter(response="").exists():
        raise _error("announcement", _("Say what was done with every theme first."), "themes_open")
    consultation.announcement, consultation.announced_at = text, timezone.now()
    consultation.status = Status.ANSWERED
    if notice:
        consultation.notice = _notice_draft(consultation, acting_user)
    consultation.save()
    audit.record("consult.announce", actor=acting_user, obj=consultation,
                 detail={"notice": consultation.notice_id})
    _tell(consultation, set(consultation.participants.values_list("pk", flat=True)),
          str(_("What became of the consultation")), f"{consultation.title}：{text[:100]}")
    return consultation


def _notice_draft(consultation: Consultation, user: Any) -> Any:
    from linli.notices import actions as notices

    body = "\n\n".join([consultation.announcement, *announcement_lines(consultation)])
    try:
        return notices.do_draft_notice(notices.NoticeInput(
            title=f"协商结果：{consultation.title}"[:100], body=body[:notices.MAX_BODY], category="policy",
            places=[consultation.area]), acting_user=user)
    except PermissionDenied as exc:
        raise _error("notice", _("You may not draft notices to this area."), "notice_denied") from exc


def announcement_lines(consultation: Consultation) -> list[str]:
    """你说我改: one paragraph per theme and per answered proposal."""
    lines = [f"【{t.label}】（{t.size} 条意见）{Outcome(t.outcome).label if t.outcome else ''}：{t.response}"
             for t in consultation.themes.order_by("number")]
    lines += [f"【建议：{p.title}】（{p.supports} 人支持）{Outcome(p.outcome).label}：{p.answer}"
              for p in consultation.proposals.filter(answered_at__isnull=False).order_by("-supports", "pk")]
    return lines


def _tell(consultation: Consultation, participant_ids: set[int], title: str, body: str) -> None:
    """Mark the answer on the participants' page and push it to their phones after the commit."""
    from linli.consult.tasks import tell_participants

    ids = sorted(i for i in participant_ids if i)
    if not ids:
        return
    Participant.objects.filter(pk__in=ids).update(told_at=timezone.now())
    transaction.on_commit(lambda: tell_participants(consultation.pk, ids, title, body))


@transaction.atomic
def do_mark_seen(consultation: Consultation, *, acting_user: Any) -> None:
    """She has read the answers: the "new" marks go (her own row only)."""
    Participant.objects.filter(consultation=consultation, person_id=getattr(acting_user, "person_id", None) or 0) \
        .update(seen_at=timezone.now())
