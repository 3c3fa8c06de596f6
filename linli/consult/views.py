"""Pages of consultations (/consult/): the office drafts, opens, moderates, answers and reports;
a resident reads the draft on her phone, supports or opposes its sections, comments, proposes
and supports proposals, and sees what became of them."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.consult import actions, report
from linli.consult.access import MANAGE, MODERATE, TAKE_PART, VIEW
from linli.consult.forms import (
    AnnounceForm,
    AnswerForm,
    CommentForm,
    ConsultationForm,
    ProposalForm,
    ReasonForm,
    join_sections,
    split_sections,
)
from linli.consult.models import (
    Comment,
    Consultation,
    Participant,
    Proposal,
    ProposalVote,
    SectionVote,
    Status,
    Theme,
)
from linli.core import audit
from linli.core.access import PermissionDenied, allows, get_or_404, may, route
from linli.core.http import attachment, denied
from linli.core.pagination import Pager
from linli.places.models import Place

PER_PAGE = 50


# --- the office -------------------------------------------------------------------------------------------

@route(VIEW)
@login_required
def consult_list(request: HttpRequest) -> HttpResponse:
    """The area's consultations; above a community, each community's with its summary figures."""
    user = request.user
    if not may(user, VIEW):
        return denied(request)
    rows = Consultation.objects.restrict(user, VIEW).select_related("area").order_by("-opens_on", "-pk")
    return render(request, "consult/list.html", {
        "open": rows.filter(status=Status.OPEN), "drafts": rows.filter(status=Status.DRAFT),
        "closed": rows.filter(status__in=[Status.CLOSED, Status.ANSWERED])[:100],
        "can_manage": may(user, MANAGE)})


def _form(request: HttpRequest, initial: dict[str, Any] | None = None) -> ConsultationForm:
    return ConsultationForm(request.POST or None, initial=initial, areas=Place.objects.restrict(request.user, MANAGE))


def _input(form: ConsultationForm) -> actions.ConsultationInput:
    data = form.cleaned_data
    return actions.ConsultationInput(title=data["title"], summary=data["summary"], area=data["area"],
                                     opens_on=data["opens_on"], closes_on=data["closes_on"],
                                     threshold=data["threshold"], sections=split_sections(data["sections"]))


def _save(request: HttpRequest, form: ConsultationForm, run: Callable[[], Consultation]) -> HttpResponse | None:
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        consultation = run()
    except ValidationError as exc:
        form.add_action_errors(exc)
    except PermissionDenied:
        form.add_error("area", _("You may not open consultations to this area."))
    else:
        return redirect("consult:detail", pk=consultation.pk)
    return None


@route(MANAGE)
@login_required
def consult_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, MANAGE):
        return denied(request)
    today = timezone.localdate()
    form = _form(request, initial={"opens_on": today, "closes_on": today + datetime.timedelta(days=14)})
    done = _save(request, form, lambda: actions.do_draft(_input(form), acting_user=user))
    return done or render(request, "consult/edit.html", {"form": form, "consultation": None},
                          status=422 if form.errors else 200)


@route(MANAGE, model=Consultation, where=Q(status=Status.DRAFT))
@login_required
def consult_revise(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    consultation = get_or_404(Consultation.objects.filter(status=Status.DRAFT), user, MANAGE, pk=pk)
    sections = [(s.title, s.text) for s in consultation.sections.order_by("number")]
    form = _form(request, initial={
        "title": consultation.title, "summary": consultation.summary, "area": consultation.area,
        "opens_on": consultation.opens_on, "closes_on": consultation.closes_on,
        "threshold": consultation.threshold, "sections": join_sections(sections)})
    done = _save(request, form, lambda: actions.do_revise(consultation, _input(form), acting_user=user))
    return done or render(request, "consult/edit.html", {"form": form, "consultation": consultation},
                          status=422 if form.errors else 200)


@route(VIEW, model=Consultation)
@login_required
def consult_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    consultation = get_or_404(Consultation.objects.select_related("area", "notice"), user, VIEW, pk=pk)
    comments = (Comment.objects.restrict(user, VIEW).filter(consultation=consultation)
                .select_related("participant", "section").order_by("-created_at", "-pk"))
    section = request.GET.get("section", "")
    if section.isdigit():
        comments = comments.filter(section__number=int(section))
    page = Pager(comments, PER_PAGE).get_page(request.GET.get("page"))
    for comment in page.object_list:
        comment.may_see_author = allows(user, "people.view", comment.participant.path)
    threshold = consultation.threshold
    return render(request, "consult/detail.html", {
        "c": consultation, "sections": consultation.sections.order_by("number"), "page": page,
        "section": section, "proposals": consultation.proposals.select_related("participant").order_by("-supports", "pk"),
        "themes": consultation.themes.order_by("number"), "threshold": threshold,
        "participants": consultation.participants.count(),
        "waiting": actions.needs_answer(consultation).filter(answered_at__isnull=True).count(),
        "can_manage": allows(user, MANAGE, consultation), "can_moderate": allows(user, MODERATE, consultation),
        "reason_form": ReasonForm(), "answer_form": AnswerForm(),
        "announce_form": AnnounceForm(initial={"text": consultation.announcement}),
        "lines": actions.announcement_lines(consultation) if consultation.status != Status.DRAFT else []})


def _after(request: HttpRequest, pk: int, run: Callable[[], Any], success: str, anchor: str = "") -> HttpResponse:
    try:
        run()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied:
        messages.error(request, _("You may not take this step on this consultation."))
    else:
        messages.success(request, success)
    return redirect(reverse("consult:detail", kwargs={"pk": pk}) + anchor)


@route(VIEW, model=Consultation)
@login_required
@require_POST
def consult_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Open, close, report upward or announce (each action checks its own permission)."""
    user = request.user
    consultation = get_or_404(Consultation.objects.all(), user, VIEW, pk=pk)
    form = AnnounceForm(request.POST)
    runs: dict[str, tuple[Callable[[], Any], str]] = {
        "open": (lambda: actions.do_open(consultation, acting_user=user), _("Opened to the residents.")),
        "close": (lambda: actions.do_close(consultation, acting_user=user), _("Closed; the comments' themes are ready.")),
        "report-upward": (lambda: actions.do_report_upward(consultation, acting_user=user),
                   _("The summary report was sent to the offices above.")),
        "announce": (lambda: actions.do_announce(consultation, form.data.get("text", ""), acting_user=user,
                                                 notice=bool(form.data.get("notice"))),
                     _("Announced; the residents who took part are told.")),
    }
    if step not in runs:
        raise Http404
    run, success = runs[step]
    return _after(request, pk, run, success)


@route(MODERATE, model=Comment)
@login_required
@require_POST
def comment_hide(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_or_404(Comment.objects.all(), request.user, MODERATE, pk=pk)
    return _after(request, comment.consultation_id,
                  lambda: actions.do_hide(comment, request.POST.get("reason", ""), acting_user=request.user),
                  _("Hidden; the reason is shown in its place."), "#comments")


@route(MODERATE, model=Proposal)
@login_required
@require_POST
def proposal_hide(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_or_404(Proposal.objects.all(), request.user, MODERATE, pk=pk)
    return _after(request, proposal.consultation_id,
                  lambda: actions.do_hide(proposal, request.POST.get("reason", ""), acting_user=request.user),
                  _("Hidden; the reason is shown in its place."), "#proposals")


@route(MANAGE, model=Proposal)
@login_required
@require_POST
def proposal_answer(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_or_404(Proposal.objects.all(), request.user, MANAGE, pk=pk)
    post = request.POST
    return _after(request, proposal.consultation_id,
                  lambda: actions.do_answer(proposal, post.get("outcome", ""), post.get("text", ""),
                                            acting_user=request.user),
                  _("Answered; its author and supporters are told."), "#proposals")


@route(MANAGE, model=Theme)
@login_required
@require_POST
def theme_respond(request: HttpRequest, pk: int) -> HttpResponse:
    theme = get_or_404(Theme.objects.all(), request.user, MANAGE, pk=pk)
    post = request.POST
    return _after(request, theme.consultation_id,
                  lambda: actions.do_respond_theme(theme, post.get("outcome", ""), post.get("text", ""),
                                                   acting_user=request.user),
                  _("Saved what was done with this theme."), "#themes")


@route(VIEW, model=Consultation)
@login_required
def consult_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The summary report, printable (A4)."""
    user = request.user
    consultation = get_or_404(Consultation.objects.select_related("area", "reported_by"), user, VIEW, pk=pk)
    summary, frozen = report.shown(consultation)
    return render(request, "consult/report.html", {"c": consultation, "r": summary, "frozen": frozen})


@route(VIEW, model=Consultation)
@login_required
def consult_report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    consultation = get_or_404(Consultation.objects.select_related("area"), user, VIEW, pk=pk)
    summary, _frozen = report.shown(consultation)
    audit.record("consult.report_download", actor=user, obj=consultation, detail={"format": "xlsx"})
    return attachment(report.write_xlsx(summary), f"协商汇总_{consultation.pk}_{timezone.localdate():%Y%m%d}.xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- the resident --------------------------------------------------------------------------------------------

@route(signed_in=True)
@login_required
def my_consultations(request: HttpRequest) -> HttpResponse:
    """The consultations of the area she lives in: open ones first, then what became of the others."""
    user = request.user
    person_id = getattr(user, "person_id", None)
    if person_id is None:
        raise Http404
    rows = Consultation.objects.restrict(user, TAKE_PART).exclude(status=Status.DRAFT).order_by("-opens_on", "-pk")
    mine = {p.consultation_id: p for p in Participant.objects.filter(person_id=person_id)}
    cards = [{"c": c, "me": mine.get(c.pk), "new": _new_answer(mine.get(c.pk))} for c in rows[:50]]
    return render(request, "consult/mine.html", {"cards": cards})


def _new_answer(me: Participant | None) -> bool:
    """She was told of an answer since she last opened the consultation."""
    if me is None or me.told_at is None:
        return False
    return me.seen_at is None or me.seen_at < me.told_at


def _resident_context(user: Any, consultation: Consultation) -> dict[str, Any]:
    me = Participant.objects.filter(consultation=consultation, person_id=getattr(user, "person_id", None) or 0).first()
    section_votes = dict(SectionVote.objects.filter(participant=me).values_list("section_id", "stance")) if me else {}
    proposal_votes = dict(ProposalVote.objects.filter(participant=me).values_list("proposal_id", "stance")) if me else {}
    sections = list(consultation.sections.order_by("number"))
    comments: dict[int, list[Comment]] = {}
    for comment in (Comment.objects.filter(consultation=consultation).select_related("participant")
                    .order_by("-created_at", "-pk")):
        comments.setdefault(comment.section_id, []).append(comment)
    # what the page shows beside each row (set as attributes: the templates read them like fields)
    for section in sections:
        setattr(section, "my_stance", section_votes.get(section.pk, ""))  # noqa: B010
        setattr(section, "shown_comments", comments.get(section.pk, [])[:20])  # noqa: B010
        setattr(section, "comment_count", len(comments.get(section.pk, [])))  # noqa: B010
    proposals = list(consultation.proposals.select_related("participant").order_by("-supports", "pk"))
    for proposal in proposals:
        setattr(proposal, "my_stance", proposal_votes.get(proposal.pk, ""))  # noqa: B010
        setattr(proposal, "mine", me is not None and proposal.participant_id == me.pk)  # noqa: B010
    today = timezone.localdate()
    return {"c": consultation, "me": me, "sections": sections, "proposals": proposals,
            "open": consultation.status == Status.OPEN and consultation.opens_on <= today <= consultation.closes_on,
            "themes": consultation.themes.order_by("number") if consultation.status == Status.ANSWERED else [],
            "comment_form": CommentForm(), "proposal_form": ProposalForm()}


@route(TAKE_PART, model=Consultation, where=~Q(status=Status.DRAFT))
@login_required
def take_part(request: HttpRequest, pk: int) -> HttpResponse:
    """The resident's page: read, support or oppose, comment, propose; and the answers."""
    user = request.user
    consultation = get_or_404(Consultation.objects.exclude(status=Status.DRAFT).select_related("area"), user,
                              TAKE_PART, pk=pk)
    if request.method == "POST":
        return _take_part_post(request, consultation)
    context = _resident_context(user, consultation)
    if context["me"] is not None:
        actions.do_mark_seen(consultation, acting_user=user)
    return render(request, "consult/take_part.html", context)


def _take_part_post(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    user, post = request.user, request.POST
    what, target = post.get("what", ""), post.get("id", "")
    anchor = ""
    try:
        if what in ("section", "comment"):
            section = consultation.sections.filter(pk=int(target) if target.isdigit() else 0).first()
            if section is None:
                raise ValidationError(_("Choose a section of this draft."), code="section")
            anchor = f"#s{section.number}"
            if what == "section":
                actions.do_vote_section(section, post.get("stance", ""), acting_user=user)
                messages.success(request, _("Your view of this section is recorded."))
            else:
                actions.do_comment(section, post.get("text", ""), acting_user=user)
                messages.success(request, _("Thank you: your comment is published."))
        elif what == "proposal":
            proposal = consultation.proposals.filter(pk=int(target) if target.isdigit() else 0).first()
            if proposal is None:
                raise ValidationError(_("Choose a proposal of this consultation."), code="proposal")
            anchor = f"#p{proposal.pk}"
            actions.do_vote_proposal(proposal, post.get("stance", ""), acting_user=user)
            messages.success(request, _("Your view of this proposal is recorded."))
        elif what == "propose":
            proposal = actions.do_propose(consultation, post.get("title", ""), post.get("text", ""), acting_user=user)
            anchor = f"#p{proposal.pk}"
            messages.success(request, _("Your proposal is published; others may now support it."))
        else:
            raise ValidationError(_("Nothing to record: choose a section or a proposal."), code="what")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied:
        messages.error(request, _("Only residents living in the consultation's area take part (by the registry)."))
    return redirect(reverse("consult:take_part", kwargs={"pk": consultation.pk}) + anchor)
