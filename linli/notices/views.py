"""Pages of notices (/notices/): drafting and review, reach, follow-up lists on the phone,
posters per building; and the households' own links (/n/…), which need no sign-in."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from linli.core import photos
from linli.core.access import PermissionDenied, allows, get_or_404, may, route
from linli.core.http import denied
from linli.core.pagination import Pager
from linli.grids.models import Grid
from linli.notices import actions, queries, tokens, workflow
from linli.notices.access import CHECK, DRAFT, EDIT, FOLLOW_UP, PUBLISH, VIEW
from linli.notices.forms import (
    AttemptForm,
    CommentForm,
    CorrectForm,
    EditForm,
    NoticeForm,
    ReasonForm,
)
from linli.notices.models import (
    CommunityNoticeSetting,
    ElderContact,
    Notice,
    NoticeDocument,
    NoticeHousehold,
    NoticeImage,
    Status,
    Via,
)
from linli.places.models import Level, Place

PER_PAGE = 50
STEP_ACTIONS: dict[str, str] = {Status.CHECKING: CHECK, Status.EDITING: EDIT, Status.APPROVING: PUBLISH}


def _form(request: HttpRequest, initial: dict[str, Any] | None = None) -> NoticeForm:
    user = request.user
    return NoticeForm(request.POST or None, initial=initial, areas=Place.objects.restrict(user, DRAFT),
                      grids=Grid.objects.restrict(user, DRAFT), show_groups=may(user, "people.view_groups"))


def _input(form: NoticeForm) -> actions.NoticeInput:
    data = form.cleaned_data
    return actions.NoticeInput(title=data["title"], body=data["body"], category=data["category"],
                               urgency=data["urgency"], deadline=data["deadline"], places=list(data["places"]),
                               grids=list(data["grids"]), group=data.get("group") or "")


@route(VIEW)
@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, VIEW):
        return denied(request)
    visible = Notice.objects.restrict(user, VIEW)
    waiting = []
    for status, action in STEP_ACTIONS.items():
        if may(user, action):
            waiting += list(Notice.objects.restrict(user, action).filter(status=status).order_by("created_at"))
    published = visible.filter(status=Status.PUBLISHED).annotate(
        reached=Count("reach", filter=Q(reach__reached_at__isnull=False))).order_by("-published_at")[:50]
    drafts = visible.filter(status=Status.DRAFT).order_by("-updated_at")[:50] if may(user, DRAFT) else []
    return render(request, "notices/list.html", {
        "waiting": waiting, "published": published, "drafts": drafts,
        "in_review": visible.filter(status__in=list(STEP_ACTIONS)).order_by("-updated_at")[:50],
        "closed": visible.filter(status=Status.WITHDRAWN).order_by("-withdrawn_at")[:20],
        "can_draft": may(user, DRAFT), "can_follow_up": may(user, FOLLOW_UP), "can_publish": may(user, PUBLISH),
        "can_consult": may(user, "consult.view")})


@route(PUBLISH)
@login_required
def elder_contact(request: HttpRequest) -> HttpResponse:
    """Per community: how its notices reach the elders' households (applied at publishing)."""
    user = request.user
    if not may(user, PUBLISH):
        return denied(request)
    communities = Place.objects.restrict(user, PUBLISH).filter(level=Level.COMMUNITY).order_by("path")
    if request.method == "POST":
        pick = request.POST.get("community", "")
        community = communities.filter(pk=int(pick)).first() if pick.isdigit() else None
        if community is None:
            messages.error(request, _("Choose a community."))
        else:
            try:
                actions.do_set_elder_contact(community, request.POST.get("elder_contact", ""), acting_user=user)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("Saved: it applies to the notices published from now on."))
                return redirect("notices:elders")
    shown = list(communities[:200])
    chosen = dict(CommunityNoticeSetting.objects.filter(community__in=shown).values_list("community_id", "elder_contact"))
    rows = [{"community": c, "contact": chosen.get(c.pk, ElderContact.LINK)} for c in shown]
    return render(request, "notices/elders.html", {"rows": rows, "choices": ElderContact.choices})


@route(DRAFT)
@login_required
def notice_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, DRAFT):
        return denied(request)
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        try:
            notice = actions.do_draft_notice(_input(form), acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        except PermissionDenied:
            form.add_error(None, _("You may not send notices to these areas or grids."))
        else:
            messages.success(request, _("Draft saved: it would reach %(h)d households, %(r)d residents.")
                             % {"h": notice.households, "r": notice.residents})
            return redirect("notices:detail", pk=notice.pk)
    return render(request, "notices/edit.html", {"form": form, "notice": None},
                  status=422 if form.errors else 200)


@route(DRAFT, model=Notice, where=Q(status=Status.DRAFT))
@login_required
def notice_revise(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    notice = get_or_404(Notice.objects.filter(status=Status.DRAFT), user, DRAFT, pk=pk)
    form = _form(request, initial={
        "title": notice.title, "body": notice.body, "category": notice.category, "urgency": notice.urgency,
        "deadline": timezone.localtime(notice.deadline) if notice.deadline else None,
        "places": list(notice.audience_places.all()), "grids": list(notice.audience_grids.all()),
        "group": notice.audience_group})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_revise_draft(notice, _input(form), acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        except PermissionDenied:
            form.add_error(None, _("You may not send notices to these areas or grids."))
        else:
            return redirect("notices:detail", pk=notice.pk)
    return render(request, "notices/edit.html", {"form": form, "notice": notice},
                  status=422 if form.errors else 200)


@route(VIEW, model=Notice)
@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    notice = get_or_404(Notice.objects.select_related("area", "created_by"), user, VIEW, pk=pk)
    office = allows(user, DRAFT, notice) or any(allows(user, a, notice) for a in (CHECK, EDIT, PUBLISH))
    step_action = STEP_ACTIONS.get(notice.status)
    published = notice.status in (Status.PUBLISHED, Status.WITHDRAWN)
    return render(request, "notices/detail.html", {
        "notice": notice, "office": office,
        "versions": notice.versions.select_related("written_by").order_by("-number") if office else [],
        "steps": notice.steps.select_related("by").order_by("created_at", "pk") if office else [],
        "can_revise": notice.status == Status.DRAFT and allows(user, DRAFT, notice),
        "can_step": step_action is not None and allows(user, step_action, notice),
        "waiting_for": workflow.WAITING_FOR.get(notice.status, ""),
        "can_publish_after": notice.status == Status.PUBLISHED and allows(user, PUBLISH, notice),
        "reach": queries.reach(user, notice) if published else None,
        "can_follow_up": published and allows(user, FOLLOW_UP, notice),
        "comment_form": CommentForm(), "edit_form": EditForm(initial={"title": notice.title, "body": notice.body}),
        "correct_form": CorrectForm(initial={"title": notice.title, "body": notice.body}),
        "reason_form": ReasonForm(), "overdue": bool(notice.deadline and notice.deadline <= timezone.now()),
        "files": _staff_files(notice, can_remove=notice.status == Status.DRAFT and allows(user, DRAFT, notice)),
        "max_images": actions.MAX_IMAGES, "max_documents": actions.MAX_DOCUMENTS,
        "max_document_mb": actions.MAX_DOCUMENT_BYTES // 1024 // 1024})


def _do(request: HttpRequest, notice: Notice, run: Any, success: str) -> HttpResponse:
    try:
        run()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied:
        messages.error(request, _("You may not take this step on this notice."))
    else:
        messages.success(request, success)
    return redirect("notices:detail", pk=notice.pk)


@route(VIEW, model=Notice)
@login_required
@require_POST
def notice_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Submit, check, edit, publish or send back (each action checks its own permission)."""
    user = request.user
    notice = get_or_404(Notice.objects.all(), user, VIEW, pk=pk)
    post = request.POST
    comment = post.get("comment", "")
    channels = tuple(c for c in post.getlist("channels") if c)
    runs = {
        "submit": (lambda: actions.do_submit(notice, acting_user=user, shortened_reason=post.get("shortened_reason", "")),
                   _("Sent for review.")),
        "check": (lambda: actions.do_check(notice, acting_user=user, comment=comment), _("Fact-checked.")),
        "edit": (lambda: actions.do_edit(notice, acting_user=user, title=post.get("title"), body=post.get("body"),
                                         comment=comment), _("Edited.")),
        "publish": (lambda: actions.do_publish(notice, acting_user=user, channels=channels), _("Published.")),
        "send_back": (lambda: actions.do_send_back(notice, acting_user=user, comment=comment),
                      _("Sent back to the writer.")),
        "correct": (lambda: actions.do_correct(notice, acting_user=user, title=post.get("title", ""),
                                               body=post.get("body", ""), reason=post.get("reason", ""),
                                               channels=channels), _("Corrected.")),
        "withdraw": (lambda: actions.do_withdraw(notice, acting_user=user, reason=post.get("reason", "")),
                     _("Withdrawn.")),
    }
    if step not in runs:
        raise Http404
    run, success = runs[step]
    return _do(request, notice, run, success)


@route(VIEW, model=Notice, where=Q(status__in=[Status.PUBLISHED, Status.WITHDRAWN]))
@login_required
def notice_reach(request: HttpRequest, pk: int) -> HttpResponse:
    """The reach table alone: the notice page fetches it again when the reach changes."""
    user = request.user
    notice = get_or_404(Notice.objects.filter(status__in=[Status.PUBLISHED, Status.WITHDRAWN]), user, VIEW, pk=pk)
    response = render(request, "notices/_reach.html", {"notice": notice, "reach": queries.reach(user, notice)})
    response["Cache-Control"] = "no-store"
    return response


@route(VIEW, model=Notice)
@login_required
def notice_households(request: HttpRequest, pk: int) -> HttpResponse:
    """The follow-up list: households not reached (special groups first), by grid; a grid worker
    records a knock or a call from each row."""
    user = request.user
    notice = get_or_404(Notice.objects.all(), user, VIEW, pk=pk)
    rows = queries.visible_households(user, notice)
    grid = request.GET.get("grid", "")
    if grid.isdigit():
        rows = rows.filter(grid_id=int(grid))
    elif grid == "none":
        rows = rows.filter(grid__isnull=True)
    page = Pager(queries.follow_up(rows), PER_PAGE).get_page(request.GET.get("page"))
    for household in page.object_list:
        household.token = tokens.household_token(household.pk)  # for the chat groups
    return render(request, "notices/households.html", {
        "notice": notice, "page": page, "grid": grid, "form": AttemptForm(),
        "can_record": notice.status == Status.PUBLISHED and may(user, FOLLOW_UP),
        "grids": queries.reach(user, notice).grids})


@route(FOLLOW_UP, model=NoticeHousehold)
@login_required
@require_POST
def household_attempt(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    household = get_or_404(NoticeHousehold.objects.all(), user, FOLLOW_UP, pk=pk)
    form = AttemptForm(request.POST)
    back = reverse("notices:households", kwargs={"pk": household.notice_id})
    if form.is_valid():
        try:
            actions.do_record_attempt(household, via=form.cleaned_data["via"], outcome=form.cleaned_data["outcome"],
                                      note=form.cleaned_data["note"], acting_user=user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Recorded for %(address)s.") % {"address": household.address})
    else:
        messages.error(request, _("Choose how and what came of it."))
    grid = request.POST.get("grid", "")
    return redirect(f"{back}?grid={grid}" if grid else back)


@route(FOLLOW_UP)
@login_required
def follow_up(request: HttpRequest) -> HttpResponse:
    """Her lists: the published notices with households of hers not yet reached."""
    user = request.user
    if not may(user, FOLLOW_UP):
        return denied(request)
    rows = (NoticeHousehold.objects.restrict(user, FOLLOW_UP).filter(notice__status=Status.PUBLISHED)
            .filter(Q(reached_at__isnull=True) | Q(reread=True)).values("notice_id")
            .annotate(n=Count("pk"), priority=Count("pk", filter=Q(priority=True))))
    counts = {r["notice_id"]: r for r in rows}
    notices = Notice.objects.filter(pk__in=list(counts)).order_by("deadline", "-published_at")
    now = timezone.now()
    return render(request, "notices/follow_up.html", {
        "rows": [{"notice": n, "missing": counts[n.pk]["n"], "priority": counts[n.pk]["priority"],
                  "overdue": bool(n.deadline and n.deadline <= now)} for n in notices]})


# --- pictures and attachments --------------------------------------------------------------------------

def _file_response(data: bytes, content_type: str, download: str = "") -> HttpResponse:
    """A notice's picture or PDF: the notice's own content, no person's data, so not audited
    per view (a street-wide notice is opened 90,000 times); nothing in it may run."""
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    if download:
        response["Content-Disposition"] = content_disposition_header(True, download)
    return response


def files_of(notice: Notice, image_url: Any, document_url: Any, can_remove: bool = False) -> dict[str, Any]:
    """The notice's pictures and files for a page, each with the address this page's reader may
    open it at (``image_url(pk)``, ``document_url(pk)``: the office's, or a household's link)."""
    images = [{"pk": pk, "url": image_url(pk), "width": w, "height": h} for pk, w, h in
              NoticeImage.objects.filter(notice=notice).order_by("pk").values_list("pk", "width", "height")]
    documents = [{"pk": pk, "url": document_url(pk) if document_url else "", "name": name, "size": size}
                 for pk, name, size in NoticeDocument.objects.filter(notice=notice).order_by("pk")
                 .values_list("pk", "name", "size")] if document_url else []
    return {"images": images, "documents": documents, "can_remove": can_remove}


def _staff_files(notice: Notice, can_remove: bool = False) -> dict[str, Any]:
    return files_of(notice, lambda pk: reverse("notices:image", args=[notice.pk, pk]),
                    lambda pk: reverse("notices:document", args=[notice.pk, pk]), can_remove)


def _household_files(notice: Notice, token: str) -> dict[str, Any]:
    return files_of(notice, lambda pk: reverse("notice_link_image", args=[token, pk]),
                    lambda pk: reverse("notice_link_document", args=[token, pk]))


def _image(notice: Notice, image_pk: int) -> HttpResponse:
    image = NoticeImage.objects.filter(notice=notice, pk=image_pk).first()
    if image is None:
        raise Http404
    return _file_response(base64.b64decode(image.data), "image/jpeg")


def _document(notice: Notice, document_pk: int) -> HttpResponse:
    document = NoticeDocument.objects.filter(notice=notice, pk=document_pk).first()
    if document is None:
        raise Http404
    return _file_response(base64.b64decode(document.data), "application/pdf", download=document.name)


@route(VIEW, model=NoticeImage, kwarg="image_pk", also={"pk": "notice_id"})
@login_required
def notice_image(request: HttpRequest, pk: int, image_pk: int) -> HttpResponse:
    image = get_or_404(NoticeImage.objects.filter(notice_id=pk), request.user, VIEW, pk=image_pk)
    return _file_response(base64.b64decode(image.data), "image/jpeg")


@route(VIEW, model=NoticeDocument, kwarg="document_pk", also={"pk": "notice_id"})
@login_required
def notice_document(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    document = get_or_404(NoticeDocument.objects.filter(notice_id=pk), request.user, VIEW, pk=document_pk)
    return _file_response(base64.b64decode(document.data), "application/pdf", download=document.name)


@route(DRAFT, model=Notice, where=Q(status=Status.DRAFT))
@csrf_exempt  # checked in _attach, once the body is known to be of a reasonable size
@login_required
@require_POST
def notice_attach(request: HttpRequest, pk: int) -> HttpResponse:
    """Add pictures and PDF files to a draft (a body too large is refused before it is read)."""
    notice = get_or_404(Notice.objects.filter(status=Status.DRAFT), request.user, DRAFT, pk=pk)
    if photos.declared_length(request) > actions.MAX_FILES_BODY:
        messages.error(request, _("The files are too large together; at most %(max)d MB.")
                       % {"max": actions.MAX_FILES_BODY // 1024 // 1024})
        return redirect("notices:detail", pk=notice.pk)
    return _attach(request, notice)


@csrf_protect
def _attach(request: HttpRequest, notice: Notice) -> HttpResponse:
    def run() -> Notice:
        images = photos.read_uploads(request.FILES.getlist("images"), limit=actions.MAX_IMAGES)
        uploads = request.FILES.getlist("documents")[:actions.MAX_DOCUMENTS + 1]
        for upload in uploads:
            actions.check_document_size(upload.size or 0)  # before reading it
        documents = [(upload.name or "", upload.read()) for upload in uploads]
        return actions.do_attach(notice, acting_user=request.user, images=images, documents=documents)

    return _do(request, notice, run, _("Added to the notice."))


@route(DRAFT, model=Notice, where=Q(status=Status.DRAFT))
@login_required
@require_POST
def notice_detach(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_or_404(Notice.objects.filter(status=Status.DRAFT), request.user, DRAFT, pk=pk)
    image, document = request.POST.get("image", ""), request.POST.get("document", "")
    return _do(request, notice, lambda: actions.do_detach(
        notice, acting_user=request.user, image_id=int(image) if image.isdigit() else None,
        document_id=int(document) if document.isdigit() else None), _("Removed from the notice."))


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=6, title=url)


@route(VIEW, model=Notice, where=Q(status=Status.PUBLISHED))
@login_required
def notice_posters(request: HttpRequest, pk: int) -> HttpResponse:
    """One A4 poster per building of the audience, with a QR code to confirm reading."""
    user = request.user
    notice = get_or_404(Notice.objects.filter(status=Status.PUBLISHED), user, VIEW, pk=pk)
    buildings = list(queries.visible_households(user, notice).values_list("building_path", flat=True)
                     .distinct().order_by("building_path")[:500])
    names = {p.path: p for p in Place.objects.filter(path__in=buildings, level=Level.BUILDING)}
    posters = []
    for path in buildings:
        url = request.build_absolute_uri(reverse("notice_poster", kwargs={
            "token": tokens.building_token(notice.pk, path)}))
        place = names.get(path)
        posters.append({"name": f"{place.parent.name if place and place.parent else ''}{place.name if place else ''}",
                        "qr": _qr_svg(url), "url": url})
    images = _staff_files(notice)["images"]
    return render(request, "notices/posters.html", {"notice": notice, "posters": posters,
                                                    "image": images[0] if images else None})


# --- the households' own pages (no sign-in) ---------------------------------------------------------------

def _household_of(token: str) -> NoticeHousehold | None:
    pk = tokens.read_household(token)
    household = NoticeHousehold.objects.select_related("notice").filter(pk=pk).first() if pk else None
    if household is None or household.notice.status not in (Status.PUBLISHED, Status.WITHDRAWN):
        return None
    return household


def _bad_link(request: HttpRequest) -> HttpResponse:
    """A link cut short in a chat message, or mistyped: say so plainly (not "not found")."""
    return render(request, "notices/bad_link.html", status=400)


@route(public=True)
def household_link(request: HttpRequest, token: str) -> HttpResponse:
    """The household's short link: the notice, and 已知晓."""
    household = _household_of(token)
    if household is None:
        return _bad_link(request)
    notice = household.notice
    confirmed = False
    if request.method == "POST" and notice.status == Status.PUBLISHED:
        actions.do_confirm(household, via=Via.LINK)
        confirmed = True
    household.refresh_from_db()
    return render(request, "notices/public.html", {
        "notice": notice, "household": household, "confirmed": confirmed, "files": _household_files(notice, token),
        "done": household.reached_at is not None and not household.reread and household.reached_version == notice.version})


@route(public=True, model=NoticeImage, kwarg="image_pk")
@require_safe
def household_image(request: HttpRequest, token: str, image_pk: int) -> HttpResponse:
    household = _household_of(token)
    if household is None:
        return _bad_link(request)
    return _image(household.notice, image_pk)


@route(public=True, model=NoticeDocument, kwarg="document_pk")
@require_safe
def household_document(request: HttpRequest, token: str, document_pk: int) -> HttpResponse:
    household = _household_of(token)
    if household is None:
        return _bad_link(request)
    return _document(household.notice, document_pk)


def _poster_notice(token: str) -> tuple[Notice | None, str]:
    parsed = tokens.read_building(token)
    path = _building_path(parsed[1]) if parsed else ""
    notice = Notice.objects.filter(pk=parsed[0], status__in=[Status.PUBLISHED, Status.WITHDRAWN]).first() \
        if parsed and path else None
    return notice, path


@route(public=True, model=NoticeImage, kwarg="image_pk")
@require_safe
def poster_image(request: HttpRequest, token: str, image_pk: int) -> HttpResponse:
    notice, path = _poster_notice(token)
    if notice is None or not NoticeHousehold.objects.filter(notice=notice, building_path=path).exists():
        return _bad_link(request)
    return _image(notice, image_pk)


def _building_path(digits: str) -> str:
    widths = (2, 2, 2, 3, 3, 3, 3)
    parts, start = [], 0
    for width in widths:
        parts.append(digits[start:start + width])
        start += width
    return "/".join(parts) + "/" if start == len(digits) else ""


@route(public=True)
def poster_link(request: HttpRequest, token: str) -> HttpResponse:
    """A building's poster: choose the flat, then 已知晓."""
    notice, path = _poster_notice(token)
    households = NoticeHousehold.objects.filter(notice=notice, building_path=path).order_by("path")
    if notice is None or not households.exists():
        return _bad_link(request)
    chosen = None
    if request.method == "POST" and notice.status == Status.PUBLISHED:
        pick = request.POST.get("household", "")
        chosen = households.filter(pk=int(pick)).first() if pick.isdigit() else None
        if chosen is not None:
            actions.do_confirm(chosen, via=Via.POSTER)
        else:
            messages.error(request, _("Choose your flat from the list."))
    flats = [(h.pk, h.address.rsplit("号楼", 1)[-1] or h.address) for h in households]
    files = files_of(notice, lambda pk: reverse("notice_poster_image", args=[token, pk]), None)
    return render(request, "notices/poster_link.html", {"notice": notice, "flats": flats, "chosen": chosen,
                                                        "files": files},
                  status=422 if request.method == "POST" and chosen is None else 200)


# --- a resident's own notices ------------------------------------------------------------------------------

@route(signed_in=True)
@login_required
def my_notices(request: HttpRequest) -> HttpResponse:
    """The notices to her household, unread first; 已知晓 from here too."""
    user = request.user
    person = getattr(user, "person", None)
    if person is None or person.current_house_id is None:
        raise Http404
    rows = NoticeHousehold.objects.filter(house_id=person.current_house_id, notice__status=Status.PUBLISHED) \
        .select_related("notice")
    if request.method == "POST":
        pick = request.POST.get("household", "")
        chosen = rows.filter(pk=int(pick)).first() if pick.isdigit() else None
        if chosen is None:
            messages.error(request, _("Choose a notice from the list."))
        else:
            actions.do_confirm(chosen, via=Via.PAGE, person=person, acting_user=user)
            messages.success(request, _("Thank you: your household is recorded as informed."))
            return redirect("notices:mine")
    ordered = sorted(rows, key=lambda h: (h.reached_at is not None and not h.reread,
                                          -(h.notice.published_at or timezone.now()).timestamp()))[:50]
    for h in ordered:
        h.files = _household_files(h.notice, tokens.household_token(h.pk))  # type: ignore[attr-defined]
    return render(request, "notices/mine.html", {"rows": ordered})
