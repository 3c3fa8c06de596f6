"""Pages of campaigns (/campaigns/): drafting and starting, live progress by grid, the answers,
the review queue, the grid worker's list and her phone form; the households' own links
(/c/<token>/, no sign-in) and the resident's own surveys."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.campaigns import actions, answers, links, machine, queries
from linli.campaigns.access import MANAGE, REVIEW, VIEW, WORK
from linli.campaigns.forms import QUESTION_ROWS, AnswerForm, CampaignForm
from linli.campaigns.models import Answer, Campaign, Channel, Kind, Status, Target, TargetStatus
from linli.core.access import PermissionDenied, allows, get_or_404, may, route
from linli.core.http import denied
from linli.core.pagination import Pager
from linli.grids.models import Grid
from linli.places.models import Place

PER_PAGE = 50


def _form(request: HttpRequest) -> CampaignForm:
    user = request.user
    initial = {"kind": request.GET.get("kind") or Kind.SCREENING, "q1_kind": "yes_no"}
    return CampaignForm(request.POST or None, initial=initial, areas=Place.objects.restrict(user, MANAGE),
                        grids=Grid.objects.restrict(user, MANAGE), show_groups=may(user, "people.view_groups"))


def _lines(text: str, split: str = "\n") -> list[str]:
    return [part.strip() for part in (text or "").replace("，", ",").split(split) if part.strip()]


def _input(form: CampaignForm) -> actions.CampaignInput:
    data = form.cleaned_data
    questions = []
    for n in range(1, QUESTION_ROWS + 1):
        if not data.get(f"q{n}_text"):
            continue
        questions.append(actions.QuestionInput(
            text=data[f"q{n}_text"], kind=data.get(f"q{n}_kind") or "", choices=_lines(data.get(f"q{n}_choices", "")),
            keywords=_lines(data.get(f"q{n}_keywords", ""), ","), effect=data.get(f"q{n}_effect") or "",
            category=data.get(f"q{n}_category") or ""))
    return actions.CampaignInput(
        title=data["title"], kind=data["kind"], intro=data.get("intro") or "", channels=list(data["channels"]),
        places=list(data["places"]), grids=list(data["grids"]), group=data.get("group") or "", questions=questions,
        max_calls=data["max_calls"], retry_minutes=data["retry_minutes"])


@route(VIEW)
@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, VIEW):
        return denied(request)
    visible = Campaign.objects.restrict(user, VIEW)
    return render(request, "campaigns/list.html", {
        "running": visible.filter(status=Status.RUNNING).order_by("-started_at")[:50],
        "drafts": visible.filter(status=Status.DRAFT)[:50],
        "finished": visible.filter(status=Status.FINISHED).order_by("-finished_at")[:20],
        "can_manage": may(user, MANAGE), "can_work": may(user, WORK)})


@route(MANAGE)
@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, MANAGE):
        return denied(request)
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = actions.do_create_campaign(_input(form), acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        except PermissionDenied:
            form.add_error(None, _("You may not run campaigns in these areas or grids."))
        else:
            messages.success(request, _("Draft saved: it would ask %(h)d households.") % {"h": campaign.households})
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/edit.html", {"form": form}, status=422 if form.errors else 200)


@route(VIEW, model=Campaign)
@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = get_or_404(Campaign.objects.select_related("area", "created_by"), user, VIEW, pk=pk)
    return render(request, "campaigns/detail.html", {
        "campaign": campaign, "questions": campaign.questions.order_by("number"),
        "progress": queries.progress(user, campaign), "summary": queries.summary(user, campaign),
        "can_manage": allows(user, MANAGE, campaign), "can_review": allows(user, REVIEW, campaign),
        "can_work": allows(user, WORK, campaign)})


@route(VIEW, model=Campaign)
@login_required
def campaign_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress table alone, polled by the campaign page while it runs."""
    user = request.user
    campaign = get_or_404(Campaign.objects.all(), user, VIEW, pk=pk)
    return render(request, "campaigns/_progress.html", {"campaign": campaign,
                                                        "progress": queries.progress(user, campaign)})


@route(MANAGE, model=Campaign)
@login_required
@require_POST
def campaign_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    user = request.user
    campaign = get_or_404(Campaign.objects.all(), user, MANAGE, pk=pk)
    run = {"start": actions.do_start_campaign, "finish": actions.do_finish_campaign}.get(step)
    if run is None:
        raise Http404
    try:
        run(campaign, acting_user=user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Started.") if step == "start" else _("Finished."))
    return redirect("campaigns:detail", pk=campaign.pk)


@route(REVIEW, model=Campaign)
@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """The answers a call's transcript left uncertain: what was heard, what was read, and the
    answer a person gives."""
    user = request.user
    campaign = get_or_404(Campaign.objects.all(), user, REVIEW, pk=pk)
    rows = (Answer.objects.restrict(user, REVIEW).filter(target__campaign=campaign, needs_review=True)
            .select_related("question", "target").order_by("target__path", "question__number"))
    if request.method == "POST":
        pick = request.POST.get("answer", "")
        answer = rows.filter(pk=int(pick)).first() if pick.isdigit() else None
        if answer is None:
            messages.error(request, _("This answer has already been checked; reload the page."))
        else:
            try:
                actions.do_review(answer, acting_user=user, value=request.POST.get("value", ""))
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("Checked."))
        return redirect("campaigns:review", pk=campaign.pk)
    page = Pager(rows, PER_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.shown = answers.shown(row.question, row.value)
    return render(request, "campaigns/review.html", {"campaign": campaign, "page": page})


@route(WORK)
@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """Her households to knock or phone, on her phone."""
    user = request.user
    if not may(user, WORK):
        return denied(request)
    page = Pager(queries.worklist(user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "campaigns/work.html", {"page": page})


def _answer_page(request: HttpRequest, target: Target, template: str, *, channel: str, acting_user: Any = None,
                 person: Any = None, done_url: str = "") -> HttpResponse:
    campaign = target.campaign
    questions = list(campaign.questions.order_by("number"))
    form = AnswerForm(request.POST or None, questions=questions)
    status = 200
    if request.method == "POST" and form.is_valid():
        outcome = request.POST.get("outcome", machine.ANSWERED)
        try:
            actions.do_record_answers(target, channel=channel, outcome=outcome, values=form.values(),
                                      acting_user=acting_user, person=person, note=request.POST.get("note", ""))
        except ValidationError as exc:
            form.add_action_errors(exc)
        except PermissionDenied:
            form.add_error(None, _("You may not answer for this household."))
        else:
            messages.success(request, _("Thank you: the answers are recorded.") if outcome == machine.ANSWERED
                             else _("Recorded for %(address)s.") % {"address": target.address})
            return redirect(done_url or request.path)
    if form.errors:
        status = 422
    target.refresh_from_db()
    # the household's own link, for the grid worker to send to its chat (a campaign with links)
    link = links.url(target.pk) if channel == Channel.KNOCK and Channel.LINK in campaign.channels else ""
    tried = list(target.attempts.order_by("created_at", "pk")[:20]) if channel == Channel.KNOCK else []
    return render(request, template, {"campaign": campaign, "target": target, "form": form, "link": link,
                                      "attempts": tried,
                                      "open": target.status in machine.OPEN and campaign.status == Status.RUNNING},
                  status=status)


@route(WORK, model=Target)
@login_required
def knock(request: HttpRequest, pk: int) -> HttpResponse:
    """The script on her phone: ask, tick the answers, or record that nobody was home."""
    user = request.user
    target = get_or_404(Target.objects.select_related("campaign", "person"), user, WORK, pk=pk)
    return _answer_page(request, target, "campaigns/knock.html", channel=Channel.KNOCK, acting_user=user,
                        done_url=reverse("campaigns:work"))


def _bad_link(request: HttpRequest) -> HttpResponse:
    return render(request, "notices/bad_link.html", status=400)


@route(public=True)
def household_link(request: HttpRequest, token: str) -> HttpResponse:
    """The household's own link: the questions, answered without signing in."""
    pk = links.read(token)
    target = Target.objects.select_related("campaign").filter(pk=pk).first() if pk else None
    if target is None or target.campaign.status == Status.DRAFT or Channel.LINK not in target.campaign.channels:
        return _bad_link(request)
    return _answer_page(request, target, "campaigns/answer.html", channel=Channel.LINK)


@route(signed_in=True)
@login_required
def my_survey(request: HttpRequest) -> HttpResponse:
    """Her household's open surveys; ``?survey=<token>``: one of them, answered on her page."""
    user = request.user
    person = getattr(user, "person", None)
    pk = links.read(request.GET.get("survey", ""))
    target = Target.objects.select_related("campaign").filter(
        pk=pk, house_id=getattr(person, "current_house_id", None) or 0).first() if person and pk else None
    if target is None or Channel.PAGE not in target.campaign.channels or target.campaign.status == Status.DRAFT:
        return render(request, "campaigns/mine.html", {"targets": open_surveys(user)})
    return _answer_page(request, target, "campaigns/answer.html", channel=Channel.PAGE, acting_user=user,
                        person=person, done_url=reverse("campaigns:mine"))


def open_surveys(user: Any) -> list[Target]:
    """The running surveys her household has not answered yet (shown on her notices page)."""
    house = getattr(getattr(user, "person", None), "current_house_id", None)
    if not house:
        return []
    rows = Target.objects.filter(house_id=house, campaign__status=Status.RUNNING,
                                 status__in=[TargetStatus.WAITING, TargetStatus.KNOCK]).select_related("campaign")
    found = [t for t in rows[:20] if Channel.PAGE in t.campaign.channels]
    for target in found:
        target.token = links.token(target.pk)  # type: ignore[attr-defined]  # for the page's link
    return found
