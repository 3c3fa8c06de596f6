"""Drafting, starting and finishing campaigns; calls, typed answers, knocks and reviews.

Every change checks its own permission, runs in one transaction and is audited. What happens
to a household after each attempt is decided by ``linli.campaigns.machine``; answers are read
from a call's transcript by ``linli.campaigns.extract`` and checked, when typed, by
``linli.campaigns.answers``; their effects outside the campaign go through the owning apps'
actions (``linli.campaigns.effects``), after the answer is confirmed.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.campaigns import answers, effects, extract, machine
from linli.campaigns.access import MANAGE, REVIEW, WORK
from linli.campaigns.models import (
    Answer,
    ApplyState,
    Attempt,
    Campaign,
    Channel,
    Effect,
    Group,
    Kind,
    Question,
    QuestionKind,
    Status,
    Target,
    TargetStatus,
)
from linli.core import audit, bulk, gateways
from linli.core.access import PermissionDenied, require
from linli.grids.models import Grid
from linli.notices import audience
from linli.notices.actions import office_of
from linli.notices.channels import _phones as eldest_adult_phones
from linli.people.models import Person
from linli.places.models import Level, Place
from linli.tasks.actions import clean_text

MAX_QUESTIONS = 12
MAX_CHOICES = 8
MAX_TARGETS = 100_000
BATCH = 2000
AREA_LEVELS = (Level.STREET, Level.COMMUNITY, Level.COMPOUND, Level.BUILDING)
SCREENING_CHANNELS = (Channel.CALL, Channel.LINK, Channel.KNOCK)
SURVEY_CHANNELS = (Channel.PAGE, Channel.LINK, Channel.KNOCK)
PURPOSE = "screening campaign (摸排)"

REFUSALS = {
    "not_open": _("This household has already answered or is closed; reload the page."),
    "channel": _("This campaign is not answered that way."),
    "outcome": _("Choose what came of it."),
    "not_in_review": _("These answers have already been checked."),
    "not_running": _("This campaign is not running."),
}


def _error(field_name: str, message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError({field_name: [ValidationError(message, code=code, params=params or None)]})


def _refused(exc: machine.Refused) -> ValidationError:
    return ValidationError(REFUSALS.get(exc.code, REFUSALS["outcome"]), code=exc.code)


@dataclass
class QuestionInput:
    text: str
    kind: str
    choices: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    effect: str = ""
    category: str = ""


@dataclass
class CampaignInput:
    title: str
    kind: str = Kind.SCREENING
    intro: str = ""
    channels: list[str] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    group: str = ""
    questions: list[QuestionInput] = field(default_factory=list)
    max_calls: int = 2
    retry_minutes: int = 120


def _check_question(n: int, q: QuestionInput) -> dict[str, Any]:
    name = f"questions.{n}"
    text = clean_text(q.text, name, 200, required=True)
    if q.kind not in QuestionKind.values:
        raise _error(name, _("Question %(n)d: choose the kind of answer."), "kind", n=n)
    choices = [clean_text(c, name, 60) for c in q.choices]
    choices = [c for c in choices if c]
    if q.kind == QuestionKind.CHOICE and not 2 <= len(choices) <= MAX_CHOICES:
        raise _error(name, _("Question %(n)d: give between 2 and 8 choices."), "choices", n=n)
    if q.kind != QuestionKind.CHOICE:
        choices = []
    keywords = [w for w in (clean_text(k, name, 20) for k in q.keywords) if w][:10]
    if q.effect not in Effect.values:
        raise _error(name, _("Question %(n)d: choose what the answer does."), "effect", n=n)
    fits = {Effect.CHECK_IN: (QuestionKind.TEMPERATURE,), Effect.FEVER: (QuestionKind.YES_NO,),
            Effect.REQUEST: (QuestionKind.YES_NO,), Effect.VISIT: (QuestionKind.YES_NO,),
            Effect.HOUSE_USAGE: (QuestionKind.CHOICE,)}
    if q.effect and q.kind not in fits[Effect(q.effect)]:
        raise _error(name, _("Question %(n)d: this kind of answer cannot do that."), "effect_kind", n=n)
    if q.effect == Effect.HOUSE_USAGE and any(c.split("|")[0] not in effects.USAGES for c in choices):
        raise _error(name, _("Question %(n)d: the choices of a house's usage are 自住, 出租, 空置 and 商用."),
                     "usage_choices", n=n)
    category = clean_text(q.category, name, 40) if q.effect in (Effect.REQUEST, Effect.VISIT) else ""
    if category:
        from linli.tickets.models import Category

        if not Category.objects.filter(code=category, active=True).exists():
            raise _error(name, _("Question %(n)d: no such request category."), "category", n=n)
    return {"text": text, "kind": q.kind, "choices": choices, "keywords": keywords, "effect": q.effect,
            "category": category}


def _check_input(data: CampaignInput, user: Any) -> dict[str, Any]:
    title = clean_text(data.title, "title", 100, required=True)
    intro = clean_text(data.intro, "intro", 300)
    if data.kind not in Kind.values:
        raise _error("kind", _("Choose a screening campaign or a survey."), "kind")
    allowed = SCREENING_CHANNELS if data.kind == Kind.SCREENING else SURVEY_CHANNELS
    channels = [c for c in Channel.values if c in set(data.channels)]
    if not channels or any(c not in allowed for c in data.channels):
        raise _error("channels", _("Choose the channels: calls, links and knocks for a screening campaign; "
                                   "the page, links and grid workers for a survey."), "channels")
    if data.group not in Group.values:
        raise _error("group", _("Choose a group from the list."), "group")
    if not data.places and not data.grids:
        raise _error("places", _("Choose at least one area or grid."), "audience")
    for place in data.places:
        if place.level not in AREA_LEVELS:
            raise _error("places", _("Choose streets, communities, compounds or buildings."), "area_level")
        require(user, MANAGE, place)
    for grid in data.grids:
        require(user, MANAGE, grid)
    if not data.questions:
        raise _error("questions", _("Ask at least one question."), "no_questions")
    if len(data.questions) > MAX_QUESTIONS:
        raise _error("questions", _("At most %(n)d questions."), "too_many", n=MAX_QUESTIONS)
    if not 1 <= data.max_calls <= 5:
        raise _error("max_calls", _("Between 1 and 5 calls before a knock."), "max_calls")
    if not 10 <= data.retry_minutes <= 24 * 60:
        raise _error("retry_minutes", _("Between 10 minutes and a day between calls."), "retry_minutes")
    questions = [_check_question(n, q) for n, q in enumerate(data.questions, start=1)]
    return {"title": title, "intro": intro, "channels": channels, "questions": questions}


@transaction.atomic
def do_create_campaign(data: CampaignInput, *, acting_user: Any) -> Campaign:
    clean = _check_input(data, acting_user)
    office = office_of(acting_user, MANAGE, data.places, data.grids)
    require(acting_user, MANAGE, office)
    campaign = Campaign.objects.create(
        area=office, path=office.path, kind=data.kind, title=clean["title"], intro=clean["intro"],
        channels=clean["channels"], audience_group=data.group, max_calls=data.max_calls,
        retry_minutes=data.retry_minutes, created_by=acting_user)
    campaign.audience_places.set(data.places)
    campaign.audience_grids.set(data.grids)
    Question.objects.bulk_create([Question(campaign=campaign, number=n, path=office.path, **q)
                                  for n, q in enumerate(clean["questions"], start=1)])
    campaign.households = audience.count(data.places, data.grids, data.group).households
    campaign.save(update_fields=["households", "updated_at"])
    audit.record("campaigns.create", actor=acting_user, obj=campaign,
                 detail={"kind": campaign.kind, "households": campaign.households, "channels": campaign.channels})
    return campaign


def _lock(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def _people_to_ask(house_ids: list[int], group: str, today: datetime.date) -> dict[int, int]:
    """house → the resident to ask: one of the group when a group is targeted (the elder, the
    arrival), else the eldest adult with a phone, else anyone living there."""
    chosen: dict[int, int] = {}
    rows = Person.objects.filter(current_house_id__in=house_ids, is_active=True)
    if group:
        members = audience.group_people(group, Q(current_house_id__in=house_ids))
        for pk, house in members.order_by("birth_date", "pk").values_list("pk", "current_house_id"):
            chosen.setdefault(house, pk)
    adult_born_by = today.replace(year=today.year - 18) if (today.month, today.day) != (2, 29) \
        else today.replace(year=today.year - 18, day=28)
    with_phone = rows.exclude(phone_hash="").filter(birth_date__lte=adult_born_by).order_by("birth_date", "pk")
    for pk, house in with_phone.values_list("pk", "current_house_id"):
        chosen.setdefault(house, pk)
    for pk, house in rows.order_by("birth_date", "pk").values_list("pk", "current_house_id"):
        chosen.setdefault(house, pk)
    return chosen


@transaction.atomic
def do_start_campaign(campaign: Campaign, *, acting_user: Any) -> Campaign:
    """Take the households from the registry as it is now and start asking them."""
    require(acting_user, MANAGE, campaign)
    campaign = _lock(campaign)
    if campaign.status != Status.DRAFT:
        raise ValidationError(REFUSALS["not_running"], code="not_draft")
    now, today = timezone.now(), timezone.localdate()
    rows = audience.households(list(campaign.audience_places.all()), list(campaign.audience_grids.all()),
                               campaign.audience_group, today)
    if not rows:
        raise _error("places", _("Nobody lives in the chosen audience: choose other areas or another group."),
                     "empty_audience")
    if len(rows) > MAX_TARGETS:
        raise _error("places", _("%(n)d households: split the campaign (at most %(max)d)."), "too_many",
                     n=len(rows), max=MAX_TARGETS)
    first = machine.start(campaign.plan(), now)
    people: dict[int, int] = {}
    ids = [h.house_id for h in rows]
    for start in range(0, len(ids), BATCH):
        people.update(_people_to_ask(ids[start:start + BATCH], campaign.audience_group, today))
    Target.objects.bulk_create([
        Target(campaign=campaign, house_id=h.house_id, path=h.path, grid_id=h.grid_id, address=h.address,
               priority=h.priority, person_id=people.get(h.house_id), status=first.status, next_at=first.next_at)
        for h in rows], batch_size=BATCH)
    campaign.status, campaign.started_at, campaign.households = Status.RUNNING, now, len(rows)
    campaign.save(update_fields=["status", "started_at", "households", "updated_at"])
    audit.record("campaigns.start", actor=acting_user, obj=campaign, detail={"households": len(rows)})
    from linli.campaigns import tasks

    transaction.on_commit(lambda: tasks.after_start(campaign.pk))
    return campaign


@transaction.atomic
def do_finish_campaign(campaign: Campaign, *, acting_user: Any) -> Campaign:
    """Stop asking: households not yet answered stay as they are, with their attempts."""
    require(acting_user, MANAGE, campaign)
    campaign = _lock(campaign)
    if campaign.status != Status.RUNNING:
        raise ValidationError(REFUSALS["not_running"], code="not_running")
    campaign.status, campaign.finished_at = Status.FINISHED, timezone.now()
    campaign.save(update_fields=["status", "finished_at", "updated_at"])
    audit.record("campaigns.finish", actor=acting_user, obj=campaign,
                 detail={"answered": Target.objects.filter(campaign=campaign, status=TargetStatus.DONE).count()})
    return campaign


# --- answers ----------------------------------------------------------------------------------------

def _answer_row(target: Target, question: Question, value: Any, *, channel: str, by: Any, heard: str = "",
                confidence: float = 1.0) -> Answer:
    uncertain = confidence < extract.REVIEW_BELOW or value is None and channel == Channel.CALL
    # an uncertain answer acts only once a person has settled it (do_review)
    pending = not uncertain and effects.wants(question.effect, value)
    return Answer(target=target, question=question, value=value, heard=heard[:300], confidence=confidence,
                  needs_review=uncertain, channel=channel, by=by, path=target.path,
                  apply_state=ApplyState.PENDING if pending else ApplyState.NONE)


def _save_state(target: Target, state: machine.State, outcome: str, now: datetime.datetime,
                channel: str = "") -> None:
    target.status, target.calls, target.knocks, target.next_at = state.status, state.calls, state.knocks, state.next_at
    target.last_outcome = outcome
    fields = ["status", "calls", "knocks", "next_at", "last_outcome", "updated_at"]
    if state.status in (machine.DONE, machine.REVIEW) and target.answered_at is None:
        target.answered_at, target.answered_via = now, channel
        fields += ["answered_at", "answered_via"]
    target.save(update_fields=fields)


def _apply_after_commit(campaign_id: int) -> None:
    from linli.campaigns import tasks

    transaction.on_commit(lambda: tasks.apply_answers(campaign_id))


@transaction.atomic
def do_record_answers(target: Target, *, channel: str, outcome: str, values: Mapping[str, Any],
                      acting_user: Any = None, person: Any = None, note: str = "") -> Attempt:
    """Answers typed on the resident's link or page, or by a grid worker at the door or on her
    phone (``channel`` knock); or a knock that found nobody home (``outcome`` not_home) or a
    refusal. ``values``: question number (as text) → raw answer; all are checked before
    anything is written."""
    if channel == Channel.KNOCK:
        require(acting_user, WORK, target)
    elif channel == Channel.PAGE:
        # a resident of the household, signed in
        if person is None or getattr(acting_user, "person_id", None) != person.pk \
                or person.current_house_id != target.house_id:
            raise PermissionDenied("campaigns.answer")
    elif channel != Channel.LINK:
        raise _error("channel", REFUSALS["channel"], "channel")
    note = clean_text(note, "note", 200)
    target = Target.objects.select_for_update().select_related("campaign").get(pk=target.pk)
    campaign = target.campaign
    if campaign.status != Status.RUNNING:
        raise ValidationError(REFUSALS["not_running"], code="not_running")
    questions = list(campaign.questions.order_by("number"))
    cleaned: dict[int, Any] = {}
    if outcome == machine.ANSWERED:
        errors: dict[str, Any] = {}
        for question in questions:
            try:
                cleaned[question.pk] = answers.clean(question, values.get(str(question.number)))
            except ValidationError as exc:
                errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)
        if all(v is None for v in cleaned.values()):
            raise _error("answers", _("Answer at least one question."), "no_answers")
    try:
        state = machine.after_typed(campaign.plan(), target.state(), channel, outcome)
    except machine.Refused as exc:
        raise _refused(exc) from exc
    now = timezone.now()
    by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    attempt = Attempt.objects.create(target=target, channel=channel, outcome=outcome, by=by, note=note,
                                     path=target.path)
    if cleaned:
        Answer.objects.filter(target=target).delete()  # a typed answer replaces what a call heard
        Answer.objects.bulk_create([_answer_row(target, q, cleaned[q.pk], channel=channel,
                                                by=by if channel == Channel.KNOCK else None)
                                    for q in questions if cleaned[q.pk] is not None])
        _apply_after_commit(campaign.pk)
    _save_state(target, state, outcome, now, channel)
    audit.record("campaigns.answer", actor=acting_user, obj=target,
                 detail={"campaign": campaign.pk, "channel": channel, "outcome": outcome, "answers": len(cleaned)})
    return attempt


@transaction.atomic
def do_review(answer: Answer, *, acting_user: Any, value: Any) -> Answer:
    """A person settles an answer a call's transcript left uncertain (hearing it again, or
    calling back); when none of the household's answers is uncertain any more, it is done."""
    require(acting_user, REVIEW, answer)
    answer = Answer.objects.select_for_update().select_related("question", "target").get(pk=answer.pk)
    if not answer.needs_review:
        raise ValidationError(REFUSALS["not_in_review"], code="not_in_review")
    question = answer.question
    clean = answers.clean(question, value)
    answer.value, answer.needs_review, answer.reviewed_by, answer.confidence = clean, False, acting_user, 1.0
    answer.apply_state = ApplyState.PENDING if effects.wants(question.effect, clean) else ApplyState.NONE
    answer.save(update_fields=["value", "needs_review", "reviewed_by", "confidence", "apply_state", "updated_at"])
    target = Target.objects.select_for_update().get(pk=answer.target_id)
    if target.status == TargetStatus.REVIEW and not Answer.objects.filter(target=target, needs_review=True).exists():
        _save_state(target, machine.reviewed(target.state()), target.last_outcome, timezone.now())
    audit.record("campaigns.review", actor=acting_user, obj=answer,
                 detail={"question": question.number, "confidence_was": answer.confidence})
    _apply_after_commit(target.campaign_id)
    return answer


# --- calls (the task worker) ------------------------------------------------------------------------------

def prompts_of(questions: Sequence[Question]) -> list[gateways.Prompt]:
    return [gateways.Prompt(q.text, q.kind, (q.rule().topic or ("",))[0], tuple(q.choice_names()))
            for q in questions]


def phones_of(targets: Sequence[Target]) -> dict[int, str]:
    people = {p.pk: p.phone for p in Person.objects.filter(pk__in=[t.person_id for t in targets if t.person_id])
              .only("pk", "phone")}
    found = {t.pk: people.get(t.person_id or 0) or "" for t in targets}
    missing = [t for t in targets if not found[t.pk]]
    if missing:
        houses = eldest_adult_phones([t.house_id for t in missing], timezone.localdate())
        for t in missing:
            found[t.pk] = houses.get(t.house_id, "")
    return found


@dataclass
class CallBatch:
    calls: int = 0
    answered: int = 0
    answers: int = 0
    uncertain: int = 0
    handed_over: int = 0
    truths: list[tuple[str, Any, Any]] = field(default_factory=list)  # (kind, true, read) of simulated calls


def call_batch(campaign: Campaign, questions: Sequence[Question], targets: Sequence[Target],
               now: datetime.datetime, keep_truths: bool = False) -> CallBatch:
    """Call ``targets`` through the gateway, read the answers from the transcripts, and store
    the attempts, answers and new states in one transaction."""
    plan, made = campaign.plan(), CallBatch()
    phones = phones_of(targets)
    reachable = [t for t in targets if phones[t.pk]]
    text = campaign.intro or f"您好，这里是社区居委会，{campaign.title}，请您回答几个问题。"
    results = gateways.hold_calls([(phones[t.pk], t.path) for t in reachable], text, prompts_of(questions),
                                  purpose=PURPOSE) if reachable else []
    heard = {t.pk: r for t, r in zip(reachable, results, strict=True)}
    rules = [q.rule() for q in questions]
    attempts, rows = [], []
    for target in targets:
        result = heard.get(target.pk)
        outcome = result.outcome if result is not None else machine.FAILED
        uncertain = False
        if outcome == machine.ANSWERED and result is not None:
            made.answered += 1
            for n, (question, rule) in enumerate(zip(questions, rules, strict=True)):
                said = result.replies[n] if n < len(result.replies) else ""
                got = extract.extract(rule, said)
                row = _answer_row(target, question, got.value, channel=Channel.CALL, by=None, heard=said,
                                  confidence=got.confidence)
                uncertain = uncertain or row.needs_review
                rows.append(row)
                if keep_truths and n < len(result.truths):
                    made.truths.append((question.kind, result.truths[n], None if row.needs_review else got.value))
        state = machine.after_call(plan, target.state(), outcome, now, uncertain=uncertain)
        made.uncertain += uncertain
        made.handed_over += state.status in (machine.KNOCK, machine.UNREACHABLE)
        target.status, target.calls, target.knocks, target.next_at = (state.status, state.calls, state.knocks,
                                                                       state.next_at)
        target.last_outcome, target.updated_at = outcome, now
        if state.status in (machine.DONE, machine.REVIEW):
            target.answered_at, target.answered_via = now, Channel.CALL
        attempts.append(Attempt(target=target, channel=Channel.CALL, outcome=outcome, path=target.path,
                                call_id=result.id if result else "",
                                transcript=list(result.replies) if result else []))
    # One statement per table, written once (linli.core.bulk): 500 calls a second leave no
    # time for Django to compile a CASE per row and field.
    with transaction.atomic():
        bulk.insert(Attempt, attempts)
        bulk.insert(Answer, rows)
        bulk.update(Target, targets, ["status", "calls", "knocks", "next_at", "last_outcome", "answered_at",
                                      "answered_via", "updated_at"])
    made.calls, made.answers = len(targets), len(rows)
    return made


def hand_over_due(campaign: Campaign, now: datetime.datetime) -> int:
    """Households whose link went unanswered in time: to a knock (or unreachable)."""
    rows = Target.objects.filter(campaign=campaign, status=TargetStatus.WAITING, next_at__lte=now)
    if campaign.plan().calls:
        rows = rows.filter(calls__gte=campaign.max_calls)
    status = TargetStatus.KNOCK if campaign.plan().knocks else TargetStatus.UNREACHABLE
    return rows.update(status=status, next_at=None, updated_at=now)


def due_calls(campaign: Campaign, now: datetime.datetime, limit: int) -> list[Target]:
    return list(Target.objects.filter(campaign=campaign, status=TargetStatus.WAITING, next_at__lte=now,
                                      calls__lt=campaign.max_calls).order_by("-priority", "next_at", "pk")[:limit])
