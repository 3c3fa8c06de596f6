"""Pages of the rumours (/rumours/): the queue of suspected rumours, a message reported by hand,
one suspect with its review, clarification and three signatures, and the fact base."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.access import PermissionDenied, allows, get_or_404, may, route
from linli.core.http import denied
from linli.places.models import Level, Place
from linli.rumours import actions, signoff
from linli.rumours.access import DRAFT, FACTS, RELEASE, REPORT, REVIEW, SIGN, VERIFY, VIEW
from linli.rumours.forms import ClarificationForm, FactForm, ReleaseForm, ReportForm
from linli.rumours.models import Clarification, Fact, Party, Suspect, SuspectStatus

LIMIT = 100


@route(VIEW)
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, VIEW):
        return denied(request)
    suspects = Suspect.objects.restrict(user, VIEW).select_related("fact", "community")
    return render(request, "rumours/queue.html", {
        "open": suspects.filter(status=SuspectStatus.OPEN).order_by("-count", "-last_seen")[:LIMIT],
        "confirmed": suspects.filter(status=SuspectStatus.CONFIRMED).order_by("-last_seen")[:LIMIT],
        "released": suspects.filter(status=SuspectStatus.RELEASED).order_by("-last_seen")[:LIMIT],
        "dismissed": suspects.filter(status=SuspectStatus.DISMISSED).order_by("-last_seen")[:20],
        "can_report": may(user, REPORT), "can_facts": may(user, FACTS)})


@route(REPORT)
@login_required
def report(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, REPORT):
        return denied(request)
    form = ReportForm(request.POST or None,
                      communities=Place.objects.restrict(user, REPORT).filter(level=Level.COMMUNITY))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            suspect = actions.do_report(data["community"], data["text"], group=data["group"], acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        except PermissionDenied:
            form.add_error("community", _("You may not report messages in this community."))
        else:
            messages.success(request, _("Reported: it matches a verified fact.") if suspect.fact_id
                             else _("Reported: it matches no verified fact yet and waits for review."))
            return redirect("rumours:suspect", pk=suspect.pk)
    return render(request, "rumours/report.html", {"form": form}, status=422 if form.errors else 200)


def _parties(user: Any, clarification: Clarification | None) -> list[dict[str, Any]]:
    """Each party with who signed the current version, and whether the user may sign for it now."""
    if clarification is None:
        return []
    signatures = list(clarification.signatures.select_related("by"))
    signed = [signoff.Signed(s.party, s.version, s.by_id) for s in signatures]
    current = {s.party: s for s in signatures if s.version == clarification.version}
    rows = []
    for party, label in Party.choices:
        may_sign = allows(user, SIGN[party], clarification)
        try:
            signoff.check_sign(party, user.pk, clarification.version, signed,
                               released=clarification.released_at is not None)
        except signoff.Refused:
            may_sign = False
        rows.append({"party": party, "label": label, "signature": current.get(party), "can_sign": may_sign})
    return rows


@route(VIEW, model=Suspect)
@login_required
def suspect_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    suspect = get_or_404(Suspect.objects.select_related("fact", "community", "reviewed_by"), user, VIEW, pk=pk)
    clarification = Clarification.objects.filter(suspect=suspect).select_related("notice").first()
    parties = _parties(user, clarification)
    complete = bool(parties) and all(p["signature"] for p in parties)
    title, body = actions.draft_text(suspect)
    notice = clarification.notice if clarification else None
    return render(request, "rumours/suspect.html", {
        "suspect": suspect, "clarification": clarification, "parties": parties, "complete": complete,
        "can_review": suspect.status == SuspectStatus.OPEN and allows(user, REVIEW, suspect),
        "can_draft": suspect.status == SuspectStatus.CONFIRMED and allows(user, DRAFT, suspect),
        "can_release": complete and clarification is not None and clarification.released_at is None
        and allows(user, RELEASE, clarification),
        "form": ClarificationForm(initial={"title": clarification.title, "body": clarification.body}
                                  if clarification else {"title": title, "body": body}),
        "release_form": ReleaseForm(),
        "notice_visible": notice is not None and allows(user, "notices.view", notice),
        # sent back and revised in the notices: no longer the text the three parties signed
        "notice_changed": notice is not None and clarification is not None
        and (notice.title != clarification.title or not notice.body.startswith(clarification.body)),
        "voided": clarification.signatures.exclude(version=clarification.version).select_related("by")
        if clarification else []})


def _do(request: HttpRequest, suspect_pk: int, run: Callable[[], Any], success: str) -> HttpResponse:
    try:
        run()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied:
        messages.error(request, _("You may not take this step."))
    else:
        messages.success(request, success)
    return redirect("rumours:suspect", pk=suspect_pk)


@route(REVIEW, model=Suspect)
@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    suspect = get_or_404(Suspect.objects.all(), user, REVIEW, pk=pk)
    confirm = request.POST.get("decision") == "confirm"
    return _do(request, pk, lambda: actions.do_review(suspect, confirm=confirm, note=request.POST.get("note", ""),
                                                      acting_user=user),
               _("Confirmed as a rumour: write the clarification.") if confirm else _("Dismissed."))


@route(DRAFT, model=Suspect)
@login_required
@require_POST
def clarify(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    suspect = get_or_404(Suspect.objects.all(), user, DRAFT, pk=pk)
    post = request.POST
    return _do(request, pk, lambda: actions.do_draft_clarification(
        suspect, title=post.get("title", ""), body=post.get("body", ""), acting_user=user),
        _("Clarification written: the three parties may sign it."))


@route(DRAFT, model=Clarification)
@login_required
@require_POST
def edit_clarification(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    clarification = get_or_404(Clarification.objects.all(), user, DRAFT, pk=pk)
    post = request.POST
    return _do(request, clarification.suspect_id, lambda: actions.do_edit_clarification(
        clarification, title=post.get("title", ""), body=post.get("body", ""), acting_user=user),
        _("Changed: a new version, to be signed again by all three parties."))


@route(*SIGN.values(), model=Clarification)
@login_required
@require_POST
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    party = request.POST.get("party", "")
    clarification = get_or_404(Clarification.objects.all(), user, SIGN.get(party, SIGN["office"]), pk=pk)
    version = request.POST.get("version", "")
    return _do(request, clarification.suspect_id, lambda: actions.do_sign(
        clarification, party, version=int(version) if version.isdigit() else 0,
        comment=request.POST.get("comment", ""), acting_user=user), _("Signed."))


@route(RELEASE, model=Clarification)
@login_required
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    clarification = get_or_404(Clarification.objects.all(), user, RELEASE, pk=pk)
    form = ReleaseForm(request.POST)
    category = form.cleaned_data["category"] if form.is_valid() else ""
    return _do(request, clarification.suspect_id, lambda: actions.do_release(
        clarification, category=category, acting_user=user),
        _("Released as an urgent notice: it now waits for the notices' fact-check and publishing."))


# --- the fact base ------------------------------------------------------------------------------------------

@route(VIEW)
@login_required
def fact_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, VIEW):
        return denied(request)
    q = request.GET.get("q", "").strip()[:100]
    facts = Fact.objects.restrict(user, VIEW).select_related("area", "signed_by")
    if q:
        facts = facts.filter(Q(claim__icontains=q) | Q(wordings__icontains=q) | Q(explanation__icontains=q))
    return render(request, "rumours/facts.html", {"facts": facts.order_by("-updated_at", "-pk")[:200], "q": q,
                                                  "can_add": may(user, FACTS)})


def _fact_input(data: dict[str, Any]) -> actions.FactInput:
    return actions.FactInput(claim=data["claim"], verdict=data["verdict"], explanation=data["explanation"],
                             source=data["source"], wordings=data.get("wordings") or "")


@route(FACTS)
@login_required
def fact_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, FACTS):
        return denied(request)
    areas = Place.objects.restrict(user, FACTS).filter(level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY])
    form = FactForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        try:
            fact = actions.do_add_fact(form.cleaned_data["area"], _fact_input(form.cleaned_data), acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        except PermissionDenied:
            form.add_error("area", _("You may not keep facts for this office."))
        else:
            messages.success(request, _("Fact added: it counts once someone else signs it off."))
            return redirect("rumours:fact", pk=fact.pk)
    return render(request, "rumours/fact_edit.html", {"form": form, "fact": None}, status=422 if form.errors else 200)


def _fact_page(request: HttpRequest, fact: Fact, form: FactForm) -> HttpResponse:
    user = request.user
    return render(request, "rumours/fact.html", {
        "fact": fact, "form": form, "can_edit": allows(user, FACTS, fact),
        "can_sign_off": not fact.signed and fact.written_by_id != user.pk and allows(user, VERIFY, fact),
        "versions": fact.versions.select_related("written_by").order_by("-number"),
        "suspects": Suspect.objects.restrict(user, VIEW).filter(fact=fact).select_related("community")[:20]},
        status=422 if form.errors else 200)


def _fact_form(fact: Fact, data: Any = None) -> FactForm:
    return FactForm(data, initial={"claim": fact.claim, "verdict": fact.verdict, "explanation": fact.explanation,
                                   "source": fact.source, "wordings": fact.wordings})


@route(VIEW, model=Fact)
@login_required
def fact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fact = get_or_404(Fact.objects.select_related("area", "signed_by", "written_by"), request.user, VIEW, pk=pk)
    return _fact_page(request, fact, _fact_form(fact))


@route(FACTS, model=Fact)
@login_required
@require_POST
def fact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A new version by someone who keeps the fact."""
    user = request.user
    fact = get_or_404(Fact.objects.select_related("area", "signed_by", "written_by"), user, FACTS, pk=pk)
    form = _fact_form(fact, request.POST)
    if form.is_valid():
        try:
            actions.do_edit_fact(fact, _fact_input(form.cleaned_data), note=form.cleaned_data["note"],
                                 acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        else:
            messages.success(request, _("Saved as a new version: it counts again once signed off."))
            return redirect("rumours:fact", pk=fact.pk)
    return _fact_page(request, fact, form)


@route(VERIFY, model=Fact)
@login_required
@require_POST
def fact_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    fact = get_or_404(Fact.objects.all(), user, VERIFY, pk=pk)
    try:
        actions.do_sign_off_fact(fact, acting_user=user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Signed off: the fact now counts in matching."))
    return redirect("rumours:fact", pk=pk)
